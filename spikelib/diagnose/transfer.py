"""Does a diagnosis transfer? Networks trained on data and with an optimizer the committed reference never saw.

The committed reference networks are Fashion-MNIST networks trained with SGD.
A researcher's network is almost never one of those. This module trains a set
of networks the way a researcher might (Keras, Adam, batches of 32, until they
fit their samples) on three data sets: scikit-learn's digits, Fashion-MNIST,
and a synthetic task, on clean, half-shuffled and shuffled labels, at several
widths and sizes, with one convolutional network and one two-layer MLP; then
diagnoses each of them, against the committed reference and against
data-matched controls (:mod:`spikelib.diagnose.controls`), and keeps every
measure, so that the verdict rules can be scored on networks they were not
calibrated on.

``python -m spikelib.diagnose.transfer`` trains and diagnoses what is not
done yet (resumable: each network's files are written atomically when it is
finished), printing one line per network. Results go to
``results/transfer/<network id>/``: ``model.keras``, ``network.json`` (what
it is and its truth: label noise, training fit, test accuracy) and
``diagnosis.json`` (the user's network's measures, the controls').
``python -m spikelib.diagnose.transfer --held-out`` does the same for the
held-out set, in ``results/transfer-held-out/``: networks of other widths,
sizes and seeds, trained after the verdicts' rules and thresholds were fixed
on the transfer set, and never added to the reference.

Classes
-------
TransferNetwork
    One network of the set: data set, family, depth, width, samples, label noise, seed.

Functions
---------
networks, held_out_networks
    The declared set; the held-out set, declared after the verdicts' rules were fixed on the first.
samples
    A network's training samples, its labels (noisy as trained) and the clean test split.
train_network, diagnose_network
    One network trained and saved; diagnosed and saved.
run
    Everything not done yet.
transfer_table
    One row per diagnosed network: its truth and every measure of it and of its controls.

How the diagnosed networks are scored, and how they join the reference, is :mod:`spikelib.diagnose.scoring`.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from ..storage import write_atomically, write_json

__all__ = ["TransferNetwork", "networks", "held_out_networks", "samples", "train_network", "diagnose_network", "run",
           "transfer_table", "DATASETS", "FOLDER", "HELD_OUT_FOLDER", "SETS", "TRUTH", "OPTIMIZER"]

#: Where the transfer networks live.
FOLDER = "transfer"
#: Where the held-out networks live: declared after the verdicts' rules and thresholds were fixed on the transfer
#: set, never added to the reference, so that the rules are scored on networks they were not calibrated on.
HELD_OUT_FOLDER = "transfer-held-out"
#: The data sets, and how each is made.
DATASETS = {"digits": "scikit-learn's digits (8 x 8 images, its bundled split)",
            "fashion_mnist": "Fashion-MNIST (a seeded subset of its training split; its test split)",
            "synthetic": "a synthetic task: scikit-learn's make_classification, 40 features (20 informative), "
                         "5 classes of 2 clusters each"}
#: What each label condition is, and the verdict that is right for it: a network that fits labels of which a
#: large share are noise memorizes them.
TRUTH = {0.0: "clean-like", 0.5: "memorizing-like", 1.0: "memorizing-like"}
#: What every transfer network trains with (the committed reference's networks: SGD).
OPTIMIZER = "Adam"
#: The fit a transfer network trains to (evaluated on its samples after every epoch, as the compendium's).
FIT = 0.99
_SYNTHETIC_SEED, _SYNTHETIC_TEST = 20261207, 2000


@dataclass(frozen=True)
class TransferNetwork:
    """One network of the transfer set."""

    dataset: str
    model: str
    width: int
    samples: int
    noise: float
    seed: int = 0
    depth: int = 1
    batch_size: int = 32

    @property
    def id(self):
        depth = f"x{self.depth}" if self.depth > 1 else ""
        return (f"{self.dataset}-{self.model}{depth}-{self.width}-n{self.samples}-noise{self.noise:g}"
                f"-seed{self.seed}")

    @property
    def truth(self):
        return TRUTH[self.noise]


def networks():
    """The declared transfer set: 42 networks."""
    found = []
    sizes = {"digits": (500, 1347), "fashion_mnist": (1000, 4000), "synthetic": (1000, 4000)}
    for dataset, ns in sizes.items():
        for width in (128, 512):
            for n in ns:
                for noise in TRUTH:
                    found.append(TransferNetwork(dataset, "mlp", width, n, noise, seed=len(found) % 5))
    for noise in TRUTH:
        found.append(TransferNetwork("fashion_mnist", "cnn", 128, 1000, noise, seed=1))
        found.append(TransferNetwork("fashion_mnist", "mlp", 256, 2000, noise, seed=2, depth=2, batch_size=128))
    return found


def held_out_networks():
    """The held-out set: 21 networks of widths, sizes and seeds the transfer set lacks (MLP-256 on 1,000 digits and on
    2,000 samples of Fashion-MNIST and of the synthetic task, two seeds each; a CNN with 64 observed nodes on 2,000
    Fashion-MNIST samples), on clean, half-shuffled and shuffled labels."""
    found = []
    for dataset, n in {"digits": 1000, "fashion_mnist": 2000, "synthetic": 2000}.items():
        for seed in (10, 11):
            for noise in TRUTH:
                found.append(TransferNetwork(dataset, "mlp", 256, n, noise, seed=seed))
    for noise in TRUTH:
        found.append(TransferNetwork("fashion_mnist", "cnn", 64, 2000, noise, seed=12))
    return found


#: Each set's folder, its declared networks, and the command that trains and diagnoses them.
SETS = {FOLDER: (networks, "python -m spikelib.diagnose.transfer"),
        HELD_OUT_FOLDER: (held_out_networks, "python -m spikelib.diagnose.transfer --held-out")}


def samples(network):
    """``(x, y, x_test, y_test)``: the training samples with the labels the network trains on (``noise`` of them
    shuffled among themselves, seeded), and the clean test split.

    Raises
    ------
    MissingDependencyError
        If scikit-learn (the synthetic task) is not installed.
    DataError
        If the network's data set cannot be loaded (Fashion-MNIST not installed).
    """
    from ..experiment.training import noisy_labels

    if network.dataset == "synthetic":
        make_classification = soft_import("sklearn.datasets", "the synthetic task").make_classification
        x, y = make_classification(n_samples=4000 + _SYNTHETIC_TEST, n_features=40, n_informative=20, n_redundant=5,
                                   n_classes=5, n_clusters_per_class=2, class_sep=1.0, random_state=_SYNTHETIC_SEED)
        x = x.astype(np.float32)
        x_train, y_train, x_test, y_test = x[:network.samples], y[:network.samples], x[4000:], y[4000:]
    else:
        from ..experiment.data import load_dataset, training_subset

        data = load_dataset(network.dataset)
        if network.samples < len(data.x_train):
            data = training_subset(data, network.samples)
        x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    y_noisy = noisy_labels(np.asarray(y_train), network.noise, seed=network.seed)[0]
    return x_train, y_noisy.astype(np.int64), x_test, np.asarray(y_test, dtype=np.int64)


def _build(network, input_shape, n_classes):
    keras = soft_import("keras", "building a transfer network")
    from ..experiment.models import build_model

    if network.model == "cnn":  # a small CNN with pooling (the compendium's has none): 1.4 MB, not 11
        keras.utils.set_random_seed(network.seed)
        inputs = keras.Input(input_shape, name="input")
        hidden = keras.layers.Conv2D(16, 3, activation="relu", name="conv")(inputs)
        hidden = keras.layers.MaxPooling2D(2, name="pool")(hidden)
        hidden = keras.layers.Flatten(name="flatten")(hidden)
        hidden = keras.layers.Dense(network.width, activation="relu", name="observed")(hidden)
        model = keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax", name="output")(hidden))
    else:
        model = build_model("mlp", network.width, input_shape, n_classes, seed=network.seed, depth=network.depth)
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return model


def train_network(network, root):
    """Train one transfer network with Adam until it fits ``FIT`` of its samples; write its folder.

    Returns
    -------
    dict
        What ``network.json`` holds.
    """
    from .fit import train_to_fit

    folder = Path(root) / network.id
    x, y, x_test, y_test = samples(network)
    n_classes = int(max(y.max(), y_test.max())) + 1
    model = _build(network, x.shape[1:], n_classes)
    started = time.perf_counter()
    result, = train_to_fit([model], x, y[None], FIT, {"class_name": "Adam", "config": {}},
                           batch_size=network.batch_size, seed=network.seed)
    predictions = np.concatenate([np.asarray(model(x_test[i:i + 4096], training=False)).argmax(axis=1)
                                  for i in range(0, len(x_test), 4096)])
    record = {**asdict(network), "id": network.id, "truth": network.truth, "fit": result.fit, "reached": result.reached,
              "epochs": result.epochs, "test_accuracy": float((predictions == y_test).mean()),
              "train_seconds": time.perf_counter() - started, "optimizer": "Adam (learning rate 0.001)",
              "dataset_description": DATASETS[network.dataset]}
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "model.keras", lambda handle: _save(model, handle))
    write_json(folder / "network.json", record)
    return record


def _save(model, handle):
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:  # Keras writes by file name, and wants the suffix
        path = os.path.join(scratch, "model.keras")
        model.save(path)
        with open(path, "rb") as source:
            handle.write(source.read())


#: The diagnoses each network gets: the file, and the controls' batch size (``None``: the command's default; an
#: int; ``"own"``: the batch size the network was trained with, as a researcher who knows it would give it).
DIAGNOSES = {"diagnosis.json": None, "diagnosis-own-batch.json": "own"}


def diagnose_network(network, root, reference=None, n_controls=3, cache=None, name="diagnosis.json"):
    """Diagnose one trained transfer network against the committed reference and against its controls.

    Returns
    -------
    dict
        What ``diagnosis.json`` (or ``name``) holds: the network's measures, the committed-reference verdict, the
        controls.
    """
    from . import diagnose

    folder = Path(root) / network.id
    x, y, _, _ = samples(network)
    batch = DIAGNOSES[name]
    result = diagnose(folder / "model.keras", x, y, reference=reference, calibrate=True, controls=n_controls,
                      cache=cache, batch_size=network.batch_size if batch == "own" else batch)
    payload = result.to_dict()
    payload["model"] = paths.repository_relative(payload["model"])  # what is committed names no machine's folder
    write_json(folder / name, payload)
    return payload


def run(root=None, only=None, n_controls=3, cache=None, log=print, held_out=False):
    """Train and diagnose every transfer network not done yet; one line per network.

    Parameters
    ----------
    root : str or os.PathLike, optional
        Default ``results/transfer`` (``results/transfer-held-out`` for the held-out set).
    only : str, optional
        Only the networks whose id contains it.
    held_out : bool
        The held-out set (:func:`held_out_networks`) instead of the transfer set.
    """
    name = HELD_OUT_FOLDER if held_out else FOLDER
    root = Path(root or paths.results_dir() / name)
    todo = [n for n in SETS[name][0]() if only is None or only in n.id]
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for index, network in enumerate(todo, 1):
        folder = root / network.id
        step = time.perf_counter()
        did = []
        if not (folder / "network.json").is_file() or not (folder / "model.keras").is_file():
            record = train_network(network, root)
            did.append(f"trained in {record['epochs']} epochs to fit {record['fit']:.1%}")
        for name in DIAGNOSES:
            if not (folder / name).is_file():
                diagnose_network(network, root, n_controls=n_controls, cache=cache, name=name)
                did.append(f"diagnosed ({name})")
        elapsed = time.perf_counter() - started
        log(f"[{index}/{len(todo)}] {network.id}: {', '.join(did) or 'done before'} "
            f"({time.perf_counter() - step:.0f} s; {elapsed / 60:.1f} min in all)", flush=True)
        write_manifest(root, started_at, name)
    return root


def write_manifest(root, started_at=None, name=FOLDER):
    """``manifest.json``: every transfer network's files with their SHA-256, the machine and the versions.

    The models are not committed (they are remade by ``python -m spikelib.diagnose.transfer``); their SHA-256 is
    recorded all the same.
    """
    from ..experiment.provenance import machine, package_versions
    from ..storage import sha256

    entries = {}
    for folder in sorted(p for p in Path(root).iterdir() if (p / "network.json").is_file()):
        entries[folder.name] = {"files": {f.name: sha256(f) for f in sorted(folder.iterdir()) if f.is_file()}}
    write_json(paths.manifest_path(root), {"set": name, "started": started_at, "networks": entries,
                                           "command": SETS[name][1],
                                           "machine": machine(), "versions": package_versions()})


def transfer_table(root=None):
    """One row per diagnosed transfer network: what it is, its truth, its measures and its controls'.

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    root = Path(root or paths.results_dir() / FOLDER)
    rows = []
    for folder in sorted(p for p in root.iterdir() if (p / "diagnosis.json").is_file()):
        rows.append({"network": json.loads((folder / "network.json").read_text()),
                     "diagnosis": json.loads((folder / "diagnosis.json").read_text())})
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m spikelib.diagnose.transfer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="only the networks whose id contains this")
    parser.add_argument("--controls", type=int, default=3, help="controls per group (default 3)")
    parser.add_argument("--out", help="the results folder (default results/transfer, or results/transfer-held-out)")
    parser.add_argument("--held-out", action="store_true",
                        help="the held-out set: networks the verdicts' rules were not calibrated on")
    args = parser.parse_args(argv)
    run(args.out, args.only, args.controls, held_out=args.held_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
