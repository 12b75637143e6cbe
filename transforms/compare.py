"""Multi-level comparison vectors for candidate pairs.

Each comparison of ``rules/matching.yaml`` turns every pair into an int8 level:
``-1`` = null (either side has no value: weight 0), ``0..L-1`` = the first listed level
that holds, ``L`` = "else" (the values disagree). Levels, not booleans, because a
nickname match or a one-letter typo is evidence of a different strength than an exact
match, and the model learns a separate m/u for each. Level kinds live in
``transforms.compare_levels``, one small function each.

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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_golden.config.matching import Comparison
from transforms.compare_columns import RecordColumns
from transforms.compare_levels import LEVEL_KINDS, level_columns, level_holds
from transforms.partitions import Mapper, StepReport, bounds, serial_map, step_progress


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
    cache: RecordColumns | None = None,
) -> ComparisonResult:
    """Compute the level of every comparison for every (left, right) record_id pair.

    Comparisons whose primary column is absent are skipped with a note (FEBRL has no
    email); levels whose columns are absent are dropped from that comparison. ``cache``
    (columns of the same dense records, coded once) lets repeated calls on a few pairs
    each, as clustering makes, skip the factorization.
    """
    if cache is None:
        cache = RecordColumns(_records_by_id(records))
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
        rec_null = cache.null_records(tuple(present), tuple(comp.null_when))
        lv = np.full(npairs, -1, dtype=np.int8)
        todo = np.flatnonzero(~(rec_null[left] | rec_null[right]))
        tf = np.full(npairs, np.nan, dtype=np.float32)
        names: list[str] = []
        fixed: list[float | None] = []
        tf_flags: list[bool] = []
        skipped: list[str] = []
        for level in comp.levels:
            got = level_holds(cache, comp, level, left[todo], right[todo])
            if got is None:
                skipped.append(level.name)
                continue
            hold, agree = got
            idx = len(names)
            use_tf = level.tf_adjust if level.tf_adjust is not None else (
                comp.tf_adjust and LEVEL_KINDS[level.kind].tf_capable
            )
            names.append(level.name)
            fixed.append(level.fixed_weight)
            tf_flags.append(bool(use_tf and agree is not None))
            sel = todo[hold]
            lv[sel] = idx
            if use_tf and agree is not None:
                tf[sel] = cache.frequencies(tuple(level_columns(comp, level)))[agree[hold]]
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


# --------------------------------------------------------------------------- partitions

# The records' coded columns, kept between the partitions of one run in this process (a
# Dask worker keeps the records it was sent): (records object, its RecordColumns).
_COLUMNS: list[tuple[pd.DataFrame, RecordColumns]] = []


def _columns_of(records: pd.DataFrame) -> RecordColumns:
    """The ``RecordColumns`` of ``records`` (this very object), built once per process."""
    if not _COLUMNS or _COLUMNS[0][0] is not records:
        _COLUMNS.clear()
        _COLUMNS.append((records, RecordColumns(_records_by_id(records))))
    return _COLUMNS[0][1]


def release_columns() -> None:
    """Drop the cached coded columns (after the last partition of a run)."""
    _COLUMNS.clear()


def compare_partition(records: pd.DataFrame, comparisons: list[Comparison], left: np.ndarray,
                      right: np.ndarray) -> ComparisonResult:
    """``compare_pairs`` on one partition of pairs, with the coded columns cached per
    process: a pair's levels depend only on its two records and on whole-column statistics
    (term frequencies, shared values), never on the other pairs, so any partitioning
    gives the same levels."""
    return compare_pairs(records, left, right, comparisons, cache=_columns_of(records))


def _walk_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk_strings(k)
            yield from _walk_strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk_strings(v)


def comparison_columns(records: pd.DataFrame, comparisons: list[Comparison]) -> list[str]:
    """Columns of ``records`` any comparison names (anywhere in its settings), and
    ``record_id``: what a worker needs to compare pairs, in the records' column order.

    Over-inclusion is harmless; every string of the settings is tried as a column name so
    that a new setting naming a column cannot be forgotten here.
    """
    named = {s for c in comparisons for s in _walk_strings(c.model_dump())}
    named.add("record_id")
    return [c for c in records.columns if c in named]


def comparison_input(records: pd.DataFrame, comparisons: list[Comparison]) -> pd.DataFrame:
    """The records (dense, by record_id) with only the columns comparisons read."""
    records = _records_by_id(records)
    return records[comparison_columns(records, comparisons)]


def record_columns(records: pd.DataFrame, comparisons: list[Comparison]) -> RecordColumns:
    """Coded columns of ``comparison_input``: build once per run, share between the
    candidate partitions, training samples and clustering's constraint checks."""
    return RecordColumns(comparison_input(records, comparisons))


def concat_results(parts: Sequence[ComparisonResult]) -> ComparisonResult:
    """Partition results end to end (levels, term frequencies), in partition order."""
    first = parts[0]
    if len(parts) == 1:
        return first
    levels = np.concatenate([p.levels for p in parts], axis=0)
    tf = {name: np.concatenate([p.tf[name] for p in parts]) for name in first.tf}
    return ComparisonResult(levels=levels, tf=tf, comparisons=first.comparisons,
                            notes=first.notes)


def compare_in_partitions(records: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                          comparisons: list[Comparison], pairs_per_partition: int,
                          mapper: Mapper = serial_map,
                          report: StepReport | None = None,
                          columns: RecordColumns | None = None) -> ComparisonResult:
    """``compare_pairs`` over partitions of at most ``pairs_per_partition`` pairs, run by
    ``mapper`` (in this process, or on a cluster's workers), concatenated in order.

    Only the columns comparisons read are sent (``comparison_columns``); the result is
    the same as one ``compare_pairs`` call on all the pairs. ``columns``: the records'
    coded columns (``record_columns``), used by the partitions run in this process.
    """
    if columns is not None:
        needed = columns.records
        _COLUMNS[:] = [(needed, columns)]
    else:
        needed = comparison_input(records, comparisons)
    cuts = bounds(int(np.asarray(left).size), pairs_per_partition)
    items = [(left[a:b], right[a:b]) for a, b in cuts]
    progress = step_progress(report, "compare", int(np.asarray(left).size), "pairs")
    parts = mapper(compare_partition, items, shared=(needed, comparisons),
                   sizes=[b - a for a, b in cuts], progress=progress, cleanup=release_columns)
    release_columns()  # also here when the partitions ran elsewhere
    return concat_results(parts)
