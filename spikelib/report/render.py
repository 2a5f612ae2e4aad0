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
show_figure
    Display a figure in an executed page and close it.
publish
    Numbers other pages quote, glued under ``<prefix>_<name>``.
and_list
    Items as a sentence lists them.
signed
    A signed number as every page writes it (a true minus sign, no negative zero).
show_paper_table
    A table in the paper's shape with its note, its long form written as CSV.
"""

import html

import numpy as np

from .labels import CONDITION_LABELS, label

__all__ = ["html_table", "caption", "show_figure", "publish", "show_paper_table", "signed", "and_list", "MINUS"]

#: The one minus sign of every rendered number.
MINUS = "\u2212"


def and_list(items):
    """Items joined as a sentence lists them.

    >>> and_list(["a"]), and_list(["a", "b"]), and_list(["a", "b", "c"])
    ('a', 'a and b', 'a, b and c')
    """
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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


#: A table with more value columns than this is shown as several tables, each with the leading key columns.
MAX_COLUMNS = 6


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
    keys = []  # the leading text columns (at most three) name the rows
    for column in shown.columns[:3]:
        if shown[column].dtype.kind != "O":
            break
        keys.append(column)
    values = [c for c in shown.columns if c not in keys]
    if marked is None and len(values) > max_columns:
        size = -(-len(values) // -(-len(values) // max_columns))  # as even as the parts can be
        parts = [values[i:i + size] for i in range(0, len(values), size)]
        return "\n".join(html_table(shown[keys + part], caption=caption if n == 0 else None, digits=digits,
                                     index=index, max_columns=max_columns) for n, part in enumerate(parts))
    styler = shown.style.format(precision=digits, na_rep="–", thousands=",")
    whole = [c for c in shown.columns if shown[c].dtype.kind == "f" and _whole(shown[c])]
    if whole:
        styler = styler.format("{:,.0f}", subset=whole, na_rep="–")
    if "condition" in shown.columns:
        styler = styler.format(lambda value: CONDITION_LABELS.get(value, value), subset=["condition"])
    named = [c for c in ("statistic", "measure", "indicator") if c in shown.columns]
    if named:  # rows named by a column's key read by its label
        styler = styler.format(lambda value: label(value) if isinstance(value, str) else value, subset=named)
    styler = styler.relabel_index([label(c) if isinstance(c, str) else c for c in shown.columns], axis="columns")
    if not index:
        styler = styler.hide(axis="index")
    if marked is not None:
        flags = marked.reset_index(drop=True) if not index else marked
        flags = flags.reindex(columns=shown.columns, fill_value=False)
        flags.index = shown.index
        styles = flags.map(lambda flag: "background-color: #fde8e4" if flag else "")
        styler = styler.apply(lambda _: styles, axis=None)
    text = [c for c in shown.columns if shown[c].dtype.kind == "O"]
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    styler = styler.set_table_attributes('class="compendium-table"')
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return f'<div class="compendium-table-wrap">{styler.to_html()}</div>'


def _whole(column):
    """Whether a float column holds counts: whole numbers only, not all of them 0 or 1 (shares stay decimal)."""
    values = column.dropna().to_numpy()
    return (len(values) > 0 and bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
            and bool(np.abs(values).max() >= 2))


def _named_index(frame):
    return any(name is not None for name in frame.index.names)


def caption(number, text):
    """Display ``**Figure <number>.** <text>`` as Markdown (in an executed notebook)."""
    from IPython.display import Markdown, display

    display(Markdown(f"**Figure {number}.** {text}"))


def show_figure(fig):
    """Display ``fig`` in an executed page and close it (so that it is shown once, and its memory freed)."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def publish(prefix, numbers):
    """Glue each of ``numbers`` (a dict) as ``<prefix>_<name>``, for other pages of the book to quote."""
    from myst_nb import glue

    for name, value in numbers.items():
        glue(f"{prefix}_{name}", value, display=False)


def show_paper_table(long, path, layout, note, caption=None):
    """Display ``note`` and the paper-shaped ``layout`` (``(table, marked)``), and write ``long`` to ``path``.

    A ``dataset`` column holding one data set is left out; the caption (default: the data sets of ``long``)
    names it.
    """
    from IPython.display import HTML, Markdown, display

    if caption is None and "dataset" in long:
        caption = ", ".join(sorted(map(str, long["dataset"].unique())))

    long.to_csv(path, index=False)
    display(Markdown(note))
    display(HTML(html_table(*layout, caption=caption, drop_single=("dataset",))))
