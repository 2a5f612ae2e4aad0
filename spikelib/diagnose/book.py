"""What the book's page "Diagnose your own network" shows, computed: the example networks diagnosed, what each
measure detects, the calibrated demonstration, and the sentences that report them. What it shows of the transfer
and held-out networks is :mod:`spikelib.diagnose.transfer_report`.

Functions
---------
diagnose_examples
    The committed example networks (profile ``examples``) diagnosed on their committed samples.
terminal_report
    What ``spikelib diagnose`` prints for a network, as the page shows it.
answer
    The page's opening: the examples' verdicts and the leave-one-out record.
measure_table, detects_table, examples_truth, compared_counts
    The examples measure by measure; what each measure detects on the reference networks; their accuracies; how
    many networks they were compared with.
reference_sentence, limits
    What the reference holds; what a diagnosis cannot tell.
label_noise_only, why_equal_fit
    The reference without the networks that fit shuffled labels; what the examples read against it.
calibrated_demo
    ``spikelib diagnose`` calibrated on a committed transfer network's samples, as the page shows it.
demo_reading
    Whether each verdict of the demo's report is the right one, in words.
procedure
    How the calibrated diagnosis works, in plain words.
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

__all__ = ["diagnose_examples", "terminal_report", "answer", "measure_table", "detects_table", "examples_truth", "compared_counts",
           "reference_sentence", "limits", "label_noise_only", "why_equal_fit", "calibrated_demo", "demo_reading",
           "procedure", "SAMPLES", "DEMO_NETWORK"]

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


def compared_counts(examples):
    """How many comparable reference networks of each group the examples were placed among (each example has its
    own: the one diagnosed without labels is compared with more of them)."""
    counts = {name: f"{result.comparable['clean']} trained on clean labels, {result.comparable['memorizing']} on "
                    f"shuffled ones" for name, (_, _, result) in examples.items()}
    return (counts["clean"] if counts["clean"] == counts["shuffled"] else
            f"for the clean example {counts['clean']}; for the shuffled one {counts['shuffled']}")


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
                     "transfer networks; Table 4's leave-one-out leaves it out and compares it only with networks of "
                     "its own data set and optimizer, which the command cannot do for a network of unknown origin, "
                     "and reads it differently. That is why the controls trained on the network's own samples decide, "
                     "and the reference reading is shown beside them, not in their place.")
    elif reference:
        words.append(f"Against the committed reference alone it gives no verdict ({reference}).")
    return " ".join(words)


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
