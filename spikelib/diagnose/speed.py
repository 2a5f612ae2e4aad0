"""How long ``spikelib diagnose`` takes (``make bench``).

Against the committed reference: an MLP-512 of the compendium's design (untrained: the time does not depend
on the weights) is saved as a Keras file and diagnosed on 10,000 samples of Fashion-MNIST's size, with labels:
opening the file, the recording in batches, the measures and the placement are timed apart.

Calibrated on the samples (the default): an MLP trained with Adam until it fits a Fashion-MNIST subset is
diagnosed by the command itself, as a user runs it, once with an empty cache (the controls train) and once
more (they are read from the cache); the wall time of each includes the command's start-up.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .._optional import soft_import

__all__ = ["diagnose_speed", "calibrated_speed"]


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


def calibrated_speed(width, n_samples, seed=0):
    """Wall seconds of ``spikelib diagnose`` with its controls on an MLP of ``width`` that fits ``n_samples``
    Fashion-MNIST samples: the first run (controls trained) and a second (read from the cache).

    Returns
    -------
    dict
        ``first_s, cached_s``, the verdict, the controls' epochs, and ``train_s`` (the network's own training,
        not part of the diagnosis).

    Raises
    ------
    DataError
        If Fashion-MNIST is not on this machine.
    """
    import json
    import os
    import subprocess
    import sys

    from ..experiment.data import load_dataset, training_subset
    from ..experiment.models import build_model
    from .fit import train_to_fit

    data = training_subset(load_dataset("fashion_mnist"), n_samples)
    network = build_model("mlp", width, data.input_shape, seed=seed)
    keras = soft_import("keras", "timing training")

    network.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    started = time.perf_counter()
    train_to_fit([network], data.x_train, data.y_train[None], 0.99, {"class_name": "Adam", "config": {}},
                 batch_size=32, seed=seed)
    trained = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        network.save(folder / "model.keras")
        np.savez(folder / "train.npz", x=data.x_train, y=data.y_train)
        command = [sys.executable, "-m", "spikelib.diagnose.cli", "diagnose", str(folder / "model.keras"), "--data",
                   str(folder / "train.npz"), "--json", str(folder / "d.json")]
        environment = {**os.environ, "SPIKELIB_CACHE_DIR": str(folder / "cache")}
        times = []
        for _ in range(2):
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=environment)
            times.append(time.perf_counter() - began)
        said = json.loads((folder / "d.json").read_text())["calibrated"]
    epochs = {group: [c["epochs"] for c in members] for group, members in said["controls"]["groups"].items()}
    return {"first_s": times[0], "cached_s": times[1], "verdict": said["verdict"], "epochs": epochs,
            "train_s": trained}


def benchmarks(args):
    """The diagnosis benchmarks as ``(name, function)`` (see :func:`spikelib.pipeline.speed.run_benchmarks`)."""
    from ..pipeline.speed import Skipped

    items = []

    def calibrated(width, n_samples):
        from ..exceptions import DataError

        try:
            row = calibrated_speed(width, n_samples)
        except DataError as error:
            raise Skipped(str(error)) from None
        print(f"  controls' epochs: own-label {row['epochs']['own']}, teacher {row['epochs']['teacher']}, permuted "
              f"{row['epochs']['permuted']}; verdict {row['verdict']}; the network's own training took "
              f"{row['train_s']:.0f} s (not part of the diagnosis)")
        return f"{row['first_s']:.0f} s with its controls trained, {row['cached_s']:.1f} s again from the cache"

    for item in args.calibrated:
        width, n_samples = (int(v) for v in item.split(":"))
        items.append((f"spikelib diagnose, calibrated: MLP-{width} fitting {n_samples:,} Fashion-MNIST samples",
                      lambda w=width, n=n_samples: calibrated(w, n)))

    def reference_only(n_samples):
        row = diagnose_speed(args.width, n_samples)
        print(f"  opening {row['open_s']:.1f} s, recording {row['record_s']:.1f} s, measures {row['measure_s']:.1f} s, "
              f"placement {row['place_s']:.2f} s; raster {row['shape']}")
        return f"{row['total_s']:.1f} s, peak memory {row['memory_mib']:.0f} MiB above the start of the recording"

    for n_samples in args.reference_samples:
        items.append((f"spikelib diagnose --reference: MLP-{args.width} on {n_samples:,} samples",
                      lambda n=n_samples: reference_only(n)))
    items.append(("spikelib diagnose on data the reference lacks (committed transfer and held-out networks)",
                  transfer_evidence))
    return items


def transfer_evidence(out=print):
    """The diagnose page's Tables 1 and 2 from the committed networks: each way of diagnosing, right, wrong and
    cannot tell, on the transfer set (leave one data set out) and on the held-out set; and its Table 3 in words
    (rules fitted with hindsight)."""
    import textwrap

    from .reference import load_reference
    from .transfer_report import held_out_evidence, hindsight_reading, hindsight_rules
    from .transfer_report import transfer_evidence as transfer_set

    reference, record = load_reference()
    found = {"transfer set": transfer_set(reference, record), "held-out set": held_out_evidence(reference, record)}
    said = []
    for name, evidence in found.items():
        summary = evidence["summary"]
        out(f"  {name}:")
        out(textwrap.indent(summary[["networks", "right", "wrong", "cannot tell"]].to_string(), "    "))
        row = summary.loc["calibrated"]
        said.append(f"{name}: calibrated {row['right']} right, {row['wrong']} wrong, {row['cannot tell']} cannot tell "
                    f"of {row['networks']}")
    rules = hindsight_rules(found["transfer set"]["scores"], found["held-out set"]["scores"])
    out(textwrap.indent(textwrap.fill(hindsight_reading(rules), 110), "  "))
    return "; ".join(said)


def main(argv=None):
    """``make bench``: the statistics, the training and the diagnosis, with a summary of every figure."""
    from ..pipeline import speed

    parser = argparse.ArgumentParser(prog="python -m spikelib.diagnose.speed", description="make bench: " +
                                     speed.__doc__.splitlines()[0])
    speed.add_arguments(parser)
    parser.add_argument("--width", type=int, default=512, help="the reference-only diagnosis's MLP width")
    parser.add_argument("--reference-samples", type=int, nargs="+", default=[10_000, 60_000])
    parser.add_argument("--calibrated", nargs="*", default=["128:2000", "512:10000"], metavar="WIDTH:SAMPLES",
                        help="calibrated diagnoses to time (default 128:2000 512:10000)")
    args = parser.parse_args(argv)
    return speed.run_benchmarks(speed.benchmarks(args) + benchmarks(args))


if __name__ == "__main__":
    sys.exit(main())
