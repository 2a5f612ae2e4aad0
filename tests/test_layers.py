"""The package's layers: a light core, and imports that only ever point down.

core (spikelib/*.py) <- experiment <- pipeline <- report; the report reads
results files and imports no training code.
"""

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spikelib
from spikelib import paths

PACKAGE = Path(spikelib.__file__).parent
RANKS = {"core": 0, "experiment": 1, "pipeline": 2, "report": 3, "diagnose": 4}
#: The experiment modules the report may import: the declaration and the cell files, which load no training code.
# The light declarations of the experiment layer (no training code): its parameters, files, measures and schema.
REPORT_MAY_IMPORT = {"spikelib.experiment.config", "spikelib.experiment.cellfiles", "spikelib.experiment.measures",
                     "spikelib.experiment.schema"}
TRAINING_PACKAGES = ("tensorflow", "keras")
HEAVY = ("tensorflow", "keras", "papermill", "dask", "distributed", "matplotlib", "seaborn", "sklearn")


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _layer(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANKS else "core"


def _imports(module, path):
    """Every spikelib module that ``module`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text())
    is_package = path.name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("spikelib"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("spikelib"):
                continue
            for alias in node.names:  # `from . import paths` imports a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _known(candidate) else target)
    return found


def _known(name):
    return name in dict(_modules())


GRAPH = {module: {m for m in _imports(module, path) if _known(m) and m != module} for module, path in _modules()}


def test_the_graph_sees_every_module():
    assert {"spikelib.summary", "spikelib.experiment.cell", "spikelib.pipeline.runner",
            "spikelib.report.tables"} <= set(GRAPH)
    assert "spikelib.experiment.config" in GRAPH["spikelib.pipeline.profiles"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_upward_import(module):
    rank = RANKS[_layer(module)]
    upward = sorted(m for m in GRAPH[module] if RANKS[_layer(m)] > rank)
    assert upward == [], f"{module} ({_layer(module)}) imports the higher layer(s): {upward}"


def test_no_import_cycle():
    """Package __init__ files only re-export their children, so parent->child edges are left out."""
    edges = {m: {t for t in targets if not (m + ".").startswith(t + ".") and not t.startswith(m + ".")}
             for m, targets in GRAPH.items()}
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _layer(m) == "report"))
def test_report_imports_no_training_code(module):
    training = sorted(m for m in GRAPH[module] if _layer(m) == "experiment" and m not in REPORT_MAY_IMPORT)
    assert training == [], f"{module} imports training code: {training}"


BLOCKER = textwrap.dedent("""
    import sys

    class Blocked:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {blocked!r}:
                raise ImportError(f"{{name}} is blocked by the test")

    sys.meta_path.insert(0, Blocked())
""")


def _run_blocked(blocked, code):
    script = BLOCKER.format(blocked=set(blocked)) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=paths.ROOT)


def test_core_imports_without_heavy_packages():
    done = _run_blocked(HEAVY, """
        import numpy as np
        import spikelib as sl
        spikes = np.random.default_rng(0).random((8, 1000)) < 0.3
        print(round(sl.summarize(spikes).mfr, 2))
        import spikelib.experiment, spikelib.pipeline, spikelib.report  # the layers' indexes load nothing heavy
        print(sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r}))
    """.replace("{blocked!r}", repr(set(HEAVY))))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0.3", "[]"]


def test_training_code_says_what_is_missing():
    done = _run_blocked(TRAINING_PACKAGES, """
        from spikelib.experiment.models import build_model
        try:
            build_model("mlp", 8, (8, 8, 1))
        except ImportError as error:
            print(type(error).__name__, error)
    """)
    assert done.returncode == 0, done.stderr
    assert "MissingDependencyError building and training networks needs the package `keras`" in done.stdout
    assert "spikelib[experiment]" in done.stdout


def test_report_reads_results_without_training_packages():
    done = _run_blocked(TRAINING_PACKAGES, """
        from spikelib import paths
        from spikelib.report import hypotheses, results, tables
        cells = results.collect(paths.ROOT / "results" / "fashion")
        t2 = tables.table2(cells, tables.paper_tables())
        print(len(cells) > 0, len(t2) == len(cells))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


#: Notebooks are a short sequence of calls with their narrative; logic lives in spikelib.report.
MAX_NOTEBOOK_CODE_LINES = 80


@pytest.mark.parametrize("notebook", sorted(p.name for p in paths.NOTEBOOKS.glob("*.py")))
def test_notebooks_are_a_short_sequence_of_calls(notebook):
    import jupytext

    cells = jupytext.read(paths.NOTEBOOKS / notebook).cells
    code = [line for cell in cells if cell.cell_type == "code" for line in cell.source.splitlines()
            if line.strip() and not line.strip().startswith("#")]
    assert len(code) <= MAX_NOTEBOOK_CODE_LINES, f"{notebook} has {len(code)} lines of code"


def test_run_cell_reads_as_a_short_list_of_steps():
    source = (PACKAGE / "experiment" / "cell.py").read_text()
    function = next(node for node in ast.parse(source).body
                    if isinstance(node, ast.FunctionDef) and node.name == "run_cell")
    assert function.end_lineno - function.lineno + 1 <= 40


def test_a_cell_configuration_is_built_in_two_places_only():
    """From parameters, a CellConfig is built where a profile (or the command line's options, through the same
    function) is validated, and where the cell notebook reads its papermill parameters; every other place is
    handed the object."""
    import re

    built = re.compile(r"\bCellConfig(\.from_dict)?\(")
    places = []
    for path in [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "notebooks").glob("*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if built.search(code) and not code.lstrip().startswith((">>>", "...", "class ")):
                places.append(f"{path.name}:{number}")
    assert len(places) == 2, places


@pytest.mark.parametrize("package", ["spikelib", "spikelib.experiment", "spikelib.pipeline", "spikelib.report",
                                     "spikelib.report.plots"])
def test_package_docstrings_list_every_public_module(package):
    import importlib

    module = importlib.import_module(package)
    folder = Path(module.__file__).parent
    public = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    public += sorted(p.name for p in folder.iterdir() if (p / "__init__.py").is_file())
    listed = set(re.findall(r"^(\w+)(?:, |$)", module.__doc__, flags=re.M))
    listed |= {name for line in re.findall(r"^([\w, ]+)$", module.__doc__, flags=re.M) for name in line.split(", ")}
    missing = [name for name in public if name not in listed]
    assert missing == [], f"{package}'s docstring does not list {missing}"
