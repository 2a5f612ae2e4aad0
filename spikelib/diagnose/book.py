"""What the book's page "Diagnose your own network" shows, computed: the example networks diagnosed, the
reference's leave-one-out record, what each measure detects, and the sentences that report them.

Functions
---------
diagnose_examples
    The committed example networks (profile ``examples``) diagnosed on their committed samples.
terminal_report
    What ``spikelib diagnose`` prints for a network, as the page shows it.
answer
    The page's opening: the examples' verdicts and the leave-one-out record.
measure_table, detects_table, examples_truth
    The examples measure by measure; what each measure detects on the reference networks; their accuracies.
reference_sentence, limits
    What the reference holds; what a diagnosis cannot tell.
label_noise_only, why_equal_fit
    The reference without the networks that fit shuffled labels; what the examples read against it.
transfer_evidence, transfer_answer, transfer_view, reference_record_view
    The transfer networks diagnosed every way, scored; the sentences and tables that report it.
held_out_evidence, held_out_reading
    The held-out networks diagnosed and scored the same way; how their counts compare.
calibrated_demo
    ``spikelib diagnose`` calibrated on a committed transfer network's samples, as the page shows it.
demo_reading
    Whether each verdict of the demo's report is the right one, in words.
procedure
    How the calibrated diagnosis works, in plain words.
positions_figure
    Each transfer network's position and its own-label controls' between the anchors.
"""

import contextlib
import io

import pandas as pd

from .. import paths
from ..experiment.cellfiles import read_metrics
from ..experiment.measures import measure as registered
from ..report.render import and_list
from . import diagnose
from .cli import load_samples
from .cli import main as spikelib_command
from .measure import RECORDING_MEASURES
from .verdict import WIDTH_FACTOR, zoo_sentence

__all__ = ["diagnose_examples", "terminal_report", "answer", "measure_table", "detects_table", "reference_sentence",
           "limits", "label_noise_only", "why_equal_fit", "transfer_evidence", "transfer_answer", "transfer_view",
           "held_out_evidence", "held_out_reading", "set_description", "examples_truth",
           "reference_record_view", "calibrated_demo", "demo_reading", "positions_figure", "procedure", "SAMPLES", "DEMO_NETWORK"]

#: The transfer data sets as sentences name them.
_DATASETS = {"digits": "digits", "fashion_mnist": "Fashion-MNIST", "synthetic": "the synthetic task"}

#: The example networks' samples (the 2,000 Fashion-MNIST training samples they were trained on).
SAMPLES = paths.EXAMPLES / "fashion_mnist-2000.npz"


def diagnose_examples(root, reference, samples=SAMPLES):
    """Each example network of ``root`` diagnosed on ``samples``: the one trained on shuffled labels without
    labels (the activations need none), the clean one with them.

    Returns
    -------
    dict
        ``"clean"`` / ``"shuffled"`` -> ``(cell folder, metrics, Diagnosis)``.
    """
    x, y = load_samples(samples)
    examples = {}
    for cell in sorted(paths.cells_dir(root).iterdir()):
        metrics = read_metrics(cell)
        shuffled = metrics["parameters"]["label_noise"] > 0
        result = diagnose(cell / "model.keras", x, None if shuffled else y, reference=reference)
        examples["shuffled" if shuffled else "clean"] = (cell, metrics, result)
    return examples


def terminal_report(model, samples=SAMPLES, labels=False, extra=("--reference",)):
    """The text ``spikelib diagnose MODEL --data SAMPLES [--no-labels] [EXTRA]`` prints, paths relative to the
    repository (by default against the committed reference alone).

    Raises
    ------
    RuntimeError
        If the command exits with an error (its message is on standard error).
    """
    report = io.StringIO()
    args = ["diagnose", str(model), "--data", str(samples), *([] if labels else ["--no-labels"]), *extra]
    with contextlib.redirect_stdout(report), contextlib.redirect_stderr(io.StringIO()):
        status = spikelib_command(args)
    if status != 0:
        raise RuntimeError(f"spikelib {' '.join(args)} exited with {status}")
    return report.getvalue().replace(str(paths.ROOT) + "/", "")


def _told(outcomes, memorizing):
    group = outcomes[outcomes["memorizing"] == memorizing]
    given = group[group["verdict"] != "cannot tell"]
    return len(given), len(group), int(given["right"].sum())


def answer(examples, outcomes):
    """The page's opening: what the diagnosis says of the two examples, and its leave-one-out record."""
    given = outcomes[outcomes["verdict"] != "cannot tell"]
    wrong = given[~given["right"].astype(bool)]
    (m_given, m_all, _), (c_given, c_all, _) = _told(outcomes, True), _told(outcomes, False)
    verdicts = {name: result.verdict for name, (_, _, result) in examples.items()}
    right = {"shuffled": "memorizing-like", "clean": "clean-like"}
    misread = [name for name in verdicts if verdicts[name] not in (right[name], "cannot tell")]
    first = (f"On two example networks the reference has never seen, the diagnosis reads the one trained on "
             f"shuffled labels as **{verdicts['shuffled']}** and the one trained on clean labels as "
             f"**{verdicts['clean']}**, from activations alone.")
    if misread:
        first += (f" That is **wrong for the network trained on {and_list(misread)} labels**: see below for why, "
                  "and read every verdict with it in mind.")
    return (f"{first} Diagnosed one at a time against all the others, {len(given)} of the {len(outcomes)} reference "
            f"networks got a verdict ({m_given} of the {m_all} memorizing ones, {c_given} of the {c_all} clean ones)"
            f" and {len(given) - len(wrong)} of these named the network's own group; the others read \"cannot "
            "tell\". On clean labels the diagnosis gives no verdict on the size of a network's generalization gap.")


def examples_truth(examples):
    """What the example networks' verdicts can be checked against: their test and training accuracies."""
    truth = {name: metrics for name, (_, metrics, _) in examples.items()}
    chance = 1 / truth["shuffled"]["dataset"]["n_classes"]
    return (f"What the verdicts can be checked against: the network trained on clean labels reaches "
            f"{truth['clean']['test_accuracy']:.1%} test accuracy, the one trained on shuffled labels "
            f"{truth['shuffled']['test_accuracy']:.1%} (chance is {chance:.0%}), "
            f"after fitting {truth['clean']['train_accuracy_evaluated']:.1%} and "
            f"{truth['shuffled']['train_accuracy_evaluated']:.1%} of the samples they were trained on. The diagnosis "
            "saw neither test set.").replace("%", " %")


def measure_table(examples):
    """The two examples measure by measure: value, percentiles among the comparable networks, reading."""
    rows = []
    for name, (_, _, result) in examples.items():
        for item in result.calibration.itertuples():
            rows.append({"network": f"{name} labels", "measure": item.measure, "value": item.value,
                         "percentile among clean": item.percentile_clean,
                         "percentile among memorizing": item.percentile_memorizing,
                         "separation in the benchmark": item.separation, "reading": item.reading})
    return pd.DataFrame(rows)


def detects_table(record):
    """What each recording measure detects on the reference networks (from the reference's record): at equal fit
    on the compendium's networks and in each transfer domain, on the label-noise benchmark, on clean labels."""
    from .verdict import supporting_measures

    allowed = supporting_measures(record)
    rows = []
    for column in RECORDING_MEASURES:
        entry = record["detects"].get(column, {})
        noise, matched, clean_gap, zoo_gap = (entry.get(k, {}) for k in ("label_noise", "matched_fit",
                                                                            "clean_label_gap", "zoo_gap"))
        evidence = matched or noise
        domains = {name: found for name, found in entry.get("by_domain", {}).items() if "SGD" not in name}
        sides = "; ".join(f"{name.split(',')[0].replace('fashion_mnist', 'Fashion-MNIST')} "
                          f"{found['separation']:.2f} {found['direction']}" for name, found in domains.items())
        rows.append({"measure": registered(column).label,
                     "separation at equal training fit": matched.get("separation", float("nan")),
                     "direction when memorizing": evidence.get("direction", "–"),
                     "transfer data sets (Adam)": sides or "–",
                     "label-noise separation": noise.get("separation", float("nan")),
                     "may give a reading": "yes" if column in allowed else "no",
                     "τ with the gap on clean labels, within architecture":
                         clean_gap.get("tau_within_architecture", float("nan")),
                     "beat the controls on the model zoo": "yes" if zoo_gap.get("beats_controls") else "no"})
    return pd.DataFrame(rows)


def reference_sentence(reference):
    """What the reference holds, and what comparable means."""
    own = reference[reference["source"] != "transfer"] if "source" in reference else reference
    sources = own.groupby(["source", "memorizing"]).size()
    held = and_list([f"{n} from the {source} profile ({'shuffled' if flag else 'clean'} labels)"
                     for (source, flag), n in sources.items()])
    transfer = len(reference) - len(own)
    return (f"Comparable means the same family (MLP or CNN), a width within a factor of {WIDTH_FACTOR:g}, and a "
            f"recording of the training samples within the same factor of the samples diagnosed. The "
            f"reference holds {len(reference)} networks: {len(own)} of the compendium's, on Fashion-MNIST with SGD "
            f"({held}), and the {transfer} transfer networks (Adam; digits, Fashion-MNIST, a synthetic task); widths "
            f"{and_list(map(str, sorted(reference['width'].unique())))}.")


def limits(reference, record):
    """What a diagnosis cannot tell, as a Markdown list."""
    from .calibrated import SENSITIVE

    return "\n".join([
        "- **How your network was trained.** A model file records its optimizer but not its batch size, its "
        "schedule or how long it trained past the fit; the controls train with the saved optimizer, batches of "
        "64 (`--batch-size`) and stop at the fit. A network trained very differently can sit away from its "
        "own-label controls; the two positions must agree for a verdict, so that shows as \"cannot tell\".",
        "- **What the teacher anchor assumes.** Labels a fresh copy of the architecture assigns are a rule it can "
        "learn, but not a natural one: where natural labels are much easier or harder to learn than such a rule, "
        "the scale between the anchors stretches or shrinks. Half-shuffled labels already sit close to the "
        "permuted anchor, so the verdict says memorizing-like of a network that fits many labels it cannot predict, "
        "not of one that fits a few.",
        f"- **Data on which the activations cannot see it.** Where no established measure separates the anchors by "
        f"{SENSITIVE:g} seed standard deviations (the synthetic task here), the answer is \"cannot tell\", and "
        "the training signal beside it is the better guide.",
        f"- **The size of a generalization gap on clean labels.** {zoo_sentence(record)[0].upper()}"
        f"{zoo_sentence(record)[1:]}. A clean-like reading says the network does not look like one trained on "
        "shuffled labels, not that it generalizes well; a held-out labelled set tells that.",
        "- **Samples it was not trained on.** Every network here was recorded on its own training samples; a "
        "network diagnosed on other samples is compared with controls that fit theirs.",
        f"- **Networks far from the reference, with `--reference`.** The reference holds "
        f"{and_list(sorted(reference['model'].unique()))} networks on small image and synthetic data; the percentiles "
        "of, say, a ResNet on ImageNet against them mean little: \"outside the reference\" and \"cannot tell\" "
        "are then the honest answers, and the calibrated diagnosis the one to run.",
        "- **The cost.** The controls are nine trainings of your architecture on your samples (three of each kind): "
        "minutes for an MLP on thousands of samples on two cores, more for a large network; a subset "
        "(`--control-samples`, 10,000 by default) and a budget (`--budget`) bound them, and the report says when "
        "either applied.",
    ])


def label_noise_only(reference, record):
    """The reference as it would be without the networks that fit shuffled labels (profile ``memorized``): its
    memorizing group is then the label-noise networks, trained for a budget of epochs, and each measure's
    evidence the label-noise benchmark."""
    kept = reference[reference["source"] != "memorized"].reset_index(drop=True)
    detects = {column: {k: v for k, v in entry.items() if k != "matched_fit"}
               for column, entry in record["detects"].items()}
    return kept, {**record, "detects": detects}


def why_equal_fit(root, reference, record, samples=SAMPLES):
    """Why the memorizing reference networks must fit their labels: the example networks of ``root`` diagnosed
    against the label-noise networks alone, and how well those fitted, as a paragraph."""
    alone = label_noise_only(reference, record)
    verdicts = {name: result.verdict for name, (_, _, result) in diagnose_examples(root, alone, samples).items()}
    noisy = alone[0][alone[0]["memorizing"]]
    fitted = reference[reference["memorizing"] & (reference["source"] == "memorized")]
    fit = noisy["train_accuracy"].dropna()
    text = (f"Against the label-noise networks alone ({len(noisy)} networks on labels at least "
            f"{record['memorizing_noise']:.0%} shuffled, trained for a budget of epochs, which fitted "
            f"{fit.min():.0%}–{fit.max():.0%} of their training labels), the example trained on shuffled labels "
            f"reads **{verdicts['shuffled']}** and the clean one **{verdicts['clean']}**.")
    if len(fitted):
        text += (f" The reference therefore also holds {len(fitted)} networks that fit shuffled labels to the same "
                 "99 % criterion as the clean ones (profile `memorized`), and where it has them a measure gives a "
                 "reading only if it separated the two groups at equal training fit: a network that memorized its "
                 "labels completely does not look like one that failed to fit noisy labels.")
    return text


#: The transfer network whose calibrated diagnosis the page runs live (its model is committed: 0.1 MB).
DEMO_NETWORK = "digits-mlp-128-n500-noise1-seed2"


def transfer_evidence(reference, record, root=None):
    """Every transfer network scored four ways, the counts, and the reference's own leave-one-out records.

    Returns
    -------
    dict
        ``scores`` and ``summary`` (:func:`spikelib.diagnose.transfer.transfer_scores` and ``transfer_summary``),
        ``loo`` and ``lodo``: every reference network diagnosed against the others, and against the other data
        sets and optimizers (:func:`spikelib.diagnose.verdict.leave_one_out`).
    """
    from .transfer import transfer_scores, transfer_summary
    from .verdict import leave_one_out

    loo = leave_one_out(reference, record, RECORDING_MEASURES)
    lodo = leave_one_out(reference, record, RECORDING_MEASURES, by="dataset")
    scores = transfer_scores(reference, record, root, outcomes={"reference, leave one out": loo,
                                                               "reference, leave one data set out": lodo})
    return {"scores": scores, "summary": transfer_summary(scores), "loo": loo, "lodo": lodo}


def held_out_evidence(reference, record, root=None):
    """The held-out networks (:func:`spikelib.diagnose.transfer.held_out_networks`) diagnosed and scored as the
    transfer networks are: ``{"scores", "summary"}`` as in :func:`transfer_evidence`."""
    from .transfer import held_out_scores, transfer_summary

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
    from .transfer import MODES

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
    """What Table 3 shows: the committed reference diagnoses its own data sets, not others."""
    lodo = evidence["lodo"]
    n, right, wrong, cannot = _counts(lodo[lodo["source"] == "transfer"])
    return (f"Left out one at a time, the reference's networks are mostly read right or \"cannot tell\" (Table 3): "
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
            rows.append({"left out": label, "networks of": _domain_name(domain), "networks": n, "right": right, "wrong": wrong,
                         "cannot tell": cannot, "not scored": n - right - wrong - cannot})
    table = pd.DataFrame(rows)
    # a network trained on a little label noise has no right verdict to score: a column only where there are such
    return table if table["not scored"].any() else table.drop(columns="not scored")


def _domain_name(domain):
    """``"fashion_mnist, SGD"`` as a reader reads it (``"FashionMNIST, SGD"``)."""
    from ..report.labels import DATASET_NAMES

    dataset, _, optimizer = str(domain).partition(", ")
    return ", ".join(part for part in (DATASET_NAMES.get(dataset, dataset), optimizer) if part)


def calibrated_demo(root=None, cache=None):
    """``spikelib diagnose`` as a researcher runs it on :data:`DEMO_NETWORK`: its samples written to an ``.npz``,
    the controls trained (or read from ``cache``); returns ``(command, report)``."""
    import tempfile

    import numpy as np

    from .transfer import FOLDER, networks, samples

    root = paths.results_dir() / FOLDER if root is None else root
    network = next(n for n in networks() if n.id == DEMO_NETWORK)
    x, y, _, _ = samples(network)
    with tempfile.TemporaryDirectory() as folder:
        np.savez(f"{folder}/train.npz", x=x, y=y)
        model = root / DEMO_NETWORK / "model.keras"
        report = terminal_report(model, f"{folder}/train.npz", labels=True,
                                 extra=("--cache", str(cache or f"{folder}/cache")))
        report = report.replace(f"{folder}/", "")
    shown = paths.repository_relative(model)
    # the report names the model as it was given; the page names it as the command does
    report = report.replace(str(model), shown)
    command = f"spikelib diagnose {shown} --data train.npz"
    return command, report


def demo_reading(report, truth="memorizing-like"):
    r"""What the page says under the demo's report: whether each of its two verdicts (on its own data, against the
    committed reference) is the right one for a network whose labels were shuffled (``truth``).

    >>> text = demo_reading("On your own data\n  Memorizing-like on your own data: ...\n\n"
    ...                     "Against the committed reference\n  Clean-like: MFR lies ...")
    >>> text.startswith("On its own data the report reads it memorizing-like, the right answer. Against the "
    ...                 "committed reference alone it reads clean-like, the wrong one")
    True
    """
    def verdict(header):
        part = report.split(header, 1)[1].strip() if header in report else ""
        return part.split(":")[0].split(" on your")[0].strip().lower() if part else None

    own, reference = verdict("On your own data"), verdict("Against the committed reference")
    words = []
    if own:
        words.append(f"On its own data the report reads it {own}, "
                     + ("the right answer." if own == truth else "not the right answer."))
    if reference == truth:
        words.append(f"Against the committed reference alone it reads {reference}, right too.")
    elif reference in ("clean-like", "memorizing-like"):
        words.append(f"Against the committed reference alone it reads {reference}, the wrong one: most of the "
                     "comparable reference networks are Fashion-MNIST networks trained with SGD, and their ranges do "
                     "not carry over to this data set and this optimizer. This network is itself one of the reference's "
                     "transfer networks; Table 3's leave-one-out leaves it out and compares it only with networks of "
                     "its own data set and optimizer, which the command cannot do for a network of unknown origin, "
                     "and reads it differently. That is why the controls trained on the network's own samples decide, "
                     "and the reference reading is shown beside them, not in their place.")
    elif reference:
        words.append(f"Against the committed reference alone it gives no verdict ({reference}).")
    return " ".join(words)


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


def procedure(record):
    """How the calibrated diagnosis works, in plain words, with the thresholds it uses and the measures the
    reference ``record`` established (Markdown for :func:`~spikelib.report.render.show`, which typesets its
    percentages)."""
    from ..experiment.measures import measure as registered
    from ..report.render import and_list
    from .calibrated import CLEAN, EPOCH_RATIO, MEMORIZING, MIN_FIT, SENSITIVE
    from .verdict import supporting_measures

    established = and_list(registered(c).label for c in supporting_measures(record))
    return f"""The values of these measures do not carry over from one data set to another: a network that learned
scikit-learn's digits fires at rates a Fashion-MNIST network that memorized its labels never reaches, and on a
synthetic task clean and shuffled labels give the same firing rates. So the diagnosis builds its yardstick on
your own samples. It trains fresh copies of your architecture three ways, each until it fits the samples as well
as your network does, with the optimizer saved in your file (else Adam):

- **permuted**: on your labels permuted, so that they are noise: networks known to *memorize* these samples;
- **teacher**: on labels that another fresh copy of your architecture assigns to the samples: a rule it can
  represent, so networks known to *learn a rule* on these samples;
- **own-label**: on your labels as given: what any network of this architecture does with them.

On each measure the permuted controls sit at 0 and the teacher controls at 1, and your network gets a position
between them. A measure counts where the committed reference found it on one side in every data set it
separated ({established}) and where the two anchors lie at least {SENSITIVE:g} seed standard deviations apart on
your samples. Your network reads clean-like from a median position of {CLEAN:.2f} and memorizing-like below
{MEMORIZING:.2f}; the own-label controls are read the same way, and the verdict is given only where the two
agree. No verdict is given on controls that did not reach the fit, or on a network that fits fewer than
{MIN_FIT:.0%} of its labels. Beside the verdict, not inside it, it reports how many epochs each group needed: labels
with structure fit faster than the same labels permuted (the label-randomization test of Zhang et al. 2017);
a ratio below {EPOCH_RATIO:g} reads "structure"."""
