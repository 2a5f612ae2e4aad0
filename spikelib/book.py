"""Building the book: execute the notebooks, serve MathJax locally, run Jupyter Book.

``python -m spikelib.book`` is what ``make book`` runs. Execution and
rendering are separate steps: notebooks are executed by papermill into
``book/executed/`` and Jupyter Book renders those stored outputs with
execution switched off.
"""

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import paths
from .notebook import execute_notebook

# (jupytext source in notebooks/, executed copy in book/executed/, parameters)
PAGES = [("spikes_on_digits.py", "spikes_on_digits.ipynb", {})]


def install_mathjax(static=paths.BOOK_STATIC):
    """Copy MathJax 3 (from the ``django-static-mathjax`` wheel) into the book's static files."""
    import mathjax  # the package django-static-mathjax installs

    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    target = static / "mathjax"
    if (target / "tex-mml-chtml.js").is_file():
        return target
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(es5 / "tex-mml-chtml.js", target / "tex-mml-chtml.js")
    fonts = Path("output") / "chtml" / "fonts" / "woff-v2"
    shutil.copytree(es5 / fonts, target / fonts, dirs_exist_ok=True)
    return target


def execute_pages():
    for source, executed, parameters in PAGES:
        start = time.perf_counter()
        print(f"executing notebooks/{source} ...", flush=True)
        execute_notebook(paths.NOTEBOOKS / source, paths.BOOK_EXECUTED / executed, parameters)
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)


def build_html(strict=False, output=paths.ROOT):
    """Run ``jupyter-book build`` on the repository root; return the HTML folder.

    ``output`` is the folder that receives ``_build/html``.
    """
    output = Path(output)
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(paths.ROOT),
               "--path-output", str(output)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    subprocess.run(command, check=True)
    return output / "_build" / "html"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m spikelib.book", description=__doc__.splitlines()[0])
    parser.add_argument("--no-execute", action="store_true", help="render the stored executed notebooks only")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    args = parser.parse_args(argv)
    install_mathjax()
    if not args.no_execute:
        execute_pages()
    html = build_html(strict=args.strict)
    where = html.relative_to(paths.ROOT) if html.is_relative_to(paths.ROOT) else html
    print(f"\nThe book is in {where}/ ; open {where}/index.html")


if __name__ == "__main__":
    main()
