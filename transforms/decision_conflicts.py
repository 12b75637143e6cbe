"""What a steward decision contradicts, checked with the run's own model (no personal data).

A steward outranks the model, but a merge of two people with different valid tax ids is
usually a slip (a golden id pasted from the wrong row), and once recorded it is a
must-link that every later run obeys. So before a verb forces records into one profile,
every record pair it joins (one record from each *side*: the groups that were apart before
the decision) is looked at with the cannot-links the model learned on this data
(:class:`transforms.constraints.Constraints`):

- **hard**: an effective conflict bit (two different valid check-digit tax ids, or a level
  whose learned weight is overwhelming against a link and that no other comparison vouches
  for). The verb refuses these unless forced.
- **waived**: a conflict another comparison vouched away (the model would accept it).
- **soft**: a comparison whose weight for the pair is negative without being a conflict
  (different given names, another address): shown to the steward, never refused.

Counts are per comparison name and record pair; values never leave this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_golden.config.matching import MatchingRules
from transforms.compare import compare_pairs
from transforms.constraints import Constraints
from transforms.model import FSModel, pair_weights


@dataclass
class DecisionConflicts:
    """Record pairs a decision joins and, per comparison name, how many of them conflict."""

    pairs: int = 0
    conflicting: int = 0  # pairs with any hard conflict
    hard: dict[str, int] = field(default_factory=dict)
    waived: dict[str, int] = field(default_factory=dict)
    soft: dict[str, int] = field(default_factory=dict)

    @property
    def refuses(self) -> bool:
        return bool(self.hard)

    def describe(self) -> str:
        """``valid_tax_ids_differ, date_of_birth (2 of 4 record pairs)``: what refuses."""
        return f"{', '.join(self.hard)} ({self.conflicting} of {self.pairs} record pairs)"

    def as_dict(self) -> dict[str, Any]:
        return {"pairs": self.pairs, "conflicting": self.conflicting, "hard": dict(self.hard),
                "waived": dict(self.waived), "soft": dict(self.soft)}


def cross_pairs(sides: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of records taken from two different sides (record ids as given)."""
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    arrays = [np.asarray(s, dtype=np.int64) for s in sides]
    for i, a in enumerate(arrays):
        for b in arrays[i + 1:]:
            left.append(np.repeat(a, b.size))
            right.append(np.tile(b, a.size))
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(left), np.concatenate(right)


def _count_bits(mask: np.ndarray, reasons: list[str]) -> dict[str, int]:
    out = {}
    for bit, name in enumerate(reasons):
        n = int(((mask & (1 << bit)) != 0).sum())
        if n:
            out[name] = n
    return out


def decision_conflicts(records: pd.DataFrame, sides: Sequence[Sequence[int]], model: FSModel,
                       rules: MatchingRules) -> DecisionConflicts:
    """Conflicts between the sides a decision joins, for ``records`` (their clean rows, any
    record ids) under ``model`` and the rules' comparisons and cluster settings."""
    a_ids, b_ids = cross_pairs(sides)
    if a_ids.size == 0:
        return DecisionConflicts()
    rec = records.drop_duplicates("record_id").sort_values("record_id", kind="stable")
    orig = rec["record_id"].to_numpy(dtype=np.int64)
    known = np.isin(a_ids, orig) & np.isin(b_ids, orig)
    a = np.searchsorted(orig, a_ids[known])
    b = np.searchsorted(orig, b_ids[known])
    if a.size == 0:
        return DecisionConflicts()
    dense = rec.reset_index(drop=True).assign(record_id=np.arange(len(orig), dtype=np.int64))
    cons = Constraints.from_model(dense, model, rules.comparisons, rules.cluster)
    raw, eff = cons.conflict_masks(a, b)
    out = DecisionConflicts(pairs=int(a.size), conflicting=int((eff != 0).sum()),
                            hard=_count_bits(eff, cons.reasons),
                            waived=_count_bits(raw & ~eff, cons.reasons))
    result = compare_pairs(dense, a, b, rules.comparisons, cache=cons.cache)
    if not model.matches(result):
        return out  # rules changed since the model: hard conflicts only
    _, weights = pair_weights(result, model)
    for i, comp in enumerate(result.comparisons):
        against = (result.levels[:, i] >= 0) & (weights[comp.name] < 0)
        if comp.name in cons.reasons:  # pairs this comparison already forbids are not soft
            against &= (raw & (1 << cons.reasons.index(comp.name))) == 0
        if against.any():
            out.soft[comp.name] = int(against.sum())
    return out
