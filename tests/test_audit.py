"""The page audit finds every defect it names, on pages made to have it, and passes a clean page."""

import pytest

from spikelib.report.audit import RULES, audit_page

CLEAN = """<h1>Results</h1><p>On 12 networks MFR falls with the gap (tau −0.30).</p>
<table class="compendium-table"><thead><tr><th>measure</th><th>tau</th></tr></thead>
<tbody><tr><td>MFR</td><td>−0.30</td></tr></tbody></table>
<div class="cell_output"><img alt="figure" src="x.png"/><p><strong>Figure 1.</strong> MFR against the gap.</p></div>"""


def test_a_clean_results_page_passes():
    assert audit_page(CLEAN, "book/executed/zoo/zoo.html") == []


@pytest.mark.parametrize("rule, page", [
    ("raw identifier", "<h1>T</h1><p>3 networks; mean_abs_r rises.</p>"),
    ("negative zero", "<h1>T</h1><p>3 networks, tau −0.00.</p>"),
    ("hyphen minus", "<h1>T</h1><p>3 networks, tau -0.25.</p>"),
    ("python boolean", "<h1>T</h1><p>3 nets</p><table><thead><tr><th>a</th></tr></thead><tr><td>True</td></tr></table>"),
    ("table without header", "<h1>T</h1><p>3 nets</p><table><tr><td>1</td></tr></table>"),
    ("figure without caption", "<h1>T</h1><p>3 nets</p><img alt='f' src='x.png'/><p>Some text.</p>"),
    ("answer missing", "<h1>T</h1><p>This page shows the tables.</p>"),
    ("log line", "<h1>T</h1><p>3 nets</p><div class='output stderr'><pre>I0000 port.cc oneDNN custom operations"
                 "</pre></div>"),
])
def test_each_rule_finds_its_defect(rule, page):
    assert rule in RULES
    assert rule in [found for found, _ in audit_page(page, "book/executed/quick/results.html")]


def test_hyphens_inside_names_and_dates_are_not_minus_signs():
    page = "<h1>T</h1><p>MLP-128 on 2026-12-05, 3 networks, depth 1-3.</p>"
    assert audit_page(page, "book/intro.html") == []


def test_the_layout_check_finds_what_a_reader_would(tmp_path):
    """A page wider than a phone, a clipped provenance line, a table a desktop must scroll and a figure shrunk
    on a phone are each found; a page that fits is not."""
    from spikelib.report import layout

    if layout.chromium() is None:
        pytest.skip("Chromium is not installed here")
    (tmp_path / "wide.html").write_text("<html><body><p>" + "x" * 120 + "</p></body></html>")
    (tmp_path / "clipped.html").write_text(
        '<html><body><div style="overflow-x:auto"><table><tr><td>a</td></tr></table>'
        '<p class="provenance" style="margin-top:-3em">From results/x</p></div></body></html>')
    (tmp_path / "table.html").write_text(
        '<html><body><div class="compendium-table-wrap" style="overflow-x:auto;max-width:600px"><table><tr>'
        + "".join(f"<td>{'value' * 6}</td>" for _ in range(12)) + "</tr></table></div></body></html>")
    (tmp_path / "fine.html").write_text("<html><body><p>A short page that fits.</p></body></html>")
    svg = "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='900' height='300'/>"
    (tmp_path / "figure.html").write_text(  # a figure squeezed into a phone's column
        f'<html><body><div class="bd-article"><img alt="f.png" src="{svg}" style="max-width:100%"></div></body></html>')
    found = layout.check_book(tmp_path, pages=["wide.html", "clipped.html", "table.html", "fine.html", "figure.html"])
    rules = {(page, width, rule) for page, width, rule, _ in found}
    assert ("wide.html", 390, "page wider than the window") in rules
    assert any(page == "clipped.html" and rule == "clipped" for page, _, rule in rules)
    assert ("table.html", 1300, "cut at the desktop width") in rules
    assert not any(page == "fine.html" for page, _, _ in rules)
    assert ("figure.html", 390, "figure too small to read") in rules
    assert ("figure.html", 1300, "figure too small to read") not in rules


@pytest.mark.parametrize(("html", "rule"), [
    ("<table><thead><tr><th>width</th><th>MFR</th></tr></thead><tbody><tr><td>64.000</td><td>0.50</td></tr>"
     "</tbody></table>", "whole number with decimals"),
    ("<table><thead><tr><th>network</th><th>samples</th></tr></thead><tbody><tr><td>a</td><td>500.0</td></tr>"
     "<tr><td>b</td><td>2,000.0</td></tr></tbody></table>", "whole number with decimals"),
    ("<p>See {download}`the scores (CSV) &lt;zoo_scores.csv&gt;`.</p>", "literal role"),
    ("<table><thead><tr><th>MFR</th><th>MF</th></tr></thead><tbody><tr><td>0.5</td><td>0.5</td></tr></tbody>"
     "</table>", "row labels missing"),
    ("<p>Accuracy 91% here and 88 % there.</p>", "mixed units"),
])
def test_each_new_rule_finds_its_defect(html, rule):
    from spikelib.report.audit import audit_page

    assert rule in {found for found, _ in audit_page("<h1>T</h1>" + html)}


def test_shares_settings_and_named_rows_are_not_defects():
    from spikelib.report.audit import audit_css, audit_page

    page = ("<h1>T</h1><table><thead><tr><th>label noise</th><th>share of rare nodes</th><th>AUROC</th></tr></thead>"
            "<tbody><tr><td>0</td><td>0.000</td><td>1.00</td></tr><tr><td>0.6</td><td>1.000</td><td>1.00</td></tr>"
            "</tbody></table>")
    assert audit_page(page) == []
    assert audit_css("p.provenance { margin: -0.6rem 0 1rem 0; }")[0][0] == "negative margin"
    assert audit_css("p.provenance { margin: 0.2rem 0 1rem 0; }") == []


def test_a_hidden_cells_toggle_is_not_the_answer():
    toggle = ('<h1>Results</h1><div class="cell tag_hide-input"><details><summary><p>Show code cell source</p>'
              '</summary><div class="cell_input"><pre>show(x)</pre></div></details>')
    assert audit_page(toggle + "<p>On 12 networks MFR falls (tau −0.30).</p>", "book/executed/zoo/zoo.html") == []
    found = audit_page(toggle + "<p>This page shows the tables.</p>", "book/executed/zoo/zoo.html")
    assert [rule for rule, _ in found] == ["answer missing"]
