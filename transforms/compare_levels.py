"""Comparison level kinds: one small vectorized test per ``kind`` of ``rules/matching.yaml``.

Each test gets the record-column cache, the comparison, the level, the level's columns and
the (left, right) record ids of the pairs still undecided, and returns which pairs the
level holds for, plus the agreeing value's code for term-frequency adjustment (exact
kinds) or None. Adding a level kind is one function here and one line in ``LEVEL_KINDS``
(and its name in ``crm_golden.config.matching.LevelKind``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from crm_golden.config.matching import Comparison, Level
from transforms.compare_columns import RecordColumns, any_equal, share_group, value_pair_test
from transforms.name_matching import given_tokens_compatible
from transforms.shared_values import same_person_pairs, shared_values

Outcome = tuple[np.ndarray, np.ndarray | None]
LevelTest = Callable[[RecordColumns, Comparison, Level, list[str], np.ndarray, np.ndarray],
                     Outcome]


def exact(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
          lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Any of the columns equal on both sides (cross-column: a mobile stored as the other
    record's second phone still agrees)."""
    codes, _ = cache.joint(tuple(cols))
    return any_equal(codes, lft, rgt)


def all_exact(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
              lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Every column equal and present on both sides (street and postcode: one address)."""
    hold = np.ones(lft.size, dtype=bool)
    for col in cols:
        codes, _ = cache.joint((col,))
        hold &= (codes[0][lft] >= 0) & (codes[0][lft] == codes[0][rgt])
    return hold, None


def exact_shared(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
                 lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Equal on a value several people use (a family phone, an office or role mailbox).

    On a value that is not a couple's, two spellings of one person's name keep the
    evidence ("Andrei" / "Андрюша" beside an unrecognised "Anryusha").
    """
    codes, _ = cache.joint(tuple(cols))
    hit, agree = any_equal(codes, lft, rgt)
    shared, household = shared_values(cache, tuple(cols), comp)
    flag = cache.flags(comp.shared.flag_columns if comp.shared else [])
    value = np.maximum(agree, 0)
    on_shared = hit & (agree >= 0) & shared[value]
    personal = on_shared & ~household[value]
    on_shared &= ~same_person_pairs(cache, comp, lft, rgt, personal)
    return hit & (on_shared | flag[lft] | flag[rgt]), agree


def swapped(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
            lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """The first column of one record equals the second of the other (given <-> family)."""
    codes, _ = cache.joint(tuple(cols[:2]))
    c0, c1 = codes[0], codes[1]
    hold = ((c0[lft] >= 0) & (c0[lft] == c1[rgt])) | ((c1[lft] >= 0) & (c1[lft] == c0[rgt]))
    return hold, None


def nickname_equivalent(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
                        lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Two given names of one canonical group (Pepe ~ José, Sasha ~ Aleksandr)."""
    codes, _ = cache.joint((cols[0],))
    return share_group(cache.name_groups(cols[0], False), codes[0][lft], codes[0][rgt]), None


def cross_language_equivalent(cache: RecordColumns, comp: Comparison, level: Level,
                              cols: list[str], lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Two given names of one cross-language group (José ~ Joseph ~ Iosif)."""
    codes, _ = cache.joint((cols[0],))
    return share_group(cache.name_groups(cols[0], True), codes[0][lft], codes[0][rgt]), None


def given_tokens_compatible_level(cache: RecordColumns, comp: Comparison, level: Level,
                                  cols: list[str], lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """One compound given name contains the other in order (Pilar ~ María Pilar)."""
    codes, uniques = cache.joint((cols[0],))
    return value_pair_test(codes[0], uniques, lft, rgt, given_tokens_compatible), None


def second_surname_differs(cache: RecordColumns, comp: Comparison, level: Level,
                           cols: list[str], lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Same first surname, both with a second one, and the second ones clearly differ
    (Jaro-Winkler below the threshold): a parent and child or cousins, since Spanish
    surnames are fixed for life."""
    first, _ = cache.joint((cols[0],))
    second, uniques = cache.joint((cols[1],))
    same_first = (first[0][lft] >= 0) & (first[0][lft] == first[0][rgt])
    hold = same_first & (second[0][lft] >= 0) & (second[0][rgt] >= 0)
    limit = float(level.threshold or 0.0)

    def differ(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
        return process.cpdist(qa, qb, scorer=JaroWinkler.similarity, workers=-1) < limit

    if hold.any():
        idx = np.flatnonzero(hold)
        hold[idx] = value_pair_test(second[0], uniques, lft[idx], rgt[idx], differ)
    return hold, None


def _string_level(scorer: Callable[..., float], similarity: bool) -> LevelTest:
    """A level on a string similarity (>= threshold) or distance (<= threshold), computed
    once per distinct value pair; identical values are 'exact', not fuzzy."""

    def test(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
             lft: np.ndarray, rgt: np.ndarray) -> Outcome:
        t = float(level.threshold or 0.0)
        codes, uniques = cache.joint((cols[0],))

        def holds(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
            cutoff = t if similarity else int(t)
            s = process.cpdist(qa, qb, scorer=scorer, score_cutoff=cutoff, workers=-1)
            return ((s >= t) if similarity else (s <= int(t))) & (qa != qb)

        return value_pair_test(codes[0], uniques, lft, rgt, holds), None

    return test


def dob_swapped(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
                lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Same year, day and month swapped (a date keyed in the other order)."""
    y, m, d, _ = cache.date_parts(cols[0])
    both = (y[lft] >= 0) & (y[rgt] >= 0)
    hold = both & (y[lft] == y[rgt]) & (d[lft] == m[rgt]) & (m[lft] == d[rgt]) & (d[lft] != m[lft])
    return hold, None


def same_year(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
              lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Two dates in the same year."""
    y, _, _, _ = cache.date_parts(cols[0])
    return (y[lft] >= 0) & (y[rgt] >= 0) & (y[lft] == y[rgt]), None


def within_days(cache: RecordColumns, comp: Comparison, level: Level, cols: list[str],
                lft: np.ndarray, rgt: np.ndarray) -> Outcome:
    """Two dates at most ``threshold`` days apart."""
    y, _, _, days = cache.date_parts(cols[0])
    both = (y[lft] >= 0) & (y[rgt] >= 0)
    return both & (np.abs(days[lft] - days[rgt]) <= float(level.threshold or 0.0)), None


@dataclass(frozen=True)
class LevelKind:
    """A level kind's test and the columns it reads when the level names none."""

    test: LevelTest
    default_columns: tuple[str, ...] = ()
    tf_capable: bool = False  # returns the agreeing value for term-frequency weights


LEVEL_KINDS: dict[str, LevelKind] = {
    "exact": LevelKind(exact, tf_capable=True),
    "exact_shared": LevelKind(exact_shared, tf_capable=True),
    "all_exact": LevelKind(all_exact),
    "phonetic_equal": LevelKind(exact),
    "either_surname_equal": LevelKind(exact, ("family_1_key", "family_2_key")),
    "swapped": LevelKind(swapped),
    "nickname_equivalent": LevelKind(nickname_equivalent, ("given_key",)),
    "cross_language_equivalent": LevelKind(cross_language_equivalent, ("given_key",)),
    "given_tokens_compatible": LevelKind(given_tokens_compatible_level, ("given_key",)),
    "second_surname_differs": LevelKind(second_surname_differs,
                                        ("family_1_key", "family_2_key")),
    "jaro_winkler": LevelKind(_string_level(JaroWinkler.similarity, similarity=True)),
    "levenshtein": LevelKind(_string_level(Levenshtein.distance, similarity=False)),
    "damerau": LevelKind(_string_level(DamerauLevenshtein.distance, similarity=False)),
    "dob_swapped": LevelKind(dob_swapped),
    "same_year": LevelKind(same_year),
    "within_days": LevelKind(within_days),
}


def level_columns(comp: Comparison, level: Level) -> list[str]:
    """The columns a level reads: its own, its kind's default, or the comparison's first."""
    return list(level.columns or LEVEL_KINDS[level.kind].default_columns or [comp.columns[0]])


def level_holds(cache: RecordColumns, comp: Comparison, level: Level, lft: np.ndarray,
                rgt: np.ndarray) -> Outcome | None:
    """(holds, agreeing code or None) for the pairs; None when a column is absent."""
    cols = level_columns(comp, level)
    if not all(cache.has(c) for c in cols):
        return None
    return LEVEL_KINDS[level.kind].test(cache, comp, level, cols, lft, rgt)
