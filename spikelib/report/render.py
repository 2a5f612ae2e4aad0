"""Rendering tables for the book: HTML that reads well at page width.

Computation lives in :mod:`spikelib.report.tables`; this module only turns
its frames into HTML (right-aligned numbers, padding, a horizontal scroll bar
where a table is wider than the page, marked cells highlighted). The book's
stylesheet (``book/_static/compendium.css``) styles the ``compendium-table``
class.

Functions
---------
html_table
    A DataFrame as a styled HTML table, optionally with marked cells.
caption
    A figure's numbered caption, displayed below it in an executed page.
provenance
    The line under every table and figure: the results it comes from and the notebook that draws it.
cells_held
    A results folder's cells in words (networks and training curves), as that line and the progress count them.
show_figure
    Display a figure in an executed page and close it.
show_captioned
    A figure that may not exist, with its caption.
publish
    Numbers other pages quote, glued under ``<prefix>_<name>``.
and_list
    Items as a sentence lists them.
typeset, typeset_number, show
    Prose and numbers with one minus sign and no negative zero; prose displayed so.
signed
    A signed number as every page writes it (a true minus sign, no negative zero).
interval
    An estimate with its interval in brackets, kept whole when a column wraps.
show_paper_table
    A table in the paper's shape with its note, its long form written as CSV.
"""

import html
import re

import numpy as np
import pandas as pd

from .labels import CONDITION_LABELS, ROW_KEYS, column_kind, format_level, label

__all__ = ["html_table", "caption", "show_figure", "listing", "cells_held", "show_captioned", "publish", "show_paper_table", "provenance", "signed", "interval", "and_list", "typeset", "typeset_number", "show",
           "MINUS"]

#: The one minus sign of every rendered number.
MINUS = "\u2212"


def and_list(items):
    """Items joined as a sentence lists them.

    >>> and_list(["a"]), and_list(["a", "b"]), and_list(["a", "b", "c"])
    ('a', 'a and b', 'a, b and c')
    """
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def typeset_number(value, digits=2):
    """A number as a table shows it: thousands separated, a true minus sign, no negative zero, ``–`` for nan,
    ``yes``/``no`` for a boolean.

    An integer prints without decimals, whatever ``digits`` says.

    >>> typeset_number(-0.001), typeset_number(-1234.5, 1), typeset_number(True), typeset_number(float("nan"))
    ('0.00', '−1,234.5', 'yes', '–')
    >>> typeset_number(np.int64(1373))
    '1,373'
    """
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return typeset(str(value))
    if isinstance(value, (int, np.integer)):
        digits = 0
    if not np.isfinite(value):
        return "–"
    text = f"{value:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", MINUS)


_NEGATIVE = re.compile(r"(?<![\w.\-−])-(?=\d)")
_NEGATIVE_ZERO = re.compile(r"[-−](0(?:\.0+)?)(?![\d.])")
_PERCENT = re.compile(r"(\d) ?%")
_POSITIVE_ZERO = re.compile(r"\+(0(?:\.0+)?)(?![\d.])")
_SPACED_MINUS = re.compile(r"(?<=\S) - (?=\S)")


#: A straight apostrophe between two letters (the paper's, don't).
_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])|(?<=s)'(?=[\s,.;:)]|$)")


def typeset(text):
    """Prose as the book prints it: a negative number's hyphen becomes a minus sign (−) and a negative zero
    loses its sign; hyphens inside words and names (MLP-128, 2026-12-05) stay; a percentage is written with a
    space before its sign (82 %), as everywhere in the book: a no-break space, so that a line never ends
    between a number and its sign.

    A zero with a plus sign loses it too (+0.000), and a hyphen between spaces inside a line, a difference
    written out (1 - rate), becomes a minus sign.

    >>> typeset("tau -0.25 (was -0.00); MLP-128, range 3-5, 82.2% of 12 %")
    'tau −0.25 (was 0.00); MLP-128, range 3-5, 82.2\\xa0% of 12\\xa0%'
    >>> typeset("F = 1 - rate (change +0.000, +0.01)")
    'F = 1 − rate (change 0.000, +0.01)'

    An apostrophe inside a word is the typographic one, as Sphinx sets the prose around it.

    >>> typeset("the paper's table, the papers' indicators")
    'the paper’s table, the papers’ indicators'
    """
    text = _APOSTROPHE.sub("\u2019", text)
    text = _POSITIVE_ZERO.sub(r"\1", _NEGATIVE_ZERO.sub(r"\1", text))
    return _PERCENT.sub("\\1\u00a0%", _SPACED_MINUS.sub(f" {MINUS} ", _NEGATIVE.sub(MINUS, text)))


def show(text):
    """Display prose (Markdown) in an executed page, typeset (:func:`typeset`)."""
    from IPython.display import Markdown, display

    if text:  # an empty paragraph (a note that does not apply) shows nothing
        display(Markdown(typeset(text)))


def signed(value, digits=2):
    """A number with its sign always shown, a true minus sign, and never a negative zero.

    >>> signed(0.5), signed(-0.25), signed(-0.001), signed(float("nan"))
    ('+0.50', '−0.25', '0.00', '–')
    """
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", MINUS)


def interval(value, low, high, digits=2, sign=False):
    """An estimate with its interval in brackets, as every table prints one; a no-break space inside the
    brackets, so that a narrow column puts the interval under the estimate, whole.

    >>> interval(0.6, 0.4, 1.5, 1), interval(-0.51, -0.59, -0.38, sign=True), interval(float("nan"), 0, 1)
    ('0.6 [0.4,\xa01.5]', '−0.51 [−0.59,\xa0−0.38]', '–')
    """
    if value is None or not np.isfinite(value):
        return "–"
    form = (lambda v: signed(v, digits)) if sign else (lambda v: f"{v:.{digits}f}")
    return f"{form(value)} [{form(low)},\u00a0{form(high)}]"


#: A table with more value columns than this is shown as several tables, each with the leading key columns.
MAX_COLUMNS = 6
#: The condition a table names for a network trained once on labels partly or wholly shuffled (the label-noise
#: networks): trained as the generalizing condition, but not on true labels.
NOISY_LABELS = "Noisy labels"


def html_table(frame, marked=None, caption=None, digits=2, index=False, drop_single=(), max_columns=MAX_COLUMNS):
    """A DataFrame as HTML for the book.

    Parameters
    ----------
    frame : pandas.DataFrame
        Numbers are formatted with ``digits`` decimals, whole numbers (counts, epochs) without; NaN shows
        as ``–``. Column headers show their reader-facing labels (:func:`spikelib.report.labels.label`)
        and a ``condition`` column the paper's names of the conditions.
    marked : pandas.DataFrame of bool, optional
        Same index and columns as ``frame``: cells to highlight.
    caption : str, optional
        Shown above the table.
    digits : int
    index : bool
        Show the index (a MultiIndex is reset into columns otherwise).
    drop_single : tuple of str
        Index levels or columns to leave out when they hold a single value
        (say it in the caption).
    max_columns : int
        A table of more columns than this (besides its leading text columns, which name the rows) is
        split into consecutive tables, each repeating those leading columns, so that it fits the page.
        Text columns are left-aligned and wrap.

    Returns
    -------
    str
        ``<div class="compendium-table-wrap">`` holding the table.
    """
    shown = frame if index else frame.reset_index(drop=not _named_index(frame))
    keep = [c for c in shown.columns if not (c in drop_single and shown[c].nunique() == 1)]
    shown = shown[keep]
    keys = []  # the leading columns that name a row (text, or a registered key such as a width): at most six
    for column in shown.columns[:6]:
        if shown[column].dtype.kind != "O" and column not in ROW_KEYS:
            break
        keys.append(column)
    if not keys and not index and len(shown.columns):
        keys = [shown.columns[0]]  # without such columns, the first names the rows in every part
    values = [c for c in shown.columns if c not in keys]
    if marked is None and len(values) > max_columns:
        size = -(-len(values) // -(-len(values) // max_columns))  # as even as the parts can be
        parts = [values[i:i + size] for i in range(0, len(values), size)]
        provenance_line, _PROVENANCE["line"] = _PROVENANCE["line"], ""  # once, under the last part
        try:
            tables = [html_table(shown[keys + part], caption=caption if n == 0 else None, digits=digits,
                                 index=index, max_columns=max_columns) for n, part in enumerate(parts)]
        finally:
            _PROVENANCE["line"] = provenance_line
        return "\n".join(tables) + provenance_line
    if {"condition", "label_noise"} <= set(shown.columns):  # trained on shuffled labels is not "Generalizing"
        noisy = (shown["condition"] == "generalizing") & (pd.to_numeric(shown["label_noise"], errors="coerce") > 0)
        if noisy.any():
            shown = shown.assign(condition=shown["condition"].astype(object).where(~noisy, NOISY_LABELS))
    styler = shown.style.format(lambda value: typeset_number(value, digits), na_rep="–")
    whole = [c for c in shown.columns if shown[c].dtype.kind == "f" and _whole(shown[c])]
    if whole:
        styler = styler.format(lambda value: typeset_number(value, 0), subset=whole, na_rep="–")
    text_columns = [c for c in shown.columns if shown[c].dtype.kind == "O"]
    if text_columns:
        styler = styler.format(lambda value: typeset(value) if isinstance(value, str) else typeset_number(value, digits),
                               subset=text_columns, na_rep="–")
    for column in shown.columns:  # a column of a registered kind prints as its kind says, whatever its dtype
        kind = column_kind(column) or column_kind(label(column))
        if kind is not None:
            styler = styler.format(lambda value, kind=kind: format_kind(value, kind, digits), subset=[column],
                                   na_rep="–")
    if "condition" in shown.columns:
        styler = styler.format(lambda value: CONDITION_LABELS.get(value, value), subset=["condition"])
    named = [c for c in ("statistic", "measure", "indicator") if c in shown.columns]
    if named:  # rows named by a column's key read by its label
        styler = styler.format(lambda value: label(value) if isinstance(value, str) else value, subset=named)
    styler = styler.relabel_index([label(c) if isinstance(c, str) else _whole_label(c) for c in shown.columns],
                                  axis="columns")
    if not index:
        styler = styler.hide(axis="index")
    else:  # row labels that are numbers (sample sizes) read as the table's counts do: 1,000, not 1000
        styler = styler.format_index(_whole_label, axis="index")
    if marked is not None:
        flags = marked.reset_index(drop=True) if not index else marked
        flags = flags.reindex(columns=shown.columns, fill_value=False)
        flags.index = shown.index
        styles = flags.map(lambda flag: "background-color: #fde8e4" if flag else "")
        styler = styler.apply(lambda _: styles, axis=None)
    text = [c for c in shown.columns if shown[c].dtype.kind == "O"]
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
        # a column of sentences keeps a readable measure on a phone (the table scrolls in its box instead of
        # setting one word per line)
        prose = [c for c in text if shown[c].map(lambda v: len(v) if isinstance(v, str) else 0).median() > 40]
        if prose:
            styler = styler.set_properties(subset=prose, **{"min-width": "14em"})
        styler = styler.set_table_styles({column: [{"selector": "th", "props": "text-align: left"}]
                                          for column in text}, overwrite=False)
    styler = styler.set_table_attributes('class="compendium-table"')
    # The caption sits above the table's scrolling box, not inside it: a table wider than a phone scrolls, its
    # caption wraps at the column's width.
    above = f'<p class="caption table-caption">{html.escape(typeset(caption))}</p>' if caption else ""
    return f'{above}<div class="compendium-table-wrap">{styler.to_html()}</div>{_PROVENANCE["line"]}'


def format_kind(value, kind, digits=2):
    """A value of a column of a registered kind (:func:`spikelib.report.labels.column_kind`) as a table shows it.

    >>> format_kind(64.0, "integer"), format_kind(21632.0, "count"), format_kind(0.0004, "p")
    ('64', '21,632', '< 0.001')
    >>> format_kind(0.918, "fraction_percent"), format_kind(91.8, "percent"), format_kind("all", "count")
    ('91.8 %', '91.8 %', 'all')
    >>> format_kind(11.11, "percentile"), format_kind(0.000312, "seconds"), format_kind(1e-05, "level")
    ('11', '0.00031', '10⁻⁵')
    """
    if isinstance(value, str) or isinstance(value, (bool, np.bool_)):
        return typeset(value) if isinstance(value, str) else typeset_number(value)
    if value is None or not np.isfinite(value):
        return "–"
    if kind in ("count", "integer"):
        if float(value) != round(float(value)):  # a mean of counts: say its decimals
            return typeset_number(value, 1)
        return f"{int(round(value)):,}" if kind == "count" else str(int(round(value)))
    if kind == "p":  # three decimals at either end say no more than these bounds
        return "< 0.001" if value < 0.001 else ("> 0.999" if value > 0.999 else typeset_number(value, 3))
    if kind == "fraction_percent":
        return f"{typeset_number(100 * value, 1)} %"
    if kind == "level":
        return typeset(format_level(value))
    if kind == "seconds":  # a cost: two significant digits, never a row of zeros
        if value >= 10:
            return f"{value:,.0f}"
        return typeset(np.format_float_positional(value, precision=2, fractional=False, trim="-"))
    if kind == "percent":
        return f"{typeset_number(value, 1)} %"
    if kind == "points":  # percent or percentage points, the unit in the header
        return typeset_number(value, 1)
    if kind == "percentile":
        return str(int(round(value)))
    return typeset_number(value, digits)


def _whole(column):
    """Whether a float column holds counts: whole numbers only, not all of them 0 or 1 (shares stay decimal)."""
    values = column.dropna().to_numpy()
    return (len(values) > 0 and bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
            and bool(np.abs(values).max() >= 2))


def _whole_label(value):
    """A row or column label: a whole number with its thousands separated, anything else as it is."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == round(value):
        return f"{int(value):,}"
    return value


def _named_index(frame):
    return any(name is not None for name in frame.index.names)


def caption(number, text):
    """Display ``**Figure <number>.** <text>`` as Markdown (in an executed notebook), with the page's
    provenance line (:func:`provenance`) under it."""
    from IPython.display import HTML, Markdown, display

    display(Markdown(typeset(f"**Figure {number}.** {text}")))
    if _PROVENANCE["line"]:
        display(HTML(_PROVENANCE["line"]))


def show_captioned(fig, number, text):
    """:func:`show_figure` and :func:`caption` for a figure that may not exist (``fig`` None: nothing shown)."""
    if fig is not None:
        show_figure(fig)
        caption(number, text)


#: The provenance line of the page being executed (set by :func:`provenance`).
_PROVENANCE = {"line": ""}


def provenance(roots, notebook, rerun=None):
    """Set the line every table and figure of this page shows under it: the results it was computed from
    (profile, finished cells, the manifest's SHA-256 prefix) and the notebook that draws it.

    Parameters
    ----------
    roots : path or list of paths
        The results folders the page reads; the first is the page's profile.
    notebook : str
        The notebook's name in ``notebooks/`` (without ``.py``).
    rerun : str or list of str, optional
        The commands that make the results again (default ``spikelib run --profile NAME`` for every profile
        among ``roots``).

    Returns
    -------
    str
        The line, as HTML.
    """
    from pathlib import Path

    from .. import paths
    from ..storage import sha256

    roots = [Path(roots)] if isinstance(roots, (str, Path)) else [Path(root) for root in roots]
    parts = []
    for root in roots:
        manifest = paths.manifest_path(root)
        if paths.has_cells(root):
            held = cells_held(root)
        else:  # a folder of networks (the transfer set): one folder each
            held = f"{sum(1 for _ in root.glob('*/network.json'))} networks"
        digest = sha256(manifest)[:10] if manifest.is_file() else "none"
        parts.append(f"results/{root.name} ({held}, manifest {digest})")
    if rerun is None:  # every profile the page reads
        rerun = [f"spikelib run --profile {root.name}" for root in roots if paths.has_cells(root)] or \
            [f"spikelib run --profile {roots[0].name}"]
    commands = [rerun] if isinstance(rerun, str) else list(rerun)
    codes = [f"<code>{html.escape(command)}</code>" for command in [*commands, "make book"]]
    _PROVENANCE["line"] = (f'<p class="provenance">From {html.escape(", ".join(parts))}; drawn by '
                           f"<code>notebooks/{html.escape(notebook)}.py</code>; rerun with {and_list(codes)}.</p>")
    return _PROVENANCE["line"]


def cells_held(root):
    """``"22 cells: 21 networks and 1 training curve"``: the finished cells of a results folder, by protocol (a
    curve cell records one network's firing rate while it trains; the tables count networks)."""
    import json

    from .. import paths

    protocols = []
    for path in paths.cells_dir(root).glob("*/metrics.json"):
        try:
            protocols.append(json.loads(path.read_text()).get("parameters", {}).get("protocol", "cell"))
        except (OSError, ValueError):
            continue
    curves = protocols.count("curve")
    if not curves:
        return f"{len(protocols)} cells"
    return (f"{len(protocols)} cells: {len(protocols) - curves} networks and {curves} training "
            f"curve{'s' if curves > 1 else ''}")


def show_figure(fig):
    """Display ``fig`` in an executed page and close it (so that it is shown once, and its memory freed).

    A figure of several panels is shown twice, as drawn and with its panels stacked for a phone
    (:func:`spikelib.report.plots.phone.figure_html`); the stylesheet shows one by the screen's width. A figure
    is never shown at less than :data:`~spikelib.report.plots.phone.SMALLEST` of its width.
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    from .plots.phone import figure_html

    display(HTML(figure_html(fig)))
    plt.close(fig)


def listing(text, width=96):
    """A file's text (a profile's YAML) as a ``<pre class="listing">`` block, its long lines broken under their own
    indentation (a comment's continuation stays a comment), so that no wrapped line reads as a key of its own.

    >>> print(listing("  - {a: 1, b: 2}", width=10))
    <pre class="listing"><code>  - {a: 1,
        b: 2}</code></pre>
    """
    import textwrap

    lines = []
    for line in text.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        comment = line.lstrip().startswith("#")
        lines += textwrap.wrap(line, width, subsequent_indent=indent + ("# " if comment else "    "),
                               break_long_words=False, break_on_hyphens=False, drop_whitespace=True) or [line]
    return '<pre class="listing"><code>' + html.escape("\n".join(lines), quote=False) + "</code></pre>"


def publish(prefix, numbers):
    """Glue each of ``numbers`` (a dict) as ``<prefix>_<name>``, for other pages of the book to quote."""
    from myst_nb import glue

    for name, value in numbers.items():
        glue(f"{prefix}_{name}", typeset(value) if isinstance(value, str) else value, display=False)


def show_paper_table(long, path, layout, note, caption=None):
    """Display ``note`` and the paper-shaped ``layout`` (``(table, marked)``), and write ``long`` to ``path``.

    A ``dataset`` column holding one data set is left out; the caption (default: the data sets of ``long``)
    names it.
    """
    from IPython.display import HTML, Markdown, display

    if caption is None and "dataset" in long:
        caption = ", ".join(sorted(map(str, long["dataset"].unique())))

    long.to_csv(path, index=False)
    if note:  # an empty Markdown object would print its repr on the page
        display(Markdown(typeset(note)))
    display(HTML(html_table(*layout, caption=caption, drop_single=("dataset",))))
