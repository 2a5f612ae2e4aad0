"""The paper's eight hypotheses, judged on a profile's results.

Functions
---------
hypotheses
    This replication's evidence and verdict on each hypothesis, beside the
    paper's, and whether the two agree.
on_paper_tables
    The same rules applied to the paper's own Table 2, to explain a disagreement.
"""

import numpy as np
import pandas as pd

from ..experiment.config import MEMORIZING
from .labels import CONDITION_LABELS

__all__ = ["hypotheses", "HYPOTHESES", "agrees", "on_paper_tables"]

#: Which way each verdict leans: +1 for, -1 against, 0 for "cannot say".
_LEANING = {"strong support": 1, "weak support": 1, "rejected": -1, "weak evidence against": -1,
            "supported": 1, "weakly supported": 1, "not supported": -1, "contradicted": -1,
            "not testable here": 0, "inconclusive": 0}


def agrees(paper_verdict, verdict):
    """Whether our verdict leans the same way as the paper's; ``None`` when ours cannot say.

    Examples
    --------
    >>> agrees("strong support", "weakly supported"), agrees("weak evidence against", "supported")
    (True, False)
    """
    ours = _LEANING[verdict]
    return None if ours == 0 else ours == _LEANING[paper_verdict]

#: The paper's eight hypotheses (section 3.2), in short, with the paper's own verdict (3.3.4).
HYPOTHESES = {
    1: ("Memorizing networks fire less (lower MFR) than generalizing ones.", "strong support"),
    2: ("The Poisson model fits generalizing and random networks better than memorizing ones.", "rejected"),
    3: ("Random and generalizing networks behave alike; memorizing networks deviate.", "strong support"),
    4: ("Firing rates vary more across the nodes (higher CV of FR) in memorizing networks.", "weak evidence against"),
    5: ("Wider layers dilute the difference between memorizing and generalizing networks.", "weak support"),
    6: ("Depth matters: memorization in earlier layers hides it from the observed layer.", "weak support"),
    7: ("Activation patterns are alike on training and test data.", "strong support"),
    8: ("Firing rates are stable during training, with a visible change when memorization starts.", "strong support"),
}


def _paired(cells, condition_a, condition_b, column):
    # each network beside its own sibling (the paper's tables have no seed column)
    keys = [key for key in ("model", "width", "dataset", "seed", "split") if key in cells.columns]
    a = cells[cells["condition"] == condition_a].set_index(keys)[column]
    b = cells[cells["condition"] == condition_b].set_index(keys)[column]
    joined = pd.concat([a.rename("a"), b.rename("b")], axis=1).dropna()
    return joined


def _memorizing_pairs(cells, column):
    frames = [_paired(cells, m, "generalizing", column).assign(memorizing=m) for m in MEMORIZING]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames) if frames else pd.DataFrame(columns=["a", "b", "memorizing"])


def _verdict(fraction, strong=0.8, weak=0.6):
    if np.isnan(fraction):
        return "not testable here"
    if fraction >= strong:
        return "supported"
    if fraction >= weak:
        return "weakly supported"
    if fraction <= 1 - strong:
        return "contradicted"
    return "not supported"


def hypotheses(cells, ks_tests, curve_frame):
    """This replication's evidence on each of the paper's eight hypotheses.

    Returns a DataFrame: ``hypothesis``, ``statement``, ``paper`` (the
    paper's verdict), ``evidence`` (what was measured, with the numbers),
    ``verdict`` (here) and ``agrees`` (with the paper: True, False, or None
    where this profile cannot test it). Every number comes from the results
    passed in.
    """
    rows = []

    def add(number, evidence, verdict):
        statement, paper_verdict = HYPOTHESES[number]
        rows.append({"hypothesis": number, "statement": statement, "paper": paper_verdict,
                     "evidence": evidence, "verdict": verdict, "agrees": agrees(paper_verdict, verdict)})

    h1 = _h1(cells)
    add(1, *h1)

    compatible = cells.groupby(cells["condition"].astype(str).str.startswith("mem_"))["fano_compatible_fraction"].mean()
    mem_fit, other_fit = compatible.get(True, np.nan), compatible.get(False, np.nan)
    add(2, f"Share of nodes compatible with F = 1 (Eden & Kramer): {other_fit:.0%} on average in "
           f"generalizing and random networks, {mem_fit:.0%} in memorizing ones. A binary train has "
           f"F = 1 - rate, so the test favours rarely firing (memorizing) networks by construction.",
        "not supported" if mem_fit >= other_fit else "supported")

    gen_random = ks_tests[ks_tests["kind"] == "gen/random"]["similar"].mean()
    mem_random = ks_tests[ks_tests["kind"] == "mem/random"]["similar"].mean()
    d_gen, d_mem = _distances_to_random(cells)
    add(3, f"Firing-rate distributions similar (KS, Bonferroni) for generalizing vs random in "
           f"{gen_random:.0%} of comparisons, memorizing vs random in {mem_random:.0%}; mean |MFR "
           f"difference| to the random network {d_gen:.3f} (generalizing) vs {d_mem:.3f} (memorizing).",
        "supported" if d_gen < d_mem and gen_random >= mem_random else "not supported")

    add(4, *_h4(cells))
    add(5, *_h5(cells))
    add(6, *_h6(cells))

    train_test = ks_tests[ks_tests["kind"] == "train/test"]
    wide = cells.pivot_table(index=["model", "width", "dataset", "condition"], columns="split", values="mfr",
                             observed=True)
    max_gap = float((wide["train"] - wide["test"]).abs().max()) if {"train", "test"} <= set(wide.columns) else np.nan
    add(7, f"Train and test firing-rate distributions similar (KS, Bonferroni) in "
           f"{train_test['similar'].mean():.0%} of {len(train_test)} networks; largest |MFR(train) - "
           f"MFR(test)| {max_gap:.3f}.", _verdict(float(train_test["similar"].mean())))

    if len(curve_frame):
        parts, supported, early = [], [], []
        for _, frame in curve_frame.groupby("cell_id"):
            switch = int(frame["switch_batch"].iloc[0])
            true_end = frame[frame["phase"] == 0]["mfr_train"].to_numpy()
            shuffled = frame[frame["phase"] == 1]["mfr_train"].to_numpy()
            tail_true, tail_shuffled = true_end[len(true_end) // 2:], shuffled[len(shuffled) // 2:]
            located = _best_split(frame["mfr_train"].to_numpy())
            run = (f"{frame['model'].iloc[0]}-{frame['width'].iloc[0]} "
                   f"{CONDITION_LABELS.get(frame['condition'].iloc[0], frame['condition'].iloc[0])}, "
                   f"seed {frame['seed'].iloc[0]}")
            parts.append(f"{run}: MFR {tail_true.mean():.3f} ± {tail_true.std():.3f} (second half of true-label "
                         f"training) and {tail_shuffled.mean():.3f} ± {tail_shuffled.std():.3f} (second half of "
                         f"shuffled-label training); the single best change point of the curve is at batch "
                         f"{located}, the labels were shuffled after batch {switch}")
            batches_per_epoch = max(1, switch // int(frame["epochs"].iloc[0]))
            # Supported: the curve's best change point lies within one epoch of the switch, and
            # the two plateaus differ by more than three times their batch-to-batch spread.
            supported.append(abs(located - switch) <= batches_per_epoch and
                             abs(tail_true.mean() - tail_shuffled.mean()) > 3 * max(tail_true.std(), tail_shuffled.std()))
            first, last = frame["accuracy_shuffled_first"].iloc[0], frame["accuracy_shuffled_last"].iloc[0]
            chance = 1 / frame["n_classes"].iloc[0]
            # The change comes at the switch; whether it marks memorizing needs the network to be memorizing then.
            early.append(bool(first < 2 * chance))
            parts[-1] += (f"; after its first epoch on shuffled labels it fit {first:.0%} of them (chance "
                          f"{chance:.0%}), after the last {last:.0%}")
        verdict = "supported" if all(supported) else "not supported"
        note = ""
        if verdict == "supported" and all(early):
            verdict = "weakly supported"
            note = (" The rates are stable and change at the label switch, as the paper reports; but the change comes "
                    "while the network still fits the shuffled labels at about chance, before it has memorized them. "
                    "It marks the switch to labels the network cannot predict; that it marks memorizing is not "
                    "shown, hence only weakly supported.")
        add(8, "; ".join(parts) + "." + note, verdict)
    else:
        add(8, "No firing-rate-during-training run in this profile.", "not testable here")
    return pd.DataFrame(rows)


def _h1(frame):
    mfr = _memorizing_pairs(frame, "mfr")
    lower = float((mfr["a"] < mfr["b"]).mean()) if len(mfr) else np.nan
    return (f"Memorizing MFR below the generalizing MFR of the same network and split in "
            f"{int((mfr['a'] < mfr['b']).sum())} of {len(mfr)} comparisons; median ratio "
            f"{np.median(mfr['a'] / mfr['b']) if len(mfr) else np.nan:.2f}.", _verdict(lower))


def _distances_to_random(frame):
    gap_gen = _paired(frame, "generalizing", "random", "mfr")
    gap_mem = pd.concat([_paired(frame, m, "random", "mfr") for m in MEMORIZING])
    d_gen = float((gap_gen["a"] - gap_gen["b"]).abs().mean()) if len(gap_gen) else np.nan
    d_mem = float((gap_mem["a"] - gap_mem["b"]).abs().mean()) if len(gap_mem) else np.nan
    return d_gen, d_mem


def _h4(frame):
    cv = _memorizing_pairs(frame, "cv_fr")
    higher = float((cv["a"] > cv["b"]).mean()) if len(cv) else np.nan
    return (f"CV of FR higher for memorizing than generalizing in {int((cv['a'] > cv['b']).sum())} of "
            f"{len(cv)} comparisons.", _verdict(higher))


def _memorized_accuracy(frame, models, conditions):
    """Training accuracy on shuffled labels of the memorizing networks chosen, by condition and width (or nothing)."""
    if "train_accuracy" not in frame or "split" not in frame:
        return pd.Series(dtype=float)
    chosen = frame[frame["model"].isin(models) & frame["condition"].isin(conditions) & (frame["split"] == "train")]
    return chosen.groupby(["condition", "width"], observed=True)["train_accuracy"].mean()


def _h5(frame):
    from scipy import stats

    mfr = _memorizing_pairs(frame, "mfr").reset_index()
    mlp = mfr[mfr["model"] == "MLP"] if "model" in mfr else mfr
    by_width = mlp.assign(gap=(mlp["a"] - mlp["b"]).abs()).groupby("width")["gap"].mean()
    if len(by_width) < 3:
        return (f"Only {len(by_width)} MLP width{'s' if len(by_width) != 1 else ''} in this profile.",
                "not testable here")
    rho = stats.spearmanr(by_width.index, by_width.to_numpy()).statistic
    seeds = mlp["seed"].nunique() if "seed" in mlp else 1
    evidence = ("Mean |MFR(memorizing) - MFR(generalizing)| of the MLPs by width: "
                + ", ".join(f"{w}: {g:.3f}" for w, g in by_width.items())
                + f" (Spearman rho {rho:+.2f} over {len(by_width)} widths, {len(mlp)} comparisons, "
                  f"{seeds} seed{'s' if seeds != 1 else ''}; the CNN is left out, its width is another layer's).")
    reached = _memorized_accuracy(frame, ["MLP"], list(MEMORIZING))
    confounded = False
    if len(reached):
        # How far each width memorized is a control: a smaller difference at a width that memorized less says
        # nothing about dilution; at a width that memorized more, it does.
        by_reach = reached.groupby(level="width").mean().reindex(by_width.index)
        more = stats.spearmanr(by_reach.index, by_reach.to_numpy()).statistic if by_reach.notna().all() else np.nan
        if np.isfinite(more) and more > 0:
            evidence += (f" The wider MLPs memorized more of their shuffled labels ({by_reach.iloc[0]:.0%} at width "
                         f"{by_reach.index[0]}, {by_reach.iloc[-1]:.0%} at {by_reach.index[-1]}, mean over the "
                         "memorizing conditions), so how far each memorized does not explain a smaller difference "
                         "at larger widths.")
        else:
            confounded = True
            evidence += (f" How far the memorizing MLPs got on their shuffled labels differs by width "
                         f"({reached.min():.0%} to {reached.max():.0%} training accuracy) without the wider ones "
                         "memorizing more, so width and how much was memorized cannot be told apart here.")
    monotone = bool(np.all(np.diff(by_width.to_numpy()) < 0))
    # One seed and a handful of widths: a monotone fall is suggestive, not established.
    verdict = ("inconclusive" if confounded and rho < 0 else
               "supported" if rho <= -0.8 and monotone and seeds >= 2 else "weakly supported" if rho <= -0.8
               else "inconclusive" if rho < 0 else "not supported")
    return evidence, verdict


def _h6(frame):
    mfr = _memorizing_pairs(frame, "mfr")
    depth = mfr.assign(gap=(mfr["a"] - mfr["b"]).abs()).reset_index()
    if "split" in depth and (depth["split"] == "test").any():
        # the samples the depth view records every layer on: the follow-up page quotes the same gaps
        depth = depth[depth["split"] == "test"]
    retrain = depth[depth["memorizing"].isin(["mem_retrain_last", "mem_retrain_all"])]
    deeper = retrain[retrain["model"] != "MLP"]
    deep = deeper.groupby("memorizing")["gap"].mean()
    if not {"mem_retrain_last", "mem_retrain_all"} <= set(deep.index):
        return "No deeper network with both retraining conditions in this profile.", "not testable here"
    n_networks = len(deeper.drop_duplicates([k for k in ("model", "width", "dataset", "seed") if k in deeper]))
    seeds = deeper["seed"].nunique() if "seed" in deeper else 1
    on_test = " (on the test samples)" if "split" in deeper and set(deeper["split"]) == {"test"} else ""
    where = "In the deeper networks" if n_networks != 1 else "In the one deeper network"
    evidence = (f"{where} the MFR gap to the generalizing network{on_test} is "
                f"{deep['mem_retrain_all']:.3f} when all layers may memorize (MemRetrainAll) vs "
                f"{deep['mem_retrain_last']:.3f} when only the last two may (MemRetrainLast); "
                f"{n_networks} deeper network{'s' if n_networks != 1 else ''}, {seeds} seed{'s' if seeds != 1 else ''}.")
    reached = _memorized_accuracy(frame, sorted(set(deeper["model"])), ["mem_retrain_all", "mem_retrain_last"])
    if len(reached):
        by_condition = reached.groupby(level="condition").mean()
        evidence += (f" {'They' if n_networks != 1 else 'It'} memorized to {by_condition.get('mem_retrain_all', np.nan):.0%} (MemRetrainAll) and "
                     f"{by_condition.get('mem_retrain_last', np.nan):.0%} (MemRetrainLast) training accuracy on "
                     "shuffled labels, so the comparison depends on how far each memorized as much as on where it "
                     "memorized.")
    if deep["mem_retrain_all"] >= deep["mem_retrain_last"]:
        return evidence, "not supported"
    return evidence, "supported" if n_networks >= 3 and seeds >= 2 else "weakly supported"


#: The hypotheses whose rule can be applied to the paper's own Table 2, and how.
_ON_TABLE2 = {1: _h1, 4: _h4, 5: _h5, 6: _h6}


def on_paper_tables(paper, models=None, datasets=None):
    """The same rules applied to the paper's own Table 2 (its MFR and CV of FR).

    This separates two kinds of disagreement: where our networks behave
    differently from the paper's, the paper's own numbers still give the
    paper's verdict; where the paper's numbers, judged by the same rule, give
    ours, the disagreement is with the paper's reading of its results.

    Parameters
    ----------
    paper : dict
        From :func:`spikelib.report.tables.paper_tables`.
    models, datasets : list of str, optional
        Restrict to these (the paper's spelling), e.g. the networks a profile has.

    Returns
    -------
    dict of int to (str, str)
        Hypothesis -> (evidence, verdict) for hypotheses 1, 4, 5 and 6.
    """
    table = paper["table2"].copy()
    if models is not None:
        table = table[table["model"].isin(models)]
    if datasets is not None:
        table = table[table["dataset"].isin(datasets)]
    return {number: rule(table) for number, rule in _ON_TABLE2.items()}


def _best_split(values):
    """Index of the single mean-shift change point that minimises the squared error."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    cumulative = np.cumsum(values)
    squares = np.cumsum(values**2)
    k = np.arange(1, n)
    left = squares[k - 1] - cumulative[k - 1] ** 2 / k
    right = (squares[-1] - squares[k - 1]) - (cumulative[-1] - cumulative[k - 1]) ** 2 / (n - k)
    return int(k[np.argmin(left + right)])
