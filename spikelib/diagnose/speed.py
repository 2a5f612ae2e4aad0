"""How long ``spikelib diagnose`` takes on a network of the compendium's size (``make bench``).

An MLP-512 of the compendium's design (untrained: the time does not depend on the weights) is saved as a
Keras file and diagnosed on 10,000 samples of Fashion-MNIST's size, with labels: opening the file, the
recording in batches, the measures and the placement against the committed reference are timed apart.
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["diagnose_speed"]


def diagnose_speed(width=512, n_samples=10_000, seed=0):
    """Seconds to open, record and measure, and place an MLP of ``width`` nodes on ``n_samples`` samples.

    Returns
    -------
    dict
        ``open_s, record_s, measure_s, place_s, total_s``, the raster's shape, and ``memory_mib``: how far the
        process's peak resident memory rose above its size before the recording (the samples themselves
        excluded: they were made before).
    """
    import resource

    import psutil

    from ..experiment.models import build_model
    from .measure import measure, record
    from .models import open_network
    from .reference import load_reference
    from .verdict import calibrate, overall

    rng = np.random.default_rng(seed)
    x = rng.random((n_samples, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n_samples)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"mlp-{width}.keras"
        build_model("mlp", width, (28, 28, 1), seed=seed).save(path)
        started = time.perf_counter()
        network = open_network(path)
        opened = time.perf_counter()
        before = psutil.Process().memory_info().rss
        recording = record(network, x, y)
        recorded = time.perf_counter()
        values = measure(recording)
        measured = time.perf_counter()
        table, info = load_reference()
        calibration, counts = calibrate(values, table, info, network.family, width, n_samples)
        overall(calibration, counts, info)
        placed = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return {"memory_mib": max(0, peak - before) / 2**20, "shape": recording.spikes.shape, "open_s": opened - started, "record_s": recorded - opened,
            "measure_s": measured - recorded, "place_s": placed - measured, "total_s": placed - started}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m spikelib.diagnose.speed", description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--samples", type=int, nargs="+", default=[10_000, 60_000])
    args = parser.parse_args(argv)
    for n_samples in args.samples:
        row = diagnose_speed(args.width, n_samples)
        print(f"\nspikelib diagnose, MLP-{args.width} on {n_samples:,} samples with labels (raster {row['shape']}): "
              f"{row['total_s']:.1f} s: opening the file {row['open_s']:.1f} s, recording {row['record_s']:.1f} s, "
              f"the measures {row['measure_s']:.1f} s, the placement {row['place_s']:.2f} s; peak memory "
              f"{row['memory_mib']:.0f} MiB above the start of the recording")


if __name__ == "__main__":
    main()
