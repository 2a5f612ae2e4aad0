"""The papers' indicators test by test: where each passes and where it fails, from the score tables.

Each test has a fixed rule, printed with the table, so that "fails" is a
number below a line and not a judgement:

- **zoo**: the PGDL score's interval lies above the best control's score
  (:func:`spikelib.report.benchmark.beats_controls`);
- **clean labels**: the stratified Kendall tau with the gap (pairs within an
  architecture) is at least :data:`MIN_TAU` in size, and the measure says
  more than the controls: its partial rank correlation with the gap beyond
  them points the same way at p < :data:`spikelib.report.clean.SIGNIFICANCE`
  (the controls alone follow the gap closely, so a tau is no credit by itself);
- **adjacent noise**: every pair of neighbouring label-noise levels is
  separated at :data:`MIN_SEPARATION` or more;
- **matched fit**: memorizing networks are separated from non-memorizing
  ones of the same training accuracy at :data:`MIN_SEPARATION` or more.

Functions
---------
scorecard
    One row per indicator of the papers, one column per test.
summary
    Which indicators pass which tests, in sentences.
"""

import numpy as np
import pandas as pd

from ..experiment.measures import by_family
from .clean import SIGNIFICANCE
from .render import and_list, interval, signed

__all__ = ["scorecard", "summary", "MIN_TAU", "MIN_SEPARATION", "RULES"]

#: The smallest |tau| that counts as following the gap.
MIN_TAU = 0.1
#: The smallest separation (the larger of AUROC and 1 - AUROC) that counts as telling two groups apart.
MIN_SEPARATION = 0.6
#: Each test's rule, as the page prints it.
RULES = {
    "model zoo": "PGDL score interval above the best control's score",
    "clean labels": (f"|tau| with the gap, pairs within an architecture, at least {MIN_TAU}, and beyond the "
                     f"controls the same direction at p < {SIGNIFICANCE}"),
    "adjacent noise levels": f"every neighbouring pair separated at {MIN_SEPARATION} or more",
    "matched training accuracy": f"separation at {MIN_SEPARATION} or more",
}


def _against(value, threshold):
    """A separation beside the threshold it is read against: two decimals, three where two would round it onto
    the threshold from below (0.597 fails a 0.6 rule, and reads "0.597", not "0.60")."""
    if np.isfinite(value) and value < threshold and round(value, 2) >= threshold:
        return f"{value:.3f}"
    return f"{value:.2f}"


def _cell(passed, text):
    return f"{'✓' if passed else '✗'} {text}"


def _scored(table, column):
    """Whether a score table (possibly missing or empty: too few networks) has a row for ``column``."""
    return table is not None and "column" in table and column in set(table["column"])


def scorecard(zoo_table=None, clean_scores=None, adjacent=None, matched=None):
    """The papers' indicators test by test (each argument may be missing: its column is left out).

    Parameters
    ----------
    zoo_table : pandas.DataFrame, optional
        From :func:`spikelib.report.zoo.zoo_scores`.
    clean_scores : pandas.DataFrame, optional
        From :func:`spikelib.report.clean.clean_scores`.
    adjacent, matched : pandas.DataFrame, optional
        From :func:`spikelib.report.noise.adjacent_separation` and :func:`~spikelib.report.noise.matched_separation`.

    Returns
    -------
    pandas.DataFrame
        ``measure``, one column per test (``✓``/``✗`` and the number it rests on), ``passed`` (how many of the
        tests given it passes).

    Examples
    --------
    >>> zoo = pd.DataFrame({"column": ["mfr"], "pgdl": [1.2], "pgdl_low": [0.4], "pgdl_high": [2.1],
    ...                     "beats_controls": [False]})
    >>> clean = pd.DataFrame({"column": ["mfr"], "tau_stratified": [0.6], "rho_beyond": [0.3], "p_beyond": [0.01]})
    >>> row = scorecard(zoo, clean).iloc[0]
    >>> row["measure"], row["model zoo"], row["clean labels"], int(row["passed"])
    ('MFR', '✗ 1.2 [0.4,\xa02.1]', '✓ +0.60 (+0.30 beyond)', 1)

    A tau the controls explain is no credit:

    >>> clean["p_beyond"] = 0.4
    >>> scorecard(zoo, clean).iloc[0]["clean labels"]
    '✗ +0.60 (+0.30 beyond)'

    """
    rows = []
    for item in by_family("paper", "followup"):
        row, passed = {"measure": item.label}, 0
        if _scored(zoo_table, item.column):
            z = zoo_table.set_index("column").loc[item.column]
            row["model zoo"] = _cell(bool(z["beats_controls"]), interval(z["pgdl"], z["pgdl_low"], z["pgdl_high"], 1))
            passed += bool(z["beats_controls"])
        if _scored(clean_scores, item.column):
            scored = clean_scores.set_index("column").loc[item.column]
            tau = scored["tau_stratified"]
            rho, p = scored.get("rho_beyond", np.nan), scored.get("p_beyond", np.nan)
            beyond = bool(np.isfinite(rho) and np.isfinite(p) and p < SIGNIFICANCE and np.sign(rho) == np.sign(tau))
            ok = bool(np.isfinite(tau) and abs(tau) >= MIN_TAU and beyond)
            row["clean labels"] = _cell(ok, signed(tau) + (f" ({signed(rho)} beyond)" if np.isfinite(rho) else ""))
            passed += ok
        if _scored(adjacent, item.column):
            weakest = adjacent[adjacent["column"] == item.column].sort_values("separation").iloc[0]
            ok = bool(weakest["separation"] >= MIN_SEPARATION)
            row["adjacent noise levels"] = _cell(ok, f"{_against(weakest['separation'], MIN_SEPARATION)} "
                                                     f"({weakest['pair']})")
            passed += ok
        if _scored(matched, item.column):
            value = matched.set_index("column").loc[item.column, "separation"]
            ok = bool(np.isfinite(value) and value >= MIN_SEPARATION)
            row["matched training accuracy"] = _cell(ok, _against(value, MIN_SEPARATION))
            passed += ok
        row["passed"] = passed
        rows.append(row)
    return pd.DataFrame(rows)


def summary(card):
    """The scorecard in sentences: which indicators pass which tests, and how many pass them all.

    >>> card = pd.DataFrame({"measure": ["MFR", "MF"], "model zoo": ["✗ 1.0", "✗ 0.5"],
    ...                      "clean labels": ["✓ +0.60", "✗ +0.05"], "passed": [1, 0]})
    >>> print(summary(card))
    Of the papers' 2 indicators, none passes every test (2 tests: model zoo and clean labels). Model zoo: none
    passes. Clean labels: MFR passes.
    >>> print(summary(card[["measure", "clean labels", "passed"]]))
    Of the papers' 2 indicators, MFR passes every test (1 test: clean labels). Clean labels: MFR passes.
    """
    tests = [c for c in card.columns if c not in ("measure", "passed")]
    if not tests:
        return "No test could be run on the papers' indicators."
    everything = card.loc[card["passed"] == len(tests), "measure"].tolist()
    head = (f"Of the papers' {len(card)} indicators, "
            + (f"{and_list(everything)} {'pass' if len(everything) > 1 else 'passes'} every test" if everything
               else "none passes every test")
            + f" ({len(tests)} {'test' if len(tests) == 1 else 'tests'}: {and_list(tests)}).")
    parts = []
    for test in tests:
        passing = card.loc[card[test].astype(str).str.startswith("✓"), "measure"].tolist()
        parts.append(f"{test[0].upper() + test[1:]}: "
                     + (f"{and_list(passing)} {'pass' if len(passing) > 1 else 'passes'}." if passing else "none passes."))
    return " ".join([head, *parts])
