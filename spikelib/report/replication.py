"""The results page of a profile: the paper's tables and figures beside ours, and the numbers other pages quote.

The page (``notebooks/results.py``) is a sequence of calls to this module,
:mod:`spikelib.report.tables` and :mod:`spikelib.report.plots`. Numbers that
other pages of the book quote are returned as dictionaries of named values,
which the page publishes (``glue``) under ``<profile>_<name>``.

Functions
---------
results_overview
    How many networks, how long they took, on what, and how far the profile got.
training_numbers
    How many networks memorized, and how many stopped short of the paper's accuracy.
paper_ks_marks
    Our KS-test marks of every network beside the paper's.
table2_layout
    Table 2 in the paper's shape, with the KS marks of every network beside it.
table2_numbers
    How far our MFR is from the paper's, over the values it reports.
paper_agreement
    How many of the paper's values in Tables 1, 2 and 5 ours come within tolerance of.
agreement_view
    That count as the page shows it, with and without the paper's suspect values.
agreement_numbers
    How many of the paper's values ours come within tolerance of, for the landing page.
suspect_view
    The paper's suspect values as the page lists them.
excerpts
    The raster excerpts of the widest MLP, one per condition (Figure 2).
curve_numbers
    The end points of the firing-rate curves (Figure 5) and the runs behind them.
dose_figures
    The indicators against the accuracy reached on shuffled labels, one figure per kind of model.
line_fit
    A least-squares line in words, with the sign written once (Figure 6).
page_intro, training_rule, departure_note, ks_numbers
    The page's words that depend on whether the paper reports this profile's networks.
agreement_html
    The agreement count and the paper's suspect values, or why there is nothing to count.
figure4_caption
    Figure 4's caption with the networks it draws.
"""

import numpy as np

from ..experiment.cellfiles import read_nodes
from . import results
from .labels import CONDITION_LABELS, label

__all__ = ["suspect_view", "results_overview", "training_numbers", "paper_ks_marks", "table2_layout", "table2_numbers", "paper_agreement",
           "agreement_view", "agreement_numbers", "excerpts", "curve_numbers", "dose_figures", "line_fit",
           "page_intro", "training_rule", "departure_note", "ks_numbers", "agreement_html", "figure4_caption"]


def results_overview(root, cells):
    """The profile's size and cost: ``(numbers, sentence)``.

    ``numbers`` holds ``n_networks``, ``cell_hours``, ``cell_minutes``,
    ``versions``, ``machine``, ``n_cells`` and ``progress``; ``sentence`` says
    them for the page.
    """
    manifest = results.read_manifest(root)
    hours = results.computing_seconds(root) / 3600  # training as first measured, plus the latest analysis
    finished, planned, progress = results.completion(root)
    machine = f"{manifest['machine']['cpus']} CPU cores ({manifest['machine']['processor']})"
    numbers = {"n_networks": cells["cell_id"].nunique(), "cell_hours": hours, "cell_minutes": 60 * hours,
               "versions": ", ".join(f"{k} {v}" for k, v in manifest["versions"].items()), "machine": machine,
               "n_cells": manifest["n_cells"], "progress": progress}
    datasets = ", ".join(sorted(cells["dataset"].unique()))
    # the page's tables show the paper's design; a profile may train more (a label-noise sweep, penalties)
    trained = sum(1 for _, metrics in results.finished_cells(root)
                  if metrics["parameters"].get("protocol", "cell") == "cell")
    shown = (f"{numbers['n_networks']} networks of the paper's design ({datasets}), of the {trained} it trains"
             if trained > numbers["n_networks"] else f"{numbers['n_networks']} networks ({datasets})")
    sentence = (f"**Profile `{root.name}`**: {shown}; the cells took "
                f"{60 * hours:.0f} minutes of computing in total ({machine})."
                + ("" if finished >= planned else " " + progress))
    return numbers, sentence


def training_numbers(cells, record):
    """``n_memorizing`` and ``n_memorizing_short`` (stopped by anything but the target) from the training record."""
    memorizing = cells.drop_duplicates("cell_id")["condition"].astype(str).str.startswith("mem_")
    short = record[record["shuffled-label epochs"].notna() & (record["shuffled labels: stopped by"] != "target")]
    return {"n_memorizing": int(memorizing.sum()), "n_memorizing_short": len(short)}


def paper_ks_marks(cells, paper):
    """Our KS-test marks per network (with Bonferroni's threshold, and with the paper's) beside the paper's own
    (``paper``), and every test: ``(marks, tests)``."""
    from .tables import PAPER_THRESHOLD
    from .tables import ks_marks as marks_of

    marks, tests = marks_of(cells)
    theirs = paper["ks"][["model", "width", "dataset", "symbols"]].rename(columns={"symbols": "paper"})
    marks = marks.merge(theirs, on=["model", "width", "dataset"], how="left")
    return marks.rename(columns={"symbols": "ours (Bonferroni)",
                                 "symbols_paper_threshold": f"ours (p > {PAPER_THRESHOLD:g})"}), tests


def table2_layout(t2, marks, tolerance):
    """Table 2 in the paper's shape (:func:`spikelib.report.tables.paper_layout`) with a ``KS marks`` column.

    The marks (ours, and the paper's in brackets) stand on each network's training row.

    Returns
    -------
    layout, departs : pandas.DataFrame
    """
    from .tables import paper_layout

    layout, departs = paper_layout(t2, "mfr", tolerance)
    ours = marks["ours (Bonferroni)"]
    symbols = {(r.dataset, r.model, r.width): mark + (f" ({r.paper})" if isinstance(r.paper, str) else "")
               for r, mark in zip(marks.itertuples(), ours)}
    network_keys = {(r.dataset, f"{r.model}-{r.width}"): (r.dataset, r.model, r.width) for r in marks.itertuples()}
    layout["KS marks"] = [symbols.get(network_keys.get(key[:2]), "") if key[2] == "train" else ""
                          for key in layout.index]
    departs["KS marks"] = False
    return layout, departs


def table2_numbers(t2):
    """``t2_n_paired`` and, where the paper reports any, the median and largest |MFR difference|."""
    paired = t2.dropna(subset=["mfr_paper"])["mfr_difference"].abs()
    if not len(paired):
        return {"t2_n_paired": 0}
    return {"t2_n_paired": len(paired), "t2_median_abs_mfr_diff": float(paired.median()),
            "t2_max_abs_mfr_diff": float(paired.max())}


def paper_agreement(t1, t2, t5, tolerance):
    """:func:`spikelib.report.tables.agreement` over the paper's Tables 1, 2 and 5."""
    from .tables import agreement as within

    return within({"Table 1, accuracy (points)": (t1, "accuracy", tolerance["accuracy"]),
                   "Table 2, MFR": (t2, "mfr", tolerance["mfr"]),
                   "Table 2, CV of FR (points)": (t2, "cv_fr", tolerance["cv_fr"]),
                   "Table 5, MF": (t5, "mf", tolerance["mf"])})


def agreement_view(summary):
    """:func:`paper_agreement` as the page shows it: readable headers, with and without the paper's suspect values."""
    counts = ["paired", "within", "paired_trusted", "within_trusted"]
    view = summary[["quantity", "tolerance", *counts]].astype({c: "Int64" for c in counts})  # counts, not measures
    # each row's tolerance in its own unit (3 points, 0.05 of MF) as written in the settings, not to one precision
    view = view.assign(tolerance=[f"{value:g}" for value in view["tolerance"]])
    return view.rename(columns={
        "paired": "values the paper reports", "within": "ours within tolerance",
        "paired_trusted": "values, without the suspect ones (‡)", "within_trusted": "ours within, without them"})


def agreement_numbers(summary):
    """The landing page's at-a-glance numbers from :func:`spikelib.report.tables.agreement`, with and without
    the paper's suspect values."""
    return {"glance_paired": int(summary["paired"].sum()), "glance_within": int(summary["within"].sum()),
            "glance_paired_trusted": int(summary["paired_trusted"].sum()),
            "glance_within_trusted": int(summary["within_trusted"].sum()),
            "glance_table": "; ".join(f"{r.quantity}: {r.within} of {r.paired} within {r.tolerance:g}"
                                      for r in summary.itertuples() if r.paired)}


def excerpts(cells, conditions=("random", "generalizing", "mem_retrain_last", "mem_random_last")):
    """The test-raster excerpts of the widest MLP, by condition: ``(excerpts, dataset, width)``."""
    mlp = cells[(cells["model"] == "MLP") & (cells["split"] == "test")]
    widest = mlp[mlp["width"] == mlp["width"].max()]
    shown = {str(row.condition): read_nodes(row.directory)["excerpt"]
             for row in widest.sort_values("condition").itertuples() if str(row.condition) in conditions}
    return shown, widest["dataset"].iloc[0], int(widest["width"].iloc[0])


def curve_numbers(curve_frame, last=50):
    """The mean MFR of the last ``last`` batches of each phase of the curves, and the runs: ``(numbers, runs)``."""
    if curve_frame is None or len(curve_frame) == 0:
        return {}, "none in this profile"
    end = curve_frame.groupby("phase").tail(last).groupby("phase")["mfr_train"].mean()
    numbers = {"curve_mfr_end_true": float(end.get(0, np.nan)), "curve_mfr_end_shuffled": float(end.get(1, np.nan))}
    runs = curve_frame.drop_duplicates("cell_id").sort_values(["model", "width", "condition", "seed"])
    # A curve run is its own training (the curve protocol), not the table's network of the same name and seed.
    texts = []
    for r in runs.itertuples():
        text = f"{r.model}-{r.width} {CONDITION_LABELS.get(r.condition, r.condition)}, seed {r.seed}"
        fitted = getattr(r, "accuracy_shuffled_last", np.nan)
        if np.isfinite(fitted):
            text += (f", a run of its own ({r.epochs} epochs on the true labels, then shuffled labels, of which it "
                     f"fit {fitted:.0%} by the end), not the tables' network of that name")
        texts.append(text)
    return numbers, "; ".join(texts)


def dose_figures(trace_frame, models=("MLP", "CNN", "DenseNet")):
    """:func:`spikelib.report.plots.dose_response` of each kind of model with traces: ``[(model, figure, runs)]``."""
    from .plots import dose_response

    figures = []
    for model in models if len(trace_frame) else ():
        fig = dose_response(trace_frame, model)
        if fig is not None:
            runs = trace_frame[(trace_frame["model"] == model) & (trace_frame["phase"] == "shuffled labels")]
            figures.append((model, fig, runs["cell_id"].nunique()))
    return figures


def line_fit(x, y, x_name="MFR", y_name="MF"):
    """The least-squares line of ``y`` on ``x``: ``(slope, intercept, text)``.

    Examples
    --------
    >>> line_fit([0, 1], [1.0, 0.01])[2]
    'MF = 1.00 − 0.99 × MFR'
    """
    slope, intercept = np.polyfit(np.asarray(x, float), np.asarray(y, float), 1)
    sign = "−" if slope < 0 else "+"
    return float(slope), float(intercept), f"{y_name} = {intercept:.2f} {sign} {abs(slope):.2f} × {x_name}"


def suspect_view(suspect):
    """The paper's suspect values (:func:`spikelib.report.tables.suspect_paper_values`) with reader-facing names:
    the quantity's label, whole widths, condition names."""
    frame = suspect.copy()
    frame["quantity"] = frame["quantity"].map(label)
    frame["width"] = frame["width"].astype(int)
    frame["condition"] = frame["condition"].map(lambda c: CONDITION_LABELS.get(c, c))
    return frame


def page_intro(with_paper):
    """What the page shows and how a table cell reads; ``with_paper``: the paper reports this profile's networks."""
    return ("The paper's Tables 1, 2 and 5 and Figures 2–6, rebuilt from this profile's results files only (each "
            "cell's `metrics.json`, `nodes.npz` and `curve.npz`), laid out as the paper prints them: one row per "
            "model, width and split, the conditions as columns. "
            + ("Each cell shows our value and, in brackets, the paper's where the paper reports the same network; a "
               "cell marked † departs from the paper's value by more than the tolerance stated above the table. "
               if with_paper else
               "The paper reports no network of this profile, so the tables show our values alone: there is nothing "
               "of the paper's to compare them with here. ")
            + "Accuracies and coefficients of variation are in percent, as the paper prints them. Every table's long "
              "form can be downloaded as CSV.")


def training_rule(with_paper, root):
    """How each phase of this profile's networks stopped, in words."""
    if with_paper:
        return ("The true-label phase stopped when validation accuracy reached the paper's or stopped rising, the "
                "shuffled-label phase when the running training accuracy reached the paper's Table 1 value or "
                "stopped rising (a plateau), or at the profile's cap. A memorizing network stopped by a plateau or "
                "the cap short of the paper's accuracy has memorized less than the paper's.")
    return ("The paper has no value for these networks to train to: each phase ran to the profile's own target or "
            f"number of epochs: the memorizing networks trained on shuffled labels {results.memorize_target(root)}.")


def departure_note(column, tolerance, with_paper):
    """The note under a table of the paper's layout: what its † marks (nothing without the paper's values)."""
    if not with_paper:
        return ""
    if column in ("accuracy", "cv_fr"):
        return f"Marked †: more than {tolerance[column]:.0f} percentage points from the paper."
    return f"Marked †: more than {tolerance[column]} from the paper's {label(column).split(' (')[0]}."


def ks_numbers(ks_tests):
    """How many KS tests the page made, and the share of train/test comparisons found similar."""
    return {"ks_family_size": len(ks_tests),
            "ks_train_test_similar": float(ks_tests[ks_tests["kind"] == "train/test"]["similar"].mean())}


def agreement_html(summary, paper, with_paper):
    """The agreement table and the paper's suspect values (‡) as HTML, after the rules that find them; on a profile
    the paper did not run, the sentence that says so."""
    from .render import html_table
    from .tables import suspect_paper_values

    if with_paper and summary["paired"].sum():
        return ("<p>The count of our values within tolerance of the paper's, and the same count without the paper's "
                "values that are likely errors in the paper. Those are found by three fixed rules "
                "(<code>spikelib.report.tables.suspect_paper_values</code>), listed below with the numbers behind "
                "each: a Fashion-MNIST row of Table 2 whose two values equal the MNIST row's (copied, it seems), a "
                "generalizing network whose validation accuracy lies well above its training accuracy, and a CV of FR "
                "far above that of the same network at the other widths.</p>"
                + html_table(agreement_view(summary))
                + html_table(suspect_view(suspect_paper_values(paper)), caption="the paper's suspect values (‡)"))
    return ("<p>The paper reports no network of this profile, so nothing of it is reproduced or departed from here; "
            "the full Fashion-MNIST page holds the comparison.</p>")


def figure4_caption(cells):
    """Figure 4's caption, counting the generalizing and memorizing networks it draws."""
    from .plots.replication import group_counts

    groups = group_counts(cells)
    return ("Rain clouds of the four indicators (training split) by width of the observed layer: "
            f"{groups.get('generalizing', 0)} generalizing networks (left halves) and "
            f"{groups.get('memorizing', 0)} memorizing networks of every memorizing condition (right halves); "
            "each shows a density, a box (quartiles) and the networks as points.")
