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
# `spikelib.analysis.hypotheses`; the evidence column is written by that code
# from the numbers it computed. A profile with fewer data sets, widths or
# models than the paper can leave a hypothesis untestable, and says so.

# %% tags=["parameters"]
profile = "quick"
results_root = None

# %% tags=["hide-input"]
from pathlib import Path

from IPython.display import Markdown, display
from myst_nb import glue

from spikelib import analysis, paths

root = Path(results_root) if results_root else paths.results_dir() / profile
cells = analysis.collect(root)
_, ks_tests = analysis.ks_marks(cells)
review = analysis.hypotheses(cells, ks_tests, analysis.curves(root))
for row in review.itertuples():
    glue(f"{profile}_h{row.hypothesis}_verdict", row.verdict, display=False)
    display(Markdown(f"**H{row.hypothesis}.** {row.statement}  \n"
                     f"*Paper:* {row.paper}. *Here:* **{row.verdict}**.  \n{row.evidence}"))
counts = review["verdict"].value_counts()
glue(f"{profile}_n_supported", int(counts.filter(like="supported").sum() - counts.get("not supported", 0)),
     display=False)
