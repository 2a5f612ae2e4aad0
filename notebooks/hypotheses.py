# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hypotheses reviewed
#
# The paper states eight hypotheses (its section 3.2) and reviews them against
# its results (section 3.3.4). Here each is tested on this profile's results by
# `spikelib.report.hypotheses`; the evidence is written by that code from the
# numbers it computed. A verdict that leans the other way than the paper's is
# marked **disagrees with the paper**, and where the same rule can be applied
# to the paper's own Table 2 (hypotheses 1, 4, 5 and 6), the page shows what it
# gives there: if the paper's own numbers agree with our verdict, the
# disagreement is with the paper's reading of its results; if they give the
# paper's verdict, our networks behave differently from the paper's. A profile
# with fewer data sets, widths or models than the paper can leave a hypothesis
# untestable, and says so.

# %% tags=["parameters", "remove-cell"]
profile = "quick"
results_root = None

# %% tags=["remove-cell"]
from myst_nb import glue

from spikelib import paths
from spikelib.report import hypotheses, results, tables
from spikelib.report.render import provenance, publish, show

root, _ = paths.page_folders(profile, results_root)
provenance(root, "hypotheses")
cells = results.collect(root)
_, ks_tests = tables.ks_marks(cells)
review = hypotheses.hypotheses(cells, ks_tests, results.curves(root))
paper = tables.paper_tables()
shared = sorted(set(cells["dataset"]) & set(paper["table2"]["dataset"]))
paper_check = hypotheses.on_paper_tables(paper, models=sorted(cells["model"].unique()), datasets=shared or None)
scope = (f"the paper's Table 2 for {', '.join(sorted(cells['model'].unique()))} on {', '.join(shared)}" if shared
         else "the paper's whole Table 2 (it has no network on this profile's data)")

# %% tags=["remove-input"]
show(results.small_profile_note(root))  # a small profile says first what its numbers can carry


def listing(frame):
    """The hypotheses with our verdict's strength, e.g. "H1 (supported), H5 (weakly supported)"."""
    return ", ".join(f"H{row.hypothesis} ({row.verdict})" for row in frame.itertuples()) or "none"


agree = review[review["agrees"] == True]  # noqa: E712 - a column of True, False and None
disagree = review[review["agrees"] == False]  # noqa: E712
untested = review[review["agrees"].isna()]
# The landing page's sentence, with only the parts that hold something.
parts = [f"lean the same way as the paper's for {listing(agree)}" if len(agree) else "",
         f"the other way for {listing(disagree)}" if len(disagree) else "",
         f"{', '.join(f'H{h}' for h in untested['hypothesis'])} cannot be tested here" if len(untested) else ""]
summary = "; ".join(part for part in parts if part)
publish(profile, {"verdicts": summary or "none could be compared"})  # typeset there
show("**In short.** Our verdicts " + (summary or "could not be compared with the paper's")
     + ". Each hypothesis, its evidence and its verdict follow.")


# %% tags=["hide-input"]
for row in review.itertuples():
    glue(f"{profile}_h{row.hypothesis}_verdict", row.verdict, display=False)
    if row.agrees is None:  # the verdict says it cannot be tested; say only what that means for the comparison
        relation = "no comparison with the paper"
    else:
        relation = "agrees with the paper" if row.agrees else "**disagrees with the paper**"
    text = (f"**H{row.hypothesis}.** {row.statement}  \n"
            f"*Paper:* {row.paper}. *Here:* **{row.verdict}**; {relation}.  \n{row.evidence}")
    if row.agrees is False and row.hypothesis in paper_check:
        evidence, verdict = paper_check[row.hypothesis]
        reading = ("so the paper's own numbers side with ours: the disagreement is with the paper's reading"
                   if hypotheses.agrees(row.verdict, verdict) else
                   "so the paper's own numbers support its verdict: our networks behave differently")
        text += f"  \n*The same rule on {scope}:* {evidence} That is **{verdict}**, {reading}."
    show(text)

