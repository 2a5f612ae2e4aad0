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
transfer_profile = "transfer"
held_out_profile = "transfer-held-out"
samples_file = "fashion_mnist-2000.npz"

# %% tags=["remove-cell"]
from IPython.display import HTML, display

from spikelib import paths
from spikelib.diagnose import book, transfer_report
from spikelib.diagnose.reference import load_reference
from spikelib.diagnose.render import RULES, figure
from spikelib.diagnose.verdict import STRONG
from spikelib.report.pages import NOT_PROFILES
from spikelib.report.render import caption, html_table, provenance, show, show_figure, typeset

root = paths.results_dir() / examples_profile
transfer_root, held_root = paths.results_dir() / transfer_profile, paths.results_dir() / held_out_profile
provenance([transfer_root, held_root, root], "diagnose",
           rerun=[NOT_PROFILES[transfer_profile], NOT_PROFILES[held_out_profile]])
reference, record = load_reference()
evidence = transfer_report.transfer_evidence(reference, record, transfer_root)
held = transfer_report.held_out_evidence(reference, record, held_root)
examples = book.diagnose_examples(root, (reference, record), paths.EXAMPLES / samples_file)

# %% tags=["remove-input"]
show("**Answer.** " + transfer_report.transfer_answer(evidence, held))
transfer_report.publish_counts(evidence, held)

# %% [markdown]
# `spikelib diagnose` takes a trained network (a Keras file, or an ONNX export
# from PyTorch or elsewhere) and the samples it was trained on. It records the
# last hidden ReLU layer as binary spike trains, one sample per time step in a
# seeded order, and computes the papers' measures and the follow-up's.
#
# ## How it decides, in plain words

# %% tags=["remove-input"]
show(book.procedure(record))

# %% [markdown]
# ## The command
#
# A digits MLP-128 trained elsewhere (Adam, until it fit 99 % of its 500
# samples) on shuffled labels, diagnosed with those labels; its samples are
# written to `train.npz` with `np.savez("train.npz", x=x, y=y)`. This report
# is the command's own, run while this page was built:

# %% tags=["remove-input"]
command, report = book.calibrated_demo(transfer_root)
display(HTML(f'<pre class="terminal"><code>$ {command}\n\n{typeset(report).replace("<", "&lt;")}</code></pre>'))
show(book.demo_reading(report))

# %% [markdown]
# `--json` writes the same as a JSON record for scripts; `--html` writes a
# page with a figure; `--reference` skips the controls and places the network
# among the committed reference networks alone (seconds); `--list-layers`
# names the ReLU layers another one can be observed at (`--layer`). From
# Python, `spikelib.diagnose.diagnose(model, x, y, calibrate=True)` returns the
# same diagnosis as an object.
#
# ## Does it transfer?

# %% tags=["remove-input"]
display(HTML(html_table(transfer_report.transfer_view(evidence["summary"]), caption=(
    f"Table 1. {int(evidence['summary'].iloc[0]['networks'])} networks trained with Adam until they fit their "
    "samples, on scikit-learn's digits, Fashion-MNIST and a synthetic task (MLPs of widths 128 and 512 on two "
    "sizes each, a two-layer MLP and a CNN on Fashion-MNIST), each on clean, half-shuffled and shuffled labels, "
    "diagnosed four ways. Right: clean-like for clean labels, memorizing-like for half-shuffled and shuffled ones "
    "(such a network fits labels it cannot predict). The calibrated verdict reads only measures established "
    "without the network's own data set."))))

# %% tags=["remove-input"]
show_figure(transfer_report.positions_figure(evidence["scores"], held["scores"]))
caption(1, "Each transfer network's position between its data-matched anchors (0: the permuted controls, 1: the "
           "teacher controls) against the position of the controls trained on its own labels, median over the "
           "measures that count; open markers: the held-out networks of Table 2. Dotted: the thresholds; clean-like "
           "needs both above the upper one, memorizing-like both below the lower one.")

# %% tags=["remove-input"]
show(transfer_report.transfer_reading(evidence))

# %% [markdown]
# ## On networks the rules never saw
#
# The thresholds above were set while the transfer networks were at hand, so
# Table 1 is not a test on networks the rules were not calibrated on. These
# were declared and trained afterwards, and are not in the reference.

# %% tags=["remove-input"]
display(HTML(html_table(transfer_report.transfer_view(held["summary"]), caption=(
    f"Table 2. {int(held['summary'].iloc[0]['networks'])} held-out networks, "
    f"{transfer_report.set_description(held['scores'])}; each on clean, half-shuffled and shuffled labels, "
    "diagnosed and scored as in Table 1."))))

# %% tags=["remove-input"]
show(transfer_report.held_out_reading(held, evidence))

# %% [markdown]
# ## Could another rule reach the goal?

# %% tags=["remove-input"]
rules = transfer_report.hindsight_rules(evidence["scores"], held["scores"])
display(HTML(html_table(transfer_report.hindsight_view(rules, evidence, held), caption=(
    "Table 3. The rule in use, and rules fitted with hindsight: a network scores a weighted mean of its two positions "
    "in Figure 1, and thresholds give the transfer networks the most right verdicts with none wrong, then read the "
    "held-out networks; the last column: right on both sets, the hindsight thresholds set again on both."))))
show(transfer_report.hindsight_reading(rules))

# %% [markdown]
# ## Against the committed reference alone

# %% tags=["remove-input"]
display(HTML(html_table(transfer_report.reference_record_view(evidence), caption=(
    f"Table 4. Every reference network ({len(reference)}) diagnosed against the committed reference without "
    "itself (leave one out), and without every network of its data set and optimizer (leave one data set "
    "out). Right and wrong count the networks trained on clean labels and on labels at least half shuffled; a "
    "verdict on a network trained on a little label noise has no right answer and is not scored."))))

# %% tags=["remove-input"]
show(transfer_report.reference_reading(evidence))

# %% [markdown]
# The two example networks below are MLP-128s trained on 2,000 Fashion-MNIST
# samples until they fit them (the profile `examples`, seed 7, so neither is
# among the reference networks), diagnosed against the committed reference
# alone (`--reference`); the samples ship with the compendium as
# `data/examples/fashion_mnist-2000.npz`.

# %% tags=["remove-input"]
display(HTML(html_table(book.measure_table(examples), digits=2, caption=(
    "Table 5. Each measure of the two example networks, as a percentile among the comparable reference "
    f"networks ({book.compared_counts(examples)}), with the separation of the two groups at equal training fit found for it (a reading "
    f"needs {STRONG} or more). The network trained on shuffled labels was diagnosed without labels, so it has no "
    "training accuracy or margins."))))

# %% tags=["remove-input"]
cell, metrics, result = examples["shuffled"]
show_figure(figure(result, reference))
caption(2, "The example network trained on shuffled labels. Left: the share of its nodes at each firing rate "
           "(black), beside the mean of the comparable reference networks trained on clean labels and on shuffled "
           "ones. Right: the mean firing rate (MFR) against the observed layer's width: the reference networks and "
           "this one (star).")

# %% tags=["remove-input"]
show(book.examples_truth(examples))

# %% [markdown]
# ## Why the reference networks must fit their labels

# %% tags=["remove-input"]
show(book.why_equal_fit(root, reference, record, paths.EXAMPLES / samples_file))

# %% [markdown]
# ## What a verdict rests on

# %% tags=["remove-input"]
display(HTML(html_table(book.detects_table(record), digits=2, caption=(
    f"Table 6. What each measure detects on the reference networks (version {record['version']}, "
    f"{record['networks']} networks, SHA-256 {record['sha256'][:12]}): how well it separates networks that fit "
    "clean labels from those that fit shuffled ones at equal training accuracy, on the compendium's networks and "
    "in each transfer data set, and on the label-noise benchmark networks trained on clean labels from those "
    f"trained on labels at least {record['memorizing_noise']:.0%} shuffled (0.5 is chance), its Kendall τ with the "
    "generalization gap across the clean-label dose-response, and whether it predicted the gap on the model zoo "
    "beyond the training fit, the width and the depth."))))

# %% tags=["remove-input"]
show("**Against the committed reference alone** (`--reference`): " + typeset(RULES) + " "
     + book.reference_sentence(reference))

# %% [markdown]
# ## What it cannot tell

# %% tags=["remove-input"]
show(book.limits(reference, record))
