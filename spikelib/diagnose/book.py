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
measure_table, detects_table
    The examples measure by measure; what each measure detects on the reference networks.
reference_sentence, limits
    What the reference holds; what a diagnosis cannot tell.
label_noise_only, why_equal_fit
    The reference without the networks that fit shuffled labels; what the examples read against it.
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
from .verdict import STRONG, WIDTH_FACTOR, zoo_sentence

__all__ = ["diagnose_examples", "terminal_report", "answer", "measure_table", "detects_table", "reference_sentence",
           "limits", "label_noise_only", "why_equal_fit", "SAMPLES"]

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


def terminal_report(model, samples=SAMPLES, labels=False):
    """The text ``spikelib diagnose MODEL --data SAMPLES [--no-labels]`` prints, paths relative to the repository.

    Raises
    ------
    RuntimeError
        If the command exits with an error (its message is on standard error).
    """
    report = io.StringIO()
    args = ["diagnose", str(model), "--data", str(samples), *([] if labels else ["--no-labels"])]
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
    """What each recording measure detects on the reference networks (from the reference's record)."""
    rows = []
    for column in RECORDING_MEASURES:
        entry = record["detects"].get(column, {})
        noise, matched, clean_gap, zoo_gap = (entry.get(k, {}) for k in ("label_noise", "matched_fit",
                                                                            "clean_label_gap", "zoo_gap"))
        evidence = matched or noise
        rows.append({"measure": registered(column).label,
                     "separation at equal training fit": matched.get("separation", float("nan")),
                     "label-noise separation": noise.get("separation", float("nan")),
                     "direction when memorizing": evidence.get("direction", "–"),
                     "may give a reading": "yes" if evidence.get("separation", 0) >= STRONG else "no",
                     "τ with the gap on clean labels, within architecture":
                         clean_gap.get("tau_within_architecture", float("nan")),
                     "beat the controls on the model zoo": "yes" if zoo_gap.get("beats_controls") else "no"})
    return pd.DataFrame(rows)


def reference_sentence(reference):
    """What the reference holds, and what comparable means."""
    sources = reference.groupby(["source", "memorizing"]).size()
    held = and_list([f"{n} from the {source} profile ({'shuffled' if flag else 'clean'} labels)"
                     for (source, flag), n in sources.items()])
    return (f"Comparable means the same family (MLP or CNN), a width within a factor of {WIDTH_FACTOR:g}, and a "
            f"recording of the training samples within the same factor of the samples diagnosed. The "
            f"reference holds {len(reference)} networks, all on Fashion-MNIST: {held}; widths "
            f"{and_list(map(str, sorted(reference['width'].unique())))}.")


def limits(reference, record):
    """What a diagnosis cannot tell, as a Markdown list."""
    return "\n".join([
        f"- **The size of a generalization gap on clean labels.** {zoo_sentence(record)[0].upper()}"
        f"{zoo_sentence(record)[1:]}. A clean-like reading says the network does not look like one trained on "
        "shuffled labels, not that it generalizes well; a held-out labelled set tells that.",
        "- **Samples it was not trained on.** The reference networks were recorded on their own training samples; "
        "a network diagnosed on other samples is not comparable with them.",
        f"- **Networks far from the reference.** The reference holds {and_list(sorted(reference['model'].unique()))} "
        "networks on Fashion-MNIST; the percentiles of, say, a ResNet on ImageNet against them mean little, and "
        "\"cannot tell\" is then the honest answer even where a reading is printed.",
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
