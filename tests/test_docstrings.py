"""Every public function that raises documents it under ``Raises``; library code never exits."""

import ast
from pathlib import Path

import pytest

import spikelib

PACKAGE = Path(spikelib.__file__).parent
# Helpers whose names say they check: calling one means the caller can raise.
CHECKS = ("check_", "_check", "as_array", "soft_import", "_fail")


def _public_functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if any(part.startswith("_") and part != "__init__" for part in parts):
            continue  # private modules (the checks themselves)
        tree = ast.parse(path.read_text())
        exported = None
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                exported = set(ast.literal_eval(node.value))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                if exported is None or node.name in exported:
                    yield module, node


def _raises(node):
    for child in ast.walk(node):
        if isinstance(child, ast.Raise) and child.exc is not None:
            return True
        if isinstance(child, ast.Call):
            name = getattr(child.func, "id", None) or getattr(child.func, "attr", "")
            if name.startswith(CHECKS) or name in CHECKS:
                return True
    return False


FUNCTIONS = [(module, node) for module, node in _public_functions() if _raises(node)]


def test_the_scan_finds_raising_functions():
    names = {f"{module}.{node.name}" for module, node in FUNCTIONS}
    assert {"spikelib.rates.variance_ratio", "spikelib.variability.fano_test",
            "spikelib.experiment.cellfiles.read_json"} <= names


@pytest.mark.parametrize("module, node", FUNCTIONS, ids=[f"{m}.{n.name}" for m, n in FUNCTIONS])
def test_raising_functions_document_it(module, node):
    docstring = ast.get_docstring(node) or ""
    assert "Raises\n------" in docstring, f"{module}.{node.name} raises but its docstring has no Raises section"


def test_library_code_never_raises_system_exit():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and "SystemExit" in ast.unparse(node.exc or ast.Constant(None)):
                offenders.append(str(path.relative_to(PACKAGE)))
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("sys.exit", "exit", "quit"):
                # Only the command-line entry points may turn errors into exit codes.
                if not ast.unparse(node).startswith("sys.exit(main("):
                    offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
