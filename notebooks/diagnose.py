# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Diagnose your own network

# %% tags=["parameters", "remove-cell"]
examples_profile = "examples"
samples_file = "fashion_mnist-2000.npz"

# %% tags=["remove-cell"]
import contextlib
import io

import pandas as pd
from IPython.display import HTML, display

from spikelib import paths
from spikelib.diagnose import diagnose
from spikelib.diagnose.cli import load_samples, main as spikelib_command
from spikelib.diagnose.measure import RECORDING_MEASURES
from spikelib.diagnose.reference import load_reference
from spikelib.diagnose.render import RULES, figure
from spikelib.diagnose.verdict import STRONG, WIDTH_FACTOR, leave_one_out, zoo_sentence
from spikelib.experiment.cellfiles import read_metrics
from spikelib.experiment.measures import measure as registered
from spikelib.report.render import and_list, caption, html_table, provenance, show, show_figure, typeset

root = paths.results_dir() / examples_profile
provenance(root, "diagnose")
reference, record = load_reference()
x, y = load_samples(paths.EXAMPLES / samples_file)
examples = {}
for cell in sorted(paths.cells_dir(root).iterdir()):
    metrics = read_metrics(cell)
    shuffled = metrics["parameters"]["label_noise"] > 0
    # the network trained on shuffled labels is diagnosed without labels: the activations need none
    result = diagnose(cell / "model.keras", x, None if shuffled else y)
    examples["shuffled" if shuffled else "clean"] = (cell, metrics, result)
outcomes = leave_one_out(reference, record, RECORDING_MEASURES)
given = outcomes[outcomes["verdict"] != "cannot tell"]
groups = {flag: outcomes[outcomes["memorizing"] == flag] for flag in (False, True)}


def told(flag):
    rows = given[given["memorizing"] == flag]
    return f"{len(rows)} of the {len(groups[flag])}"


show(f"**Answer.** On two example networks the reference has never seen, the diagnosis reads the one "
     f"trained on shuffled labels as **{examples['shuffled'][2].verdict}** and the one trained on clean labels as "
     f"**{examples['clean'][2].verdict}**, from activations alone. Diagnosed one at a time against all the "
     f"others, the {len(reference)} reference networks got a verdict in {len(given)} cases "
     f"({told(True)} memorizing networks and {told(False)} clean ones), and "
     f"{int(given['right'].sum())} of these {len(given)} verdicts named the network's own group; the "
     f"rest read \"cannot tell\". What the diagnosis cannot do is just as firm: on clean labels it gives no "
     f"verdict on the size of a network's generalization gap.")

# %% [markdown]
# `spikelib diagnose` takes a trained network (a Keras file, or an ONNX export
# from PyTorch or elsewhere) and the samples it was trained on. It records the
# last hidden ReLU layer as binary spike trains, one sample per time step in
# a seeded order, computes the papers' measures and the follow-up's, and sets
# each among reference networks of the same family and similar width trained
# by this compendium on clean and on shuffled labels. A measure may give a
# reading only where the label-noise benchmark found it separates the two
# groups; the reading is memorizing-like or clean-like only beyond the whole
# range of the other group.
#
# ## The command
#
# The two example networks are MLP-128s trained on 2,000 Fashion-MNIST samples
# until they fit them (the profile `examples`, seed 7, so neither is among the
# reference networks); the samples ship with the compendium as
# `data/examples/fashion_mnist-2000.npz` (`x`, and the true labels `y`). This is
# the terminal report of the network trained on shuffled labels, diagnosed from
# its activations only:
#
# ```bash
# spikelib diagnose results/examples/cells/<cell>/model.keras \
#     --data data/examples/fashion_mnist-2000.npz --no-labels --html diagnosis.html
# ```

# %% tags=["remove-input"]
cell = examples["shuffled"][0]
report = io.StringIO()
with contextlib.redirect_stdout(report), contextlib.redirect_stderr(io.StringIO()):
    status = spikelib_command(["diagnose", str(cell / "model.keras"), "--data", str(paths.EXAMPLES / samples_file),
                               "--no-labels"])
assert status == 0, report.getvalue()
text = report.getvalue().replace(str(paths.ROOT) + "/", "")
display(HTML(f'<pre class="terminal">{typeset(text).replace("<", "&lt;")}</pre>'))

# %% [markdown]
# `--json` writes the same as a JSON record for scripts; `--html` writes a page
# with the figure below; `--list-layers` names the ReLU layers another one can
# be observed at (`--layer`). From Python, `spikelib.diagnose.diagnose(model, x,
# y=None)` returns the same diagnosis as an object.
#
# ## The two examples, measure by measure

# %% tags=["remove-input"]
rows = []
for name, (cell, metrics, result) in examples.items():
    for item in result.calibration.itertuples():
        rows.append({"network": f"{name} labels", "measure": item.measure, "value": item.value,
                     "percentile among clean": item.percentile_clean,
                     "percentile among memorizing": item.percentile_memorizing,
                     "separation in the benchmark": item.separation, "reading": item.reading})
table = pd.DataFrame(rows)
display(HTML(html_table(table, digits=2, caption=(
    "**Table 1.** Each measure of the two example networks, as a percentile among the comparable reference "
    f"networks ({examples['clean'][2].comparable['clean']} trained on clean labels, "
    f"{examples['clean'][2].comparable['memorizing']} on shuffled ones), with the label-noise separation the "
    f"benchmark found for it (a reading needs {STRONG} or more). The network trained on shuffled labels was "
    "diagnosed without labels, so it has no training accuracy or margins."))))

# %% tags=["remove-input"]
cell, metrics, result = examples["shuffled"]
show_figure(figure(result, reference))
caption(1, "The network trained on shuffled labels. Left: the share of its nodes at each firing rate (black), "
           "beside the mean of the comparable reference networks trained on clean labels and on shuffled ones. "
           "Right: the mean firing rate (MFR) against the observed layer's width: the reference networks and this "
           "one (star).")

# %% tags=["remove-input"]
truth = {name: metrics for name, (cell, metrics, result) in examples.items()}
show(f"What the verdicts can be checked against: the network trained on clean labels reaches "
     f"{truth['clean']['test_accuracy']:.1%} test accuracy, the one trained on shuffled labels "
     f"{truth['shuffled']['test_accuracy']:.1%} (chance is {1 / truth['shuffled']['dataset']['n_classes']:.0%}), "
     f"after fitting {truth['clean']['train_accuracy_evaluated']:.1%} and "
     f"{truth['shuffled']['train_accuracy_evaluated']:.1%} of the samples they were trained on. The diagnosis saw "
     "neither test set.")

# %% [markdown]
# ## What a verdict rests on

# %% tags=["remove-input"]
detects = []
for column in RECORDING_MEASURES:
    entry = record["detects"].get(column, {})
    noise, clean_gap, zoo_gap = (entry.get(k, {}) for k in ("label_noise", "clean_label_gap", "zoo_gap"))
    detects.append({"measure": registered(column).label,
                    "label-noise separation": noise.get("separation", float("nan")),
                    "direction when memorizing": noise.get("direction", "–"),
                    "may give a reading": "yes" if noise.get("separation", 0) >= STRONG else "no",
                    "τ with the gap on clean labels, within architecture": clean_gap.get("tau_within_architecture",
                                                                                       float("nan")),
                    "beat the controls on the model zoo": "yes" if zoo_gap.get("beats_controls") else "no"})
display(HTML(html_table(pd.DataFrame(detects), digits=2, caption=(
    f"**Table 2.** What each measure detects on the reference networks (version {record['version']}, "
    f"{record['networks']} networks, SHA-256 {record['sha256'][:12]}): how well it separates networks trained "
    f"on clean labels from those trained on labels at least {record['memorizing_noise']:.0%} shuffled (0.5 is "
    "chance), its Kendall τ with the generalization gap across the clean-label dose-response, and whether it "
    "predicted the gap on the model zoo beyond the training fit, the width and the depth."))))

# %% tags=["remove-input"]
sources = reference.groupby(["source", "memorizing"]).size()
show(typeset(RULES) + " " + (
    f"Comparable means the same family (MLP or CNN) and a width within a factor of {WIDTH_FACTOR:g}. The reference "
    f"holds {len(reference)} networks, all on Fashion-MNIST: "
    + and_list([f"{n} from the {source} profile ({'shuffled' if flag else 'clean'} labels)"
                for (source, flag), n in sources.items()])
    + f". Widths {and_list(map(str, sorted(reference['width'].unique())))}. A network of another data set or "
    "architecture is still placed, but the comparison is weaker, and the report says when the family is missing."))

# %% [markdown]
# ## What it cannot tell

# %% tags=["remove-input"]
show("\n".join([
    f"- **The size of a generalization gap on clean labels.** {zoo_sentence(record).capitalize()}. A clean-like "
    "reading says the network does not look like one trained on shuffled labels, not that it generalizes well; "
    "a held-out labelled set tells that.",
    "- **Samples it was not trained on.** The reference networks were recorded on their own training samples; "
    "a network diagnosed on other samples is not comparable with them.",
    f"- **Networks far from the reference.** The reference holds {and_list(sorted(reference['model'].unique()))} "
    "networks on Fashion-MNIST; the percentiles of, say, a ResNet on ImageNet against them mean little, and "
    "\"cannot tell\" is then the honest answer even where a reading is printed.",
]))
