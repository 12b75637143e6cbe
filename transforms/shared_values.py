"""Values several people use: a family phone, a household or office mailbox.

Agreement on such a value says "same household", not "same person". People are counted
by their names, so one person's typos, nicknames, compound names and swapped name order
count once, and a man and a woman on one value mark it as a couple's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler

from crm_golden.config.matching import Comparison, SharedValues
from transforms.block import unique_sorted
from transforms.compare_columns import RecordColumns, value_pair_test
from transforms.name_matching import given_gender, given_tokens_compatible, nickname_equivalent

_SAME_PERSON_GIVEN_JW = 0.85  # given names this similar may be one person's typo/variant


def _same_person_given(a: str, b: str) -> bool:
    """Could two given keys be written by one person ("walter"/"wakter", "pilar"/"maria
    pilar", "pepe"/"jose"; not "juan"/"juana")? Counts the people behind a shared value."""
    ga, gb = given_gender(a), given_gender(b)
    if ga and gb and ga != gb:  # "juan" / "juana": a couple's phone
        return False
    if JaroWinkler.similarity(a, b) >= _SAME_PERSON_GIVEN_JW:
        return True
    return bool(nickname_equivalent(a, b) or given_tokens_compatible(a, b))


def _same_person_name(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """(given, surname) of two records: one person's name variants, or the same name with
    given name and surname swapped in one of them."""
    if _same_person_given(a[0], b[0]):
        return True
    return bool(a[1] and b[1]) and (
        JaroWinkler.similarity(a[0], b[1]) >= _SAME_PERSON_GIVEN_JW
        and JaroWinkler.similarity(a[1], b[0]) >= _SAME_PERSON_GIVEN_JW)


def _people_count(names: list[tuple[str, str]]) -> int:
    """(given, surname) names that are not variants of an earlier one (greedy, order-
    independent enough for the 2-6 names a shared phone or mailbox has)."""
    reps: list[tuple[str, str]] = []
    for name in sorted(names):
        if not any(_same_person_name(name, r) for r in reps):
            reps.append(name)
    return len(reps)


def shared_values(cache: RecordColumns, cols: tuple[str, ...],
                   comp: Comparison) -> tuple[np.ndarray, np.ndarray]:
    """Booleans per joint code: value used by more than ``max_distinct`` different people
    (``shared``), and, among those, values whose people include a man and a woman
    (``household``: a couple's phone or a family mailbox).

    People are told apart by ``distinct_column`` (the given name): a mailbox written by
    "Walter" and by "Wakter" is one person's with a typo, not a family's, so names that
    are typo-close, nicknames or parts of one another count once.
    """
    key = (cols, comp.name)
    if key not in cache.shared:
        cache.shared[key] = _shared_values(cache, cols, comp)
    return cache.shared[key]


def _shared_values(cache: RecordColumns, cols: tuple[str, ...],
                   comp: Comparison) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = cache.joint(cols)
    shared = np.zeros(uniques.size, dtype=bool)
    household = np.zeros(uniques.size, dtype=bool)
    sh = comp.shared
    if sh is None:
        return shared, household
    _mark_household_types(cache, cols, codes, sh, shared, household)
    if sh.distinct_column is None or not cache.has(sh.distinct_column):
        return shared, household
    dcodes, duniq = cache.joint((sh.distinct_column,))
    dcode = dcodes[0]
    vc = codes.ravel()
    dc = np.tile(dcode, codes.shape[0])
    ok = (vc >= 0) & (dc >= 0)
    k = len(duniq) + 1
    pairs = unique_sorted(vc[ok] * k + dc[ok])
    distinct = np.bincount(pairs // k, minlength=uniques.size)
    shared |= distinct > sh.max_distinct
    household |= distinct > _RECOUNT_MAX_NAMES  # too many names to tell: assume so
    # Few values have several spellings of a name: recount those by people.
    recount = shared[pairs // k] & (distinct[pairs // k] <= _RECOUNT_MAX_NAMES)
    typed = household.copy()
    if recount.any():
        # (value, given, surname) of the records on those values, each distinct once.
        need = np.zeros(uniques.size, dtype=bool)
        need[pairs[recount] // k] = True
        swap = (cache.strings(sh.swap_column) if sh.swap_column and cache.has(sh.swap_column)
                else pd.Series(pd.NA, index=range(cache.n), dtype="string"))
        given = np.where(dcode >= 0, duniq[np.maximum(dcode, 0)], "")
        family = swap.fillna("").to_numpy(dtype=object)
        by_value: dict[int, set[tuple[str, str]]] = {}
        for col_codes in codes:
            rec = np.flatnonzero((col_codes >= 0) & (dcode >= 0)
                                 & need[np.maximum(col_codes, 0)])
            for v, g, f in zip(col_codes[rec].tolist(), given[rec], family[rec], strict=True):
                by_value.setdefault(v, set()).add((str(g), str(f)))
        for v, names in by_value.items():
            if typed[v]:  # a landline stays a household's, however many use it
                continue
            shared[v] = _people_count(list(names)) > sh.max_distinct
            genders = {given_gender(g) for g, _ in names} - {None}
            household[v] = len(genders) > 1
    return shared, household


_RECOUNT_MAX_NAMES = 6  # more distinct given names than this on one value: shared anyway


def _mark_household_types(cache: RecordColumns, cols: tuple[str, ...], codes: np.ndarray,
                          sh: SharedValues, shared: np.ndarray, household: np.ndarray) -> None:
    """Values of a household type (a landline) count as shared by a household, whoever
    uses them: ``type_columns`` names each value column's type column."""
    if not sh.household_types:
        return
    for row, col in enumerate(cols):
        type_col = sh.type_columns.get(col)
        if type_col is None or not cache.has(type_col):
            continue
        is_type = cache.records[type_col].isin(sh.household_types).to_numpy()
        hit = codes[row][is_type & (codes[row] >= 0)]
        shared[hit] = True
        household[hit] = True


def same_person_pairs(cache: RecordColumns, comp: Comparison, lft: np.ndarray, rgt: np.ndarray,
                       among: np.ndarray) -> np.ndarray:
    """Pairs (of those in ``among``) whose given names are one person's variants.

    One unrecognised spelling on a personal mailbox ("Anryusha" beside "Andrei") makes it
    look shared by two people; its other records keep their evidence. Pairs without both
    names stay shared.
    """
    out = np.zeros(lft.size, dtype=bool)
    sh = comp.shared
    if sh is None or sh.distinct_column is None or not cache.has(sh.distinct_column):
        return out
    if not among.any():
        return out
    codes, uniques = cache.joint((sh.distinct_column,))
    idx = np.flatnonzero(among)

    def same(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
        return np.fromiter((_same_person_given(str(x), str(y)) for x, y in zip(qa, qb,
                                                                               strict=True)),
                           dtype=bool, count=qa.size)

    out[idx] = value_pair_test(codes[0], uniques, lft[idx], rgt[idx], same)
    return out
