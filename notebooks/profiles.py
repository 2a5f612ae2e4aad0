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
# # Profiles

# %% tags=["parameters", "remove-cell"]
example = "quick"

# %% tags=["remove-cell"]
import html
import tempfile
from pathlib import Path

from IPython.display import HTML, display

from spikelib.exceptions import ProfileError
from spikelib.pipeline.profiles import MAX_CELLS, load_profile, profile_format
from spikelib.report.render import html_table, listing, show

tables = profile_format()
for frame in tables.values():  # the tables are HTML: their text is escaped first, then names marked as code
    for column in frame.columns:
        if frame[column].dtype.kind == "O":
            frame[column] = frame[column].map(lambda value: html.escape(str(value)))
for name in ("keys", "block"):  # the keys a reader types, shown as code
    tables[name]["key"] = [f"<code>{key}</code>" if key != "any cell parameter" else key for key in tables[name]["key"]]
tables["parameters"]["parameter"] = [f"<code>{key}</code>" for key in tables["parameters"]["parameter"]]
for column in ("what", "allowed", "default"):  # parameter names and words a profile holds, inside the prose
    tables["parameters"][column] = tables["parameters"][column].str.replace(
        r"\b([a-z]+(?:_[a-z0-9]+)+)\b", r"<code>\1</code>", regex=True)
profile = load_profile(example)
text = profile.path.read_text()

# %% tags=["remove-input"]
show(f"A profile is a YAML file in `profiles/` that `spikelib run --profile NAME` expands into a grid "
     f"of cells: {len(tables['keys'])} top-level keys, blocks whose five lists multiply into cells, and "
     f"{len(tables['parameters'])} cell parameters it may set. Everything on this page is printed from the "
     "declarations that check a profile before any cell runs (`spikelib.pipeline.profiles` and "
     "`spikelib.experiment.config`), so it cannot drift from what the runner accepts.")

# %% [markdown]
# ## An example
#
# The embedded profile that `make book` runs on scikit-learn's digits:

# %% tags=["remove-input"]
display(HTML(listing(text)))
show(f"It expands into {len(profile.cells)} cells; `spikelib run --profile {example} --list` lists them, and "
     "whether each is done.")

# %% [markdown]
# ## The keys

# %% tags=["remove-input"]
display(HTML(html_table(tables["keys"], caption="Table 1. The top-level keys of a profile.")))
display(HTML(html_table(tables["block"], caption=(
    "Table 2. The keys of a block of grid or curves. A block expands into every combination of its five lists "
    f"and of its vary lists; a profile may hold at most {MAX_CELLS:,} cells."))))

# %% [markdown]
# ## The cell parameters a profile may set
#
# In `defaults`, in a block, or as a list under a block's `vary`. The data
# set, model, width, condition and seed are set by the block's lists; where a
# cell's files go is the runner's.

# %% tags=["remove-input"]
display(HTML(html_table(tables["parameters"], caption=(
    "Table 3. Every cell parameter a profile may set, its kind, default and allowed values, as the help of "
    "spikelib cell prints them."))))

# %% [markdown]
# ## What a mistake looks like
#
# A profile is checked as a whole before anything runs; an unknown key or a
# bad value is refused with the dotted key that holds it:

# %% tags=["remove-input"]
broken = text.replace("widths: [", "widths: [0, ", 1) if "widths: [" in text else text + "\nwidhts: [64]\n"
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "broken.yaml"
    path.write_text(broken)
    try:
        load_profile(path)
        said = "(accepted)"
    except ProfileError as error:
        said = str(error).replace(folder + "/", "")
display(HTML(listing(said)))
show("The same profile with a width of 0 added to its first block's list of widths.")
