"""Work in partitions of bounded size: row chunks, pair partitions, and who runs them.

Why: the single-process run held every candidate pair's comparison and score at once, so
its peak memory grew with the pair count. Cut into partitions of at most
``Partitioning.pairs`` pairs (``rows`` records for normalization), the peak depends on
the partition size; the same cut lets a Dask cluster run the partitions on its workers.

A ``Mapper`` runs ``fn(*shared, *item)`` for every item and returns the results *in item
order*: the embedded one (:func:`serial_map`) in this process, ``flows.dask_engine`` on a
cluster. Results are concatenated in that fixed order with fixed dtypes
(:func:`concat_rows`), so every engine and partition size gives byte-identical outputs.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

# Defaults measured on this project's 2-core bench machine (bench/scale.py): 250k pairs
# per partition keep a partition's temporaries under ~150 MB while per-partition
# overhead stays below 2% of compare time; 200k rows per normalization chunk keep a Dask
# worker's chunk (raw + normalized columns) under ~600 MB.
DEFAULT_PAIRS_PER_PARTITION = 250_000
DEFAULT_ROWS_PER_CHUNK = 200_000


@dataclass(frozen=True)
class Partitioning:
    """Partition sizes: pairs per compare/score partition, rows per normalization chunk."""

    pairs: int = DEFAULT_PAIRS_PER_PARTITION
    rows: int = DEFAULT_ROWS_PER_CHUNK

    def __post_init__(self) -> None:
        if self.pairs < 1 or self.rows < 1:
            raise ValueError("partition sizes must be >= 1")


Progress = Callable[[int], None]  # called with the units (rows, pairs) a finished item did
# (step, done, total, unit), e.g. ("compare", 1_250_000, 4_800_000, "pairs")
StepReport = Callable[[str, int, int, str], None]


def step_progress(report: StepReport | None, step: str, total: int,
                  unit: str) -> Progress | None:
    """A ``Progress`` that adds up finished units and reports them as ``step`` of ``total``."""
    if report is None:
        return None
    done = [0]
    report(step, 0, total, unit)

    def advance(units: int) -> None:
        done[0] += units
        report(step, done[0], total, unit)

    return advance


class Mapper(Protocol):
    """Runs ``fn(*shared, *item)`` per item; results in item order (see module docstring).

    ``sizes`` (units per item) feed ``progress``; ``shared`` are arguments every item
    needs (a cluster sends them to each worker once); ``cleanup`` runs once after the
    last item in every process that ran items (dropping a per-process cache).
    """

    def __call__(self, fn: Callable[..., Any], items: Sequence[tuple[Any, ...]], *,
                 shared: tuple[Any, ...] = (), sizes: Sequence[int] | None = None,
                 progress: Progress | None = None,
                 cleanup: Callable[[], Any] | None = None) -> list[Any]: ...


def serial_map(fn: Callable[..., Any], items: Sequence[tuple[Any, ...]], *,
               shared: tuple[Any, ...] = (), sizes: Sequence[int] | None = None,
               progress: Progress | None = None,
               cleanup: Callable[[], Any] | None = None) -> list[Any]:
    """The embedded mapper: one item after the other in this process."""
    out = []
    try:
        for i, item in enumerate(items):
            out.append(fn(*shared, *item))
            if progress is not None:
                progress(int(sizes[i]) if sizes is not None else 1)
    finally:
        if cleanup is not None:
            cleanup()
    return out


def bounds(n: int, size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of consecutive partitions of at most ``size`` (one, empty, for 0)."""
    size = max(int(size), 1)
    return [(i, min(i + size, n)) for i in range(0, n, size)] or [(0, 0)]


def concat_rows(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Row chunks back into one frame, column by column with each column's array type.

    ``pd.concat`` turns <NA> into NaN (and changes the dtype) in a chunk whose column is
    all missing, because it treats all-NA blocks as "no dtype": a chunked run would then
    differ from the whole-frame one.
    """
    if len(frames) == 1:
        return frames[0]
    columns = {}
    for name in frames[0].columns:
        parts = [frame[name].array for frame in frames]
        kinds = {type(p) for p in parts}
        if len(kinds) == 1 and hasattr(parts[0], "_concat_same_type"):
            if all(p.dtype == parts[0].dtype for p in parts):
                columns[name] = type(parts[0])._concat_same_type(parts)
                continue
        columns[name] = pd.concat([frame[name] for frame in frames], ignore_index=True).array
    index = frames[0].index.append([frame.index for frame in frames[1:]])
    return pd.DataFrame(columns, index=index, copy=False)


def concat_arrays(parts: Sequence[np.ndarray], dtype: Any = None) -> np.ndarray:
    """Partition arrays end to end (an empty array of ``dtype`` when there are none)."""
    if not parts:
        return np.empty(0, dtype=dtype)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


@contextlib.contextmanager
def lean_spawn() -> Iterator[None]:
    """Processes started inside this block ("spawn") do not re-run the ``__main__`` module.

    Why: a spawned child imports the parent's main module before it runs anything; under
    ``crm-golden``/``python -m flows.cli`` that is the CLI, which imports Prefect and every
    flow (measured: 11.9% of all CPU samples of a 222k-record run went to the two
    normalization workers importing it). Work sent to our workers lives in importable
    modules (``transforms.*``), so the child needs none of it.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {k: main.__dict__[k] for k in ("__spec__", "__file__")
                             if k in main.__dict__}
    main.__dict__["__spec__"] = None
    main.__dict__.pop("__file__", None)
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)
