"""The follow-up paper's analyses and what a binary train carries beyond its rate, from results files.

Functions
---------
per_node
    Per-node statistics of every network of a profile, in one long table.
group
    Which side of the comparison a network is on: generalizing, memorizing, random.
condition_means
    A statistic's mean per condition group, for the separation of new statistics.
page
    Every table of the follow-up page, computed once from a profile's results.
network_nodes
    Each network's per-node arrays, with its group, for the follow-up's figures.
weights_table
    The observed layer's weight statistics, one row per network.
penalty_table
    Networks trained with L1/L2 penalties: the penalty, how far each memorized,
    and the follow-up's statistics.
penalty_summary
    What the strongest L1 and L2 penalties did, in one sentence from that table.
penalty_contrast
    Whether a penalty makes a generalizing network "rarer" than an unpenalised memorizing one.
binary_answer
    The binary-trains page's opening: the Bernoulli identity and what is left beyond the rate.
beyond_rate
    How well each statistic separates memorizing from generalizing networks,
    alone and after what the mean firing rate explains is taken out.

The population model's fits are in :mod:`spikelib.report.population`, the
every-layer view in :mod:`spikelib.report.depth`, and the claim-by-claim
verdicts in :mod:`spikelib.report.claims`.
"""

import inspect
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..bernoulli import dispersion_test
from ..experiment.cellfiles import read_metrics, read_nodes
from . import claims, population, results
from .labels import MODEL_NAMES, label
from .networks import MEMORIZING_NOISE
from .render import format_kind
from .resampling import auroc
from .results import finished_cells

__all__ = ["page", "FollowupPage", "per_node", "group", "condition_means", "network_nodes", "weights_table", "penalty_table",
           "penalty_summary", "penalty_contrast", "beyond_rate", "binary_answer", "GROUPS", "WEIGHT_COLUMNS",
           "BEYOND_RATE_STATISTICS", "beyond_rate_networks", "beyond_rate_sentence"]

GROUPS = ("generalizing", "memorizing", "random")
#: The weight statistics of the observed layer the follow-up page shows.
WEIGHT_COLUMNS = ("weights_in_std", "weights_in_kurtosis", "in_l2_mean", "out_l2_mean", "rho_in_l2_rate",
                  "rho_out_l2_rate", "rho_bias_rate", "gaussian_rate_mae")


#: The statistics the binary page asks "what do they add beyond the rate?" of, with the names it shows.
BEYOND_RATE_STATISTICS = [("cv_fr", "CV of FR"), ("mf", "MF"), ("cv_mf", "CV of MF"), ("excess_fano_mean", "excess Fano"),
                          ("dispersion_ratio_mean", "dispersion ratio"), ("share_rare_5", "share of rare nodes"),
                          ("mean_abs_r", "mean |r|"), ("participation_ratio", "participation ratio"),
                          ("mean_positive_activation", "mean positive activation")]


#: The follow-up's statistics whose separation the page reports.
SEPARATION_STATISTICS = ("share_rare_5", "share_rare_1", "lambda_q50", "beta_a", "beta_b", "mean_positive_activation",
                         "mean_r", "mean_abs_r", "share_significant", "participation_ratio", "excess_fano_mean",
                         "dispersion_ratio_mean")
_ACTIVATION = ("lambda_q05", "lambda_q50", "lambda_q95", "share_rare_5", "share_rare_1", "share_silent",
               "share_always_on", "beta_a", "beta_b", "beta_ks", "mean_positive_activation")
_CORRELATION = ("mean_r", "mean_abs_r", "r_q05", "r_q50", "r_q95", "share_significant", "participation_ratio",
                "n_varying")


@dataclass
class FollowupPage:
    """The follow-up page's tables (see :func:`page`)."""

    networks: pd.DataFrame
    nodes: list
    activation: pd.DataFrame
    correlation: pd.DataFrame
    weights: pd.DataFrame
    penalties: pd.DataFrame
    penalty_text: str
    fitted: pd.DataFrame
    separation: pd.DataFrame
    beyond: pd.DataFrame
    claims: pd.DataFrame

    def tables(self):
        """The tables a page writes as CSV, by file stem."""
        return {"activation": self.activation, "correlation": self.correlation, "weights": self.weights,
                "penalties": self.penalties, "fitted_fractions": self.fitted, "separation": self.separation,
                "claims": self.claims}

    def numbers(self):
        """The values other pages quote (published under ``<profile>_<name>``)."""
        numbers = {"claims_tally": claims.tally(self.claims),
                   "penalty_summary": self.penalty_text or "no penalised network has been trained yet."}
        if len(self.weights):
            numbers["gaussian_mae_max"] = float(self.weights["gaussian_rate_mae"].max())
        if len(self.fitted):  # a share, in percent as the tables print it, and how the claims table judged the fit
            numbers["fitted_fraction_range"] = (f"{100 * self.fitted['fraction'].min():.1f} to "
                                                f"{100 * self.fitted['fraction'].max():.1f} %")  # publish typesets the space
            verdicts = [row[-1] for row in self.claims.itertuples(index=False)
                        if row[0] == claims.POPULATION_CLAIM] if len(self.claims) else []
            numbers["population_verdict"] = (f"by the claims table's rule the claim that it explains the memorizing "
                                             f"networks {verdicts[0]}" if verdicts else "the claims table judges the fit")
        return numbers

    def simulation(self):
        """The population model's sweep on the rates of the widest generalizing network: ``(sweep, network)``,
        or ``(None, None)`` without one."""
        generalizing = self.networks[self.networks["condition"] == "generalizing"].sort_values("width")
        if generalizing.empty:
            return None, None
        base = generalizing.iloc[-1]
        sweep = population.simulate_fractions(self.nodes[base.name]["train"]["firing_rate"], int(base["n_nodes"]),
                                              window=int(base["window"]))
        return sweep, base


def page(root, penalties_root=None):
    """Every table of the follow-up page, computed once from the networks of the paper's design.

    Parameters
    ----------
    root : path
        A profile's results folder.
    penalties_root : path, optional
        The profile of the penalty sweep (default: ``root``).

    Returns
    -------
    FollowupPage
    """
    cells = results.collect(root, designs=("paper", "penalty"))  # noise sweeps are for the benchmark
    train = cells[cells["split"] == "train"].copy()
    train["group"] = [group(c) for c in train["condition"]]
    train["network"] = train["model"] + "-" + train["width"].astype(str)
    plain = train[train["design"] == "paper"].reset_index(drop=True)
    source = penalties_root or root
    penalties = penalty_table(source) if paths.has_cells(source) else pd.DataFrame()
    weights, fitted = weights_table(plain), population.fit_fractions(root)
    separation = condition_means(cells[cells["cell_id"].isin(plain["cell_id"])], SEPARATION_STATISTICS)
    beyond = beyond_rate(plain, [(c, label(c)) for c in ("mean_abs_r", "participation_ratio", "share_rare_5")])
    activation = plain[["network", "condition", *_ACTIVATION]]
    return FollowupPage(
        networks=plain, nodes=network_nodes(plain), activation=activation,
        correlation=plain[["network", "condition", *_CORRELATION]], weights=weights, penalties=penalties,
        penalty_text=(penalty_summary(penalties) + " " + penalty_contrast(penalties)).strip(), fitted=fitted,
        separation=separation, beyond=beyond,
        claims=claims.followup_claims(separation, activation, fitted, weights, penalties, beyond))


def group(condition, label_noise=None):
    """``generalizing``, ``memorizing`` or ``random``; a network trained on labels with at least
    :data:`~spikelib.report.networks.MEMORIZING_NOISE` noise counts as memorizing, one with some noise below
    that as ``noisy``."""
    condition = str(condition)
    if condition == "random":
        return "random"
    if condition.startswith("mem_"):
        return "memorizing"
    if label_noise is None or np.isnan(label_noise) or label_noise == 0:
        return "generalizing"
    return "memorizing" if label_noise >= MEMORIZING_NOISE else "noisy"


def per_node(root, split="train", columns=("firing_rate", "fano", "excess_fano", "dispersion_ratio",
                                           "mean_positive_activation")):
    """One row per node of every network of a profile: its network and the chosen per-node statistics."""
    frames = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell":
            continue
        nodes = read_nodes(directory)[split]
        values = {column: nodes[column] for column in columns if column in nodes}
        frame = pd.DataFrame(values)
        frame["cell_id"] = metrics["cell_id"]
        frame["model"] = MODEL_NAMES[parameters["model"]]
        frame["width"] = parameters["width"]
        frame["condition"] = parameters["condition"]
        frame["group"] = group(parameters["condition"], metrics["labels"]["noise"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def condition_means(cells, columns, split="train"):
    """Mean and range of each statistic per group of networks (generalizing, memorizing, random).

    Returns
    -------
    pandas.DataFrame
        Rows: statistics; columns: ``<group> mean`` and ``<group> range`` and
        the AUROC of memorizing against generalizing networks.
    """
    frame = cells[cells["split"] == split].copy()
    frame["group"] = [group(c, n) for c, n in zip(frame["condition"], frame.get("label_noise", np.nan))]
    rows = []
    for column in columns:
        if column not in frame:
            continue
        row = {"statistic": column}
        for name in GROUPS:
            values = frame.loc[frame["group"] == name, column].dropna()
            row[f"{name} mean"] = values.mean() if len(values) else np.nan
            row[f"{name} range"] = f"{values.min():.3g} to {values.max():.3g}" if len(values) else ""
        row["AUROC memorizing vs generalizing"] = auroc(frame.loc[frame["group"] == "memorizing", column],
                                                          frame.loc[frame["group"] == "generalizing", column])
        rows.append(row)
    return pd.DataFrame(rows)


def network_nodes(frame):
    """Each network's per-node arrays, for the follow-up's figures.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per network with ``directory``, ``group``, ``model`` and ``network``.

    Returns
    -------
    list of dict
        ``group``, ``model``, ``network``, ``train`` (per-node statistics of the training recording) and
        ``network`` arrays of the observed layer (:func:`spikelib.experiment.cellfiles.read_nodes`).
    """
    items = []
    for row in frame.itertuples():
        nodes = read_nodes(row.directory)
        items.append({"group": row.group, "model": row.model, "name": row.network, "train": nodes["train"],
                      "network": nodes["network"]})
    return items


def weights_table(frame):
    """The observed layer's weight statistics (:data:`WEIGHT_COLUMNS`), one row per network that records them."""
    rows = []
    for row in frame.itertuples():
        values = read_metrics(row.directory).get("weights", {})
        if values:
            rows.append({"network": row.network, "condition": row.condition,
                         **{key: values.get(key) for key in WEIGHT_COLUMNS}})
    return pd.DataFrame(rows)


def penalty_table(root):
    """Networks with penalties on the observed layer's incoming weights, beside the unpenalised ones.

    Returns
    -------
    pandas.DataFrame
        One row per (model, width, condition, penalty): ``penalty`` (e.g.
        ``l2 1e-04``, ``none``), ``train_accuracy`` (how far it learned its
        labels), ``epochs``, and on the training recording ``mfr``,
        ``share_rare_5``, ``share_silent``, ``lambda_q50``, ``mean_abs_r``,
        ``participation_ratio``, and ``in_l2_mean``.
    """
    rows = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell" or parameters["condition"] not in ("generalizing",
                                                                                            "mem_random_last"):
            continue
        if metrics["labels"]["noise"] not in (0.0, 1.0) or results.design(parameters) not in ("paper", "penalty"):
            continue  # a label-noise sweep's or a subset's network is not an unpenalised sibling
        l1, l2 = parameters.get("l1", 0.0), parameters.get("l2", 0.0)
        penalty = "none" if not (l1 or l2) else ("L1 " if l1 else "L2 ") + format_kind(l1 or l2, "level")
        train = metrics["splits"]["train"]
        rows.append({"network": f"{MODEL_NAMES[parameters['model']]}-{parameters['width']}",
                     "condition": parameters["condition"], "penalty": penalty, "strength": l1 or l2,
                     "kind": "L1" if l1 else ("L2" if l2 else "none"),
                     "train_accuracy": metrics["train_accuracy"], "epochs": sum(metrics["epochs"].values()),
                     **{k: train.get(k, np.nan) for k in ("mfr", "share_rare_5", "share_silent", "lambda_q50",
                                                          "mean_abs_r", "participation_ratio")},
                     "in_l2_mean": metrics.get("weights", {}).get("in_l2_mean", np.nan)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["network", "condition", "kind", "strength"]).reset_index(drop=True)


def penalty_summary(table):
    """What the strongest L1 and L2 penalties did to each network, as plain sentences.

    For every network and condition of :func:`penalty_table` that has an
    unpenalised sibling: its training accuracy and share of rare nodes
    (λ < 0.05) without a penalty and under the strongest L1 and L2 penalty.
    An empty table gives an empty string.

    Examples
    --------
    >>> table = pd.DataFrame({"network": ["MLP-8"] * 2, "condition": ["mem_random_last"] * 2,
    ...                       "kind": ["none", "L1"], "penalty": ["none", "L1 0.001"], "strength": [0.0, 1e-3],
    ...                       "train_accuracy": [0.44, 0.10], "share_rare_5": [0.02, 1.0]})
    >>> penalty_summary(table)
    'MLP-8 memorizing from random weights: 44.0 % training accuracy and 2 % rare nodes without a penalty; L1 0.001: 10.0 % and 100 %.'
    """
    sentences = []
    if table is None or len(table) == 0:
        return ""
    labels = {"generalizing": "generalizing", "mem_random_last": "memorizing from random weights"}
    for (network, condition), rows in table.groupby(["network", "condition"], sort=False):
        none = rows[rows["kind"] == "none"]
        if none.empty:
            continue
        base = none.iloc[0]
        parts = [f"{network} {labels.get(condition, condition)}: {100 * base['train_accuracy']:.1f} % training "
                 f"accuracy and {100 * base['share_rare_5']:.0f} % rare nodes without a penalty"]
        for kind in ("L1", "L2"):
            penalised = rows[rows["kind"] == kind]
            if len(penalised):
                strongest = penalised.loc[penalised["strength"].idxmax()]
                parts.append(f"{strongest['penalty']}: {100 * strongest['train_accuracy']:.1f} % and "
                             f"{100 * strongest['share_rare_5']:.0f} %")
        sentences.append("; ".join(parts) + ".")
    return " ".join(sentences)


def penalty_contrast(table):
    """A sentence when a penalty gives a generalizing network more rare nodes than the unpenalised memorizing
    one (then a high share of rare nodes is no sign of memorization by itself), else ``""``.

    Examples
    --------
    >>> table = pd.DataFrame({"network": ["MLP-8"] * 2, "condition": ["generalizing", "mem_random_last"],
    ...                       "kind": ["L1", "none"], "penalty": ["L1 0.001", "none"], "share_rare_5": [0.59, 0.02]})
    >>> penalty_contrast(table)
    'Under L1 0.001 the generalizing MLP-8 has 59 % rare nodes, more than the 2 % of the unpenalised memorizing MLP-8: a high share of rare nodes is not by itself a sign of memorization.'
    """
    if table is None or len(table) == 0:
        return ""
    general = table[(table["condition"] == "generalizing") & (table["kind"] != "none")]
    if general.empty:
        return ""
    rarest = general.loc[general["share_rare_5"].idxmax()]
    # the unpenalised memorizing network of the same architecture: the comparison the sentence makes
    free = table[(table["condition"] == "mem_random_last") & (table["kind"] == "none")
                 & (table["network"] == rarest["network"])]
    if free.empty or rarest["share_rare_5"] <= free["share_rare_5"].iloc[0]:
        return ""
    return (f"Under {rarest['penalty']} the generalizing {rarest['network']} has {100 * rarest['share_rare_5']:.0f} % "
            f"rare nodes, more than the {100 * free['share_rare_5'].iloc[0]:.0f} % of the unpenalised memorizing "
            f"{rarest['network']}: a high share of rare nodes is not by itself a sign of memorization.")


def beyond_rate(frame, columns, rate="mfr"):
    """Separation of memorizing from generalizing networks by each statistic, alone and beyond the rate.

    For each statistic ``x``, a least-squares line ``x ~ rate`` across all
    networks takes out what the mean firing rate explains; the residual's
    AUROC says what the statistic adds. An indicator that only re-measures
    the rate separates by its residual no better than chance (0.5).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per network, with ``group`` (``generalizing``/``memorizing``),
        ``rate`` and the statistics.
    columns : list of (column, label)

    Returns
    -------
    pandas.DataFrame
        ``statistic``, ``separation`` (max of AUROC and 1 - AUROC) alone and
        ``beyond_rate`` (of the residual), ``r2_with_rate`` (how much of the
        statistic the rate explains).
    """
    rows = []
    two = frame[frame["group"].isin(["generalizing", "memorizing"])]
    for column, name in columns:
        if column not in two:
            continue
        data = two[[column, rate, "group"]].dropna()
        if len(data) < 4 or data["group"].nunique() < 2 or data[column].nunique() < 2:
            continue
        slope, intercept = np.polyfit(data[rate], data[column], 1)
        fitted = intercept + slope * data[rate]
        residual = data[column] - fitted
        total = np.sum((data[column] - data[column].mean()) ** 2)
        memorizing = data["group"] == "memorizing"
        alone = auroc(data.loc[memorizing, column], data.loc[~memorizing, column])
        beyond = auroc(residual[memorizing], residual[~memorizing])
        rows.append({"statistic": name, "separation": max(alone, 1 - alone),
                     "beyond_rate": max(beyond, 1 - beyond),
                     "r2_with_rate": 1 - np.sum(residual**2) / total if total > 0 else np.nan, "n": len(data)})
    frame = pd.DataFrame(rows, columns=["statistic", "separation", "beyond_rate", "r2_with_rate", "n"])
    return frame.sort_values("beyond_rate", ascending=False).reset_index(drop=True)


def beyond_rate_sentence(table):
    """What :func:`beyond_rate` found, in one sentence computed from it.

    >>> table = pd.DataFrame({"statistic": ["MF", "CV of FR"], "separation": [1.0, 0.7],
    ...                       "beyond_rate": [0.83, 0.52], "r2_with_rate": [0.9, 0.1], "n": [40, 40]})
    >>> print(beyond_rate_sentence(table))
    Once the rate is taken out, MF separates best (0.83, where 0.5 is chance; 1.00 with the rate) and CV of FR least
    (0.52; 0.70 with the rate), over 40 networks.
    """
    if table.empty:
        return "Too few networks of both groups to take the rate out."
    from .scorecard import MIN_SEPARATION

    best, worst = table.iloc[0], table.iloc[-1]
    sentence = (f"Once the rate is taken out, {best['statistic']} separates best ({best['beyond_rate']:.2f}, where "
                f"0.5 is chance; {best['separation']:.2f} with the rate)")
    if len(table) > 1:
        sentence += (f" and {worst['statistic']} least ({worst['beyond_rate']:.2f}; {worst['separation']:.2f} with "
                     "the rate)")
    sentence += f", over {int(table['n'].max())} networks"
    if best["beyond_rate"] < MIN_SEPARATION:
        sentence += f": none reaches {MIN_SEPARATION:g}, so beyond the rate they barely tell the groups apart"
    return sentence + "."


def beyond_rate_networks(networks, benchmark_root=None):
    """The networks the beyond-rate table reads: the benchmark profile's when it ran (``benchmark_root``), else
    ``networks``; with a sentence saying which were kept and which left out.

    Returns
    -------
    frame : pandas.DataFrame
        One row per network with ``group``.
    sentence : str
    """
    from .networks import network_table

    if benchmark_root is not None and paths.has_cells(benchmark_root):
        frame = network_table(benchmark_root)
        frame["group"] = [group(c, n) for c, n in zip(frame["condition"], frame["label_noise"])]
        where = f"the {len(frame)} networks of the {Path(benchmark_root).name} profile"
    else:
        frame, where = networks, f"the {len(networks)} networks of this profile"
    kept = frame["group"].isin(["generalizing", "memorizing"])
    sentence = (f"On {where}, the {int(kept.sum())} trained on clean labels (generalizing) or on shuffled labels or "
                f"label noise of at least {MEMORIZING_NOISE} (memorizing); the {int((~kept).sum())} on label noise "
                f"between 0 and {MEMORIZING_NOISE} or untrained are left out (n below counts the networks a statistic "
                "could be computed on).")
    return frame, sentence


#: The dispersion test's level, as the recordings ran it (its default).
_DISPERSION_ALPHA = inspect.signature(dispersion_test).parameters["alpha"].default


def binary_answer(nodes, networks):
    """The binary-trains page's opening, from the firing nodes (:func:`per_node`) and the networks' rows.

    The median distance of the windowed Fano factor from the Bernoulli value 1 − λ; the median share of a
    network's nodes the dispersion test finds over-dispersed; how much class-sorted order multiplies MF.
    """
    deviation = float(np.median(np.abs(nodes["fano"] - (1 - nodes["firing_rate"]))))
    return (f"A binary train's Fano factor is its Bernoulli value 1 − λ, not the Poisson value 1: over the "
            f"{len(nodes):,} firing nodes of the {len(networks)} networks of this profile, the windowed Fano factor "
            f"lies a median {deviation:.3f} from 1 − λ. Beyond the rate, the dispersion test finds a median "
            f"{networks['share_overdispersed'].median():.1%} of a network's nodes over-dispersed and "
            f"{networks['share_underdispersed'].median():.1%} under-dispersed (about {_DISPERSION_ALPHA / 2:.1%} "
            f"each when the trains are independent: the test is two-sided at α = {_DISPERSION_ALPHA:g}), and reading the same recording in class-sorted order multiplies MF by "
            f"{(networks['mf_class_sorted'] / networks['mf']).median():.1f} (median over networks): the Fano factor "
            "follows the order of the samples as much as the network.")
