"""The registry of the book: which profiles it shows, which analysis pages each gets, and where they go.

Everything the build, the table of contents, the command line and the tests
need to know about the book's pages comes from here. Adding a profile to the
book is one :class:`BookProfile` entry in :data:`PROFILES` plus the text of
the chapter its pages sit under; ``_toc.yml`` is written from this registry
(``python -m spikelib.report.book --write-toc``) and a test fails when the
committed file disagrees.

Attributes
----------
PROFILES
    The profiles the book shows, in the order their pages appear.
EMBEDDED
    The profiles ``make book`` runs itself.
ANALYSES
    Every analysis notebook: its title and the chapter its pages sit under.
PARTS
    The book's parts and their chapters, in order.

Functions
---------
book_pages
    Every executed page: (notebook, executed copy, parameters, title).
toc
    The table of contents as Jupyter Book reads it.
"""

from dataclasses import dataclass, field

from .. import paths

__all__ = ["BookProfile", "Analysis", "PROFILES", "EMBEDDED", "ANALYSES", "PARTS", "DEMOS", "NOT_PROFILES", "book_pages",
           "toc", "page_paths", "profile_names"]


@dataclass(frozen=True)
class Analysis:
    """An analysis notebook (``notebooks/<name>.py``), executed once per profile that asks for it.

    Attributes
    ----------
    name : str
    title : str
        The page's heading, followed by the profile's label.
    chapter : str
        The chapter (``book/<chapter>.md``) its pages sit under; ``{profile}`` is replaced by the profile.
    """

    name: str
    title: str
    chapter: str


@dataclass(frozen=True)
class BookProfile:
    """A profile the book shows: its results (``results/<name>``) and the analysis pages run on them.

    Attributes
    ----------
    name : str
    label : str
        How page titles name its data ("full Fashion-MNIST").
    analyses : dict
        Analysis name -> extra papermill parameters of that page.
    """

    name: str
    label: str
    analyses: dict = field(default_factory=dict)


ANALYSES = {a.name: a for a in (
    Analysis("results", "Tables and figures", "results_{profile}"),
    Analysis("assumptions", "Assumption checks", "assumptions"),
    Analysis("hypotheses", "Hypotheses", "hypotheses"),
    Analysis("followup", "The follow-up's analyses", "followup"),
    Analysis("binary", "Binary trains", "binary"),
    Analysis("zoo", "Memorization without a label switch", "benchmark"),
    Analysis("benchmark", "Detector benchmark", "benchmark"),
    Analysis("matched", "Memorization at equal training fit", "benchmark"),
)}

PROFILES = (
    BookProfile("fashion", "full Fashion-MNIST",
                {"results": {}, "assumptions": {}, "hypotheses": {}, "followup": {"penalties_profile": "penalties"},
                 "binary": {"benchmark_profile": "noise"}}),
    BookProfile("zoo", "Fashion-MNIST",
                {"zoo": {"clean_profile": "clean", "noise_profiles": ["noise", "fashion"], "switch_profile": "fashion",
                         "recording_profile": "recording"}}),
    BookProfile("noise", "label noise on Fashion-MNIST", {"benchmark": {"join_profiles": ["fashion"]}}),
    BookProfile("memorized", "Fashion-MNIST",
                {"matched": {"clean_profile": "clean", "noise_profiles": ["noise", "fashion"]}}),
    BookProfile("quick", "digits",
                {"results": {}, "assumptions": {}, "hypotheses": {}, "followup": {}, "binary": {}, "benchmark": {}}),
    BookProfile("quick_zoo", "digits",
                {"zoo": {"clean_profile": "quick_clean", "noise_profiles": ["quick"], "switch_profile": "quick"}}),
)
#: The profiles ``make book`` runs (small, on the embedded digits), each with the committed profiles whose pages
#: hold the evidence its own pages only exercise; the others' results are committed.
EMBEDDED = {"quick": ("fashion", "noise"), "quick_zoo": ("zoo",), "quick_clean": ("clean",)}

#: The pages executed without a profile of their own, each a chapter: the demo of a spike train, and the
#: diagnosis of the committed example networks (page -> papermill parameters; a ``*_profile`` names results read).
DEMOS = {"spikes_on_digits": {}, "profiles": {},
         "diagnose": {"examples_profile": "examples", "transfer_profile": "transfer",
                      "held_out_profile": "transfer-held-out"}}

#: Results folders the book reads that no profile makes, and the command that makes each.
NOT_PROFILES = {"transfer": "python -m spikelib.diagnose.transfer",
                "transfer-held-out": "python -m spikelib.diagnose.transfer --held-out"}
#: The book's parts: (caption, chapters); a chapter is a page of ``book/`` or the demo.
PARTS = (
    ("The replication", ("method", "spikes_on_digits", "results_fashion", "results_quick", "assumptions", "hypotheses")),
    ("Beyond the paper", ("followup", "binary", "benchmark")),
    ("Using the compendium", ("diagnose", "reproduce", "profiles", "api", "cite")),
)


def profile_names():
    """The profiles whose results the book reads: those it shows, those their pages join in, and those the
    demo pages read, in order."""
    page_parameters = []
    for profile in PROFILES:
        page_parameters.append({"profile": profile.name})
        page_parameters.extend(profile.analyses.values())
    page_parameters.extend(DEMOS.values())
    names = []
    for parameters in page_parameters:
        for key, value in parameters.items():
            if key.endswith("profile") and value:
                names.append(value)
            elif key.endswith("profiles"):
                names.extend(value)
    return tuple(dict.fromkeys(names))


def page_paths():
    """``(profile, analysis, executed path relative to the repository)`` of every analysis page, in order."""
    return [(profile.name, name, f"book/executed/{profile.name}/{name}")
            for profile in PROFILES for name in profile.analyses]


def book_pages():
    """Every notebook the book renders: ``(source, executed copy, parameters, title or None)``."""
    pages = [(paths.NOTEBOOKS / f"{demo}.py", paths.BOOK_EXECUTED / f"{demo}.ipynb", dict(parameters), None)
             for demo, parameters in DEMOS.items()]
    for profile in PROFILES:
        for name, extra in profile.analyses.items():
            analysis = ANALYSES[name]
            pages.append((paths.NOTEBOOKS / f"{name}.py", paths.BOOK_EXECUTED / profile.name / f"{name}.ipynb",
                          {"profile": profile.name, **extra}, f"{analysis.title}: {profile.label}"))
    return pages


def toc():
    """The table of contents (``_toc.yml``) as a dict: parts, chapters, and the analysis pages under each.

    Raises
    ------
    ValueError
        If a page sits under a chapter that no part lists.
    """
    sections = {}
    for profile, name, path in page_paths():
        chapter = ANALYSES[name].chapter.format(profile=profile)
        sections.setdefault(chapter, []).append({"file": path})
    parts = []
    for caption, chapters in PARTS:
        entries = []
        for chapter in chapters:
            entry = {"file": f"book/executed/{chapter}" if chapter in DEMOS else f"book/{chapter}"}
            if chapter in sections:
                entry["sections"] = sections.pop(chapter)
            entries.append(entry)
        parts.append({"caption": caption, "chapters": entries})
    if sections:
        raise ValueError(f"Pages under chapters that no part lists: {sorted(sections)}; add them to PARTS.")
    return {"format": "jb-book", "root": "book/intro", "parts": parts}
