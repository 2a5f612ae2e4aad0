"""``make bench``: spikelib's numpy path against Elephant's object route.

For each raster size it times firing rate + Fano factor + ISI CV both ways
on the same raster (Bernoulli, rate 0.3), prints the ratio and the largest
difference, then times ``summarize`` + ``fano_test`` + ``ljung_box`` on the
largest raster and traces their peak memory, and finally times MLP training
on Fashion-MNIST with and without the firing-rate-during-training callback.

Run ``python -m spikelib.pipeline.bench --help`` for options; ``--elephant-nodes``
times the (slow) Elephant route on the first N nodes only and says so.
"""

import argparse
import time
import tracemalloc

import numpy as np
import quantities as pq

from .. import elephant_route
from ..assumptions import ljung_box
from ..intervals import isi_cv
from ..neo_io import to_spiketrains
from ..rates import firing_rate
from ..summary import summarize
from ..variability import fano_factor, fano_test

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


def callback_overhead(width=512, epochs=3, repeats=3, seed=0):
    """Training time of the MLP on Fashion-MNIST with and without FiringRateRecorder.

    Returns ``None`` when Fashion-MNIST is not available offline.
    """
    from ..exceptions import DataError
    from ..experiment.cell import seed_everything
    from ..experiment.data import load_dataset
    from ..experiment.models import build_model, compile_model
    from ..experiment.recording import FiringRateRecorder

    try:
        data = load_dataset("fashion_mnist")
    except DataError as error:
        return {"skipped": str(error)}
    rng = np.random.default_rng(seed)
    probe_train = data.x_train[rng.permutation(len(data.x_train))[:100]]
    probe_test = data.x_test[rng.permutation(len(data.x_test))[:100]]
    times = {"without": [], "with": []}
    for _ in range(repeats):
        for kind in ("without", "with"):  # interleaved, so drifts hit both alike
            seed_everything(seed)
            network = compile_model(build_model("mlp", width, data.input_shape, data.n_classes, seed=seed))
            callbacks = [FiringRateRecorder(probe_train, probe_test)] if kind == "with" else []
            network.fit(data.x_train[:1024], data.y_train[:1024], batch_size=256, epochs=1, verbose=0,
                        callbacks=callbacks)  # compile the graphs outside the timing
            start = time.perf_counter()
            network.fit(data.x_train, data.y_train, batch_size=256, epochs=epochs, validation_split=0.1,
                        verbose=0, callbacks=callbacks)
            times[kind].append(time.perf_counter() - start)
            if kind == "with":
                n_batches = len(callbacks[0].mfr_train)
    without, with_ = min(times["without"]), min(times["with"])
    return {"width": width, "epochs": epochs, "without_s": without, "with_s": with_,
            "overhead": with_ / without - 1, "batches_recorded": n_batches}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m spikelib.pipeline.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--nodes", type=int, default=512)
    parser.add_argument("--samples", type=int, nargs="+", default=[10_000, 60_000])
    parser.add_argument("--elephant-nodes", type=int, default=None,
                        help="time Elephant on the first N nodes and scale to all (default: all)")
    parser.add_argument("--skip-training", action="store_true", help="skip the callback-overhead row")
    args = parser.parse_args(argv)

    print(f"spikelib vs Elephant object route: firing rate + Fano (window {WINDOW}) + ISI CV,"
          f" Bernoulli rate {args.rate}")
    print(f"{'raster':>14} {'spikelib':>10} {'Elephant':>10} {'ratio':>8} {'max |diff|':>11}")
    for n_samples in args.samples:
        row = compare_with_elephant(args.nodes, n_samples, args.rate, args.elephant_nodes)
        note = "" if row["elephant_nodes"] == args.nodes else f"  (Elephant timed on {row['elephant_nodes']} nodes, scaled)"
        print(f"{row['shape']:>14} {row['spikelib_s']:>9.3f}s {row['elephant_s']:>9.1f}s "
              f"{row['ratio']:>7.0f}x {row['max_abs_difference']:>11.1e}{note}", flush=True)

    budget = network_budget(args.nodes, max(args.samples), args.rate)
    print(f"\nsummarize + fano_test + ljung_box(lags=10) on {budget['shape']}: "
          f"{budget['seconds']:.3f} s; peak traced memory {budget['peak_bytes'] / 2**20:.1f} MiB"
          f" = {budget['peak_bytes'] / budget['raster_bytes']:.2f} x the raster"
          f" ({budget['raster_bytes'] / 2**20:.1f} MiB)")

    if not args.skip_training:
        row = callback_overhead()
        if "skipped" in row:
            print(f"\nfiring-rate callback: skipped ({row['skipped'][:120]})")
        else:
            print(f"\nfiring-rate callback, MLP-{row['width']} on Fashion-MNIST, {row['epochs']} epochs: "
                  f"{row['without_s']:.1f} s without, {row['with_s']:.1f} s with "
                  f"({row['batches_recorded']} batches recorded): overhead {100 * row['overhead']:+.1f}%")


if __name__ == "__main__":
    main()
