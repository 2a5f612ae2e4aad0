"""`make bench`'s runner: a summary of every figure, the whole reason of a benchmark that could not run, and an
exit status that says so."""

from spikelib.pipeline.speed import Skipped, _overhead, run_benchmarks


def test_the_summary_names_every_benchmark_and_the_exit_status_reports_a_skip():
    lines = []

    def missing():
        raise Skipped("Fashion-MNIST is not on this machine: " + "a reason that is long " * 10)

    def broken():
        raise RuntimeError("boom")

    status = run_benchmarks([("fast", lambda: "1.0 s"), ("needs data", missing), ("broken", broken)],
                            out=lambda *a, **k: lines.append(" ".join(map(str, a))))
    summary = "\n".join(lines).split("Summary", 1)[1]
    assert status == 1
    assert "fast" in summary and "1.0 s" in summary
    assert "SKIPPED: Fashion-MNIST is not on this machine" in summary and summary.count("a reason that is long") == 10
    assert "FAILED: RuntimeError: boom" in summary
    assert run_benchmarks([("fast", lambda: "1.0 s")], out=lambda *a, **k: None) == 0


def test_an_overhead_below_the_noise_says_so():
    assert "timing noise" in _overhead(-0.257) and "−25.7 %" in _overhead(-0.257)
    assert _overhead(0.31) == "+31.0 %"
