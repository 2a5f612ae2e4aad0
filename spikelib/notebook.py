"""Executing the jupytext notebooks with papermill.

papermill's command line cannot read jupytext text files, so the notebook is
read with jupytext and handed to ``papermill.execute_notebook`` in memory; the
``parameters`` cell keeps its tag and papermill injects the values after it.
"""

import os
import tempfile
from pathlib import Path

__all__ = ["execute_notebook"]


def execute_notebook(source, output, parameters=None, title=None, cwd=None, log_output=False):
    """Execute a jupytext notebook with papermill and write the executed ``.ipynb``.

    The executed notebook is written next to ``output`` first and renamed into
    place, so a crash never leaves a half-written file under the final name.
    On failure papermill still stores the partial notebook (with the error) at
    ``output`` before the exception propagates.

    Parameters
    ----------
    source : str or Path
        A jupytext notebook (``.py`` percent format).
    output : str or Path
        Where the executed ``.ipynb`` goes.
    parameters : dict, optional
        Values injected after the cell tagged ``parameters``.
    title : str, optional
        Replaces the first markdown heading (so executed copies of one
        template get their own titles in the book).
    """
    import jupytext
    import papermill

    source, output = Path(source), Path(output)
    notebook = jupytext.read(source)
    # A text notebook may lack the header that tells papermill its language.
    notebook.metadata.setdefault(
        "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
    )
    notebook.metadata.setdefault("language_info", {"name": "python"})
    if title is not None:
        first = notebook.cells[0]
        if first.cell_type == "markdown" and first.source.startswith("# "):
            rest = first.source.split("\n", 1)[1] if "\n" in first.source else ""
            first.source = f"# {title}\n{rest}"
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.stem}.", suffix=".ipynb")
    os.close(fd)
    try:
        papermill.execute_notebook(
            notebook,
            partial,
            parameters=parameters or {},
            kernel_name="python3",
            cwd=str(cwd or source.parent),
            progress_bar=False,
            log_output=log_output,
        )
    except BaseException:
        if Path(partial).exists():
            _record_paths(partial, source, output)
            os.replace(partial, output)  # keep the failed notebook: it shows the error
        raise
    _record_paths(partial, source, output)
    os.replace(partial, output)
    return output


def _record_paths(notebook_path, source, output):
    """papermill stores the (temporary, absolute) paths it saw; record repo-relative ones."""
    import nbformat

    from .paths import repository_relative

    notebook = nbformat.read(notebook_path, as_version=4)
    record = notebook.metadata.get("papermill", {})
    record["input_path"] = repository_relative(source)
    record["output_path"] = repository_relative(output)
    nbformat.write(notebook, notebook_path)
