"""Review queue age: a pair keeps the date it first entered the queue across runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from transforms.publish import publish_run
from transforms.review_age import QUEUED_SINCE, previous_queue, with_queued_since


def queue(pairs: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["l_source", "l_source_record_id", "r_source",
                                        "r_source_record_id"])


def test_a_waiting_pair_keeps_its_date_in_either_order_and_new_pairs_start_today() -> None:
    old = queue([("sales", "1", "finance", "9")]).assign(
        queued_since=pd.Timestamp("2025-01-02"))
    now = queue([("finance", "9", "sales", "1"), ("sales", "2", "support", "3")])
    out = with_queued_since(now, old, date(2025, 3, 1))
    assert out[QUEUED_SINCE].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-02", "2025-03-01"]


def test_first_run_and_empty_queue() -> None:
    assert with_queued_since(queue([]), None, date(2025, 3, 1))[QUEUED_SINCE].empty
    out = with_queued_since(queue([("a", "1", "b", "2")]), None, date(2025, 3, 1))
    assert out[QUEUED_SINCE].iloc[0] == pd.Timestamp("2025-03-01")


def test_previous_queue_reads_published_dates_or_dates_old_queues_by_their_run(
        tmp_path: Path) -> None:
    assert previous_queue(None) is None
    dated = queue([("a", "1", "b", "2")]).assign(queued_since=pd.Timestamp("2025-01-02"))
    run = publish_run(tmp_path, "20250110T080000Z-aaaaaa", {"review_queue": dated}, {})
    assert previous_queue(run)[QUEUED_SINCE].iloc[0] == pd.Timestamp("2025-01-02")
    legacy = publish_run(tmp_path, "20250111T080000Z-bbbbbb",
                         {"review_queue": queue([("a", "1", "b", "2")])}, {})
    assert previous_queue(legacy)[QUEUED_SINCE].iloc[0] == pd.Timestamp("2025-01-11")
