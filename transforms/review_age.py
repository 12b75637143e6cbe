"""How long each review pair has waited: ``queued_since`` carried from run to run.

A run rebuilds the review queue from scratch, so a pair's age cannot come from the pair
itself. It is the date the pair first entered the queue, carried over from the previous
run's ``review_queue.parquet`` for as long as the pair stays undecided. A pair is named by
its two records' (source, source_record_id), in either order: record_id is dense per run
and not stable. The audit turns the dates into the queue's age in days.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

QUEUED_SINCE = "queued_since"
_KEY_COLUMNS = ["l_source", "l_source_record_id", "r_source", "r_source_record_id"]
_RUN_DATE = re.compile(r"^(\d{8})T")


def pair_keys(review: pd.DataFrame) -> pd.Series:
    """One text key per pair, the same whichever record is left."""
    left = review["l_source"].astype(str) + "\x1f" + review["l_source_record_id"].astype(str)
    right = review["r_source"].astype(str) + "\x1f" + review["r_source_record_id"].astype(str)
    lo = left.where(left <= right, right)
    hi = right.where(left <= right, left)
    return lo + "\x1e" + hi


def with_queued_since(review: pd.DataFrame, previous: pd.DataFrame | None,
                      today: date) -> pd.DataFrame:
    """``review`` plus ``queued_since``: the previous queue's date for pairs already in it,
    ``today`` for new ones. ``previous`` needs the key columns and ``queued_since``."""
    out = review.copy()
    since = pd.Series(pd.Timestamp(today), index=out.index, dtype="datetime64[ns]")
    if len(out) and previous is not None and len(previous) \
            and set(_KEY_COLUMNS) <= set(out.columns):
        old = pd.Series(pd.to_datetime(previous[QUEUED_SINCE], errors="coerce").to_numpy(),
                        index=pair_keys(previous).to_numpy())
        old = old[~old.index.duplicated()].dropna()
        carried = pair_keys(out).map(old)
        since = carried.where(carried.notna(), since).astype("datetime64[ns]")
    out[QUEUED_SINCE] = since.to_numpy()
    return out


def previous_queue(run_dir: Path | None) -> pd.DataFrame | None:
    """The previous run's queue keys and dates; None when there is no previous run.

    A queue published before ``queued_since`` existed dates its pairs from that run's id
    (``YYYYMMDDTHHMMSSZ-...``): they have waited at least since then.
    """
    path = None if run_dir is None else Path(run_dir) / "review_queue.parquet"
    if path is None or not path.is_file():
        return None
    names = set(pq.read_schema(path).names)
    if not set(_KEY_COLUMNS) <= names:
        return None
    cols = _KEY_COLUMNS + ([QUEUED_SINCE] if QUEUED_SINCE in names else [])
    frame = pd.read_parquet(path, columns=cols)
    if QUEUED_SINCE not in frame.columns:
        stamp = _RUN_DATE.match(Path(run_dir).name) if run_dir is not None else None
        if stamp is None:
            return None
        frame[QUEUED_SINCE] = pd.Timestamp(pd.to_datetime(stamp.group(1), format="%Y%m%d"))
    # published as DATE (datetime.date objects in pandas): back to datetime64
    frame[QUEUED_SINCE] = pd.to_datetime(frame[QUEUED_SINCE], errors="coerce")
    return frame
