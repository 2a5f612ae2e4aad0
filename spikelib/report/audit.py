"""The page audit: what a reader must never meet in the built book, found by reading its HTML.

Static parsing, no browser. ``make book`` runs it on every page after the build
and fails on a finding; the tests run it on a small book and on pages made to
fail each rule.

Rules
-----
raw identifier
    A column key of the measure registry, or a snake_case name, in prose or a table cell.
negative zero
    ``-0.00`` or ``−0.00``.
hyphen minus
    A negative number written with a hyphen (the book's minus sign is ``−``).
python boolean
    ``True`` or ``False`` in a table cell.
table without header
    A table with no header row, or whose first column has no header.
figure without caption
    An image of an executed cell not followed by a caption that starts with "Figure".
answer missing
    A results page whose first paragraph under its title holds no number.
log line
    A library's log line or warning in a cell's output (TensorFlow's start-up notices, a Python warning).
whole number with decimals
    A table column of counts, widths or seeds (:func:`spikelib.report.labels.column_kind`) printed with a
    decimal point (``64.000``), or a column whose every number ends in zeros after the point.
literal role
    A MyST role or directive printed as text (``{download}`...```, ``{glue:text}``): the page shows markup.
row labels missing
    A table (a part of a split one among them) whose first column is numbers: its rows have no names.
mixed units
    One page printing percentages both as ``10 %`` and ``10%``, or accuracies both in percent and as fractions.
negative margin
    A style of the book's CSS that pulls an element up by a negative margin (it slides under a scrolling box
    above it, and is clipped).

Functions
---------
audit_page
    The findings on one page.
audit_book
    The findings on every page of a built book.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from .. import paths
from ..experiment.measures import MEASURES

__all__ = ["audit_page", "audit_book", "audit_css", "RULES", "RESULTS_PAGES"]

RULES = ("raw identifier", "negative zero", "hyphen minus", "python boolean", "table without header",
         "figure without caption", "answer missing", "log line", "whole number with decimals", "literal role",
         "row labels missing", "mixed units", "negative margin")
_ROLE = re.compile(r"\{(?:download|glue:text|glue|ref|doc|numref|eq|term|cite)\}`")
_DECIMAL_ZEROS = re.compile(r"^[−-]?\d[\d,]*\.0+$")
_NUMBER = re.compile(r"^[−-]?\d[\d,]*(?:\.\d+)?(?: ?%)?$")
#: Executed pages that state results: each must open with its answer (a number in its first paragraph).
RESULTS_PAGES = re.compile(r"book/executed/[^/]+/(results|zoo|benchmark|followup|hypotheses|binary|assumptions)\.html$")
_KEYS = {m.column for m in MEASURES if "_" in m.column} | {"train_accuracy_evaluated", "generalization_gap",
                                                            "validation_gap", "label_noise", "weight_decay"}
#: Names a reader types as they are: the profiles (``spikelib run --profile quick_zoo``).
_PROFILE_NAMES = {path.stem for path in paths.PROFILES.glob("*.yaml")}
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_LOG = re.compile(r"oneDNN|absl::|WARNING:|UserWarning|DeprecationWarning|RuntimeWarning|FutureWarning|Traceback")


class _Page(HTMLParser):
    """Collects the text of a page by where it sits: prose, table cells, outputs, and the figures' order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.prose, self.cells, self.outputs = [], [], [], []
        self.tables, self.events, self.first_paragraph, self.title_seen = [], [], None, False
        self.code_cells = set()
        self._paragraph = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = attrs.get("class", "") or ""
        self.stack.append((tag, classes))
        if tag == "table":
            self.tables.append({"thead": False, "first_header": None, "rows": 0, "header_rows": [], "columns": {}})
        elif tag in ("td", "th") and self.tables:
            table = self.tables[-1]
            table["position"] = table.get("position_in_row", 0)
            table["position_in_row"] = table["position"] + int(attrs.get("colspan") or 1)
            if self._inside("thead") and table["header_rows"]:
                table["header_rows"][-1][table["position"]] = ""
        elif tag == "tr" and self.tables:
            self.tables[-1]["position_in_row"] = 0
            if self._inside("thead"):
                self.tables[-1]["header_rows"].append({})
        elif tag == "thead" and self.tables:
            self.tables[-1]["thead"] = True
        elif tag == "img":
            self.events.append(("img", attrs.get("alt", "")))
        elif (tag == "p" and self.title_seen and self.first_paragraph is None and not self._inside("div", "cell_input")
              and not self._inside("summary")):  # a hidden cell's "Show code cell source" toggle
            self._paragraph = []

    def handle_endtag(self, tag):
        while self.stack:
            opened, _ = self.stack.pop()
            if opened == tag:
                break
        if tag == "p" and self._paragraph is not None:
            self.first_paragraph, self._paragraph = " ".join(self._paragraph), None

    def _inside(self, tag, klass=None):
        return any(t == tag and (klass is None or klass in c) for t, c in self.stack)

    def handle_data(self, data):
        text = data.strip()
        if not text or self._inside("script") or self._inside("style"):
            return
        if self._inside("h1"):
            self.title_seen = True
        if self._paragraph is not None:
            self._paragraph.append(text)
        if self._inside("div", "cell_input") or self._inside("pre") and not self._inside("div", "output"):
            return  # code a reader is shown as code
        if self._inside("span", "math") or self._inside("div", "math"):
            return  # TeX that MathJax typesets (its subscripts and minus signs are not prose)
        if self._inside("div", "stderr") or self._inside("div", "output") and self._inside("pre"):
            self.outputs.append(text)
        if self._inside("table"):
            self.cells.append(text)
            if self._inside("code"):
                self.code_cells.add(text)
            if self._inside("thead") and self.tables and self.tables[-1]["first_header"] is None:
                self.tables[-1]["first_header"] = text
            if self.tables and "position" in self.tables[-1]:
                table = self.tables[-1]
                if self._inside("thead") and table["header_rows"]:
                    row = table["header_rows"][-1]
                    row[table["position"]] = (row.get(table["position"], "") + " " + text).strip()
                elif not self._inside("thead"):
                    table["columns"].setdefault(table["position"], []).append(text)
        elif not self._inside("code"):
            self.prose.append(text)
        self.events.append(("text", text))


def audit_page(html, name="page"):
    """The findings on one page: a list of ``(rule, excerpt)``.

    Examples
    --------
    >>> audit_page("<h1>T</h1><p>The gap is -0.00 points.</p>")
    [('negative zero', '-0.00'), ('hyphen minus', '-0.00')]
    >>> audit_page('<h1>T</h1><p>A sum <span class="math">-2 sum_i p_i</span> in TeX.</p>')
    []
    """
    page = _Page()
    page.feed(html)
    findings = []
    text = page.prose + page.cells
    for chunk in text:
        if chunk in page.code_cells:
            continue
        for word in _SNAKE.findall(chunk):
            if word in _PROFILE_NAMES and word not in _KEYS:
                continue
            if word in _KEYS or word.count("_") >= 1 and not re.search(r"\d", word):
                findings.append(("raw identifier", word))
        for match in re.findall(r"[-−]0\.0+\b(?!\d)", chunk):
            findings.append(("negative zero", match))
        for match in re.findall(r"(?:(?<=\s)|(?<=\()|(?<=\[)|^)-\d[\d.,]*", chunk):
            findings.append(("hyphen minus", match))
    for cell in page.cells:
        if cell in ("True", "False"):
            findings.append(("python boolean", cell))
    for table in page.tables:
        if not table["thead"] or not (table["first_header"] or any(row for row in table["header_rows"])):
            findings.append(("table without header", f"a table of {name}"))
    events = page.events
    for index, (kind, value) in enumerate(events):
        if kind == "img":
            following = [v for k, v in events[index + 1: index + 4] if k == "text"]
            if not following or not following[0].startswith("Figure"):
                findings.append(("figure without caption", value or "an image"))
    if RESULTS_PAGES.search(name) and not re.search(r"\d", page.first_paragraph or ""):
        findings.append(("answer missing", (page.first_paragraph or "no paragraph")[:80]))
    for output in page.outputs:
        if _LOG.search(output):
            findings.append(("log line", output[:80]))
    findings.extend(_table_findings(page))
    for chunk in page.prose + page.cells:
        for match in _ROLE.findall(chunk):
            findings.append(("literal role", chunk[:80]))
    joined = " ".join(page.prose + page.cells)
    if re.search(r"\d%", joined) and re.search(r"\d[ \u00a0]%", joined):
        findings.append(("mixed units", re.search(r"\S*\d%\S*", joined).group(0)[:40]))
    return findings


def _table_findings(page):
    """Whole numbers printed with decimals, and tables whose rows have no names."""
    from .labels import column_kind

    from .labels import ROW_KEYS, label

    keys = {label(key) for key in ROW_KEYS} | set(ROW_KEYS)
    findings = []
    for table in page.tables:
        columns = table["columns"]

        def header(position):  # every header row's text over the column: a pivot's index name sits below
            return " ".join(row[position] for row in table["header_rows"] if row.get(position)).strip()

        for position, values in columns.items():
            name = header(position)
            numbers = [v for v in values if _NUMBER.match(v)]
            kind = column_kind(name)
            if kind in ("count", "integer") and any("." in v for v in numbers):
                findings.append(("whole number with decimals", f"{name}: {next(v for v in numbers if '.' in v)}"))
            elif len(numbers) >= 2 and all(_DECIMAL_ZEROS.match(v) for v in numbers) and any(
                    abs(float(v.replace(",", "").replace("−", "-").rstrip(" %"))) >= 2 for v in numbers):
                findings.append(("whole number with decimals", f"{name}: {numbers[0]}"))
        first = columns.get(0, [])
        if first and all(_NUMBER.match(v) for v in first) and table["header_rows"]:
            name = header(0)
            names_rows = column_kind(name) in ("integer", "count") or any(part in keys for part in (
                name, *(row.get(0, "") for row in table["header_rows"])))
            if not names_rows:  # a width, a subset size or a label noise names a row well enough
                findings.append(("row labels missing", f"first column {name!r}: {first[0]}"))
    return findings


def audit_css(css):
    """The findings on the book's style sheet: negative margins (see the module's rules)."""
    return [("negative margin", match.strip()) for match in re.findall(r"[^{}]*\{[^}]*margin[^:]*:\s*-[^;]*;",
                                                                         css)]


def audit_book(html_folder):
    """The findings on every page of a built book, and on its style sheet: a list of ``(page, rule, excerpt)``."""
    html_folder = Path(html_folder)
    findings = []
    for css in sorted(html_folder.glob("_static/compendium*.css")):
        findings.extend((css.relative_to(html_folder).as_posix(), rule, excerpt) for rule, excerpt in audit_css(
            css.read_text()))
    for path in sorted(html_folder.rglob("*.html")):
        name = path.relative_to(html_folder).as_posix()
        if name.startswith(("_static", "genindex", "search", "py-modindex", "_sources")) or name == "book/api.html":
            continue
        findings.extend((name, rule, excerpt) for rule, excerpt in audit_page(path.read_text(), name))
    return findings
