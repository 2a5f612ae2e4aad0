"""A diagnosis as a reader meets it: a terminal report, a JSON record, an HTML page with its figure.

Functions
---------
text_report
    The terminal report.
figure
    The network's node firing rates beside the comparable reference networks'.
html_report
    A self-contained HTML page (the figure embedded), in the book's style.
printable
    A name read from a file with its control characters escaped.
"""

import base64
import html
import io
import json

import numpy as np

from ..report.render import typeset
from .reference import HISTOGRAM_BINS
from .verdict import STRONG, WIDTH_FACTOR, comparable

__all__ = ["text_report", "figure", "html_report", "json_report", "printable", "RULES"]

#: The rules a verdict follows, as every report prints them.
RULES = (f"Comparable reference networks: same family, width and samples recorded within a factor of "
         f"{WIDTH_FACTOR:g}. A measure gives a reading only if it separated the reference networks trained on "
         f"shuffled labels from those trained on clean ones at {STRONG} or more (at equal training accuracy where "
         "the reference has such networks); it reads memorizing-like or clean-like only beyond the other group's "
         "whole range. The verdict needs one such reading and none the other way. No verdict on the size of the "
         "generalization gap of a network trained on clean labels.")


#: What the calibrated table's columns mean, as every report prints it.
POSITION_NOTE = ("sep.: how far apart the teacher and the permuted controls lie, in seed-to-seed standard "
                 "deviations; position: the network between the permuted controls' mean (0) and the teacher controls' "
                 "mean (1), shown for the measures that count (established by the reference, and sep. 3 or more).")


def _number(value, digits=3):
    return "–" if value is None or not np.isfinite(value) else typeset(f"{value:.{digits}f}")


def _rows(diagnosis):
    for row in diagnosis.calibration.itertuples():
        # an accuracy reads in percent, as the sentences above and below the table give it
        value = (f"{100 * row.value:.1f} %" if row.column == "train_accuracy" and np.isfinite(row.value)
                 else _number(row.value))
        yield (row.measure, value, _number(row.percentile_clean, 0), _number(row.percentile_memorizing, 0),
               _number(row.separation, 2), row.reading)


def _range(pair, digits=3):
    low, high = pair
    # "to" where a dash would stand beside a minus sign ("−0.058–−0.010" reads as one number)
    joint = " to " if min(low, high) < 0 else "–"
    return f"{_number(low, digits)}{joint}{_number(high, digits)}"


def _calibrated_rows(calibrated):
    for row in calibrated["readings"]:
        counted = row["counts"]
        yield (row["measure"], _number(row["value"]), _range(row["own_range"]), _range(row["teacher_range"]),
               _range(row["permuted_range"]), _number(row["separation"], 1),
               typeset(f"{row['position']:.2f}") if counted else "–")


def _controls_line(calibrated):
    controls = calibrated["controls"]
    epochs = {group: [c["epochs"] for c in members] for group, members in controls["groups"].items()}
    span = {group: f"{min(v)}–{max(v)}" if min(v) != max(v) else f"{v[0]}" for group, v in epochs.items()}
    took = "read from the cache" if controls["cached"] else f"{controls['seconds']:.0f} s"
    subset = (" (a seeded subset of the samples; your network recorded on the same subset)" if calibrated["subset"]
              else "")
    return (f"controls: {len(epochs['own'])} per group, trained with {controls['optimizer']}, batch "
            f"{controls['batch_size']}, to {controls['target']:.1%} of {controls['samples']:,} samples{subset}; epochs: "
            f"own-label {span['own']}, teacher {span['teacher']}, permuted {span['permuted']}; {took}")


def _wrap(text, width=100, indent="  "):
    import textwrap

    # a number keeps its unit on its line ("99.0 %" never breaks before the %)
    kept = text.replace(" %", "\u00a0%")
    return textwrap.fill(kept, width=width, initial_indent=indent, subsequent_indent=indent).replace("\u00a0", " ")


def printable(text):
    """``text`` with control characters (terminal escape sequences among them) shown escaped: a layer or file name
    read from a file is data, not instructions to the terminal."""
    text = str(text)
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def text_report(diagnosis):
    """The diagnosis as the terminal shows it: on your own data first (where controls were trained), then
    against the committed reference. Names read from the model file are printed with control characters
    escaped."""
    lines = [f"spikelib diagnose: {printable(diagnosis.model)}",
             f"  observed layer '{printable(diagnosis.layer)}' ({diagnosis.units:,} nodes), {diagnosis.n_samples:,} "
             "samples" + (", with labels" if diagnosis.labelled else ", no labels")
             + (f", measured in {diagnosis.seconds:.1f} s" if diagnosis.seconds >= 0.05 else
                ", measured in under 0.1 s")]
    calibrated = diagnosis.calibrated
    if calibrated is not None:
        lines += ["", "On your own data", _wrap(typeset(calibrated["sentence"]))]
        if calibrated.get("readings"):
            table = list(_calibrated_rows(calibrated))
            # each range column as wide as its widest range, two spaces apart ("−0.058 to −0.010" is 16 wide)
            span = max([len("own-label"), *(len(cell) for row in table for cell in row[2:5])]) + 2
            lines += ["", f"  {'measure':<22}{'network':>9}{'own-label':>{span}}{'teacher':>{span}}"
                          f"{'permuted':>{span}}{'sep.':>7}{'position':>10}"]
            for measure, value, own, teacher, permuted, separation, position in table:
                lines.append(f"  {measure[:21]:<22}{value:>9}{own:>{span}}{teacher:>{span}}{permuted:>{span}}"
                             f"{separation:>7}{position:>10}")
            lines += ["", _wrap(typeset(_controls_line(calibrated))), _wrap(POSITION_NOTE)]
    rows = list(_rows(diagnosis))
    name = max([len("measure"), *(len(row[0]) for row in rows)]) + 1  # every measure's name whole
    lines += ["", "Against the committed reference", _wrap(typeset(diagnosis.sentence)), "",
              f"  {'measure':<{name}}{'value':>9}{'pct clean':>11}{'pct mem.':>10}{'sep.':>7}  reading"]
    for measure, value, clean, memorizing, separation, reading in rows:
        lines.append(f"  {measure:<{name}}{value:>9}{clean:>11}{memorizing:>10}{separation:>7}  {reading}")
    reference = diagnosis.reference
    lines += ["", _wrap(f"pct: percentile among {diagnosis.comparable['clean']} comparable clean and "
                        f"{diagnosis.comparable['memorizing']} memorizing reference networks; sep.: how well the "
                        "measure separated the reference networks trained on shuffled labels from the clean ones "
                        "(0.5 is chance; at equal training accuracy where the reference has such networks)."),
              _wrap(RULES),
              f"  reference version {reference['version']}, {reference['networks']} networks, sha256 "
              f"{str(reference['sha256'])[:16]}"]
    return "\n".join(lines)


def json_report(diagnosis):
    """The diagnosis as a JSON document (non-finite numbers as null)."""
    def clean(value):
        if isinstance(value, float) and not np.isfinite(value):
            return None
        if isinstance(value, (np.floating, np.integer, np.bool_)):
            return clean(value.item())
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(diagnosis.to_dict()), indent=2)


def figure(diagnosis, reference):
    """The network's node firing rates beside the comparable reference networks', clean and memorizing."""
    import matplotlib.pyplot as plt

    from ..report.plots.style import PAGE_WIDTH, legend_outside, style

    near = comparable(reference, diagnosis.family, diagnosis.units, diagnosis.n_samples)
    # the two groups the verdict compares: clean labels only, and memorizing (a little label noise is neither)
    near = near[(near["label_noise"] == 0) | near["memorizing"].astype(bool)]
    edges = np.linspace(0, 1, HISTOGRAM_BINS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    columns = [f"rate_hist_{b}" for b in range(HISTOGRAM_BINS)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.8))
    names = {False: "clean labels", True: "shuffled labels"}
    this = style("reference", "this network")
    for group, dashes in ((False, "-"), (True, "--")):
        rows = near[near["memorizing"] == group]
        if len(rows):
            share = rows[columns].to_numpy().mean(axis=0)
            left.plot(centres, share, ls=dashes, color=style("labels", names[group])["color"],
                      label=f"reference, {names[group]} ({len(rows)})")
    mine, _ = np.histogram(diagnosis.rates, bins=edges)
    left.step(centres, mine / max(1, mine.sum()), where="mid", color=this["color"], lw=1.6, label="this network")
    left.set(xlabel="node firing rate", ylabel="share of nodes")
    for group in (False, True):
        rows = near[near["memorizing"] == group]
        right.scatter(rows["width"], rows["mfr"], s=16, alpha=0.6, **style("labels", names[group]))
    right.scatter([diagnosis.units], [diagnosis.values["mfr"]], s=160, **this)
    widths = sorted({int(w) for w in near["width"]} | {int(diagnosis.units)})
    right.set(xscale="log", xlabel="width of the observed layer", ylabel="MFR")
    right.set_xticks(widths, [f"{w:,}" for w in widths])
    right.minorticks_off()
    plt.setp(right.get_xticklabels(), rotation=45 if len(widths) > 4 else 0, ha="right" if len(widths) > 4 else "center")
    legend_outside(fig, left, ncol=3)
    return fig


def html_report(diagnosis, reference):
    """A self-contained HTML page of the diagnosis (its figure embedded as an image)."""
    import matplotlib.pyplot as plt

    fig = figure(diagnosis, reference)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    image = base64.b64encode(buffer.getvalue()).decode()
    def table_rows(rows):
        return "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)

    rows = table_rows(_rows(diagnosis))
    calibrated = diagnosis.calibrated
    own_data = ""
    if calibrated is not None:
        own_rows = table_rows(_calibrated_rows(calibrated)) if calibrated.get("readings") else ""
        own_table = (f"""<div class="wrap"><table><thead><tr><th>measure</th><th>this network</th><th>own-label
controls</th><th>teacher controls</th><th>permuted controls</th><th>sep.</th><th>position</th></tr></thead>
<tbody>{own_rows}</tbody></table></div>
<p class="small">{html.escape(typeset(_controls_line(calibrated)))}. {html.escape(POSITION_NOTE)}</p>"""
                     if own_rows else "")
        own_data = (f"<h2>On your own data</h2><p><strong>{html.escape(typeset(calibrated['sentence']))}</strong></p>"
                    f"{own_table}<h2>Against the committed reference</h2>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Diagnosis of {html.escape(str(diagnosis.model))}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.45}}
table{{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.9rem}}
td,th{{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:right}}td:first-child,th:first-child{{text-align:left}}
.wrap{{overflow-x:auto}}img{{max-width:100%}}.small{{font-size:.8rem;color:#555}}</style></head><body>
<h1>Diagnosis of {html.escape(str(diagnosis.model))}</h1>
{own_data}
<p><strong>{html.escape(typeset(diagnosis.sentence))}</strong></p>
<p>Observed layer {html.escape(diagnosis.layer)} ({diagnosis.units} nodes) on {diagnosis.n_samples:,} samples
{'with' if diagnosis.labelled else 'without'} labels.</p>
<div class="wrap"><table><thead><tr><th>measure</th><th>value</th><th>percentile among clean</th>
<th>percentile among memorizing</th><th>separation in the benchmark</th><th>reading</th></tr></thead>
<tbody>{rows}</tbody></table></div>
<img alt="node firing rates beside the reference networks" src="data:image/png;base64,{image}">
<p><strong>Figure.</strong> Left: the share of this network's nodes at each firing rate, beside the mean of the
comparable reference networks trained on clean and on shuffled labels. Right: MFR against the observed layer's
width, the reference networks and this one (★).</p>
<p class="small">{html.escape(RULES)} Reference version {diagnosis.reference['version']},
{diagnosis.reference['networks']} networks, SHA-256 {html.escape(str(diagnosis.reference['sha256']))}.</p>
</body></html>"""
