"""Multi-level comparison vectors for candidate pairs.

Each comparison of ``rules/matching.yaml`` turns every pair into an int8 level:
``-1`` = null (either side has no value: weight 0), ``0..L-1`` = the first listed level
that holds, ``L`` = "else" (the values disagree). Levels, not booleans, because a
nickname match or a one-letter typo is evidence of a different strength than an exact
match, and the model learns a separate m/u for each.

Why not ``recordlinkage.Compare``: its string methods call jellyfish once per pair in
Python (1M Levenshtein pairs: 16.5 s) and it only returns similarity per method, not
ordered levels. Here each column is factorized once per run, string similarity is
computed with rapidfuzz ``process.cpdist`` on the *unique value pairs* only, and each
level is evaluated only on pairs no earlier level claimed.

Term frequencies: for tf-adjusted exact levels the frequency of the agreeing value is
returned per pair, so the model can weigh "garcia = garcia" less than "zubizarreta =
zubizarreta" (Splink-style u_tf).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from crm_golden.config.matching import Comparison, Level
from transforms.block import unique_sorted

try:  # names helper: without it, fall back to canonical-key equality.
    from transforms import name_matching as _names
except ImportError:  # pragma: no cover - depends on the names module being present
    _names = None

_DEFAULT_LEVEL_COLUMNS = {
    "nickname_equivalent": ["given_key"],
    "cross_language_equivalent": ["given_key"],
    "given_tokens_compatible": ["given_key"],
    "second_surname_differs": ["family_1_key", "family_2_key"],
    "either_surname_equal": ["family_1_key", "family_2_key"],
}
_TF_KINDS = {"exact", "exact_shared"}


@dataclass
class ResolvedComparison:
    """A comparison as applied to this data: levels that could be computed."""

    name: str
    level_names: list[str]  # listed levels that were computed, plus "else"
    tf_levels: list[bool]  # per level (incl. else): is the weight tf-adjusted
    skipped_levels: list[str] = field(default_factory=list)
    fixed_weights: list[float | None] = field(default_factory=list)

    @property
    def n_levels(self) -> int:
        return len(self.level_names)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "level_names": self.level_names,
            "tf_levels": self.tf_levels,
        }


@dataclass
class ComparisonResult:
    """Level matrix (pairs x comparisons) and term frequencies of agreeing values."""

    levels: np.ndarray  # int8 (n_pairs, n_comparisons)
    tf: dict[str, np.ndarray]  # name -> float32 per pair (NaN if no tf applies)
    comparisons: list[ResolvedComparison]
    notes: list[str] = field(default_factory=list)

    def level_frame(self) -> pd.DataFrame:
        """Levels as a DataFrame, one ``lvl_<name>`` column per comparison."""
        return pd.DataFrame(
            {f"lvl_{c.name}": self.levels[:, i] for i, c in enumerate(self.comparisons)}
        )


class _Columns:
    """Per-run cache of factorized record columns (codes aligned with record_id)."""

    def __init__(self, records: pd.DataFrame) -> None:
        self.records = records
        self.n = len(records)
        self._joint: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._groups: dict[tuple[str, str], tuple[np.ndarray, int]] = {}

    def has(self, col: str) -> bool:
        return col in self.records.columns

    def strings(self, col: str) -> pd.Series:
        s = self.records[col]
        if pd.api.types.is_datetime64_any_dtype(s):  # yyyymmdd by arithmetic (strftime is slow)
            s = (s.dt.year * 10000 + s.dt.month * 100 + s.dt.day).astype("Int64")
        if pd.api.types.is_bool_dtype(s):
            return s
        s = s.astype("string")
        return s.where(s.str.len() > 0)

    def joint(self, cols: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Codes (k, n) of ``cols`` factorized jointly (-1 = null) and the unique values."""
        if cols not in self._joint:
            stacked = pd.concat(
                [self.strings(c).reset_index(drop=True) for c in cols], ignore_index=True
            )
            codes, uniques = pd.factorize(stacked, use_na_sentinel=True)
            self._joint[cols] = (
                codes.reshape(len(cols), self.n).astype(np.int64),
                np.asarray(uniques, dtype=object),
            )
        return self._joint[cols]

    def date_parts(self, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(year, month, day, days-since-epoch) with -1 / min-int for missing."""
        if col not in self._dates:
            d = pd.to_datetime(self.records[col], errors="coerce")
            ok = d.notna().to_numpy()
            y = np.where(ok, d.dt.year.fillna(-1).to_numpy(), -1).astype(np.int64)
            m = np.where(ok, d.dt.month.fillna(-1).to_numpy(), -1).astype(np.int64)
            dd = np.where(ok, d.dt.day.fillna(-1).to_numpy(), -1).astype(np.int64)
            days = np.where(ok, (d.to_numpy(dtype="datetime64[D]").astype(np.int64)), -(2**40))
            self._dates[col] = (y, m, dd, days)
        return self._dates[col]

    def name_groups(self, col: str, kind: str) -> np.ndarray | None:
        """Sorted ``value_code * G + group`` memberships of each distinct given-name key.

        Nickname / cross-language equivalence is "the two names share a canonical group",
        so it is computed once per *distinct value* (Python, a few thousand names) and
        then tested for millions of pairs with a vectorized sorted-array lookup.
        """
        key = (col, kind)
        if key not in self._groups:
            if _names is None or not hasattr(_names, "canonical_given_set"):
                return None
            _, uniques = self.joint((col,))
            cross = kind != "nickname_equivalent"
            vals, toks = [], []
            for i, v in enumerate(uniques.tolist()):
                canon = _names.canonical_given_set(v) or (v,)
                tokens = {f"n:{c}" for c in canon}
                if cross:
                    for c in canon:
                        tokens.update(f"x:{g}" for g in _names.cross_language_groups(c))
                vals.extend([i] * len(tokens))
                toks.extend(tokens)
            tok_codes, tok_uniq = pd.factorize(pd.Series(toks, dtype=object))
            g = max(len(tok_uniq), 1)
            self._groups[key] = (
                unique_sorted(np.asarray(vals, dtype=np.int64) * g + tok_codes),
                g,
            )
        return self._groups[key]

    def flags(self, cols: list[str]) -> np.ndarray:
        """Record-level OR of boolean columns (absent columns count as False)."""
        out = np.zeros(self.n, dtype=bool)
        for c in cols:
            if c in self.records.columns:
                out |= self.records[c].fillna(False).astype(bool).to_numpy()
        return out


def _any_equal(codes: np.ndarray, lft: np.ndarray, rgt: np.ndarray) -> tuple[np.ndarray, ...]:
    """Any cross-column equality of jointly-coded columns; also the agreeing left code."""
    hit = np.zeros(lft.size, dtype=bool)
    agree_code = np.full(lft.size, -1, dtype=np.int64)
    for i in range(codes.shape[0]):
        cl = codes[i][lft]
        for j in range(codes.shape[0]):
            eq = (cl >= 0) & (cl == codes[j][rgt]) & ~hit
            agree_code[eq] = cl[eq]
            hit |= eq
    return hit, agree_code


def _share_group(groups: tuple[np.ndarray, int], cl: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """True where the two value codes share at least one group (vectorized)."""
    memb, g = groups
    out = np.zeros(cl.size, dtype=bool)
    ok = (cl >= 0) & (cr >= 0)
    if not ok.any() or memb.size == 0:
        return out
    idx = np.flatnonzero(ok)
    owner = memb // g
    start = np.searchsorted(owner, cl[idx], side="left")
    count = np.searchsorted(owner, cl[idx], side="right") - start
    rep = np.repeat(np.arange(idx.size), count)
    pos = np.repeat(start, count) + (np.arange(rep.size) - np.repeat(np.cumsum(count) - count,
                                                                     count))
    tok = memb[pos] % g
    want = cr[idx][rep] * g + tok
    j = np.minimum(np.searchsorted(memb, want), memb.size - 1)
    hit = memb[j] == want
    found = np.zeros(idx.size, dtype=bool)
    np.logical_or.at(found, rep[hit], True)
    out[idx] = found
    return out


def _string_scores(
    codes: np.ndarray, uniques: np.ndarray, lft: np.ndarray, rgt: np.ndarray, level: Level
) -> np.ndarray:
    """Boolean: string level holds, computed once per unique (unordered) value pair."""
    t = float(level.threshold)  # validated present

    def holds(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
        if level.kind == "jaro_winkler":
            s = process.cpdist(qa, qb, scorer=JaroWinkler.similarity, score_cutoff=t, workers=-1)
            hold = s >= t
        else:
            scorer = (Levenshtein.distance if level.kind == "levenshtein"
                      else DamerauLevenshtein.distance)
            s = process.cpdist(qa, qb, scorer=scorer, score_cutoff=int(t), workers=-1)
            hold = s <= int(t)
        return hold & (qa != qb)  # identical values are 'exact', not 'fuzzy'

    return _value_pair_test(codes, uniques, lft, rgt, holds)


def _value_pair_test(
    codes: np.ndarray, uniques: np.ndarray, lft: np.ndarray, rgt: np.ndarray, test
) -> np.ndarray:  # noqa: ANN001 - test: vectorized (values, values) -> bool array
    """Boolean per pair from ``test`` run once per distinct unordered value pair."""
    cl, cr = codes[lft], codes[rgt]
    ok = (cl >= 0) & (cr >= 0)
    out = np.zeros(lft.size, dtype=bool)
    if not ok.any():
        return out
    a, b = np.minimum(cl[ok], cr[ok]), np.maximum(cl[ok], cr[ok])
    k = int(uniques.size) + 1
    upairs, inv = np.unique(a * k + b, return_inverse=True)
    hold = np.asarray(test(uniques[upairs // k], uniques[upairs % k]), dtype=bool)
    out[ok] = hold[inv.ravel()]
    return out


_SAME_PERSON_GIVEN_JW = 0.85  # given names this similar may be one person's typo/variant


def _same_person_given(a: str, b: str) -> bool:
    """Could two given keys be written by one person ("walter"/"wakter", "pilar"/"maria
    pilar", "pepe"/"jose"; not "juan"/"juana")? Counts the people behind a shared value."""
    if _names is None:
        return JaroWinkler.similarity(a, b) >= _SAME_PERSON_GIVEN_JW
    ga, gb = _names.given_gender(a), _names.given_gender(b)
    if ga and gb and ga != gb:  # "juan" / "juana": a couple's phone
        return False
    if JaroWinkler.similarity(a, b) >= _SAME_PERSON_GIVEN_JW:
        return True
    return bool(_names.nickname_equivalent(a, b) or _names.given_tokens_compatible(a, b))


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


def _shared_values(cache: _Columns, cols: tuple[str, ...],
                   comp: Comparison) -> tuple[np.ndarray, np.ndarray]:
    """Booleans per joint code: value used by more than ``max_distinct`` different people
    (``shared``), and, among those, values whose people include a man and a woman
    (``household``: a couple's phone or a family mailbox).

    People are told apart by ``distinct_column`` (the given name): a mailbox written by
    "Walter" and by "Wakter" is one person's with a typo, not a family's, so names that
    are typo-close, nicknames or parts of one another count once.
    """
    codes, uniques = cache.joint(cols)
    shared = np.zeros(uniques.size, dtype=bool)
    household = np.zeros(uniques.size, dtype=bool)
    sh = comp.shared
    if sh is None or sh.distinct_column is None or not cache.has(sh.distinct_column):
        return shared, household
    dcodes, duniq = cache.joint((sh.distinct_column,))
    dcode = dcodes[0]
    vc = codes.ravel()
    dc = np.tile(dcode, codes.shape[0])
    ok = (vc >= 0) & (dc >= 0)
    k = len(duniq) + 1
    pairs = unique_sorted(vc[ok] * k + dc[ok])
    distinct = np.bincount(pairs // k, minlength=uniques.size)
    shared[:] = distinct > sh.max_distinct
    household[:] = distinct > _RECOUNT_MAX_NAMES  # too many names to tell: assume so
    # Few values have several spellings of a name: recount those by people.
    recount = shared[pairs // k] & (distinct[pairs // k] <= _RECOUNT_MAX_NAMES)
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
            shared[v] = _people_count(list(names)) > sh.max_distinct
            if _names is not None:
                genders = {_names.given_gender(g) for g, _ in names} - {None}
                household[v] = len(genders) > 1
    return shared, household


_RECOUNT_MAX_NAMES = 6  # more distinct given names than this on one value: shared anyway


def _same_person_pairs(cache: _Columns, comp: Comparison, lft: np.ndarray, rgt: np.ndarray,
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

    out[idx] = _value_pair_test(codes[0], uniques, lft[idx], rgt[idx], same)
    return out


def kind_needs_two(level: Level) -> bool:
    return level.kind in ("swapped", "second_surname_differs")


def _level_holds(
    cache: _Columns,
    comp: Comparison,
    level: Level,
    lft: np.ndarray,
    rgt: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(holds, agreeing joint code for tf or None); None when a column is absent."""
    cols = level.columns or _DEFAULT_LEVEL_COLUMNS.get(level.kind) or [comp.columns[0]]
    if kind_needs_two(level) and len(cols) < 2:
        raise ValueError(f"level {level.name!r} of {comp.name!r}: 'swapped' needs two columns")
    if not all(cache.has(c) for c in cols):
        return None
    kind = level.kind
    if kind in ("exact", "phonetic_equal", "either_surname_equal", "exact_shared"):
        codes, _ = cache.joint(tuple(cols))
        hit, agree = _any_equal(codes, lft, rgt)
        if kind == "exact_shared":
            shared, household = _shared_values(cache, tuple(cols), comp)
            flag = cache.flags(comp.shared.flag_columns if comp.shared else [])
            value = np.maximum(agree, 0)
            on_shared = hit & (agree >= 0) & shared[value]
            # On a value that is not a couple's, two spellings of one person's name keep
            # the evidence ("Andrei" / "Андрюша" beside an unrecognised "Anryusha").
            personal = on_shared & ~household[value]
            on_shared &= ~_same_person_pairs(cache, comp, lft, rgt, personal)
            hit &= on_shared | flag[lft] | flag[rgt]
        return hit, agree
    if kind == "swapped":
        codes, _ = cache.joint(tuple(cols[:2]))
        c0, c1 = codes[0], codes[1]
        hold = ((c0[lft] >= 0) & (c0[lft] == c1[rgt])) | ((c1[lft] >= 0) & (c1[lft] == c0[rgt]))
        return hold, None
    if kind in ("nickname_equivalent", "cross_language_equivalent"):
        groups = cache.name_groups(cols[0], kind)
        if groups is None:  # no names module: canonical given-name key equality
            if not cache.has("given_canon"):
                return None
            codes, _ = cache.joint(("given_canon",))
            return _any_equal(codes, lft, rgt)[0], None
        codes, _ = cache.joint((cols[0],))
        return _share_group(groups, codes[0][lft], codes[0][rgt]), None
    if kind == "second_surname_differs":
        # Spanish surnames are fixed for life: same first surname, clearly different second
        # one is a parent and child ("Hernández Escobar" / "Hernández Pérez"), or cousins.
        first, _ = cache.joint((cols[0],))
        second, uniques = cache.joint((cols[1],))
        same_first = (first[0][lft] >= 0) & (first[0][lft] == first[0][rgt])
        both_second = (second[0][lft] >= 0) & (second[0][rgt] >= 0)
        limit = float(level.threshold) if level.threshold is not None else 0.8

        def differ(qa: np.ndarray, qb: np.ndarray) -> np.ndarray:
            sim = process.cpdist(qa, qb, scorer=JaroWinkler.similarity, workers=-1)
            return sim < limit

        hold = same_first & both_second
        if hold.any():
            idx = np.flatnonzero(hold)
            hold[idx] = _value_pair_test(second[0], uniques, lft[idx], rgt[idx], differ)
        return hold, None
    if kind == "given_tokens_compatible":
        if _names is None:
            return None
        codes, uniques = cache.joint((cols[0],))
        return _value_pair_test(codes[0], uniques, lft, rgt,
                                _names.given_tokens_compatible), None
    if kind in ("jaro_winkler", "levenshtein", "damerau"):
        codes, uniques = cache.joint((cols[0],))
        return _string_scores(codes[0], uniques, lft, rgt, level), None
    y, m, d, days = cache.date_parts(cols[0])
    both = (y[lft] >= 0) & (y[rgt] >= 0)
    if kind == "dob_swapped":
        hold = (
            both
            & (y[lft] == y[rgt])
            & (d[lft] == m[rgt])
            & (m[lft] == d[rgt])
            & (d[lft] != m[lft])
        )
    elif kind == "same_year":
        hold = both & (y[lft] == y[rgt])
    elif kind == "within_days":
        hold = both & (np.abs(days[lft] - days[rgt]) <= float(level.threshold))
    else:  # pragma: no cover - Literal validated by config
        raise ValueError(f"unknown level kind {kind}")
    return hold, None


def _records_by_id(records: pd.DataFrame) -> pd.DataFrame:
    """Records ordered so that row position == record_id (dense 0..n-1 required)."""
    rid = records["record_id"].to_numpy()
    if not np.array_equal(rid, np.arange(len(records))):
        records = records.sort_values("record_id").reset_index(drop=True)
        if not np.array_equal(records["record_id"].to_numpy(), np.arange(len(records))):
            raise ValueError("record_id must be dense 0..n-1")
    return records


def compare_pairs(
    records: pd.DataFrame,
    left: np.ndarray,
    right: np.ndarray,
    comparisons: list[Comparison],
) -> ComparisonResult:
    """Compute the level of every comparison for every (left, right) record_id pair.

    Comparisons whose primary column is absent are skipped with a note (FEBRL has no
    email); levels whose columns are absent are dropped from that comparison.
    """
    records = _records_by_id(records)
    cache = _Columns(records)
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    npairs = left.size
    out_levels: list[np.ndarray] = []
    tfs: dict[str, np.ndarray] = {}
    resolved: list[ResolvedComparison] = []
    notes: list[str] = []
    for comp in comparisons:
        present = [c for c in comp.columns if cache.has(c)]
        if not present or comp.columns[0] not in present:
            notes.append(f"comparison {comp.name!r} skipped: column absent")
            continue
        rec_null = np.ones(cache.n, dtype=bool)
        for c in present:
            codes, _ = cache.joint((c,))
            rec_null &= codes[0] < 0
        rec_null |= cache.flags(comp.null_when)
        lv = np.full(npairs, -1, dtype=np.int8)
        todo = np.flatnonzero(~(rec_null[left] | rec_null[right]))
        tf = np.full(npairs, np.nan, dtype=np.float32)
        names: list[str] = []
        fixed: list[float | None] = []
        tf_flags: list[bool] = []
        skipped: list[str] = []
        for level in comp.levels:
            got = _level_holds(cache, comp, level, left[todo], right[todo])
            if got is None:
                skipped.append(level.name)
                continue
            hold, agree = got
            idx = len(names)
            use_tf = level.tf_adjust if level.tf_adjust is not None else (
                comp.tf_adjust and level.kind in _TF_KINDS
            )
            names.append(level.name)
            fixed.append(level.fixed_weight)
            tf_flags.append(bool(use_tf and agree is not None))
            sel = todo[hold]
            lv[sel] = idx
            if use_tf and agree is not None:
                cols = tuple(level.columns or [comp.columns[0]])
                codes, uniques = cache.joint(cols)
                flat = codes.ravel()
                counts = np.bincount(flat[flat >= 0], minlength=uniques.size)
                nonnull = max(int((codes >= 0).any(axis=0).sum()), 1)
                tf[sel] = counts[agree[hold]] / nonnull
            todo = todo[~hold]
        lv[todo] = len(names)
        names.append("else")
        fixed.append(comp.else_weight)
        tf_flags.append(False)
        if skipped:
            notes.append(f"comparison {comp.name!r}: levels skipped (column absent): {skipped}")
        out_levels.append(lv)
        tfs[comp.name] = tf
        resolved.append(ResolvedComparison(comp.name, names, tf_flags, skipped, fixed))
    levels = (
        np.column_stack(out_levels) if out_levels else np.empty((npairs, 0), dtype=np.int8)
    )
    return ComparisonResult(levels=levels.astype(np.int8), tf=tfs, comparisons=resolved,
                            notes=notes)
