"""Try ``spikelib diagnose`` as a hostile user would: ``python tests/diagnose_probe.py``.

Each case is a command line over files made for it (models, data, outputs, reference folders, an interrupt).
Every answer is classified:

- ``ok``: exit 0;
- ``refused``: exit 1 or 2 with one line that starts ``spikelib diagnose`` (and, for bad input, names an option);
- ``raw``: a Python exception reached the user (a traceback, or an exception escaping the command);
- ``lost``: a file the case did not ask to write changed or vanished (an input overwritten);
- ``unsafe``: code from a file ran (a Lambda layer's body, an unpickled object).

``tests/test_diagnose_probe.py`` runs it and fails on any raw, lost or unsafe answer, and on a case whose answer
is not the one it expects.
"""

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MARKER = "ran-code-from-a-file"


def _hash_tree(folder):
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class _Evil:  # unpickled, it writes the marker: a data file must never be unpickled
    def __reduce__(self):
        return (open, (os.path.join(os.environ["PROBE_DIR"], MARKER), "w"))


def make_files(tmp):
    """The models, samples and reference folders the cases use, in ``tmp``."""
    import keras

    from spikelib.diagnose.reference import REFERENCE, load_reference, write_reference
    from spikelib.experiment.data import load_dataset

    tmp = Path(tmp)
    data = load_dataset("digits")
    x, y = data.x_train[:300], data.y_train[:300]
    files = {}

    def save(name, model):
        path = tmp / name
        model.save(path)
        files[name] = path

    def mlp(hidden, name="mlp", inputs_shape=(8, 8, 1), train=True):
        keras.utils.set_random_seed(1)
        inputs = keras.Input(inputs_shape)
        features = keras.layers.Flatten()(inputs)
        features = hidden(features)
        model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(features), name=name)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        if train:
            model.fit(x, y, epochs=2, verbose=0)
        return model

    good = mlp(lambda t: keras.layers.Dense(32, activation="relu", name="observed")(t))
    save("good.keras", good)
    good.save(tmp / "good.h5")
    files["good.h5"] = tmp / "good.h5"
    save("model with spaces.keras", good)
    raw = (tmp / "good.keras").read_bytes()
    (tmp / "truncated.keras").write_bytes(raw[: len(raw) // 2])
    (tmp / "empty.keras").write_bytes(b"")
    (tmp / "noise.keras").write_bytes(os.urandom(2048))
    (tmp / "model.txt").write_text("a model")
    (tmp / "folder.keras").mkdir()
    marker = str(tmp / MARKER)
    lam = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(8, activation="relu"),
                            keras.layers.Lambda(lambda t: (open(marker, "w"), t)[1]), keras.layers.Dense(10)])
    save("lambda.keras", lam)
    save("linear.keras", keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]))
    save("leaky.keras", mlp(lambda t: keras.layers.LeakyReLU(name="leaky")(keras.layers.Dense(16)(t))))
    save("relu-slope.keras", mlp(lambda t: keras.layers.ReLU(negative_slope=0.3, name="sloped")(
        keras.layers.Dense(16)(t))))
    save("escape.keras", mlp(lambda t: keras.layers.Dense(16, activation="relu", name="obs\x1b[31m")(t), train=False))
    save("evil\x1b[2J.keras", good)
    save("wide.keras", mlp(lambda t: keras.layers.Dense(5000, activation="relu", name="wide")(t)))
    a, b = keras.Input((8, 8, 1)), keras.Input((8, 8, 1))
    joined = keras.layers.Concatenate()([keras.layers.Flatten()(a), keras.layers.Flatten()(b)])
    save("two-inputs.keras", keras.Model([a, b], keras.layers.Dense(10)(keras.layers.Dense(8, activation="relu")(
        joined))))
    conv_in = keras.Input((8, 8, 1))
    conv = keras.layers.Conv2D(64, 3, activation="relu", name="conv")(conv_in)
    save("conv-last.keras", keras.Model(conv_in, keras.layers.Dense(10, activation="softmax")(
        keras.layers.Flatten()(conv))))
    _onnx_files(tmp, good, files)
    # samples
    np.savez(tmp / "train.npz", x=x, y=y)
    np.savez(tmp / "mnist.npz", x=x, y=y)  # a user's file that happens to share a name with one the compendium lists
    np.savez(tmp / "x-only.npz", x=x)
    np.savez(tmp / "no-x.npz", images=x)
    np.savez(tmp / "zero-d.npz", x=np.array(1.0))
    np.savez(tmp / "wrong-shape.npz", x=np.zeros((300, 4, 4)))
    with_nan = x.copy()
    with_nan[0, 0, 0, 0] = np.nan
    np.savez(tmp / "nan.npz", x=with_nan, y=y)
    np.savez(tmp / "inf.npz", x=np.where(with_nan != with_nan, np.inf, with_nan), y=y)
    np.savez(tmp / "complex.npz", x=x.astype(complex), y=y)
    np.savez(tmp / "strings.npz", x=np.full((300, 8, 8, 1), "a"), y=y)
    np.savez(tmp / "short-y.npz", x=x, y=y[:-1])
    np.savez(tmp / "float-y.npz", x=x, y=y + 0.5)
    np.savez(tmp / "negative-y.npz", x=x, y=-y - 1)
    np.savez(tmp / "two-d-y.npz", x=x, y=np.stack([y, y], axis=1))
    np.savez(tmp / "big-label.npz", x=x, y=np.full(len(y), 12))
    np.savez(tmp / "one-class.npz", x=x, y=np.zeros(len(y), dtype=int))
    np.savez(tmp / "one-sample.npz", x=x[:1], y=y[:1])
    os.environ["PROBE_DIR"] = str(tmp)
    np.savez(tmp / "pickle.npz", x=np.array([_Evil()], dtype=object))
    samples = (tmp / "train.npz").read_bytes()
    (tmp / "empty.npz").write_bytes(b"")
    (tmp / "truncated.npz").write_bytes(samples[: len(samples) // 2])
    # reference folders
    table, record = load_reference(REFERENCE)
    for name in ("ref-not-json", "ref-list", "ref-no-detects", "ref-header-only", "ref-no-model", "ref-tampered"):
        write_reference(table, record, tmp / name)
    (tmp / "ref-not-json" / "reference.json").write_text("{not json")
    (tmp / "ref-list" / "reference.json").write_text("[1, 2]")
    no_detects = {k: v for k, v in json.loads((tmp / "ref-no-detects" / "reference.json").read_text()).items()
                  if k != "detects"}
    (tmp / "ref-no-detects" / "reference.json").write_text(json.dumps(no_detects))
    write_reference(table.iloc[:0], record, tmp / "ref-header-only")
    write_reference(table.drop(columns=["model"]), record, tmp / "ref-no-model")
    csv = tmp / "ref-tampered" / "networks.csv"
    csv.write_text(csv.read_text().replace("0.5", "0.6", 1))
    (tmp / "ref-empty").mkdir()
    (tmp / "out").mkdir()
    (tmp / "cache-is-a-file").write_text("not a folder")
    (tmp / MARKER).unlink(missing_ok=True)  # building the Lambda model above ran its body once, here, on purpose
    return files


def _onnx_files(tmp, good, files):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    dense = [layer for layer in good.layers if type(layer).__name__ == "Dense"]

    def graph(shape, relu="Relu", inputs=1, name="mlp.onnx", external=False):
        nodes = [helper.make_node("Flatten", ["input"], ["h0"], axis=1)]
        initializers = []
        for i, layer in enumerate(dense):
            kernel, bias = layer.get_weights()
            initializers += [numpy_helper.from_array(kernel.astype(np.float32), f"W{i}"),
                             numpy_helper.from_array(bias.astype(np.float32), f"b{i}")]
            nodes += [helper.make_node("MatMul", [f"h{i}", f"W{i}"], [f"m{i}"]),
                      helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"])]
            last = i == len(dense) - 1
            nodes.append(helper.make_node("Softmax" if last else relu, [f"a{i}"],
                                          ["probabilities" if last else f"h{i + 1}"], **({"axis": 1} if last else {})))
        graph_inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)]
        if inputs == 2:
            graph_inputs.append(helper.make_tensor_value_info("extra", TensorProto.FLOAT, shape))
        model = helper.make_model(helper.make_graph(nodes, "mlp", graph_inputs, [helper.make_tensor_value_info(
            "probabilities", TensorProto.FLOAT, [None, 10])], initializers), opset_imports=[helper.make_opsetid("", 17)])
        path = tmp / name
        if external:
            onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
                      size_threshold=0)
        else:
            onnx.save(model, path)
        files[name] = path

    graph([None, 8, 8, 1])
    graph(["batch", "h", "w", "c"], name="open-dims.onnx")
    graph([None, 8, 8, 1], inputs=2, name="two-inputs.onnx")
    graph([None, 8, 8, 1], relu="LeakyRelu", name="leaky.onnx")
    graph([None, 8, 8, 1], name="external.onnx", external=True)
    raw = (tmp / "mlp.onnx").read_bytes()
    (tmp / "truncated.onnx").write_bytes(raw[: len(raw) // 2])
    (tmp / "empty.onnx").write_bytes(b"")


def cases(tmp):
    """``(group, name, argv, expected)``: expected is ``"ok"`` or ``"refused"``; ``argv`` after ``diagnose``."""
    t = Path(tmp)
    ref = ["--reference"]  # the committed reference alone: seconds per case; the controls have their own cases
    good, data = str(t / "good.keras"), ["--data", str(t / "train.npz")]
    found = [
        ("model", "missing file", [str(t / "absent.keras"), *data, *ref], "refused"),
        ("model", "empty .keras", [str(t / "empty.keras"), *data, *ref], "refused"),
        ("model", "truncated .keras", [str(t / "truncated.keras"), *data, *ref], "refused"),
        ("model", "random bytes .keras", [str(t / "noise.keras"), *data, *ref], "refused"),
        ("model", "text file", [str(t / "model.txt"), *data, *ref], "refused"),
        ("model", "a folder named .keras", [str(t / "folder.keras"), *data, *ref], "refused"),
        ("model", "Lambda layer", [str(t / "lambda.keras"), *data, *ref], "refused"),
        ("model", "no ReLU layer", [str(t / "linear.keras"), *data, *ref], "refused"),
        ("model", "LeakyReLU only", [str(t / "leaky.keras"), *data, *ref], "refused"),
        ("model", "ReLU(negative_slope=0.3) only", [str(t / "relu-slope.keras"), *data, *ref], "refused"),
        ("model", "two inputs", [str(t / "two-inputs.keras"), *data, *ref], "refused"),
        ("model", "5,000-node layer", [str(t / "wide.keras"), *data, *ref], "ok"),
        ("model", "escape sequence in a layer name", [str(t / "escape.keras"), *data, *ref], "ok"),
        ("model", "escape sequence in the file name", [str(t / "evil\x1b[2J.keras"), *data, *ref], "ok"),
        ("model", ".h5 file", [str(t / "good.h5"), *data, *ref], "ok"),
        ("model", "path with spaces", [str(t / "model with spaces.keras"), *data, *ref], "ok"),
        ("model", "last ReLU inside a Conv2D", [str(t / "conv-last.keras"), *data, *ref], "ok"),
        ("model", "list layers", [good, "--list-layers"], "ok"),
        ("onnx", "an MLP", [str(t / "mlp.onnx"), *data, *ref], "ok"),
        ("onnx", "dimensions left open", [str(t / "open-dims.onnx"), *data, *ref], "ok"),
        ("onnx", "two inputs", [str(t / "two-inputs.onnx"), *data, *ref], "refused"),
        ("onnx", "LeakyRelu only", [str(t / "leaky.onnx"), *data, *ref], "refused"),
        ("onnx", "weights in an external file", [str(t / "external.onnx"), *data, *ref], "refused"),
        ("onnx", "truncated", [str(t / "truncated.onnx"), *data, *ref], "refused"),
        ("onnx", "empty", [str(t / "empty.onnx"), *data, *ref], "refused"),
        ("data", "no --data", [good, *ref], "refused"),
        ("data", "missing .npz", [good, "--data", str(t / "absent.npz"), *ref], "refused"),
        ("data", "0-byte .npz", [good, "--data", str(t / "empty.npz"), *ref], "refused"),
        ("data", "truncated .npz", [good, "--data", str(t / "truncated.npz"), *ref], "refused"),
        ("data", "no x in the .npz", [good, "--data", str(t / "no-x.npz"), *ref], "refused"),
        ("data", "a pickled object", [good, "--data", str(t / "pickle.npz"), *ref], "refused"),
        ("data", "0-D x", [good, "--data", str(t / "zero-d.npz"), *ref], "refused"),
        ("data", "0-D x with --samples", [good, "--data", str(t / "zero-d.npz"), "--samples", "5", *ref], "refused"),
        ("data", "x of another shape", [good, "--data", str(t / "wrong-shape.npz"), *ref], "refused"),
        ("data", "NaN in x", [good, "--data", str(t / "nan.npz"), *ref], "refused"),
        ("data", "inf in x", [good, "--data", str(t / "inf.npz"), *ref], "refused"),
        ("data", "complex x", [good, "--data", str(t / "complex.npz"), *ref], "refused"),
        ("data", "strings in x", [good, "--data", str(t / "strings.npz"), *ref], "refused"),
        ("data", "y one short", [good, "--data", str(t / "short-y.npz"), *ref], "refused"),
        ("data", "float y", [good, "--data", str(t / "float-y.npz"), *ref], "refused"),
        ("data", "negative y", [good, "--data", str(t / "negative-y.npz"), *ref], "refused"),
        ("data", "2-D y", [good, "--data", str(t / "two-d-y.npz"), *ref], "refused"),
        ("data", "label beyond the outputs", [good, "--data", str(t / "big-label.npz"), *ref], "refused"),
        ("data", "one sample", [good, "--data", str(t / "one-sample.npz"), *ref], "refused"),
        ("data", "x only", [good, "--data", str(t / "x-only.npz"), *ref], "ok"),
        ("data", "a user's mnist.npz", [good, "--data", str(t / "mnist.npz"), *ref], "ok"),
        ("data", "--no-labels", [good, *data, "--no-labels", *ref], "ok"),
        ("data", "unknown data set name", [good, "--data", "imagenet", *ref], "refused"),
        ("data", "--samples 0", [good, *data, "--samples", "0", *ref], "refused"),
        ("data", "--samples beyond the data", [good, *data, "--samples", "301", *ref], "refused"),
        ("data", "--window 0", [good, *data, "--window", "0", *ref], "refused"),
        ("data", "--window of all samples", [good, *data, "--window", "300", *ref], "refused"),
        ("data", "--layer that is not there", [good, *data, "--layer", "nope", *ref], "refused"),
        ("data", "--layer that is a leaky ReLU", [str(t / "relu-slope.keras"), *data, "--layer", "sloped", *ref],
         "refused"),
        ("output", "--json onto the model", [good, *data, *ref, "--json", good], "refused"),
        ("output", "--html onto the data", [good, *data, *ref, "--html", str(t / "train.npz")], "refused"),
        ("output", "--json and --html on one path", [good, *data, *ref, "--json", str(t / "out" / "d"), "--html",
                                                     str(t / "out" / "d")], "refused"),
        ("output", "--json ''", [good, *data, *ref, "--json", ""], "refused"),
        ("output", "--json a folder", [good, *data, *ref, "--json", str(t / "out")], "refused"),
        ("output", "--html where it may not write", [good, *data, *ref, "--html", "/proc/diagnosis.html"], "refused"),
        ("output", "--json in a folder that is not there", [good, *data, *ref, "--json", str(t / "no" / "d.json")],
         "refused"),
        ("output", "--json into the reference folder", [good, *data, "--reference", str(t / "ref-tampered"),
                                                        "--json", str(t / "ref-tampered" / "networks.csv")], "refused"),
        ("output", "--json -", [good, *data, *ref, "--json", "-"], "ok"),
        ("output", "--json and --html", [good, *data, *ref, "--json", str(t / "out" / "d.json"), "--html",
                                         str(t / "out" / "d.html")], "ok"),
        ("reference", "a folder that is not there", [good, *data, "--reference", str(t / "ref-absent")], "refused"),
        ("reference", "an empty folder", [good, *data, "--reference", str(t / "ref-empty")], "refused"),
        ("reference", "reference.json not JSON", [good, *data, "--reference", str(t / "ref-not-json")], "refused"),
        ("reference", "reference.json a list", [good, *data, "--reference", str(t / "ref-list")], "refused"),
        ("reference", "reference.json without detects", [good, *data, "--reference", str(t / "ref-no-detects")],
         "refused"),
        ("reference", "networks.csv header only", [good, *data, "--reference", str(t / "ref-header-only")], "refused"),
        ("reference", "networks.csv without model", [good, *data, "--reference", str(t / "ref-no-model")], "refused"),
        ("reference", "networks.csv changed by hand", [good, *data, "--reference", str(t / "ref-tampered")],
         "refused"),
        ("controls", "--controls 1", [good, *data, "--controls", "1"], "refused"),
        ("controls", "--controls -1", [good, *data, "--controls", "-1"], "refused"),
        ("controls", "--budget 0", [good, *data, "--budget", "0"], "refused"),
        ("controls", "--budget nan", [good, *data, "--budget", "nan"], "refused"),
        ("controls", "--control-samples 5", [good, *data, "--control-samples", "5"], "refused"),
        ("controls", "--batch-size 0", [good, *data, "--batch-size", "0"], "refused"),
        ("controls", "one class", [good, "--data", str(t / "one-class.npz"), "--controls", "2"], "ok"),
        ("controls", "calibrated, two per group", [good, *data, "--controls", "2", "--budget", "2"], "ok"),
        ("controls", "a cache that is a file", [good, *data, "--controls", "2", "--budget", "2", "--cache",
                                                str(t / "cache-is-a-file")], "ok"),
        ("controls", "calibrated ONNX", [str(t / "mlp.onnx"), *data, "--controls", "2", "--budget", "2"], "ok"),
    ]
    return found


def run_case(argv):
    """``(exit status, stdout, stderr, raw)`` of ``spikelib diagnose ARGV`` in this process."""
    from spikelib.diagnose.cli import main

    out, err = io.StringIO(), io.StringIO()
    raw = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["diagnose", *argv])
        except SystemExit as exit_:  # argparse's own refusals
            status = exit_.code
        except Exception as error:  # noqa: BLE001 - what the probe counts
            status, raw = None, f"{type(error).__name__}: {str(error)[:160]}"
    return status, out.getvalue(), err.getvalue(), raw


def classify(status, stdout, stderr, raw, changed, unsafe):
    if unsafe:
        return "unsafe"
    if changed:
        return "lost"
    if raw or "Traceback" in stderr or "Traceback" in stdout:
        return "raw"
    if status == 0:
        return "ok"
    lines = [line for line in stderr.splitlines() if line.startswith("spikelib diagnose") or line.startswith("usage:")]
    return "refused" if status in (1, 2) and lines else "raw"


def interrupt_case(tmp):
    """Ctrl-C while the controls train: exit 130, a line saying nothing was written, and no output file."""
    target = Path(tmp) / "out" / "interrupted.json"
    command = [sys.executable, "-m", "spikelib.diagnose.cli", "diagnose", str(Path(tmp) / "good.keras"), "--data",
               str(Path(tmp) / "train.npz"), "--controls", "3", "--json", str(target), "--no-cache",
               "--control-samples", "300"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    seen = ""
    while time.time() < deadline and "controls" not in seen:  # the controls are training
        line = process.stderr.readline()
        if not line:
            break
        seen += line
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    stderr = seen + stderr
    said = "interrupted; nothing was written" in stderr
    status = process.returncode
    kind = "raw" if "Traceback" in stderr else ("refused" if status == 130 and said and not target.exists() else "raw")
    return ("interrupt", "Ctrl-C while the controls train", kind, "refused", stderr.strip().splitlines()[-1:])


def probe(tmp, with_interrupt=True):
    """Every case's answer: a list of ``(group, name, answer, expected, last line)``."""
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    make_files(tmp)
    pristine = {str(path): path.read_bytes() for path in tmp.rglob("*") if path.is_file()}
    results = []
    for group, name, argv, expected in cases(tmp):
        before = _hash_tree(tmp)
        status, stdout, stderr, raw = run_case([str(a) for a in argv])
        after = _hash_tree(tmp)
        # every file there before the case must be there after it, unchanged, but for those in out/ (where the
        # cases ask for their reports): an input the command wrote over is lost
        changed = [p for p in before if before[p] != after.get(p) and Path(p).parent != tmp / "out"]
        for path in changed:  # put a lost input back, so that the cases after it meet the files they expect
            if path in pristine:
                Path(path).write_bytes(pristine[path])
        unsafe = (tmp / MARKER).exists()
        if unsafe:
            (tmp / MARKER).unlink()
        answer = classify(status, stdout, stderr, raw, changed, unsafe)
        last = (raw or stderr.strip().splitlines()[-1] if (raw or stderr.strip()) else "")
        results.append((group, name, answer, expected, [last[:200]] + changed[:2]))
    if with_interrupt:
        results.append(interrupt_case(tmp))
    return results


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        results = probe(folder)
    counts = {}
    for group, name, answer, expected, said in results:
        counts[answer] = counts.get(answer, 0) + 1
        flag = "" if answer == expected else "   <-- expected " + expected
        print(f"{group:<10} {name:<42} {answer:<8}{flag}  {said[0][:110] if said else ''}")
    print(f"{len(results)} cases: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("ok", "refused", "raw", "lost",
                                                                                     "unsafe")))
    shutil.rmtree(folder, ignore_errors=True)
