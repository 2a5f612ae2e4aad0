"""Building the book: execute the notebooks, serve MathJax locally, run Jupyter Book.

``python -m spikelib.report.book`` is what ``make book`` runs. Execution and
rendering are separate steps: notebooks are executed by papermill into
``book/executed/`` and Jupyter Book renders those stored outputs with
execution switched off.
"""

import argparse
import multiprocessing
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .. import paths
from ..exceptions import DataError
from ..pipeline.notebook import execute_notebook

# The demo page: (jupytext source in notebooks/, executed copy in book/executed/, parameters).
PAGES = [("spikes_on_digits.py", "spikes_on_digits.ipynb", {})]
#: The analysis notebooks executed for each profile the book shows, with their extra parameters.
ANALYSES = {
    "fashion": {"results": {}, "assumptions": {}, "hypotheses": {}, "followup": {"penalties_profile": "penalties"},
                "binary": {"benchmark_profile": "noise"}},
    "quick": {"results": {}, "assumptions": {}, "hypotheses": {}, "followup": {}, "binary": {}, "benchmark": {}},
    "noise": {"benchmark": {"join_profiles": ["fashion"]}},
    "zoo": {"zoo": {"clean_profile": "clean", "noise_profiles": ["noise", "fashion"], "switch_profile": "fashion",
                    "recording_profile": "recording"}},
    "quick_zoo": {"zoo": {"clean_profile": "quick_zoo", "noise_profiles": ["quick"], "switch_profile": "quick"}},
}
BOOK_PROFILES = tuple(ANALYSES)
PROFILE_LABELS = {"fashion": "full Fashion-MNIST", "quick": "digits", "noise": "label noise on Fashion-MNIST",
                  "zoo": "Fashion-MNIST", "quick_zoo": "digits"}
ANALYSIS_TITLES = {"results": "Tables and figures", "assumptions": "Assumption checks", "hypotheses": "Hypotheses",
                   "followup": "The follow-up's analyses", "binary": "Binary trains", "benchmark": "Detector benchmark",
                   "zoo": "Memorization without a label switch"}


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


def book_pages(profiles=BOOK_PROFILES):
    """Every notebook the book renders: (source, executed copy, parameters, title or None)."""
    pages = [(paths.NOTEBOOKS / source, paths.BOOK_EXECUTED / executed, parameters, None)
             for source, executed, parameters in PAGES]
    for profile in profiles:
        for analysis, extra in ANALYSES[profile].items():
            title = f"{ANALYSIS_TITLES[analysis]}: {PROFILE_LABELS.get(profile, profile)}"
            pages.append((paths.NOTEBOOKS / f"{analysis}.py", paths.BOOK_EXECUTED / profile / f"{analysis}.ipynb",
                          {"profile": profile, **extra}, title))
    return pages


def check_results(profiles=BOOK_PROFILES):
    """Every profile the book shows must have a manifest.

    Raises
    ------
    DataError
        Naming the profiles without results and the commands that make them.
    """
    missing = [p for p in profiles if not (paths.results_dir() / p / "manifest.json").is_file()]
    if missing:
        commands = "; ".join(f"spikelib run --profile {p}" for p in missing)
        raise DataError(f"The book shows profiles {list(profiles)}, but {missing} have no results in "
                        f"{paths.results_dir()}. Run: {commands}")


def _execute_page(source, executed, parameters, title):
    start = time.perf_counter()
    execute_notebook(source, executed, parameters, title=title, cwd=paths.ROOT)
    return time.perf_counter() - start


def execute_pages(profiles=BOOK_PROFILES, workers=2):
    """Execute every page of the book into ``book/executed/``, ``workers`` notebooks at a time.

    The pages are independent (cross-page numbers are resolved when the book is
    rendered), so they run in parallel; each notebook has its own kernel, and
    the workers are fresh processes (spawned, not forked).

    Raises
    ------
    DataError
        If a profile the book shows has no results.
    papermill.PapermillExecutionError
        If a page fails (after every other page has run); the executed copy shows the traceback.
    """
    check_results(profiles)
    pages = book_pages(profiles)
    failures = []
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_execute_page, *page): page for page in pages}
        for future in as_completed(futures):
            source, executed = futures[future][:2]
            name = executed.relative_to(paths.ROOT) if executed.is_relative_to(paths.ROOT) else executed
            try:
                print(f"  executed {name} in {future.result():.0f} s", flush=True)
            except Exception as error:  # noqa: BLE001 - every page runs; the first failure is raised below
                print(f"  FAILED {name}: {type(error).__name__}", flush=True)
                failures.append(error)
    if failures:
        raise failures[0]


def _git(*args):
    """A git command's output in the repository, or ``None`` outside a git checkout."""
    try:
        done = subprocess.run(["git", "-C", str(paths.ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def write_citation(output=None, cff=None):
    """Write the cite page's record of this version (``book/executed/citation.md``) from ``CITATION.cff``.

    The BibTeX entry and the sentence name the version, the commit the book
    was built from and that commit's date, so that a citation points at the
    exact code and results; outside a git checkout the commit is said to be
    unknown. Returns the path written.
    """
    import yaml

    record = yaml.safe_load(Path(cff or paths.ROOT / "CITATION.cff").read_text())
    commit = _git("rev-parse", "HEAD")
    date = _git("log", "-1", "--format=%cs") or str(record.get("date-released", ""))
    authors = " and ".join(a.get("name") or f"{a.get('family-names')}, {a.get('given-names')}"
                           for a in record["authors"])
    built = f"commit {commit}" if commit else "commit unknown (not built from a git checkout)"
    lines = ["```bibtex", "@software{spike_train_compendium,", f"  title   = {{{record['title']}}},",
             f"  author  = {{{{{authors}}}}},", f"  year    = {{{date[:4]}}},", f"  version = {{{record['version']}}},",
             f"  note    = {{{built}, {date}}},", f"  license = {{{record['license']}}},"]
    if record.get("repository-code"):
        lines.append(f"  url     = {{{record['repository-code']}}},")
    lines += ["}", "```", "",
              f"This book was built from {built} of {date}, version {record['version']} of the compendium."]
    output = Path(output or paths.BOOK_EXECUTED / "citation.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n")
    return output


def build_html(strict=False, output=paths.ROOT):
    """Write the cite page's record (:func:`write_citation`), run ``jupyter-book build`` on the repository root;
    return the HTML folder.

    ``output`` is the folder that receives ``_build/html``.
    """
    output = Path(output)
    write_citation()
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(paths.ROOT),
               "--path-output", str(output)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    subprocess.run(command, check=True)
    return output / "_build" / "html"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m spikelib.report.book", description=__doc__.splitlines()[0])
    parser.add_argument("--no-execute", action="store_true", help="render the stored executed notebooks only")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    args = parser.parse_args(argv)
    install_mathjax()
    if not args.no_execute:
        try:
            execute_pages()
        except DataError as error:
            print(f"book: {error}", file=sys.stderr)
            return 2
    html = build_html(strict=args.strict)
    where = html.relative_to(paths.ROOT) if html.is_relative_to(paths.ROOT) else html
    print(f"\nThe book is in {where}/ ; open {where}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
