"""A figure of several panels as a phone shows it: the same panels, one under another.

A figure of the book is drawn for the text column (:data:`~spikelib.report.plots.style.PAGE_WIDTH`
inches at 100 dpi). Shrunk to a phone's 390 px its 9-point type would be a few
pixels high; kept at its width, its right-hand panels sit off-screen. So each
multi-panel figure is shown twice in the page, and the stylesheet picks one by
the screen's width: the figure as drawn, and the same figure's panels drawn one
at a time at the same size and stacked, each with the tick and axis labels it
shared with a neighbour, and the figure's legend set again in as many columns
as fit one panel's width. The data, scales and styles are the figure's own, so
the two cannot disagree.

Functions
---------
stacked_png
    The panels one under another, as PNG bytes (``None`` for a figure of one panel).
figure_html
    The figure as an executed page displays it: as drawn, sized to stay readable, and stacked where it has
    several panels.
"""

import base64
import io

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["stacked_png", "figure_html", "PAD", "GAP", "NAME_WIDTH", "SMALLEST"]

#: Pixels of margin kept around each panel's cut, and between stacked pieces.
PAD, GAP = 4, 10


def _png(fig):
    """The figure as the notebook would show it: PNG bytes at its own dpi, cut to what it draws."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _groups(fig):
    """The figure's panels, top to bottom and left to right: each a list of the axes drawn in one place (an axes,
    its twins and insets, and a colour bar beside it)."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    bars = [ax for ax in axes if getattr(ax, "_colorbar", None) is not None]
    groups = []
    for ax in (ax for ax in axes if ax not in bars):
        box = ax.get_position()
        for group in groups:  # a twin or an inset shares its host's place
            host = group[0].get_position()
            overlap = max(0, min(box.x1, host.x1) - max(box.x0, host.x0)) * max(0, min(box.y1, host.y1)
                                                                               - max(box.y0, host.y0))
            if overlap > 0.5 * min(box.width * box.height, host.width * host.height):
                group.append(ax)
                break
        else:
            groups.append([ax])
    for bar in bars:  # a colour bar goes with the panel nearest to its left
        box = bar.get_position()
        beside = [g for g in groups if g[0].get_position().x1 <= box.x0 + 1e-6
                  and g[0].get_position().y0 < box.y1 and box.y0 < g[0].get_position().y1]
        if beside:
            max(beside, key=lambda g: g[0].get_position().x1).append(bar)
        elif groups:
            groups[-1].append(bar)
    return sorted(groups, key=lambda g: (-round(g[0].get_position().y1, 2), g[0].get_position().x0))


def _own_labels(ax):
    """Tick labels and axis labels on a panel that shares them with its neighbours, which showed them for it:
    standing alone, it needs its own."""
    for name, side in (("y", "left"), ("x", "bottom")):
        siblings = getattr(ax, f"get_shared_{name}_axes")().get_siblings(ax)
        if len(siblings) < 2:
            continue
        ax.tick_params(axis=name, **{f"label{side}": True})
        axis = getattr(ax, f"{name}axis")
        if not axis.get_label().get_text():
            shared = (getattr(s, f"{name}axis").get_label().get_text() for s in siblings)
            axis.set_label_text(next((text for text in shared if text), ""))


#: Characters per line of a tick label that names something (a measure, a network) in the phone version.
NAME_WIDTH = 24


def _wrap_names(ax):
    """Break the y tick labels that name things (not numbers) and run longer than :data:`NAME_WIDTH` characters
    onto several lines, so that a panel of named rows keeps a phone's width; whether any was broken."""
    import textwrap

    texts = [label.get_text() for label in ax.get_yticklabels()]
    if not any(len(text) > NAME_WIDTH and not _number(text) for text in texts):
        return False
    ax.set_yticks(ax.get_yticks(), ["\n".join(textwrap.wrap(text, NAME_WIDTH)) or text for text in texts])
    return True


def _number(text):
    try:
        float(text.replace("\u2212", "-"))
    except ValueError:
        return False
    return True


def _cut(pixels, box):
    """The pixels of ``box`` (display coordinates, origin bottom left) with a small margin, clipped to the
    figure."""
    height, width = pixels.shape[:2]
    x0, x1 = max(0, int(np.floor(box.x0)) - PAD), min(width, int(np.ceil(box.x1)) + PAD)
    y0, y1 = max(0, height - int(np.ceil(box.y1)) - PAD), min(height, height - int(np.floor(box.y0)) + PAD)
    return pixels[y0:y1, x0:x1]


def _legend_png(legend, width):
    """A figure legend set again in as many columns as fit ``width`` pixels: RGBA pixels."""
    from PIL import Image

    labels = [text.get_text() for text in legend.get_texts()]
    # the artists the legend was made from (an error bar's marker, a scatter's fill), found by their labels in
    # the figure's axes; the legend's own proxies would lose them
    drawn = {}
    for ax in legend.figure.axes:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            drawn.setdefault(name, handle)
    handles = [drawn.get(name, proxy) for name, proxy in zip(labels, legend.legend_handles)]
    title = legend.get_title().get_text() or None
    dpi = legend.figure.dpi
    for ncol in range(max(1, legend._ncols), 0, -1):
        fig = plt.figure(figsize=(width / dpi, 1), dpi=dpi)
        again = fig.legend(handles, labels, ncol=ncol, loc="center", frameon=False, title=title)
        fig.canvas.draw()
        fits = again.get_window_extent(fig.canvas.get_renderer()).width <= width or ncol == 1
        if fits:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", bbox_inches="tight", facecolor="white", pad_inches=0.02)
            plt.close(fig)
            return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGBA"))
        plt.close(fig)
    return None


def stacked_png(fig):
    """The figure's panels one under another, as PNG bytes; ``None`` for a figure of fewer than two panels.

    Each panel is drawn alone (the others hidden), with the tick and axis labels it shared with a neighbour, and
    cut to what it draws; figure-level titles and axis labels are kept, and a figure legend wider than a panel
    is set again in fewer columns. The figure is changed (labels turned on): call it after the figure's last
    other use.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Drawn on an Agg canvas (the notebook's inline backend, or Agg).
    """
    from PIL import Image

    groups = _groups(fig)
    if len(groups) < 2:
        return None
    shown = {artist: artist.get_visible() for artist in [*fig.axes, *fig.legends, *fig.texts]
             + [t for t in (getattr(fig, "_suptitle", None), getattr(fig, "_supxlabel", None)) if t is not None]}
    pieces = []
    try:
        for artist in shown:
            artist.set_visible(False)
        shared_x = getattr(fig, "_supxlabel", None)
        shared_x = shared_x.get_text() if shared_x is not None else ""
        for group in groups:
            for ax in group:
                ax.set_visible(True)
                _own_labels(ax)
                if shared_x and not ax.get_xlabel() and getattr(ax, "_colorbar", None) is None:
                    ax.set_xlabel(shared_x)  # the figure's one x label, under each panel that stands alone
            fig.canvas.draw()
            if any([_wrap_names(ax) for ax in group]):  # a list, so that every axes is wrapped
                fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            boxes = [ax.get_tightbbox(renderer) for ax in group]
            box = type(boxes[0]).union([b for b in boxes if b is not None])
            pieces.append(_cut(np.asarray(fig.canvas.buffer_rgba()).copy(), box))
            for ax in group:
                ax.set_visible(False)
        width = max(piece.shape[1] for piece in pieces)
        for artist, visible in shown.items():  # the figure-level pieces, each drawn alone
            if isinstance(artist, plt.Axes) or not visible or (shared_x and artist is fig._supxlabel):
                continue
            artist.set_visible(True)
            fig.canvas.draw()
            box = artist.get_window_extent(fig.canvas.get_renderer())
            if hasattr(artist, "legend_handles") and box.width > width:
                piece = _legend_png(artist, width)
            else:
                piece = _cut(np.asarray(fig.canvas.buffer_rgba()).copy(), box)
            artist.set_visible(False)
            if artist is getattr(fig, "_suptitle", None):
                pieces.insert(0, piece)
            else:
                pieces.append(piece)
    finally:
        for artist, visible in shown.items():
            artist.set_visible(visible)
    pieces = [piece for piece in pieces if piece is not None and piece.size]
    width = max(piece.shape[1] for piece in pieces)
    height = sum(piece.shape[0] for piece in pieces) + GAP * (len(pieces) - 1)
    canvas = np.full((height, width, 4), 255, dtype=np.uint8)
    top = 0
    for piece in pieces:
        left = (width - piece.shape[1]) // 2
        canvas[top:top + piece.shape[0], left:left + piece.shape[1]] = piece
        top += piece.shape[0] + GAP
    buffer = io.BytesIO()
    Image.fromarray(canvas, "RGBA").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


#: The smallest share of its own width a figure is shown at: below it, its 9-point type is too small to read
#: (the layout check's rule); a figure wider than the screen then scrolls in its box instead.
SMALLEST = 0.62


def _img(data, kind):
    """An ``<img>`` of PNG ``data``. The figure as drawn fills the column up to its own width, and never goes
    below :data:`SMALLEST` of it (on a phone it then scrolls in its box); the stacked one fits the screen."""
    from PIL import Image

    width = Image.open(io.BytesIO(data)).size[0]
    sizing = (f' style="width:100%;max-width:{width}px;min-width:{int(SMALLEST * width)}px"'
              if kind == "wide" else "")
    return (f'<img class="compendium-{kind}" alt=""{sizing} '
            f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">')


def figure_html(fig):
    """The figure for a page: as drawn (``img.compendium-wide``) and, where it has several panels, stacked for a
    phone (``img.compendium-narrow``); the stylesheet shows one of them by the screen's width."""
    wide = _png(fig)  # first: the stacked version turns on labels the figure as drawn leaves off
    stacked = stacked_png(fig)  # None for a figure of one panel
    narrow = _img(stacked, "narrow") if stacked is not None else ""
    return (f'<div class="compendium-figure{" compendium-stacked" if narrow else ""}">{_img(wide, "wide")}{narrow}'
            "</div>")
