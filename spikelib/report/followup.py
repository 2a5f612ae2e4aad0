"""The follow-up paper's analyses and what a binary train carries beyond its rate, from results files.

Functions
---------
per_node
    Per-node statistics of every network of a profile, in one long table.
group
    Which side of the comparison a network is on: generalizing, memorizing, random.
condition_means
    A statistic's mean per condition group, for the separation of new statistics.
penalty_table
    Networks trained with L1/L2 penalties: the penalty, how far each memorized,
    and the follow-up's statistics.
penalty_summary
    What the strongest L1 and L2 penalties did, in one sentence from that table.
simulate_fractions
    The population model's predicted indicators as the fraction of memorizing nodes grows.
fit_fractions
    The fraction of rare nodes fitted to each memorizing network, and the
    indicators the model predicts for it beside the observed ones.
depth_changes
    Each hidden layer's indicators beside the same layer of the generalizing network.
depth_summary
    What the depth view says about the paper's H6, in sentences from that table.
beyond_rate
    How well each statistic separates memorizing from generalizing networks,
    alone and after what the mean firing rate explains is taken out.
"""

import numpy as np
import pandas as pd

from ..cellfiles import read_nodes
from ..simulate import fit_memorizing_fraction, population_raster, population_rates
from ..summary import summarize
from .scores import auroc
from .results import CONDITION_LABELS, MODEL_NAMES, design, finished_cells

__all__ = ["per_node", "group", "condition_means", "penalty_table", "penalty_summary", "simulate_fractions",
           "fit_fractions", "depth_changes", "depth_summary", "beyond_rate", "GROUPS"]

GROUPS = ("generalizing", "memorizing", "random")


def group(condition, label_noise=None):
    """``generalizing``, ``memorizing`` or ``random``; a network trained on labels with at least 0.6
    noise counts as memorizing, one with some noise below that as ``noisy``."""
    condition = str(condition)
    if condition == "random":
        return "random"
    if condition.startswith("mem_"):
        return "memorizing"
    if label_noise is None or np.isnan(label_noise) or label_noise == 0:
        return "generalizing"
    return "memorizing" if label_noise >= 0.6 else "noisy"


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


def penalty_table(root):
    """Networks with penalties on the observed layer's incoming weights, beside the unpenalised ones.

    Returns
    -------
    pandas.DataFrame
        One row per (model, width, condition, penalty): ``penalty`` (e.g.
        ``l2 1e-04``, ``none``), ``train_accuracy`` (how far it learned its
        labels), ``epochs``, and on the training recording ``mfr``,
        ``share_rare_5``, ``lambda_q50``, ``mean_abs_r``,
        ``participation_ratio``, and ``in_l2_mean``.
    """
    rows = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell" or parameters["condition"] not in ("generalizing",
                                                                                            "mem_random_last"):
            continue
        if metrics["labels"]["noise"] not in (0.0, 1.0):
            continue
        l1, l2 = parameters.get("l1", 0.0), parameters.get("l2", 0.0)
        penalty = "none" if not (l1 or l2) else ("L1 " if l1 else "L2 ") + f"{l1 or l2:g}"
        train = metrics["splits"]["train"]
        rows.append({"network": f"{MODEL_NAMES[parameters['model']]}-{parameters['width']}",
                     "condition": parameters["condition"], "penalty": penalty, "strength": l1 or l2,
                     "kind": "L1" if l1 else ("L2" if l2 else "none"),
                     "train_accuracy": metrics["train_accuracy"], "epochs": sum(metrics["epochs"].values()),
                     **{k: train.get(k, np.nan) for k in ("mfr", "share_rare_5", "lambda_q50", "mean_abs_r",
                                                          "participation_ratio")},
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


def simulate_fractions(base_rates, n_nodes, fractions=np.linspace(0, 0.9, 10), n_samples=10_000, window=100,
                       correlations=(0.0, 0.05), rare_max=0.05, seed=0):
    """The population model's indicators as the fraction of memorizing nodes grows.

    For each fraction ``f`` and latent correlation, a layer of ``n_nodes``
    (``f`` of them rare, the rest drawn from ``base_rates``) is simulated for
    ``n_samples`` samples, and its MFR, CV of FR, MF, CV of MF and mean
    pairwise correlation are measured as for a network.

    Returns
    -------
    pandas.DataFrame
    """
    from ..correlation import correlation_summary

    rows = []
    rng = np.random.default_rng(seed)
    for correlation in correlations:
        for fraction in fractions:
            rates = population_rates(n_nodes, fraction, base_rates, rare_max=rare_max, seed=rng)
            spikes = population_raster(rates, n_samples, correlation=correlation, seed=rng)
            s = summarize(spikes, window=window)
            rows.append({"fraction": float(fraction), "correlation": correlation, "mfr": s.mfr, "cv_fr": s.cv_fr,
                         "mf": s.mf, "cv_mf": s.cv_mf, "mean_r": correlation_summary(spikes).mean_r})
    return pd.DataFrame(rows)


def fit_fractions(root, n_samples=10_000, rare_max=0.05, seed=0):
    """Fit the fraction of memorizing nodes to each memorizing network, and predict its indicators.

    The base distribution of a network's rates is its generalizing sibling's
    (same model and width, training recording). The model with the fitted
    fraction (independent Bernoulli trains) predicts MFR, CV of FR, MF and CV
    of MF, set beside the observed ones.

    Returns
    -------
    pandas.DataFrame
        One row per memorizing network: ``network, condition, fraction,
        ks_distance``, and ``<indicator>`` / ``<indicator>_predicted``.
    """
    networks = {}
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell" or design(parameters) != "paper":
            continue
        key = (MODEL_NAMES[parameters["model"]], parameters["width"], parameters["seed"])
        networks.setdefault(key, {})[parameters["condition"]] = (metrics, read_nodes(directory)["train"])
    rows = []
    rng = np.random.default_rng(seed)
    for (model, width, _), conditions in sorted(networks.items()):
        if "generalizing" not in conditions:
            continue
        base = conditions["generalizing"][1]["firing_rate"]
        window = conditions["generalizing"][0]["parameters"]["window"]
        for condition, (metrics, nodes) in conditions.items():
            if not condition.startswith("mem_"):
                continue
            fraction, distance = fit_memorizing_fraction(nodes["firing_rate"], base, rare_max=rare_max)
            rates = population_rates(len(base), fraction, base, rare_max=rare_max, seed=rng)
            predicted = summarize(population_raster(rates, n_samples, seed=rng), window=window)
            observed = metrics["splits"]["train"]
            rows.append({"network": f"{model}-{width}", "condition": condition, "fraction": fraction,
                         "ks_distance": distance,
                         **{f"{k}": observed[k] for k in ("mfr", "cv_fr", "mf", "cv_mf")},
                         **{f"{k}_predicted": getattr(predicted, k) for k in ("mfr", "cv_fr", "mf", "cv_mf")}})
    return pd.DataFrame(rows)


_NETWORK = ["model", "width", "seed"]


def depth_changes(layers, columns=("mfr", "cv_fr", "mf")):
    """Each hidden layer's indicators beside the same layer of the generalizing network.

    Parameters
    ----------
    layers : pandas.DataFrame
        :func:`spikelib.report.results.layers`.
    columns : sequence of str
        The indicators to compare.

    Returns
    -------
    pandas.DataFrame
        The rows of ``layers`` whose network (model, width, seed) has a
        generalizing cell, with ``<column>_change``: the indicator minus the
        generalizing network's in the same layer (0 in the generalizing rows).

    Examples
    --------
    >>> import pandas as pd
    >>> layers = pd.DataFrame({"model": "CNN", "width": 64, "seed": 0, "layer": ["conv", "observed"] * 2,
    ...                        "position": [0, 1] * 2, "mfr": [0.5, 0.4, 0.3, 0.1],
    ...                        "condition": ["generalizing"] * 2 + ["mem_retrain_all"] * 2})
    >>> depth_changes(layers, columns=["mfr"])["mfr_change"].round(2).tolist()
    [0.0, 0.0, -0.2, -0.3]
    """
    columns = list(columns)
    reference = layers[layers["condition"] == "generalizing"].set_index(_NETWORK + ["layer"])[columns]
    joined = layers.join(reference, on=_NETWORK + ["layer"], rsuffix="_generalizing", how="inner")
    for column in columns:
        joined[f"{column}_change"] = joined[column] - joined.pop(f"{column}_generalizing")
    return joined.reset_index(drop=True)


def depth_summary(changes):
    """What the depth view says about H6, one sentence per network with more than one hidden layer.

    The paper's H6: memorization in earlier layers hides it from the observed
    layer. A network that may memorize in every layer (MemRetrainAll) should
    then change the observed layer's MFR less, relative to the generalizing
    network, than one whose earlier layers are frozen (MemRetrainLast), and
    its first hidden layer should change where MemRetrainLast's cannot.

    Parameters
    ----------
    changes : pandas.DataFrame
        :func:`depth_changes`.

    Returns
    -------
    str
        The sentences, or a statement of what is missing.
    """
    deep = changes[changes.groupby(_NETWORK)["position"].transform("max") > 0] if len(changes) else changes
    sentences = []
    for (model, width, seed), rows in deep.groupby(_NETWORK, sort=True):
        by = rows.set_index(["condition", "position"], drop=False)
        needed = {"mem_retrain_all", "mem_retrain_last"}
        if not needed <= set(rows["condition"].astype(str)):
            missing = " or ".join(CONDITION_LABELS[c] for c in sorted(needed - set(rows["condition"].astype(str))))
            sentences.append(f"{model}-{width} (seed {seed}): no {missing} network has finished yet, so the depth "
                             "view cannot test H6.")
            continue
        last = int(rows["position"].max())
        first_name, last_name = by.loc[("generalizing", 0), "layer"], by.loc[("generalizing", last), "layer"]

        def mfr(condition, position):
            return by.loc[(condition, position), "mfr"], by.loc[(condition, position), "mfr_change"]

        general_first, general_last = mfr("generalizing", 0)[0], mfr("generalizing", last)[0]
        all_first, all_first_change = mfr("mem_retrain_all", 0)
        all_last, all_last_change = mfr("mem_retrain_all", last)
        frozen_first, frozen_first_change = mfr("mem_retrain_last", 0)
        frozen_last, frozen_last_change = mfr("mem_retrain_last", last)
        hidden = abs(all_last_change) < abs(frozen_last_change)
        sentences.append(
            f"{model}-{width} (seed {seed}), MFR against the generalizing network's: with every layer trained on "
            f"shuffled labels (MemRetrainAll) the first hidden layer (`{first_name}`) goes from {general_first:.3f} "
            f"to {all_first:.3f} and the observed layer (`{last_name}`) from {general_last:.3f} to {all_last:.3f}; "
            f"with the earlier layers frozen (MemRetrainLast) the first stays at {frozen_first:.3f} "
            f"(change {frozen_first_change:+.3f}) and the observed layer goes to {frozen_last:.3f}. "
            f"The observed layer moves {'less' if hidden else 'more'} when the earlier layers may memorize "
            f"({all_last_change:+.3f} against {frozen_last_change:+.3f}), "
            + ("as H6 expects." if hidden else "against what H6 expects.")
            + _memorized_how_far(by, hidden))
    return " ".join(sentences) if sentences else "No network of this profile has more than one hidden layer."


def _memorized_how_far(by, hidden):
    """Whether how far each network memorized could explain the depth view's verdict (a sentence, or '')."""
    if "train_accuracy" not in by:
        return ""
    everything, frozen = (float(by.loc[(condition, 0), "train_accuracy"])
                          for condition in ("mem_retrain_all", "mem_retrain_last"))
    more = everything > frozen
    figures = f"({100 * everything:.1f} % training accuracy on shuffled labels against {100 * frozen:.1f} %)"
    if abs(everything - frozen) < 0.01:  # within a point: neither memorized notably further
        return f" Both memorized about as far {figures}."
    if hidden != more:  # a smaller change from less memorizing, or a larger one from more
        return (f" But MemRetrainAll also memorized {'more' if more else 'less'} {figures}, which alone could "
                f"explain a {'larger' if more else 'smaller'} change.")
    return f" MemRetrainAll memorized {'more' if more else 'less'} {figures}, so this is not for want of memorizing."


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
    for column, label in columns:
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
        rows.append({"statistic": label, "separation": max(alone, 1 - alone),
                     "beyond_rate": max(beyond, 1 - beyond),
                     "r2_with_rate": 1 - np.sum(residual**2) / total if total > 0 else np.nan, "n": len(data)})
    return pd.DataFrame(rows).sort_values("beyond_rate", ascending=False).reset_index(drop=True)
