"""``make bench``: spikelib's numpy path against Elephant's object route, and training speed.

For each raster size it times firing rate + Fano factor + ISI CV both ways
on the same raster (Bernoulli, rate 0.3), prints the ratio and the largest
difference, then times ``summarize`` + ``fano_test`` + ``ljung_box`` on the
largest raster and traces their peak memory, and the follow-up's statistics
one by one. Then training on Fashion-MNIST: this machine's matrix-multiply
throughput, one epoch of MLP-512 and CNN-64 with plain ``model.fit`` and with
the compendium's loop (and the share of the matrix-multiply throughput the
loop reaches), 16 MLP-128s trained one after another against stacked in one
compiled graph (the model zoo's route), and the cost of recording the firing
rate after every batch.

Run ``python -m spikelib.pipeline.speed --help`` for options; ``--elephant-nodes``
times the (slow) Elephant route on the first N nodes only and says so.
"""

import argparse
import sys
import time
import tracemalloc

import numpy as np
import quantities as pq

from .._optional import soft_import
from ..assumptions import ljung_box
from ..intervals import isi_cv
from ..neo_io import to_spiketrains
from ..rates import firing_rate
from ..summary import summarize
from ..variability import fano_factor, fano_test
from . import elephant_route

WINDOW = 100


def _spikelib_stats(spikes):
    return firing_rate(spikes), fano_factor(spikes, WINDOW), isi_cv(spikes)


def _elephant_stats(spikes):
    trains = to_spiketrains(spikes, sampling_period=1 * pq.ms)
    return (
        elephant_route.firing_rate(trains, 1 * pq.ms),
        elephant_route.fano_factor(trains, WINDOW, 1 * pq.ms),
        elephant_route.isi_cv(trains, 1 * pq.ms),
    )


def _best_of(function, repeats):
    best, value = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def compare_with_elephant(n_nodes, n_samples, rate, elephant_nodes, seed=0):
    spikes = np.random.default_rng(seed).random((n_nodes, n_samples)) < rate
    fast_time, fast = _best_of(lambda: _spikelib_stats(spikes), repeats=5)
    subset = spikes[: elephant_nodes or n_nodes]
    slow_time, slow = _best_of(lambda: _elephant_stats(subset), repeats=1)
    scale = n_nodes / subset.shape[0]
    difference = max(
        float(np.nanmax(np.abs(a[: subset.shape[0]] - b))) for a, b in zip(fast, slow)
    )
    return {
        "shape": f"{n_nodes} x {n_samples}",
        "spikelib_s": fast_time,
        "elephant_s": slow_time * scale,
        "elephant_nodes": subset.shape[0],
        "ratio": slow_time * scale / fast_time,
        "max_abs_difference": difference,
    }


def network_budget(n_nodes, n_samples, rate, seed=0):
    spikes = np.random.default_rng(seed).random((n_nodes, n_samples)) < rate

    def work():
        return summarize(spikes, WINDOW), fano_test(spikes, WINDOW), ljung_box(spikes, lags=10)

    seconds, _ = _best_of(work, repeats=3)
    tracemalloc.start()
    tracemalloc.reset_peak()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"shape": f"{n_nodes} x {n_samples}", "seconds": seconds,
            "peak_bytes": peak, "raster_bytes": spikes.nbytes}


def _fashion_or_skip():
    from ..exceptions import DataError
    from ..experiment.data import load_dataset

    try:
        return load_dataset("fashion_mnist"), None
    except DataError as error:
        return None, {"skipped": str(error)}


def matmul_throughput(size=2048, repeats=5):
    """Dense float32 matrix-multiply throughput of this machine through TensorFlow, in GFLOP/s.

    Raises
    ------
    MissingDependencyError
        If TensorFlow is not installed.
    """
    tf = soft_import("tensorflow", "timing the matrix multiply")

    a = tf.random.uniform((size, size))
    b = tf.random.uniform((size, size))
    multiply = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    multiply()
    seconds, _ = _best_of(lambda: float(multiply()), repeats)
    return 2 * size**3 / seconds / 1e9


def _forward_flops_per_sample(network, upto=None):
    """Multiply-adds (2 FLOPs each) of each dense and convolution layer's forward pass, in order,
    up to and including the layer named ``upto``: a list of ``(layer name, FLOPs)``."""
    counts = []
    for layer in network.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            counts.append((layer.name, 2 * layer.kernel.shape[0] * layer.kernel.shape[1]))
        elif kind == "Conv2D":
            height, width, channels = layer.output.shape[1:]
            counts.append((layer.name, 2 * height * width * channels * int(np.prod(layer.kernel.shape[:3]))))
        if layer.name == upto:
            break
    return counts


def _training_flops_per_sample(network):
    """FLOPs of one training sample: each layer's forward pass and its weight gradient, and the input
    gradient of every layer but the first (whose input is the data: the compiled step never forms it)."""
    counts = [flops for _, flops in _forward_flops_per_sample(network)]
    return 2 * counts[0] + 3 * sum(counts[1:])


def probe_arithmetic_share(network, layer="observed", batch_size=256, probe_samples=200):
    """The probe's FLOPs (``probe_samples`` through the layers up to ``layer``) over one training step's.

    The floor of the per-batch protocol's cost when every layer trains: the
    probe can be fused or compiled, but its multiply-adds remain.
    """
    probe = sum(flops for _, flops in _forward_flops_per_sample(network, upto=layer))
    return probe_samples * probe / (batch_size * _training_flops_per_sample(network))


def training_throughput(model="mlp", width=512, epochs=2, seed=0):
    """Samples per second of one epoch on Fashion-MNIST: plain ``model.fit`` against the compendium's loop.

    Both take the paper's optimizer (SGD 0.1, no momentum), batch 256 and 10 %
    validation; ``model.fit`` runs as a user would call it (Keras' defaults),
    the compendium's loop as a cell runs it (deterministic kernels). Each is
    timed over ``epochs`` epochs after one epoch of warm-up (compilation).

    Raises
    ------
    MissingDependencyError
        If Keras is not installed.
    """
    keras = soft_import("keras", "timing training")

    from ..experiment.cell import seed_everything
    from ..experiment.models import build_model, compile_model
    from ..experiment.training import Trainer, epoch_order

    data, skipped = _fashion_or_skip()
    if skipped:
        return skipped
    x, y = data.x_train, data.y_train

    keras.utils.set_random_seed(seed)
    network = compile_model(build_model(model, width, data.input_shape, data.n_classes, seed=seed))
    network.fit(x, y, batch_size=256, epochs=1, validation_split=0.1, verbose=0)
    start = time.perf_counter()
    network.fit(x, y, batch_size=256, epochs=epochs, validation_split=0.1, verbose=0)
    fit_seconds = (time.perf_counter() - start) / epochs

    seed_everything(seed)
    network = build_model(model, width, data.input_shape, data.n_classes, seed=seed)
    trainer = Trainer(network, x, 0.1, 256, 0.1, "observed")
    trainer.set_labels(y)

    def epoch(number):
        trainer.train_epoch(epoch_order(seed, 0, number, trainer.n_fit))
        trainer.validate()

    epoch(0)
    start = time.perf_counter()
    for number in range(1, epochs + 1):
        epoch(number)
    loop_seconds = (time.perf_counter() - start) / epochs
    n = trainer.n_fit
    return {"model": f"{model}-{width}", "fit_seconds": fit_seconds, "loop_seconds": loop_seconds,
            "fit_samples_per_s": n / fit_seconds, "loop_samples_per_s": n / loop_seconds,
            "speed_up": fit_seconds / loop_seconds,
            "loop_gflops": n * _training_flops_per_sample(network) / loop_seconds / 1e9}


def stacked_speedup(n_networks=16, width=128, epochs=2, seed=0):
    """One epoch of ``n_networks`` MLPs on Fashion-MNIST: one after another against stacked in one graph.

    Each network has its own seed (weights and sample order) and learning
    rate. Both routes are timed over ``epochs`` epochs after one epoch of
    warm-up (compilation); the stacked networks end with the same weights as
    the sequential ones (to the differences of float32 summation order,
    checked in the tests on digits).
    """
    from ..experiment.models import build_model
    from ..experiment.stacked import StackedMLP
    from ..experiment.training import Trainer, epoch_order

    data, skipped = _fashion_or_skip()
    if skipped:
        return skipped
    seeds = [seed + k for k in range(n_networks)]
    rates = np.linspace(0.05, 0.2, n_networks)
    trainers = []
    for s, rate in zip(seeds, rates):
        trainer = Trainer(build_model("mlp", width, data.input_shape, data.n_classes, seed=s), data.x_train, 0.1,
                          256, rate, "observed")
        trainer.set_labels(data.y_train)
        trainer.train_epoch(epoch_order(s, 0, 0, trainer.n_fit))  # warm-up: compilation
        trainers.append(trainer)
    start = time.perf_counter()
    for number in range(1, epochs + 1):
        for s, trainer in zip(seeds, trainers):
            trainer.train_epoch(epoch_order(s, 0, number, trainer.n_fit))
    sequential = (time.perf_counter() - start) / epochs
    networks = [build_model("mlp", width, data.input_shape, data.n_classes, seed=s) for s in seeds]
    stack = StackedMLP(networks, data.x_train, data.y_train, 0.1, 256, rates)
    stack.train_epoch(np.stack([epoch_order(s, 0, 0, stack.n_fit) for s in seeds]))
    start = time.perf_counter()
    for number in range(1, epochs + 1):
        stack.train_epoch(np.stack([epoch_order(s, 0, number, stack.n_fit) for s in seeds]))
    stacked = (time.perf_counter() - start) / epochs
    return {"n_networks": n_networks, "width": width, "sequential_s": sequential, "stacked_s": stacked,
            "speed_up": sequential / stacked}


PROBE_STRIDE = 10


def callback_overhead(width=512, epochs=3, repeats=3, stride=PROBE_STRIDE, seed=0):
    """The cost of recording the firing rate on 100 + 100 probe samples during training.

    Two ways: the Keras callback :func:`firing_rate_recorder` with ``model.fit``
    (for users of ``fit``), and the compendium's loop with the probe computed
    inside the compiled training step (what cells do); each after every batch
    (the paper's protocol) and after every ``stride``-th batch. Each against the
    same training without recording; best of ``repeats``, interleaved. Also the
    probe's share of a training step's arithmetic (the per-batch floor).
    """
    from ..experiment.cell import seed_everything
    from ..experiment.models import build_model, compile_model
    from ..experiment.recording import firing_rate_recorder
    from ..experiment.training import Trainer, epoch_order

    data, skipped = _fashion_or_skip()
    if skipped:
        return skipped
    rng = np.random.default_rng(seed)
    probe = (data.x_train[rng.permutation(len(data.x_train))[:100]],
             data.x_test[rng.permutation(len(data.x_test))[:100]])
    every = {"fit": None, "fit_recorder": 1, "fit_recorder_strided": stride,
             "loop": None, "loop_probe": 1, "loop_probe_strided": stride}
    times = {kind: [] for kind in every}
    recorded = {}
    for _ in range(repeats):
        for kind, stride_of_kind in every.items():  # interleaved, so drifts hit all alike
            seed_everything(seed)
            network = build_model("mlp", width, data.input_shape, data.n_classes, seed=seed)
            if kind.startswith("fit"):
                compile_model(network)
                callbacks = [firing_rate_recorder(*probe, every=stride_of_kind)] if stride_of_kind else []
                network.fit(data.x_train[:2048], data.y_train[:2048], batch_size=256, epochs=1, verbose=0,
                            callbacks=callbacks)  # compile the graphs outside the timing
                warm_up = len(callbacks[0].mfr_train) if callbacks else 0
                start = time.perf_counter()
                network.fit(data.x_train, data.y_train, batch_size=256, epochs=epochs, validation_split=0.1,
                            verbose=0, callbacks=callbacks)
                if callbacks:
                    recorded[kind] = len(callbacks[0].mfr_train) - warm_up
            else:
                trainer = Trainer(network, data.x_train, 0.1, 256, 0.1, "observed",
                                  probe=probe if stride_of_kind else None, probe_every=stride_of_kind or 1)
                trainer.set_labels(data.y_train)
                trainer.train_epoch(epoch_order(seed, 0, 0, trainer.n_fit))
                start = time.perf_counter()
                measured = 0
                for number in range(1, epochs + 1):
                    rates = trainer.train_epoch(epoch_order(seed, 0, number, trainer.n_fit))[2]
                    trainer.validate()
                    if rates is not None:
                        measured += int(np.isfinite(rates[:, 0]).sum())
                if stride_of_kind:
                    recorded[kind] = measured
            times[kind].append(time.perf_counter() - start)
    best = {kind: min(values) for kind, values in times.items()}
    return {"width": width, "epochs": epochs, "stride": stride, **{f"{k}_s": v for k, v in best.items()},
            "fit_overhead": best["fit_recorder"] / best["fit"] - 1,
            "fit_strided_overhead": best["fit_recorder_strided"] / best["fit"] - 1,
            "loop_overhead": best["loop_probe"] / best["loop"] - 1,
            "loop_strided_overhead": best["loop_probe_strided"] / best["loop"] - 1,
            "probe_share": probe_arithmetic_share(network), "measurements": recorded}


def monitor_overhead(width=512, epochs=5, repeats=3, probe_size=1000, seed=0):
    """Training time with ``model.fit`` with and without the online :func:`memorization_monitor`.

    The monitor measures the firing rate on ``probe_size`` training samples
    once per epoch; best of ``repeats``, interleaved.
    """
    from ..experiment.cell import seed_everything
    from ..experiment.models import build_model, compile_model
    from ..experiment.monitor import memorization_monitor

    data, skipped = _fashion_or_skip()
    if skipped:
        return skipped
    probe = data.x_train[np.random.default_rng(seed).permutation(len(data.x_train))[:probe_size]]
    times = {"without": [], "with": []}
    for _ in range(repeats):
        for kind in times:
            seed_everything(seed)
            network = compile_model(build_model("mlp", width, data.input_shape, data.n_classes, seed=seed))
            callbacks = [memorization_monitor(probe, verbose=False)] if kind == "with" else []
            network.fit(data.x_train[:2048], data.y_train[:2048], batch_size=256, epochs=1, verbose=0,
                        callbacks=callbacks)
            start = time.perf_counter()
            network.fit(data.x_train, data.y_train, batch_size=256, epochs=epochs, validation_split=0.1,
                        verbose=0, callbacks=callbacks)
            times[kind].append(time.perf_counter() - start)
    without, with_ = min(times["without"]), min(times["with"])
    return {"width": width, "epochs": epochs, "probe_size": probe_size, "without_s": without, "with_s": with_,
            "overhead": with_ / without - 1}


def correlation_speed(n_nodes=512, n_samples=60_000, rate=0.3, seed=0):
    """Seconds of the follow-up's statistics on one large raster, each alone."""
    from ..activation import activation_summary
    from ..bernoulli import dispersion_test, excess_fano
    from ..correlation import correlation_summary
    from ..intervals import isi_fit

    spikes = np.random.default_rng(seed).random((n_nodes, n_samples)) < rate
    timings = {}
    for name, function in (("activation_summary", lambda: activation_summary(spikes)),
                           ("correlation_summary", lambda: correlation_summary(spikes)),
                           ("dispersion_test", lambda: dispersion_test(spikes, WINDOW)),
                           ("excess_fano", lambda: excess_fano(spikes, WINDOW)),
                           ("isi_fit", lambda: isi_fit(spikes))):
        timings[name], _ = _best_of(function, repeats=3)
    return {"shape": f"{n_nodes} x {n_samples}", **timings}


class Skipped(Exception):
    """A benchmark that could not run here, and why (its data set is missing, say)."""


def _row_or_skip(row):
    if "skipped" in row:
        raise Skipped(row["skipped"])
    return row


def _overhead(fraction):
    """An overhead in words: a negative or tiny one is timing noise, and says so."""
    text = f"{100 * fraction:+.1f} %".replace("-", "−")
    return text + (" (within the timing noise: the runs with and without vary by more)" if fraction < 0.02 else "")


def benchmarks(args):
    """The benchmarks of the statistics and the training, as ``(name, function)``; each function prints its
    details and returns its headline figure, or raises :class:`Skipped` with the reason."""
    items = []

    def elephant(n_samples):
        row = compare_with_elephant(args.nodes, n_samples, args.rate, args.elephant_nodes)
        note = "" if row["elephant_nodes"] == args.nodes else f" (Elephant timed on {row['elephant_nodes']} nodes, scaled)"
        print(f"  {row['shape']}: spikelib {row['spikelib_s']:.3f} s, Elephant {row['elephant_s']:.1f} s, "
              f"largest difference {row['max_abs_difference']:.1e}{note}")
        return f"{row['ratio']:.0f}× faster than Elephant's object route, largest difference {row['max_abs_difference']:.0e}"

    for n_samples in args.samples:
        items.append((f"rate, Fano and ISI CV on {args.nodes} × {n_samples:,}", lambda n=n_samples: elephant(n)))

    def budget():
        row = network_budget(args.nodes, max(args.samples), args.rate)
        return (f"{row['seconds']:.3f} s, peak memory {row['peak_bytes'] / row['raster_bytes']:.2f}× the raster "
                f"({row['raster_bytes'] / 2**20:.1f} MiB)")

    items.append((f"summarize + fano_test + ljung_box on {args.nodes} × {max(args.samples):,}", budget))

    def followup():
        speeds = correlation_speed(args.nodes, max(args.samples), args.rate)
        speeds.pop("shape")
        return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in speeds.items())

    items.append((f"the follow-up's statistics on {args.nodes} × {max(args.samples):,}", followup))
    if args.skip_training:
        return items
    state = {}

    def matmul():
        state["gflops"] = matmul_throughput()
        return f"{state['gflops']:.0f} GFLOP/s (2048 × 2048, float32)"

    items.append(("matrix multiply, TensorFlow", matmul))

    def training(model, width):
        row = _row_or_skip(training_throughput(model, width))
        share = f", {row['loop_gflops'] / state['gflops']:.0%} of the matrix-multiply rate" if "gflops" in state else ""
        return (f"the compendium's loop {row['speed_up']:.2f}× model.fit ({row['loop_samples_per_s']:,.0f} against "
                f"{row['fit_samples_per_s']:,.0f} samples/s){share}")

    for model, width in (("mlp", 64), ("mlp", 128), ("mlp", 256), ("mlp", 512), ("cnn", 64)):
        items.append((f"training {model.upper()}-{width}, one epoch of Fashion-MNIST",
                      lambda m=model, w=width: training(m, w)))

    def stacked():
        row = _row_or_skip(stacked_speedup())
        return (f"{row['n_networks']} MLP-{row['width']}s: one after another {row['sequential_s']:.2f} s, stacked "
                f"{row['stacked_s']:.2f} s ({row['speed_up']:.2f}×)")

    items.append(("stacked training", stacked))

    def recorder():
        row = _row_or_skip(callback_overhead())
        print(f"  every {row['stride']}th batch and each epoch's last: callback "
              f"{_overhead(row['fit_strided_overhead'])}, inside the step {_overhead(row['loop_strided_overhead'])}")
        return (f"after every batch (the paper's protocol): Keras callback {_overhead(row['fit_overhead'])}, inside "
                f"the compendium's step {_overhead(row['loop_overhead'])}")

    items.append(("firing-rate recorder, MLP-512", recorder))

    def monitor():
        row = _row_or_skip(monitor_overhead())
        return f"{_overhead(row['overhead'])} on {row['epochs']} epochs of model.fit"

    items.append(("online memorization monitor, MLP-512", monitor))
    return items


def run_benchmarks(items, out=print):
    """Run each benchmark, then print a summary table: each with its figure, or SKIPPED or FAILED and the whole
    reason. Returns the exit status: 0, or 1 when a benchmark asked for could not run."""
    import traceback

    results = []
    for name, function in items:
        out(f"\n{name}", flush=True)
        started = time.perf_counter()
        try:
            figure = function()
            results.append((name, "ok", figure, time.perf_counter() - started))
            out(f"  {figure}")
        except Skipped as reason:
            results.append((name, "SKIPPED", str(reason), 0.0))
            out(f"  SKIPPED: {reason}")
        except Exception as error:  # noqa: BLE001 - a failed benchmark is reported, the others still run
            results.append((name, "FAILED", f"{type(error).__name__}: {error}", 0.0))
            out(f"  FAILED: {traceback.format_exc(limit=3)}")
    out("\nSummary")
    width = max(len(name) for name, *_ in results)
    for name, status, figure, seconds in results:
        said = figure if status == "ok" else f"{status}: {figure}"
        out(f"  {name:<{width}}  {said}")
    missing = [name for name, status, *_ in results if status != "ok"]
    if missing:
        out(f"\n{len(missing)} of {len(results)} benchmarks did not run (see above): exit status 1")
    return 1 if missing else 0


def add_arguments(parser):
    """The options of the statistics and training benchmarks."""
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--nodes", type=int, default=512)
    parser.add_argument("--samples", type=int, nargs="+", default=[10_000, 60_000])
    parser.add_argument("--elephant-nodes", type=int, default=None,
                        help="time Elephant on the first N nodes and scale to all (default: all)")
    parser.add_argument("--skip-training", action="store_true", help="skip the training benchmarks")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m spikelib.pipeline.speed", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_benchmarks(benchmarks(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
