"""Record columns coded once per run, and the vectorized tests comparison levels build on.

Every level compares millions of pairs, so each column is factorized once (codes aligned
with record_id, -1 = null) and string similarity runs on distinct value pairs only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from transforms.block import unique_sorted
from transforms.name_matching import canonical_given_set, cross_language_groups

ValuePairTest = Callable[[np.ndarray, np.ndarray], np.ndarray]


class RecordColumns:
    """Per-run cache of factorized record columns (codes aligned with record_id)."""

    def __init__(self, records: pd.DataFrame) -> None:
        self.records = records
        self.n = len(records)
        self._joint: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._dates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._groups: dict[tuple[str, bool], tuple[np.ndarray, int]] = {}
        self._masks: dict[tuple[str, tuple[str, ...], tuple[str, ...]], np.ndarray] = {}
        # which values several people use, per (value columns, comparison)
        self.shared: dict[tuple[tuple[str, ...], str], tuple[np.ndarray, np.ndarray]] = {}

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

    def name_groups(self, col: str, cross_language: bool) -> tuple[np.ndarray, int]:
        """Sorted ``value_code * G + group`` memberships of each distinct given-name key.

        Nickname / cross-language equivalence is "the two names share a canonical group",
        so it is computed once per *distinct value* (Python, a few thousand names) and
        then tested for millions of pairs with a vectorized sorted-array lookup.
        """
        key = (col, cross_language)
        if key not in self._groups:
            _, uniques = self.joint((col,))
            vals: list[int] = []
            toks: list[str] = []
            for i, v in enumerate(uniques.tolist()):
                canon = canonical_given_set(v) or (v,)
                tokens = {f"n:{c}" for c in canon}
                if cross_language:
                    for c in canon:
                        tokens.update(f"x:{g}" for g in cross_language_groups(c))
                vals.extend([i] * len(tokens))
                toks.extend(tokens)
            tok_codes, tok_uniq = pd.factorize(pd.Series(toks, dtype=object))
            g = max(len(tok_uniq), 1)
            self._groups[key] = (
                unique_sorted(np.asarray(vals, dtype=np.int64) * g + tok_codes),
                g,
            )
        return self._groups[key]

    def null_records(self, cols: tuple[str, ...], null_when: tuple[str, ...]) -> np.ndarray:
        """Records with none of ``cols`` (or flagged by a ``null_when`` column), computed once:
        clustering compares a few pairs at a time and must not pay O(records) per call."""
        key = ("null", cols, null_when)
        if key not in self._masks:
            out = np.ones(self.n, dtype=bool)
            for c in cols:
                out &= self.joint((c,))[0][0] < 0
            self._masks[key] = out | self.flags(list(null_when))
        return self._masks[key]

    def frequencies(self, cols: tuple[str, ...]) -> np.ndarray:
        """Share of records holding each joint value of ``cols`` (term frequencies)."""
        key = ("freq", cols, ())
        if key not in self._masks:
            codes, uniques = self.joint(cols)
            flat = codes.ravel()
            counts = np.bincount(flat[flat >= 0], minlength=uniques.size)
            nonnull = max(int((codes >= 0).any(axis=0).sum()), 1)
            self._masks[key] = (counts / nonnull).astype(np.float32)
        return self._masks[key]

    def flags(self, cols: list[str]) -> np.ndarray:
        """Record-level OR of boolean columns (absent columns count as False)."""
        key = ("flags", tuple(cols), ())
        if key not in self._masks:
            out = np.zeros(self.n, dtype=bool)
            for c in cols:
                if c in self.records.columns:
                    out |= self.records[c].fillna(False).astype(bool).to_numpy()
            self._masks[key] = out
        return self._masks[key]


def any_equal(codes: np.ndarray, lft: np.ndarray, rgt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def share_group(groups: tuple[np.ndarray, int], cl: np.ndarray, cr: np.ndarray) -> np.ndarray:
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


def value_pair_test(codes: np.ndarray, uniques: np.ndarray, lft: np.ndarray, rgt: np.ndarray,
                    test: ValuePairTest) -> np.ndarray:
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
