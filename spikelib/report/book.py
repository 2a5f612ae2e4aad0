"""Building the book: execute the notebooks, serve MathJax locally, run Jupyter Book.

``python -m spikelib.report.book`` is what ``make book`` runs. Execution and
rendering are separate steps: notebooks are executed by papermill into
``book/executed/`` and Jupyter Book renders those stored outputs with
execution switched off. With ``--strict`` (as ``make book`` runs it) a Sphinx
warning or a finding of the page audit (:mod:`spikelib.report.audit`) fails
the build.
"""

import argparse
import multiprocessing
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .. import paths
from ..exceptions import DataError, SpikelibError
from ..pipeline.notebook import execute_notebook
from ..pipeline.runner import RunOptions
from ..storage import write_json
from . import pages
from .audit import audit_book
from .labels import format_level

#: Where ``make book`` writes how long each step and page took (wall and CPU seconds).
TIMINGS = paths.BUILD_HTML.parent / "timings.json"


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


def check_results(profiles=None):
    """Every profile the book reads must have a manifest.

    Raises
    ------
    DataError
        Naming the profiles without results and the commands that make them.
    """
    profiles = profiles or pages.profile_names()
    missing = [p for p in profiles if not paths.manifest_path(paths.results_dir() / p).is_file()]
    if missing:
        commands = "; ".join(pages.NOT_PROFILES.get(p, f"spikelib run --profile {p}") for p in missing)
        raise DataError(f"The book reads profiles {list(profiles)}, but {missing} have no results in "
                        f"{paths.results_dir()}. Run: {commands}")


def _cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _execute_page(source, executed, parameters, title):
    """Execute one page in a fresh worker; return its wall and CPU seconds (the kernel's included)."""
    start, cpu = time.perf_counter(), _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN)
    execute_notebook(source, executed, parameters, title=title, cwd=paths.ROOT)
    spent = _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    return time.perf_counter() - start, spent


def execute_pages(workers=2):
    """Execute every page of the book into ``book/executed/``, ``workers`` notebooks at a time.

    The pages are independent (cross-page numbers are resolved when the book is
    rendered), so they run in parallel; each notebook has its own kernel, and
    the workers are fresh processes (spawned, not forked).

    Returns
    -------
    dict
        Executed page (relative to the repository) -> ``(wall seconds, CPU seconds)``.

    Raises
    ------
    ParameterError
        If ``workers`` is not a count of at least 1.
    DataError
        If a profile the book reads has no results.
    papermill.PapermillExecutionError
        If a page fails (after every other page has run); the executed copy shows the traceback.
    """
    RunOptions(workers=workers)
    check_results()
    failures, times = [], {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_execute_page, *page): page for page in pages.book_pages()}
        for future in as_completed(futures):
            executed = futures[future][1]
            name = str(paths.repository_relative(executed))
            try:
                times[name] = future.result()
                print(f"  executed {name} in {times[name][0]:.0f} s ({times[name][1]:.0f} CPU-s)", flush=True)
            except Exception as error:  # noqa: BLE001 - every page runs; the first failure is raised below
                print(f"  FAILED {name}: {type(error).__name__}", flush=True)
                failures.append(error)
    if failures:
        raise failures[0]
    return times


def write_toc(path=None):
    """Write ``_toc.yml`` from the registry of pages (:func:`spikelib.report.pages.toc`); return its path."""
    import yaml

    path = Path(path or paths.ROOT / "_toc.yml")
    text = ("# Written by `python -m spikelib.report.book --write-toc` from spikelib/report/pages.py: edit the\n"
            "# registry there, not this file (a test compares the two).\n")
    path.write_text(text + yaml.safe_dump(pages.toc(), sort_keys=False))
    return path


def _git(*args):
    """A git command's output in the repository, or ``None`` outside a git checkout."""
    try:
        done = subprocess.run(["git", "-C", str(paths.ROOT), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def write_citation(output=None, cff=None):
    """Write the cite page's record of this version (``book/executed/citation.md``) from ``CITATION.cff``: the
    BibTeX entry, the commit and whether the tree held changes, what the RO-Crate describes, and the latest
    verification record.

    The BibTeX entry and the sentence name the version, the commit the book
    was built from and that commit's date, so that a citation points at the
    exact code and results; in an unpacked archive (``make archive``) the
    commit is the one its ``ARCHIVE.json`` names, elsewhere outside a git
    checkout it is said to be unknown. Returns the path written.
    """
    import yaml

    from .crate import CRATE, crate_metadata

    record = yaml.safe_load(Path(cff or paths.ROOT / "CITATION.cff").read_text())
    from ..pipeline.archive import archive_record

    unpacked = archive_record()  # an unpacked archive names its commit; a git checkout asks git
    if unpacked:
        commit, date, changed = unpacked.get("commit"), unpacked.get("commit_date", ""), False
    else:
        commit = _git("rev-parse", "HEAD")
        date = _git("log", "-1", "--format=%cs") or str(record.get("date-released", ""))
        changed = bool(_git("status", "--porcelain", "--untracked-files=no"))
    authors = " and ".join(a.get("name") or f"{a.get('family-names')}, {a.get('given-names')}"
                           for a in record["authors"])
    built = f"commit {commit}" if commit else "commit unknown (not built from a git checkout)"
    # a long title wraps inside its braces, so that the entry fits the column it is printed in
    title = ("\n" + " " * 13).join(textwrap.wrap(record["title"], 64))
    lines = ["```bibtex", "@software{spike_train_compendium,", f"  title   = {{{title}}},",
             f"  author  = {{{{{authors}}}}},", f"  year    = {{{date[:4]}}},", f"  version = {{{record['version']}}},",
             f"  note    = {{{built}, {date}}},", f"  license = {{{record['license']}}},"]
    if record.get("repository-code"):
        lines.append(f"  url     = {{{record['repository-code']}}},")
    stamp = f"`{commit}`" if commit else "an unknown commit"
    lines += ["}", "```", "",
              f"This book was built from {stamp} of {date.replace('-', '‑')}, version {record['version']} of the "
              "compendium" + (", with changes to tracked files not yet committed: cite a commit, not this build."
                              if changed else ".")]
    graph = crate_metadata()["@graph"]
    files = [e for e in graph if e.get("@type") == "File" and e.get("sha256")]
    runs = [e for e in graph if e.get("@type") == "CreateAction"]
    lines += ["", f"**The artifact, for machines.** `{CRATE.name}` at the repository's root describes the compendium "
              f"as an RO-Crate: {len(files)} files with their SHA-256 (the data sets, the profiles, the results' "
              f"manifests, the lock), {len(runs)} runs that made the committed results, each with its profile, "
              "its parameters and its results folder, the book and the software; `codemeta.json` describes the "
              "software. Both are written from the code's registries when the book is built."]
    from ..pipeline.verify import latest

    checked = verification_sentence(latest())
    lines += ["", checked]
    output = Path(output or paths.BOOK_EXECUTED / "citation.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n")
    (output.parent / "verification.md").write_text(checked + "\n")  # the reproduce and landing pages include it
    return output


def verification_sentence(record):
    """The latest ``spikelib verify`` record in a sentence (Markdown), or what to run where there is none."""
    if not record:
        return "**Checked by rerunning.** No verification record yet: run `spikelib verify`."
    cells = ", ".join(f"`{c['profile']}/{c['cell_id']}`" for c in record["cells"])  # ids, set as code
    # a number the terminal prints as 3.2e-14 reads 3.2 × 10⁻¹⁴ on the page
    result = re.sub(r"\b\d+(?:\.\d+)?e-\d+\b", lambda m: format_level(float(m.group(0))), record["result"])
    return (f"**Checked by rerunning.** `spikelib verify` on {record['date'][:10]}: {result} ({cells}; "
            f"tolerance {format_level(record['tolerance'])}, with {', '.join(f'{k} {v}' for k, v in record['versions'].items() if k in ('tensorflow-cpu', 'numpy', 'keras'))}); "
            "the record is `verification/latest.json`.")


def build_html(strict=False, output=paths.ROOT, source=paths.ROOT):
    """Write the cite page's record (:func:`write_citation`), run ``jupyter-book build`` on ``source`` (the
    repository's book by default); return the HTML folder.

    ``output`` is the folder that receives ``_build/html``; ``strict`` fails the build on any warning.

    Raises
    ------
    subprocess.CalledProcessError
        If Jupyter Book fails (or, with ``strict``, warns).
    """
    output = Path(output)
    if source == paths.ROOT:
        from .crate import write_metadata

        write_metadata()  # ro-crate-metadata.json and codemeta.json, from the registries
    write_citation()
    # --quiet: Sphinx's progress lines are not the book's; its warnings still print (and fail a strict build)
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source), "--path-output", str(output),
               "--quiet"]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    subprocess.run(command, check=True)
    return output / "_build" / "html"


def _run_embedded(workers):
    """Run (or resume) the embedded profiles ``make book`` makes itself; return their wall and CPU seconds."""
    from ..pipeline.profiles import load_profile
    from ..pipeline.runner import run_profile

    times = {}
    for name in pages.EMBEDDED:
        start, cpu = time.perf_counter(), _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN)
        profile = load_profile(name)
        print(f"profile {name}: {len(profile.cells)} cells ({profile.expected_cost})", flush=True)
        summary = run_profile(profile, workers=workers)
        if not summary.ok:
            raise DataError(f"{len(summary.failed)} cell(s) of the {name} profile failed: "
                            + "; ".join(f"{k}: {v['error']}" for k, v in summary.failed.items()))
        times[f"profile {name}"] = (time.perf_counter() - start,
                                    _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m spikelib.report.book", description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="do not run the embedded profiles (use their results)")
    parser.add_argument("--no-execute", action="store_true", help="render the stored executed notebooks only")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    parser.add_argument("--workers", type=int, default=2, help="cells and pages at once (default 2)")
    parser.add_argument("--write-toc", action="store_true", help="write _toc.yml from the registry of pages and stop")
    args = parser.parse_args(argv)
    if args.write_toc:
        print(f"wrote {write_toc()}")
        return 0
    install_mathjax()
    steps = {}
    try:
        RunOptions(workers=args.workers)
        if not args.no_run:
            steps.update(_run_embedded(args.workers))
        if not args.no_execute:
            start = time.perf_counter()
            pages_seconds = execute_pages(args.workers)
            steps["execute pages"] = (time.perf_counter() - start, sum(cpu for _, cpu in pages_seconds.values()))
    except SpikelibError as error:
        print(f"book: {error}", file=sys.stderr)
        return 2
    start, cpu = time.perf_counter(), _cpu_seconds(resource.RUSAGE_CHILDREN)
    html = build_html(strict=args.strict)
    steps["render (jupyter-book)"] = (time.perf_counter() - start, _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu)
    if not args.no_execute:
        write_json(TIMINGS, {"steps": steps, "pages": pages_seconds})
    where = html.relative_to(paths.ROOT) if html.is_relative_to(paths.ROOT) else html
    findings = audit_book(html)
    for page, rule, excerpt in findings:
        print(f"  audit: {page}: {rule}: {excerpt}", file=sys.stderr)
    laid_out = _layout(html)
    print(f"\nThe book is in {where}/ ; open {where}/index.html ({len(findings)} audit finding(s); {laid_out})")
    return 1 if (findings or laid_out.startswith("layout:") and "0 finding" not in laid_out) and args.strict else 0


def _layout(html):
    """The layout check of the built pages (:mod:`spikelib.report.layout`) where Chromium is installed."""
    from . import layout

    if layout.chromium() is None:
        return "layout not checked: Chromium is not installed here"
    start = time.perf_counter()
    found = layout.check_book(html)
    for page, width, rule, detail in found:
        print(f"  layout: {page} at {width} px: {rule}: {detail}", file=sys.stderr)
    return f"layout: {len(found)} finding(s) at {' and '.join(map(str, layout.WIDTHS))} px, {time.perf_counter() - start:.0f} s"


if __name__ == "__main__":
    sys.exit(main())
