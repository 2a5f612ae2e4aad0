"""Executing the jupytext notebooks with papermill.

papermill's command line cannot read jupytext text files, so the notebook is
read with jupytext and handed to ``papermill.execute_notebook`` in memory; the
``parameters`` cell keeps its tag and papermill injects the values after it.
The injected cell is tagged ``remove-cell``, so the book never shows it.

Functions
---------
execute_notebook
    Execute one notebook into an ``.ipynb``, atomically.
execute_cell
    Execute the experiment notebook for one cell, next to its ``metrics.json``.
failed_copy
    Where a failed execution is kept.
private_kernel_manager
    The kernels run on Unix sockets only this user can reach, never on local TCP ports.
"""

import os
import tempfile
import time
from pathlib import Path

from .. import paths
from .._optional import soft_import
from ..exceptions import DataError
from ..storage import FILE_MODE
from ..experiment.cellfiles import NOTEBOOK, PROGRESS
from ..experiment.cellfolder import exclusive

__all__ = ["execute_notebook", "execute_cell", "failed_copy", "private_kernel_manager", "EXPERIMENT_NOTEBOOK"]

EXPERIMENT_NOTEBOOK = paths.NOTEBOOKS / "experiment.py"
#: Cell tags that keep a cell out of the rendered book (myst-nb's tag).
HIDDEN = "remove-cell"


def execute_notebook(source, output, parameters=None, title=None, cwd=None, log_output=False, stream=None):
    """Execute a jupytext notebook with papermill and write the executed ``.ipynb``.

    The executed notebook is written next to ``output`` first and renamed into
    place, so a crash never leaves a half-written file under the final name.
    On failure the partial notebook (with the error) is stored beside it as
    ``<name>.failed.ipynb`` (:func:`failed_copy`) before the exception
    propagates, so a failed run never replaces a good notebook.

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
    cwd : str or Path, optional
        Working directory of the kernel (default: the notebook's folder).
    log_output : bool
        Stream the kernel's output through papermill's logger (every output, tables and figures included).
    stream : file, optional
        Write what the notebook prints (its stdout and stderr, not its tables or figures) here as it runs: the
        progress a person at the terminal reads.

    Returns
    -------
    pathlib.Path
        ``output``.

    Raises
    ------
    papermill.PapermillExecutionError
        If a cell raises; the stored notebook shows the traceback.
    MissingDependencyError
        If papermill or jupytext is not installed.
    """
    jupytext = soft_import("jupytext", "executing notebooks")
    papermill = soft_import("papermill", "executing notebooks")

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
    for stale in output.parent.glob(f".{output.stem}.*.ipynb"):
        stale.unlink()  # left by a run killed outright (SIGKILL), which no handler sees
    fd, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.stem}.", suffix=".ipynb")
    os.fchmod(fd, FILE_MODE)  # the mode of every other file the compendium writes, not mkstemp's 0600
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
            stdout_file=stream,
            stderr_file=stream,
            # The kernel's work is done when its last cell ends (every file is written by then); a graceful
            # shutdown waits about a second more per notebook, a tenth of a small cell's time.
            shutdown_kernel="immediate",
            kernel_manager_class=private_kernel_manager(),
        )
    except BaseException:
        if Path(partial).exists():  # keep the failed notebook beside (it shows the error), never over a good one
            _finish(partial, source, output)
            os.replace(partial, failed_copy(output))
        raise
    _finish(partial, source, output)
    os.replace(partial, output)
    failed_copy(output).unlink(missing_ok=True)
    return output


def private_kernel_manager():
    """A kernel manager whose kernel listens on Unix sockets in a folder only this user may open.

    Jupyter's default transport is TCP on the loopback interface, in plain text: any local user could connect
    to a kernel that runs the compendium's notebooks (ipykernel warns about it at every start). Jupyter's IPC
    transport puts the kernel's five channels on sockets in the file system instead; they are made in a fresh
    folder of mode 0700 (``tempfile.mkdtemp``), removed when the manager is.
    """
    import shutil
    import weakref

    from jupyter_client.manager import AsyncKernelManager

    class PrivateKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            folder = tempfile.mkdtemp(prefix="spikelib-kernel-")
            kwargs.update(transport="ipc", ip=os.path.join(folder, "kernel"))
            super().__init__(**kwargs)
            weakref.finalize(self, shutil.rmtree, folder, True)

    return PrivateKernelManager


def failed_copy(output):
    """Where a failed execution of ``output`` is kept: ``<name>.failed.ipynb`` beside it."""
    output = Path(output)
    return output.with_name(output.stem + ".failed.ipynb")


def _finish(notebook_path, source, output):
    """Record repository-relative paths (papermill stores the temporary, absolute ones)
    and hide the injected parameters from the book."""
    nbformat = soft_import("nbformat", "executing notebooks")

    notebook = nbformat.read(notebook_path, as_version=4)
    record = notebook.metadata.get("papermill", {})
    record["input_path"] = paths.repository_relative(source)
    record["output_path"] = paths.repository_relative(output)
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and HIDDEN not in tags:
            cell.metadata["tags"] = [*tags, HIDDEN]
    nbformat.write(notebook, notebook_path)


def cell_title(config):
    """The heading of a cell's executed notebook."""
    return f"Cell: {config.dataset_name}, {config.model}-{config.width}, {config.condition}, seed {config.seed}"


def execute_cell(config, log_output=True, stream=None):
    """Execute the experiment notebook for one cell; return the executed notebook's path.

    Parameters
    ----------
    config : CellConfig
        The cell, with its output folder (:meth:`CellConfig.placed`). Its recorded parameters (paths
        relative to the repository) are what papermill injects into the notebook's ``parameters`` cell.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    papermill.PapermillExecutionError
        If the cell fails.
    """
    output_dir = paths.ROOT / config.output_dir  # absolute paths stay absolute
    try:
        return execute_notebook(EXPERIMENT_NOTEBOOK, output_dir / NOTEBOOK, parameters=config.recorded(),
                                title=cell_title(config), log_output=log_output, cwd=paths.ROOT,
                                stream=stream)
    except BaseException:
        clear_progress(output_dir)
        raise


def clear_progress(output_dir, wait_s=5.0):
    """Remove ``progress.json`` of a cell whose kernel was killed while it trained (on Ctrl-C the kernel is killed
    at once, before it can remove it), once the dead kernel's lock is released; never while another run holds
    the folder."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with exclusive(output_dir):
                (output_dir / PROGRESS).unlink(missing_ok=True)
            return
        except DataError:  # the killed kernel's lock is released as it exits; another run's never is
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)
        except OSError:  # the folder is gone or cannot be written: nothing to clear
            return
