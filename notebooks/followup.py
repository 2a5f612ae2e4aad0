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
# # The follow-up: activation probability, correlation and weights
#
# The follow-up paper (Lehmler et al. 2026) proposes the activation
# probability of a ReLU node, the share of samples on which it is active,
# as the indicator of memorization, reads memorization as learning "rare"
# features, adds the correlation structure within a layer, and links
# memorizing nodes to the distributions of weight matrices and to L1/L2
# regularisation. This page computes each of these on the profile's
# networks, from the training recordings (the depth view alone, Figure F6,
# records every hidden layer on the test set); `spikelib` computes them in
# every cell ({py:mod}`spikelib.activation`, {py:mod}`spikelib.correlation`,
# {py:mod}`spikelib.weights`).

# %% tags=["parameters", "remove-cell"]
profile = "quick"
results_root = None
penalties_profile = None
tables_dir = None

# %% tags=["remove-cell"]
from IPython.display import HTML, display
from myst_nb import glue

from spikelib import paths
from spikelib.correlation import HISTOGRAM_EDGES
from spikelib.report import claims, depth, followup, plots, results
from spikelib.report.render import caption, html_table, provenance, publish, show, show_figure

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
provenance(root, "followup")
learned = results.dataset_names(root)
show(f"The follow-up trained on MNIST, which cannot be had here; these networks learned {learned}, so its "
     "numbers are not expected to recur, only its claims tested.")
source = paths.results_dir() / penalties_profile if penalties_profile else root
page = followup.page(root, source)
for name, table in page.tables().items():
    table.to_csv(csv_dir / f"{name}.csv", index=False)
publish(profile, page.numbers())
if penalties_profile and len(page.penalties):
    glue(f"{profile}_penalty_minutes", results.computing_seconds(source) / 60, display=False)

# %% tags=["remove-input"]
show(results.small_profile_note(root))  # a small profile says first what its numbers can carry


# %% [markdown]
# ## The follow-up's claims, one by one
#
# Each claim of the follow-up's abstract, what this profile's networks
# show, and whether the claim holds here; the sections below hold the
# numbers.

# %% tags=["remove-input"]
show(f"The verdicts follow fixed rules. {claims.rules()}")
display(HTML(html_table(page.claims)))

# %% [markdown]
# ## Activation probability
#
# Each node's activation probability $\lambda$ on the training set, and its
# distribution over the nodes of a layer: ECDFs per network, coloured by
# group.

# %% tags=["hide-input"]
show_figure(plots.activation_ecdfs(page.nodes))
caption("F1", f"Empirical distribution of the activation probability over the nodes of every network of this "
              f"profile ({len(page.networks)} networks; dotted: 0.05, below which a node counts as rare).")
display(HTML(html_table(page.activation, digits=3)))

# %% [markdown]
# The Beta law is fitted to the nodes with $0 < \lambda < 1$; the Beta fit's
# KS distance is the Kolmogorov-Smirnov distance between their rates and the
# fitted law (descriptive: with fitted parameters the usual KS p-value does
# not apply). The mean positive activation is the mean activation over the
# samples on which a node is active, averaged over the nodes.
#
# ## Intra-layer correlation
#
# Pearson correlations of every pair of nodes' binary trains (one matrix
# product), their distribution, the share significantly different from 0
# after Bonferroni correction over all pairs, and the eigen-spectrum of the
# correlation matrix, summarised by its participation ratio (effective
# dimension: 1 when one direction holds all the variance, the number of nodes
# when they are independent).

# %% tags=["hide-input"]
show_figure(plots.correlation_spectra(page.nodes, HISTOGRAM_EDGES))
caption("F2", "Left: the distribution of the pairwise correlations of every network's nodes. Right: the "
              "eigen-spectrum of each correlation matrix (share of the total variance per eigenvalue).")
display(HTML(html_table(page.correlation, digits=3)))

# %% [markdown]
# ## Weights of the observed layer
#
# The distribution of the incoming weights (moments, excess kurtosis; a
# uniform initialisation has −1.2), each node's L1 and L2 norms of its
# incoming and outgoing weights, and their rank correlation with $\lambda$.
#
# **A Gaussian pre-activation, checked.** A node's pre-activation
# $z = w \cdot h + b$ is a sum of many terms; if it is Gaussian with mean
# $\mu$ and standard deviation $\sigma$ over the data, the node fires with
# probability $\lambda = \Phi(\mu/\sigma)$, and a rare node ($\lambda < 0.05$)
# has $\mu/\sigma < -1.64$. The table checks the relation on every network
# (the column "Gaussian λ, mean abs. error": the mean absolute difference
# between $\Phi(\mu/\sigma)$ and the observed rate). The relation alone does not say whether the bias
# or the incoming weights make a node rare; the rank correlations in the
# table say how each goes with $\lambda$ in these networks.

# %% tags=["hide-input"]
if len(page.weights):
    display(HTML(html_table(page.weights, digits=3)))
    show_figure(plots.weights_vs_rate(page.nodes))
    caption("F3", "Every node of every network: left, the L2 norm of its incoming weights against its activation "
                  "probability; right, the rate a Gaussian pre-activation predicts against the observed one.")
else:
    show("No network of this profile has a dense observed layer with recorded weights.")

# %% [markdown]
# ## L1 and L2 penalties
#
# The follow-up finds "a connection between L1/L2-norm regularization of
# weight matrices" and memorization. Here networks were trained with a
# penalty on the observed layer's incoming weights, generalizing (true
# labels) and memorizing (shuffled labels from random weights, trained as the
# profile trains its memorizing networks: to its target accuracy or its cap of
# epochs, so a penalty shows in how far it got, or in the epochs it took): how
# far each learned its labels, and what the penalty did to the activation
# probabilities and the correlation. The claim counts a penalty as acting on
# memorization where it costs the shuffled labels more than the same network's
# clean fit, without switching the layer off.

# %% tags=["hide-input"]
if len(page.penalties) and (page.penalties["kind"] != "none").any():
    provenance(source, "followup")  # this section's tables and figure come from the penalties' results
    show(f"From the `{source.name}` profile. {page.penalty_text}")
    display(HTML(html_table(page.penalties.drop(columns=["strength", "kind"]), digits=3)))
    show_figure(plots.penalty_sweep(page.penalties))
    caption("F4", f"The `{source.name}` profile's networks against the strength of the penalty on the observed "
            "layer's incoming weights (0: none; solid L1, dashed L2), generalizing and memorizing from random "
            "weights: how far each learned its labels, the share of rare nodes, the mean absolute pairwise "
            "correlation and the participation ratio of the correlation matrix (undefined, so not drawn, for a "
            "layer whose nodes are all silent).")
else:
    show("This profile trained no penalised networks.")
_ = provenance(root, "followup")  # back to this page's own results (the line itself shows under each figure)

# %% [markdown]
# ## A population model of memorizing nodes
#
# The follow-up derives "hypotheses about distributional properties over
# whole networks structures" from single memorizing neurons. Here as a
# simulation: a layer of independent Bernoulli nodes, of which a fraction
# $f$ are memorizing nodes firing rarely ($\lambda$ uniform below 0.05) and
# the rest draw their rate from a generalizing network's observed rates,
# optionally correlated through one shared latent factor (a Gaussian copula,
# {py:func}`~spikelib.simulate.population_raster`). Left: what the model predicts as
# $f$ grows. Right: $f$ fitted to each memorizing network (the
# Kolmogorov-Smirnov-closest mixture), and the indicators the model then
# predicts beside the observed ones.

# %% tags=["hide-input"]
sweep, base = page.simulation()
if sweep is not None:
    sweep.to_csv(csv_dir / "simulation.csv", index=False)
    show_figure(plots.population_model(sweep, page.fitted))
    caption("F5", f"Left: the population model's MFR, CV of FR, MF and mean pairwise correlation as the fraction of "
                  f"memorizing nodes grows, on the rates of the generalizing {base['network']}. Right: for each "
                  "memorizing network, the indicators the model predicts with its fitted fraction against the "
                  "observed ones.")
    display(HTML(html_table(page.fitted, digits=3)))

# %% [markdown]
# ## Every hidden layer
#
# The paper observes only the last hidden layer, and explains with H6 why
# MemRetrainAll networks can look less memorizing there: memorization in
# earlier layers would hide it from the observed one. Every cell also
# records the paper's indicators for each hidden ReLU layer, on its test
# set (`spikelib.experiment.analysis.layer_indicators`). A convolution's
# feature map is flattened: each channel at each position is one node. The
# MLPs have one hidden layer, so this is a view of the CNNs.

# %% tags=["hide-input"]
deep, depth_text = depth.deep_networks(results.layers(root))
publish(profile, {"depth_summary": depth_text})
show(depth_text)
if len(deep):
    deep.to_csv(csv_dir / "depth.csv", index=False)
    display(HTML(html_table(deep[["model", "width", "seed", "condition", "layer", "n_nodes", "mfr", "mfr_change",
                                  "cv_fr", "mf", "share_rare_5"]], digits=3)))
    show_figure(plots.depth_view(deep))
    caption("F6", "The paper's indicators in every hidden layer of the deeper networks, from the first to the "
                  "observed one, on the test set. MemRetrainLast and MemRandomLast keep the earlier layers of the "
                  "generalizing and of the random network, so their first points coincide with those.")

# %% [markdown]
# ## How well the new statistics separate memorizing from generalizing networks
#
# The mean of each statistic over the generalizing, memorizing and random
# networks of this profile, with its range, and the AUROC of memorizing
# against generalizing networks (1 or 0: complete separation; 0.5: none).
# The detector benchmark scores them on many more networks, with intervals.

# %% tags=["hide-input"]
display(HTML(html_table(page.separation, digits=3)))
