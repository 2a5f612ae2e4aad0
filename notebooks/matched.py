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
# # Memorization at equal training fit
#
# On the label-noise benchmark the networks trained on shuffled labels also
# fit their training samples less well than the clean ones (the same budget
# of epochs), so a measure that only follows the training fit passes that
# test. Here both groups were trained until they fit their samples (99 %
# training accuracy, evaluated on the samples trained on): networks that fit
# all-shuffled labels (profile `memorized`) against networks of the same
# architectures, training-set sizes and seeds that fit clean labels (the
# clean-label dose-response, profile `clean`). Networks are compared only
# within one stratum (architecture and training-set size), so neither width
# nor data size can make a measure look good, and the training fit itself
# (final training loss and training cross-entropy) is scored as a control.

# %% tags=["parameters", "remove-cell"]
profile = "memorized"
results_root = None
tables_dir = None
clean_profile = "clean"
noise_profiles = ["noise", "fashion"]
n_boot = 1000

# %% tags=["remove-cell"]
from IPython.display import HTML, display

from spikelib import paths
from spikelib.report import benchmark, matched, plots
from spikelib.report.networks import benchmark_set
from spikelib.report.render import caption, html_table, provenance, publish, show, show_figure

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
clean_root = paths.results_dir() / clean_profile
provenance([root, clean_root], "matched")
frame, short = matched.matched_networks(clean_root, root)
noise_roots = [paths.results_dir() / name for name in noise_profiles if paths.has_cells(paths.results_dir() / name)]
directions = benchmark.noise_directions(benchmark_set(noise_roots)) if noise_roots else {}
scores = matched.matched_scores(frame, directions, n_boot=n_boot)
scores.to_csv(csv_dir / "matched.csv", index=False)
frame.to_csv(csv_dir / "matched_networks.csv", index=False)

# %% tags=["hide-input"]
show("**Answer.** " + matched.matched_headline(scores, frame))
publish(profile, {"memorized": int(frame["memorized"].sum()), "clean": int((~frame["memorized"]).sum()),
                  "strata": int(frame["stratum"].nunique())})

# %% [markdown]
# ## Every measure, within strata
#
# The AUROC is taken within each stratum (every memorized network against
# every clean one of the same architecture and training-set size) and pooled
# over the strata; its interval is a bootstrap over the networks. It is the
# share of pairs in which the memorized network scores higher, so an AUROC of
# 0.00 is the answer's "lower in 100 % of the pairs". The column “as under
# label noise” says whether the memorized networks lie on the same side as on
# the label-noise benchmark, where they also fit less well.

# %% tags=["hide-input"]
display(HTML(html_table(matched.matched_view(scores), digits=2)))

# %% [markdown]
# {download}`The scores (CSV) <matched.csv>` and
# {download}`every network compared (CSV) <matched_networks.csv>`

# %% tags=["hide-input"]
best = scores.sort_values("separation", ascending=False)
columns = [(row.column, row.measure) for row in best[best["family"] != "control"].head(4).itertuples()]
controls = best[best["family"] == "control"]
columns += [(row.column, row.measure) for row in controls.head(2).itertuples()]
show_figure(plots.matched_strata(frame, columns))
caption("M1", f"The four measures that best tell the {int(frame['memorized'].sum())} networks that fit shuffled "
              f"labels from the {int((~frame['memorized']).sum())} that fit clean ones, and the two training-fit "
              f"controls that tell them apart best (of the {len(controls)} in the table), network by network; "
              "each column of points is one stratum, labelled by the width of its one-hidden-layer MLP over its "
              "training samples; the legend below the panels tells clean labels from shuffled ones.")

# %% [markdown]
# ## What this comparison can and cannot show
#
# Every network here reached 99 % training accuracy; those that stopped at
# their cap of epochs first are left out and listed below. Both groups are
# one-hidden-layer MLPs on Fashion-MNIST subsets, three seeds per stratum, so
# a measure that separates them here is shown to do so for these
# architectures and sizes only.

# %% tags=["hide-input"]
if len(short):
    show(f"Left out (stopped at their cap short of 99 % training accuracy): {len(short)} networks: "
         + ", ".join(f"`{name}`" for name in short["cell_id"]) + ".")
else:
    show("No network of these strata stopped short of the criterion.")
