"""What the page "Diagnose your own network" shows of the networks trained on data the reference lacks: the
transfer networks and the held-out networks, each diagnosed every way and scored against the truth of its labels,
with the reference's own leave-one-out records; the tables, sentences and figure that report them.

Functions
---------
transfer_evidence, held_out_evidence
    The transfer networks, and the held-out networks, scored every way, with the counts.
transfer_answer
    The page's opening: how often each way was right, wrong, or could not tell, on both sets.
transfer_view, set_description, reference_record_view
    The counts per mode as a table; what a set holds, for its caption; the reference's own records per domain.
transfer_reading, held_out_reading, reference_reading
    What the tables show, in words.
hindsight_rules, hindsight_view, hindsight_reading
    Could a rule on the same two positions, fitted with hindsight, reach the goal, and would it hold on the next
    networks? The table, and what it shows.
publish_counts
    The calibrated counts of both sets, glued for the book's introduction.
positions_figure
    Each network's position and its own-label controls' between the anchors.
"""

import numpy as np
import pandas as pd

from ..report.render import and_list
from .measure import RECORDING_MEASURES

__all__ = ["transfer_evidence", "held_out_evidence", "transfer_answer", "transfer_view", "set_description",
           "reference_record_view", "transfer_reading", "held_out_reading", "reference_reading", "hindsight_rules",
           "hindsight_view", "hindsight_reading", "publish_counts", "positions_figure", "GOAL", "HINDSIGHT_WEIGHTS"]

#: The transfer data sets as sentences name them.
_DATASETS = {"digits": "digits", "fashion_mnist": "Fashion-MNIST", "synthetic": "the synthetic task"}
#: What the calibrated diagnosis is held to on networks that fit their samples: this share right, none wrong.
GOAL = 0.9
#: The weights on the network's own position (the rest on its own-label controls') that Table 3 fits rules for.
HINDSIGHT_WEIGHTS = tuple(round(0.1 * k, 1) for k in range(11))


def transfer_evidence(reference, record, root=None):
    """Every transfer network scored every way, the counts, and the reference's own leave-one-out records.

    Returns
    -------
    dict
        ``scores`` and ``summary`` (:func:`spikelib.diagnose.scoring.transfer_scores` and ``transfer_summary``),
        ``loo`` and ``lodo``: every reference network diagnosed against the others, and against the other data
        sets and optimizers (:func:`spikelib.diagnose.verdict.leave_one_out`).
    """
    from .scoring import transfer_scores, transfer_summary
    from .verdict import leave_one_out

    loo = leave_one_out(reference, record, RECORDING_MEASURES)
    lodo = leave_one_out(reference, record, RECORDING_MEASURES, by="dataset")
    scores = transfer_scores(reference, record, root, outcomes={"reference, leave one out": loo,
                                                               "reference, leave one data set out": lodo})
    return {"scores": scores, "summary": transfer_summary(scores), "loo": loo, "lodo": lodo}


def held_out_evidence(reference, record, root=None):
    """The held-out networks (:func:`spikelib.diagnose.transfer.held_out_networks`) diagnosed and scored as the
    transfer networks are: ``{"scores", "summary"}`` as in :func:`transfer_evidence`."""
    from .scoring import held_out_scores, transfer_summary

    scores = held_out_scores(reference, record, root)
    return {"scores": scores, "summary": transfer_summary(scores)}


def set_description(scores):
    """What a scored set of networks holds, from its rows (``"... an MLP with 256 observed nodes on 1,000 samples of
    digits (2 seeds), ..."``)."""
    from .transfer import FIT

    rows = scores.drop_duplicates("network")
    parts = []
    for (dataset, model, width, n), group in rows.groupby(["dataset", "model", "width", "samples"], sort=False):
        seeds = len(group) // group["noise"].nunique()
        family = "a CNN with" if model == "cnn" else "an MLP with"
        parts.append(f"{family} {width} observed nodes on {n:,} samples of {_DATASETS.get(dataset, dataset)}"
                     + (f" ({seeds} seeds)" if seeds > 1 else ""))
    return f"trained with Adam until they fit {FIT:.0%} of their samples: {and_list(parts)}".replace("%", " %")


def _said(row):
    return f"{row['right']} right, {row['wrong']} wrong, {row['cannot tell']} cannot tell"


def held_out_reading(held, transfer):
    """What the held-out table shows beside the transfer table: each way's counts on both, the calibrated verdict by
    data set, its agreement with the training signal, and where the refusals fall (Markdown for
    :func:`~spikelib.report.render.show`, which typesets its percentages)."""
    summary, before = held["summary"], transfer["summary"]
    n = int(summary.iloc[0]["networks"])
    calibrated = held["scores"][held["scores"]["mode"] == "calibrated"]
    parts = [f"{_DATASETS.get(dataset, dataset)} {int((group['outcome'] == 'right').sum())} right of {len(group)}"
             for dataset, group in calibrated.groupby("dataset", sort=False)]
    ways = "; ".join(f"{mode}: {_said(summary.loc[mode])} ({summary.loc[mode, 'right share']:.0%} right; "
                     f"{before.loc[mode, 'right share']:.0%} on the transfer set)"
                     for mode in ("calibrated", "calibrated, its batch size", "training signal"))
    signal = held["scores"][held["scores"]["mode"] == "training signal"].set_index("network")["verdict"]
    given = calibrated[calibrated["verdict"] != "cannot tell"].set_index("network")["verdict"]
    agree = int((signal.loc[given.index] == given).sum())
    both = pd.concat([held["scores"], transfer["scores"]])
    return (f"On {n} networks declared and trained after the rules and thresholds were fixed on the transfer set "
            f"(other widths, sizes and seeds; Table 2): {ways}. Calibrated, by data set: {'; '.join(parts)}. Where "
            f"the calibrated diagnosis gave a verdict, the training signal said the same on {agree} of {len(given)}."
            + _wrong_sentence(calibrated, before, both) + _refusals_sentence(both))


def _wrong_sentence(calibrated, before, both):
    """Whether the calibrated verdict was wrong on the held-out set (``calibrated``), and on the transfer set."""
    wrong = calibrated[calibrated["outcome"] == "wrong"]
    if len(wrong):
        return (f" The calibrated verdict was wrong on {and_list(wrong['network'])}: read each verdict with that in "
                "mind.")
    if before.loc["calibrated", "wrong"]:
        return " The calibrated verdict was never wrong here, though it was on the transfer set."
    datasets = both["dataset"].nunique()
    return (f" The calibrated verdict was never wrong here either: on {both['network'].nunique()} networks of "
            f"{datasets} data sets its failures are refusals (\"cannot tell\"), not wrong answers. That is evidence "
            f"on {datasets} data sets, not a guarantee for another.")


def _refusals_sentence(both):
    """Where the calibrated refusals of both sets fall: networks trained on clean labels that fell short."""
    from .calibrated import CLEAN

    refused = both[(both["mode"] == "calibrated") & (both["outcome"] == "cannot tell")]
    if refused.empty:
        return ""
    # a clean-labelled network refused although its measures counted: it, or its own-label controls, fell short
    short = refused[(refused["noise"] == 0) & (refused["measures"] > 0)]
    return (f" Of the {len(refused)} refusals in the two sets, {len(short)} are of networks trained on clean labels "
            f"that fell short of the teacher controls' side (the network or the controls trained on its labels below "
            f"{CLEAN:.2f}): clean labels need not be a rule the architecture learns whole. The synthetic task's clean "
            f"networks reach {_accuracy_range(both, 'synthetic', 0)} on its test samples, so they too fit labels they "
            "cannot predict.")


def _accuracy_range(scores, dataset, noise):
    """``"74 % to 86 %"``: the test accuracies of a data set's networks trained at one label noise."""
    found = scores[(scores["dataset"] == dataset) & (scores["noise"] == noise)].drop_duplicates("network")
    return f"{found['test_accuracy'].min():.0%} to {found['test_accuracy'].max():.0%}".replace("%", " %")


def _counts(frame):
    given = frame[frame["verdict"] != "cannot tell"]
    scored = given[given["right"].notna()]
    return len(frame), int(scored["right"].astype(bool).sum()), int((~scored["right"].astype(bool)).sum()), \
        int((frame["verdict"] == "cannot tell").sum())


def transfer_answer(evidence, held=None):
    """The page's opening: how often each way of diagnosing was right, wrong, or could not tell, on the transfer
    set and (``held``, from :func:`held_out_evidence`) on the held-out set (Markdown for
    :func:`~spikelib.report.render.show`, which typesets its percentages)."""
    summary = evidence["summary"]
    n = int(summary.iloc[0]["networks"])
    datasets = evidence["scores"]["dataset"].nunique()

    def said(mode):
        row = summary.loc[mode]
        return f"right on {row['right']}, wrong on {row['wrong']}, cannot tell on {row['cannot tell']}"

    calibrated = summary.loc["calibrated"]
    loo_n, loo_right, loo_wrong, loo_cannot = _counts(evidence["loo"])
    return (f"Is a network memorizing? On {n} networks trained the way a researcher might (Adam, until they fit "
            f"their samples) on {datasets} data sets the compendium's own networks never saw, clean, half-shuffled "
            f"and shuffled labels, calibrated on each network's own samples the diagnosis was "
            f"**{said('calibrated')}** ({calibrated['right share']:.0%} right). Against the committed reference "
            f"alone, with the network's data set left out, it was {said('reference, leave one data set out')}. The "
            f"training signal beside the verdict (how much faster the network's labels fit than the same labels "
            f"permuted) was {said('training signal')}. Within the reference itself, each of its {loo_n} networks "
            f"diagnosed against the others was right on {loo_right}, wrong on {loo_wrong}, cannot tell on "
            f"{loo_cannot}" + (f"; the other {unscored}, trained on a little label noise, have no right verdict to "
                                "score" if (unscored := loo_n - loo_right - loo_wrong - loo_cannot) else "")
            + "." + (_held_out_answer(held) if held is not None else ""))


def _held_out_answer(held):
    summary = held["summary"]
    row = summary.loc["calibrated"]
    return (f" On {int(row['networks'])} further networks held out until the rules were fixed, calibrated: "
            f"**{_said(row)}** ({row['right share']:.0%} right); the training signal "
            f"{_said(summary.loc['training signal'])}.")


def transfer_view(summary):
    """The counts per mode as the page's table."""
    from .scoring import MODES

    view = summary.reset_index()
    view["how"] = view["mode"].map(MODES)
    return view[["mode", "how", "networks", "right", "wrong", "cannot tell", "right (clean)",
                 "right (half-shuffled)", "right (shuffled)"]]


def transfer_reading(evidence):
    """What Table 1 and Figure 1 show, by data set and by label condition, and how the training signal agreed."""
    scores = evidence["scores"]
    calibrated = scores[scores["mode"] == "calibrated"].set_index("network")
    signal = scores[scores["mode"] == "training signal"].set_index("network")
    parts = []
    for dataset, group in calibrated.groupby("dataset", sort=False):
        counts = group["outcome"].value_counts()
        parts.append(f"{_DATASETS.get(dataset, dataset)}: {counts.get('right', 0)} right, "
                     f"{counts.get('wrong', 0)} wrong, "
                     f"{counts.get('cannot tell', 0)} cannot tell of {len(group)}")
    undecided = calibrated[calibrated["outcome"] == "cannot tell"]
    blind = int(undecided["reason"].fillna("").str.contains("cannot see").sum())
    unfit = int(undecided["reason"].fillna("").str.contains("did not reach").sum())
    between = len(undecided) - blind - unfit
    both = calibrated[calibrated["verdict"] != "cannot tell"].index
    agree = int((calibrated.loc[both, "verdict"] == signal.loc[both, "verdict"]).sum())
    text = (f"By data set, calibrated: {'; '.join(parts)}. Of the {len(undecided)} networks it could not tell, "
            f"{blind} were networks on whose samples no established measure told the anchors apart, {unfit} had "
            f"controls that did not reach the fit within the time budget, and {between} fell between the "
            f"thresholds or had the network and its own-label controls disagree. Where the calibrated diagnosis gave "
            f"a verdict, the training signal said the same on {agree} of {len(both)} networks.")
    wrong = calibrated[calibrated["outcome"] == "wrong"]
    if len(wrong):
        text += (f" It was wrong on {and_list(wrong.index)}: read each verdict with that in mind.")
    return text


def reference_reading(evidence):
    """What Table 4 shows: the committed reference diagnoses its own data sets, not others."""
    lodo = evidence["lodo"]
    n, right, wrong, cannot = _counts(lodo[lodo["source"] == "transfer"])
    return (f"Left out one at a time, the reference's networks are mostly read right or \"cannot tell\" (Table 4): "
            f"they are compared with networks of their own data set. Left out with their whole data set and optimizer, "
            f"the {n} transfer networks were read right {right} times, wrong {wrong} times and \"cannot tell\" "
            f"{cannot} times: a value beyond every comparable network of the other data sets reads \"outside the "
            "reference\", and within them the ranges of another data set say little. That is why the default is "
            "the calibrated diagnosis.")


def reference_record_view(evidence):
    """Leave one out and leave one data set out over the whole reference, per domain."""
    rows = []
    for label, frame in (("leave one out", evidence["loo"]), ("leave one data set out", evidence["lodo"])):
        for domain, group in frame.groupby("dataset", sort=False):
            n, right, wrong, cannot = _counts(group)
            rows.append({"left out": label, "networks of": _domain_name(domain), "networks": n, "right": right,
                         "wrong": wrong, "cannot tell": cannot, "not scored": n - right - wrong - cannot})
    table = pd.DataFrame(rows)
    # a network trained on a little label noise has no right verdict to score: a column only where there are such
    return table if table["not scored"].any() else table.drop(columns="not scored")


def _domain_name(domain):
    """``"fashion_mnist, SGD"`` as the page's sentences name it (``"Fashion-MNIST, SGD"``)."""
    dataset, _, optimizer = str(domain).partition(", ")
    name = _DATASETS.get(dataset, dataset).removeprefix("the ")
    return ", ".join(part for part in (name, optimizer) if part)


def _calibrated(scores):
    frame = scores[scores["mode"] == "calibrated"]
    return frame[["position", "own_position"]].to_numpy(float), (frame["noise"] == 0).to_numpy()


def _thresholds(score, clean):
    """With hindsight, the thresholds that give the most right verdicts and none wrong: clean-like above every score
    of a network trained on noisy labels, memorizing-like below every score of one trained on clean labels."""
    finite = np.isfinite(score)
    noisy, tidy = score[finite & ~clean], score[finite & clean]
    return (float(noisy.max()) if len(noisy) else -np.inf), (float(tidy.min()) if len(tidy) else np.inf)


def _outcomes(score, clean, clean_above, memorizing_below):
    """Right, wrong and cannot-tell counts of the rule; where the two groups did not overlap when it was fitted
    (a score both above the one threshold and below the other), the midpoint decides."""
    with np.errstate(invalid="ignore"):
        says_clean, says_memorizing = score > clean_above, score < memorizing_below
        both = says_clean & says_memorizing
        middle = (clean_above + memorizing_below) / 2
        says_clean = says_clean & (~both | (score >= middle))
        says_memorizing = says_memorizing & (~both | (score < middle))
    right = int((says_clean & clean).sum() + (says_memorizing & ~clean).sum())
    wrong = int((says_clean & ~clean).sum() + (says_memorizing & clean).sum())
    return right, wrong, len(score) - right - wrong


def hindsight_rules(fitted, tested, weights=HINDSIGHT_WEIGHTS):
    """Could another rule on the same two positions reach the goal, and would it hold on networks it was not fitted
    on?

    For each weight w a network scores w x its position + (1 - w) x its own-label controls' position (the two
    coordinates of Figure 1; w = 0 reads only the controls trained on its labels). On ``fitted`` the thresholds
    are set with hindsight to give the most right verdicts with none wrong (clean-like above the highest score of
    a network trained on noisy labels, memorizing-like below the lowest of one trained on clean labels), then
    applied to ``tested``; and set once more with hindsight on both sets together. A network on whose samples no
    measure counted has no score, and no verdict under any rule.

    Parameters
    ----------
    fitted, tested : pandas.DataFrame
        Scores of :func:`spikelib.diagnose.scoring.transfer_scores` (their "calibrated" rows are read).

    Returns
    -------
    pandas.DataFrame
        One row per weight: ``weight, clean_above, memorizing_below`` (fitted), ``fitted_right, fitted_wrong,
        fitted_cannot, fitted_networks``, ``tested_right, tested_wrong, tested_cannot, tested_networks``, and
        ``both_right, both_networks`` (thresholds fitted on both sets).
    """
    (fit_xy, fit_clean), (test_xy, test_clean) = _calibrated(fitted), _calibrated(tested)
    rows = []
    for weight in weights:
        mix = np.array([weight, 1 - weight])
        fit_score, test_score = fit_xy @ mix, test_xy @ mix
        clean_above, memorizing_below = _thresholds(fit_score, fit_clean)
        row = {"weight": weight, "clean_above": clean_above, "memorizing_below": memorizing_below}
        for name, score, clean in (("fitted", fit_score, fit_clean), ("tested", test_score, test_clean)):
            right, wrong, cannot = _outcomes(score, clean, clean_above, memorizing_below)
            row.update({f"{name}_right": right, f"{name}_wrong": wrong, f"{name}_cannot": cannot,
                        f"{name}_networks": len(score)})
        pooled, pooled_clean = np.concatenate([fit_score, test_score]), np.concatenate([fit_clean, test_clean])
        row["both_right"] = _outcomes(pooled, pooled_clean, *_thresholds(pooled, pooled_clean))[0]
        row["both_networks"] = len(pooled)
        rows.append(row)
    return pd.DataFrame(rows)


def hindsight_view(rules, transfer, held):
    """Table 3: the rule in use beside each hindsight rule of :func:`hindsight_rules`, as counts."""
    from .calibrated import CLEAN, MEMORIZING

    in_use = [transfer["summary"].loc["calibrated"], held["summary"].loc["calibrated"]]
    rows = [{"weight on the network": "in use: both positions", "clean-like": f"≥ {CLEAN:.2f}",
             "memorizing-like": f"< {MEMORIZING:.2f}", "transfer: right": int(in_use[0]["right"]),
             "transfer: wrong": int(in_use[0]["wrong"]), "held out: right": int(in_use[1]["right"]),
             "held out: wrong": int(in_use[1]["wrong"]),
             "both sets: right": int(in_use[0]["right"]) + int(in_use[1]["right"])}]
    for row in rules.itertuples():
        rows.append({"weight on the network": f"{row.weight:.1f}", "clean-like": f"> {row.clean_above:.2f}",
                     "memorizing-like": f"< {row.memorizing_below:.2f}", "transfer: right": row.fitted_right,
                     "transfer: wrong": row.fitted_wrong, "held out: right": row.tested_right,
                     "held out: wrong": row.tested_wrong, "both sets: right": row.both_right})
    return pd.DataFrame(rows)


def hindsight_reading(rules):
    """What Table 3 shows: whether a rule fitted to the goal on the transfer set holds on the held-out set, and
    whether any weighting reaches the goal even fitted on both (Markdown for
    :func:`~spikelib.report.render.show`)."""
    n, m, both = (int(rules.iloc[0][f"{name}_networks"]) for name in ("fitted", "tested", "both"))
    best = rules[rules["fitted_right"] == rules["fitted_right"].max()]
    goal = rules[rules["fitted_right"] >= GOAL * n]
    text = (f"Could another rule on the same two positions do better? Table 3 fits one with hindsight for each "
            f"weighting of the network's position against its own-label controls': the two thresholds that give the "
            f"{n} transfer networks the most right verdicts with none wrong. The best is right on "
            f"{best['fitted_right'].iloc[0]} ({best['fitted_right'].iloc[0] / n:.0%}), at weights "
            f"{and_list(f'{w:.1f}' for w in best['weight'])} on the network itself"
            + (": rules that read mostly the controls trained on the network's labels, in effect its labels rather "
               "than the network" if best["weight"].max() <= 0.5 else ""))
    if len(goal):
        broke = goal[goal["tested_wrong"] > 0]
        text += (f". {len(goal)} of the {len(rules)} weightings reach the goal ({GOAL:.0%} right, none wrong) on the "
                 f"transfer set; on the {m} held-out networks, {len(broke)} of them gave wrong verdicts (up to "
                 f"{goal['tested_wrong'].max()}).") if len(broke) else (
                 f". {len(goal)} of the {len(rules)} weightings reach the goal ({GOAL:.0%} right, none wrong) on the "
                 f"transfer set and stay without a wrong verdict on the {m} held-out networks.")
    else:
        text += f", short of the goal ({GOAL:.0%} right, none wrong)."
    safe = rules[rules["tested_wrong"] == 0]
    if len(safe):
        top = safe.loc[safe["fitted_right"].idxmax()]
        text += (f" Of the rules that made no wrong verdict on the held-out networks, the best is right on "
                 f"{int(top['fitted_right'])} of the transfer networks ({top['fitted_right'] / n:.0%}).")
    reach = int(rules["both_right"].max())
    text += (f" Fitted with hindsight on all {both} networks at once, the best weighting is right on {reach} "
             f"({reach / both:.0%})" + (": no weighting of the two positions reaches the goal even then. A rule "
                                         "tuned to the goal on one set of networks breaks on the next, so the "
                                         "diagnosis keeps its fixed thresholds and says \"cannot tell\" instead."
                                         if reach < GOAL * both else "."))
    return text


def publish_counts(evidence, held):
    """Glue the calibrated counts of the transfer set (``diagnose_*``) and the held-out set
    (``diagnose_held_out_*``) for the book's introduction."""
    from ..report.render import publish

    for prefix, found in (("diagnose", evidence), ("diagnose_held_out", held)):
        row = found["summary"].loc["calibrated"]
        publish(prefix, {"networks": int(row["networks"]), "right": int(row["right"]), "wrong": int(row["wrong"]),
                         "cannot": int(row["cannot tell"])})


def positions_figure(scores, held=None):
    """Each transfer network's position between the anchors (0: permuted controls, 1: teacher controls) against
    its own-label controls' position, by the truth of its labels; the held-out networks' (``held``, scored the
    same way) as open markers."""
    import matplotlib.pyplot as plt

    from ..report.plots.style import PAGE_WIDTH, style
    from .calibrated import CLEAN, MEMORIZING

    fig, ax = plt.subplots(figsize=(min(PAGE_WIDTH, 6.0), 4.2))
    names = {0.0: "clean labels", 0.5: "half-shuffled labels", 1.0: "shuffled labels"}
    sets = [(scores, "", {})] + ([(held, ", held out", {"facecolors": "none"})] if held is not None else [])
    for frame, which, look in sets:
        frame = frame[frame["mode"] == "calibrated"]
        for noise, group in frame.groupby("noise"):
            drawn = style("labels", names[noise])
            if look:  # an open marker: its colour on the edge
                drawn = {"marker": drawn["marker"], "edgecolors": drawn["color"], **look}
            ax.scatter(group["own_position"], group["position"], label=f"{names[noise]}{which} ({len(group)})",
                       s=28, alpha=0.85, **drawn)
    for value in (MEMORIZING, CLEAN):
        ax.axhline(value, color="0.6", lw=0.8, ls=":")
        ax.axvline(value, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="own-label controls' position", ylabel="the network's position")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
