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
from IPython.display import HTML, display

from spikelib import paths
from spikelib.diagnose import book
from spikelib.diagnose.measure import RECORDING_MEASURES
from spikelib.diagnose.reference import load_reference
from spikelib.diagnose.render import RULES, figure
from spikelib.diagnose.verdict import STRONG, leave_one_out
from spikelib.report.render import caption, html_table, provenance, show, show_figure, typeset

root = paths.results_dir() / examples_profile
provenance(root, "diagnose")
reference, record = load_reference()
examples = book.diagnose_examples(root, (reference, record), paths.EXAMPLES / samples_file)
outcomes = leave_one_out(reference, record, RECORDING_MEASURES)

# %% tags=["remove-input"]
show("**Answer.** " + book.answer(examples, outcomes))

# %% [markdown]
# `spikelib diagnose` takes a trained network (a Keras file, or an ONNX export
# from PyTorch or elsewhere) and the samples it was trained on. It records the
# last hidden ReLU layer as binary spike trains, one sample per time step in
# a seeded order, computes the papers' measures and the follow-up's, and sets
# each among reference networks of the same family and similar width trained
# by this compendium on clean and on shuffled labels, all trained until they
# fit 99 % of their training samples. A measure may give a reading only where
# it separated the two groups of reference networks at that equal training
# fit; the reading is memorizing-like or clean-like only beyond the whole
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
text = book.terminal_report(examples["shuffled"][0] / "model.keras", paths.EXAMPLES / samples_file)
display(HTML(f'<pre class="terminal"><code>{typeset(text).replace("<", "&lt;")}</code></pre>'))

# %% [markdown]
# `--json` writes the same as a JSON record for scripts; `--html` writes a page
# with the figure below; `--list-layers` names the ReLU layers another one can
# be observed at (`--layer`). From Python, `spikelib.diagnose.diagnose(model, x,
# y=None)` returns the same diagnosis as an object.
#
# ## The two examples, measure by measure

# %% tags=["remove-input"]
clean_result = examples["clean"][2]
display(HTML(html_table(book.measure_table(examples), digits=2, caption=(
    "Table 1. Each measure of the two example networks, as a percentile among the comparable reference "
    f"networks ({clean_result.comparable['clean']} trained on clean labels, {clean_result.comparable['memorizing']} "
    f"on shuffled ones), with the separation of the two groups at equal training fit found for it (a reading "
    f"needs {STRONG} or more). The network trained on shuffled labels was diagnosed without labels, so it has no training accuracy "
    "or margins."))))

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
# ## Why the reference networks must fit their labels

# %% tags=["remove-input"]
show(book.why_equal_fit(root, reference, record, paths.EXAMPLES / samples_file))

# %% [markdown]
# ## What a verdict rests on

# %% tags=["remove-input"]
display(HTML(html_table(book.detects_table(record), digits=2, caption=(
    f"Table 2. What each measure detects on the reference networks (version {record['version']}, "
    f"{record['networks']} networks, SHA-256 {record['sha256'][:12]}): how well it separates networks that fit "
    "clean labels from those that fit shuffled ones at equal training accuracy, and on the label-noise benchmark "
    f"networks trained on clean labels from those trained on labels at least {record['memorizing_noise']:.0%} "
    "shuffled (0.5 is chance), its Kendall τ with the generalization gap across the clean-label dose-response, and whether it "
    "predicted the gap on the model zoo beyond the training fit, the width and the depth."))))

# %% tags=["remove-input"]
show(typeset(RULES) + " " + book.reference_sentence(reference))

# %% [markdown]
# ## What it cannot tell

# %% tags=["remove-input"]
show(book.limits(reference, record))
