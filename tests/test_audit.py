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
