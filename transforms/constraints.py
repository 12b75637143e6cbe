"""Cannot-link constraints learned from the model, for clustering without chaining.

A comparison level is a cannot-link only when its learned weight on this data is
overwhelming (below ``-cannot_link_bits``): a date of birth years apart is proof of two
people where dates are keyed carefully, and only weak evidence where they are full of
typos. Such a conflict is waived for a pair that agrees overwhelmingly on another
comparison (above ``+cannot_link_bits``: the same personal id, the same full birth date)
— a re-typed birth date or a replaced first name happens; two strangers sharing a
personal id almost never. Two different valid tax ids with a check digit are always a
conflict, whatever the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_golden.config.matching import ClusterSettings, Comparison
from transforms.compare import compare_pairs
from transforms.compare_columns import RecordColumns
from transforms.model import FSModel

_OK_STATUSES = ("valid", "fixed")
_CHECKSUM_TAX_TYPES = ("es_dni", "es_nie", "es_cif", "ru_inn")
TAX_CHECKSUM_REASON = "valid_tax_ids_differ"
STEWARD_REASON = "cannot_link"


@dataclass(frozen=True)
class ConstraintLevels:
    """Which levels of one comparison forbid a link, and which vouch for one."""

    comparison: Comparison
    cannot_link: np.ndarray  # bool per level (incl. "else")
    vouches: np.ndarray  # bool per level


def constraint_levels(model: FSModel, comparisons: list[Comparison], bits: float,
                      vouch_bits: float | None = None) -> list[ConstraintLevels]:
    """The model's comparisons with a level below ``-bits`` or above ``+vouch_bits``
    (default ``bits``), even at the edge of what the data's size allows
    (``ComparisonParams.confident_weights``)."""
    by_name = {c.name: c for c in comparisons}
    out = []
    for params in model.comparisons:
        upper, lower = params.confident_weights()  # what the data's size supports
        cannot, vouch = upper < -bits, lower > (bits if vouch_bits is None else vouch_bits)
        if (cannot.any() or vouch.any()) and params.name in by_name:
            out.append(ConstraintLevels(by_name[params.name], cannot, vouch))
    return out


class Constraints:
    """Conflict masks for any record pairs: bit 0 = valid tax ids differ, bit k + 1 = the
    k-th constraint comparison holds a cannot-link level (``reasons`` names the bits)."""

    def __init__(self, records: pd.DataFrame, levels: list[ConstraintLevels],
                 check_tax_ids: bool = True, cache: RecordColumns | None = None) -> None:
        if cache is not None and cache.n == len(records):
            # the cache compares pairs: only the tax id columns are read here (no full copy)
            records = records[[c for c in ("record_id", "tax_id_norm", "tax_id_status",
                                           "tax_id_type") if c in records.columns]]
        rec = records.sort_values("record_id").reset_index(drop=True)
        self.records = rec
        self.n = len(rec)
        # the run's coded columns when given (the same records, already coded once)
        self.cache = cache if cache is not None and cache.n == self.n else RecordColumns(rec)
        self.levels = levels
        self.cannot_comps = [i for i, lv in enumerate(levels) if lv.cannot_link.any()]
        self.reasons = [TAX_CHECKSUM_REASON] + [levels[i].comparison.name
                                                for i in self.cannot_comps]
        self.tax = np.full(self.n, -1, dtype=np.int64)
        if check_tax_ids and "tax_id_norm" in rec.columns:
            s = rec["tax_id_norm"].astype("string")
            if "tax_id_status" in rec.columns:
                s = s.where(rec["tax_id_status"].isin(_OK_STATUSES))
            if "tax_id_type" in rec.columns:
                # only ids with a check digit are proof: a shape-only id may hold a typo
                s = s.where(rec["tax_id_type"].isin(_CHECKSUM_TAX_TYPES))
            self.tax = pd.factorize(s, use_na_sentinel=True)[0].astype(np.int64)

    @classmethod
    def from_model(cls, records: pd.DataFrame, model: FSModel, comparisons: list[Comparison],
                   settings: ClusterSettings, cache: RecordColumns | None = None
                   ) -> Constraints:
        return cls(records, constraint_levels(model, comparisons, settings.cannot_link_bits,
                                              settings.vouch_bits),
                   settings.valid_tax_ids_differ, cache)

    @property
    def active(self) -> bool:
        """False when nothing can ever conflict (no constraint level, no tax id)."""
        return bool(self.cannot_comps) or bool((self.tax >= 0).any())

    def conflict_masks(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bit masks of each pair: ``raw`` (the values conflict) and ``eff`` (the conflicts
        left once a vouching level of another comparison waives them)."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        raw = np.zeros(a.size, dtype=np.int64)
        tx = (self.tax[a] >= 0) & (self.tax[b] >= 0) & (self.tax[a] != self.tax[b])
        raw[tx] |= 1
        if not self.levels or a.size == 0:
            return raw, raw.copy()
        result = compare_pairs(self.records, a, b, [lv.comparison for lv in self.levels],
                               cache=self.cache)
        names = [c.name for c in result.comparisons]
        vouch = np.zeros((len(self.levels), a.size), dtype=bool)
        cannot = np.zeros((len(self.levels), a.size), dtype=bool)
        for i, lv in enumerate(self.levels):
            if lv.comparison.name not in names:
                continue
            col = result.levels[:, names.index(lv.comparison.name)].astype(np.int64)
            has = col >= 0
            vouch[i, has] = lv.vouches[col[has]]
            cannot[i, has] = lv.cannot_link[col[has]]
        eff = raw.copy()
        for bit, i in enumerate(self.cannot_comps, start=1):
            raw[cannot[i]] |= 1 << bit
            others = np.delete(vouch, i, axis=0).any(axis=0)
            eff[cannot[i] & ~others] |= 1 << bit
        return raw, eff

    def conflict_mask(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.conflict_masks(a, b)[1]

    def first_reason(self, mask: np.ndarray) -> np.ndarray:
        """Index into ``reasons`` of the lowest conflict bit, -1 where none."""
        out = np.full(mask.size, -1, dtype=np.int64)
        for bit in range(len(self.reasons) - 1, -1, -1):
            out[(mask & (1 << bit)) != 0] = bit
        return out

    def group_conflict(self, ma: list[int], mb: list[int]) -> int:
        """Index of the first reason that keeps groups ``ma`` and ``mb`` apart, -1 if none.

        A conflict on bit k between x of one group and y of the other is waived when the
        groups already explain it: some z in x's group is compatible with y on k and
        either z and y conflict but are vouched for (z vouches for y), or z conflicts with
        x on k, a difference x's group has already accepted as one person's (two birth
        dates of a person merged through a shared personal id); or the same with the
        groups' roles swapped. Valid tax ids that differ are never waived.
        """
        xs, ys = np.asarray(ma, dtype=np.int64), np.asarray(mb, dtype=np.int64)
        raw_xy, eff_xy = self._mask_matrices(xs, ys)
        if not eff_xy.any():
            return -1
        raw_xx = self._mask_matrices(xs, xs)[0]
        raw_yy = self._mask_matrices(ys, ys)[0]
        left = eff_xy.copy()
        for k in range(1, len(self.reasons)):
            bit = 1 << k
            hit = (eff_xy & bit) != 0
            if not hit.any():
                continue
            ok = ~hit
            vouched = ok & ((raw_xy & bit) != 0)
            acc_x, acc_y = (raw_xx & bit) != 0, (raw_yy & bit) != 0
            by_a = vouched[:, None, :] | (ok[:, None, :] & acc_x[:, :, None])  # (z, x, y)
            by_b = vouched[:, :, None] | (ok[:, :, None] & acc_y[None, :, :])  # (x, w, y)
            left[hit & (by_a.any(axis=0) | by_b.any(axis=1))] &= ~bit
        why = self.first_reason(left.ravel())
        found = why[why >= 0]
        return int(found[0]) if found.size else -1

    def _mask_matrices(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raw, eff = self.conflict_masks(np.repeat(xs, ys.size), np.tile(ys, xs.size))
        return raw.reshape(xs.size, ys.size), eff.reshape(xs.size, ys.size)
