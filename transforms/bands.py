"""Bands from the model's own probabilities: auto-match, review, no-match.

A fixed number of bits means a different precision on every dataset (the prior and the
weights are learned per run). Instead the auto-match band is the highest-scoring pairs
for as long as their expected pairwise precision (the mean ``match_probability`` of the
band) stays at or above the target; the review band holds the pairs below it that are at
least ``review_min_probability`` likely. The expected precision and recall of the choice
go to the audit, so a steward sees what the model believes about its own decisions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from crm_golden.config.matching import Ambiguity, Bands

BAND_NAMES = ["auto_match", "review", "no_match"]


@dataclass(frozen=True)
class BandChoice:
    """The thresholds chosen for one run, and what the model expects of them."""

    auto_match_weight: float
    review_weight: float
    expected_precision: float  # mean match probability of the auto-match band
    expected_recall: float  # expected matches in the auto band / expected matches in all
    expected_review_matches: float  # expected matches left in the review band
    source: str  # "target_precision" or "configured"

    def to_dict(self) -> dict[str, float | str]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def probability(weights: np.ndarray) -> np.ndarray:
    """match_probability from match_weight (log2 odds, prior included)."""
    return 1.0 / (1.0 + np.exp2(-np.asarray(weights, dtype=np.float64)))


def weight_of(p: float) -> float:
    """match_weight (log2 odds) of a probability."""
    return float(np.log2(p / (1.0 - p)))


def choose_bands(weights: np.ndarray, bands: Bands) -> BandChoice:
    """Thresholds for these candidate pairs' match weights (see the module docstring).

    ``auto_match_weight`` / ``review_weight`` set in the rules override the choice (for
    measuring trade-offs).
    """
    w = np.sort(np.asarray(weights, dtype=np.float64))[::-1]
    p = probability(w)
    review = (bands.review_weight if bands.review_weight is not None
              else weight_of(bands.review_min_probability))
    if bands.auto_match_weight is not None:
        auto, source = float(bands.auto_match_weight), "configured"
    else:
        source = "target_precision"
        # the largest band (a prefix of the pairs by weight) whose mean p is >= target
        mean = np.cumsum(p) / np.arange(1, p.size + 1)
        group_end = np.append(w[1:] != w[:-1], True) if w.size else np.zeros(0, bool)
        ok = np.flatnonzero((mean >= bands.auto_match_precision) & group_end)  # ties together
        if ok.size == 0:
            auto = float(w[0]) + 1.0 if w.size else weight_of(bands.auto_match_precision)
        else:
            auto = float(w[int(ok[-1])])
        # never auto-match a pair the model thinks is more likely a non-match
        auto = max(auto, weight_of(0.5))
    review = min(review, auto)
    in_auto = w >= auto
    in_review = (w >= review) & ~in_auto
    total = float(p.sum())
    return BandChoice(
        auto_match_weight=auto,
        review_weight=review,
        expected_precision=float(p[in_auto].mean()) if in_auto.any() else 1.0,
        expected_recall=float(p[in_auto].sum() / total) if total else 1.0,
        expected_review_matches=float(p[in_review].sum()),
        source=source,
    )


def assign_bands(weights: np.ndarray, choice: BandChoice) -> pd.Categorical:
    """The band of each pair under ``choice``."""
    w = np.asarray(weights)
    band = np.where(w >= choice.auto_match_weight, "auto_match",
                    np.where(w >= choice.review_weight, "review", "no_match"))
    return pd.Categorical(band, categories=BAND_NAMES)


def household_only(scored: pd.DataFrame, level_names: dict[str, list[str]],
                   ambiguity: Ambiguity) -> np.ndarray:
    """Pairs that agree on a household level and on no personal level.

    ``scored`` has one ``lvl_<comparison>`` column per comparison; ``level_names`` gives
    each comparison's level names (the model's, "else" last). Levels named in
    ``ambiguity`` that this data did not compute are ignored.
    """
    def any_level(names: list[str]) -> np.ndarray:
        hit = np.zeros(len(scored), dtype=bool)
        for dotted in names:
            comp, level = dotted.split(".")
            col = f"lvl_{comp}"
            if col not in scored.columns or level not in level_names.get(comp, []):
                continue
            hit |= scored[col].to_numpy() == level_names[comp].index(level)
        return hit

    return any_level(ambiguity.household_levels) & ~any_level(ambiguity.personal_levels)
