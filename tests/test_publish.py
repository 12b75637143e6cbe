"""Atomic publication: latest only ever points at a complete run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms import publish
from transforms.publish import latest_run_dir, publish_run


def test_publish_writes_everything_then_moves_latest(tmp_path: Path) -> None:
    tables = {"crosswalk": pd.DataFrame({"source": ["a"], "source_record_id": ["1"],
                                         "golden_id": ["G1"]})}
    run = publish_run(tmp_path, "r1", tables, {"audit.json": {"rows": 1}, "x.html": "<p>"})
    assert latest_run_dir(tmp_path) == run.resolve()
    assert pd.read_parquet(tmp_path / "latest" / "crosswalk.parquet").equals(tables["crosswalk"])
    assert json.loads((tmp_path / "latest" / "audit.json").read_text())["rows"] == 1
    run2 = publish_run(tmp_path, "r2", tables, {})
    assert latest_run_dir(tmp_path) == run2.resolve()
    assert (tmp_path / "runs" / "r1" / "crosswalk.parquet").exists()  # history kept


def test_failed_publish_leaves_latest_on_previous_run(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame({"a": [1]})
    first = publish_run(tmp_path, "r1", {"t": frame}, {})

    def broken(frame: pd.DataFrame, path: Path, *args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(publish, "write_parquet", broken)
    with pytest.raises(OSError):
        publish_run(tmp_path, "r2", {"t": frame}, {})
    assert latest_run_dir(tmp_path) == first.resolve()
    assert not (tmp_path / "runs" / "r2").exists()


def test_same_frame_gives_identical_parquet_bytes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"golden_id": ["G2", "G1"], "n": [1, 2]})
    publish.write_parquet(frame, tmp_path / "a.parquet")
    publish.write_parquet(frame.copy(), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_no_latest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no published run"):
        latest_run_dir(tmp_path)


def test_empty_tables_keep_their_documented_types(tmp_path: Path) -> None:
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in
                          ["retired_id", "current_id", "retired_run", "reason"]})
    run = publish_run(tmp_path, "r1", {"id_redirects": empty}, {})
    schema = pq.read_schema(run / "id_redirects.parquet")
    assert [str(t) for t in schema.types] == ["string"] * 4  # not Null in DuckDB/polars
    assert schema.field("current_id").metadata[b"description"].startswith(b"The active")


def test_dates_are_published_as_date32_with_descriptions(tmp_path: Path) -> None:
    golden = pd.DataFrame({"golden_id": ["G1", "G2"],
                           "first_seen": pd.to_datetime(["2020-01-31", None]),
                           "date_of_birth": pd.to_datetime(["1980-02-29", "1975-12-01"])})
    run = publish_run(tmp_path, "r1", {"golden_customers": golden}, {})
    table = pq.read_table(run / "golden_customers.parquet")
    assert table.schema.field("first_seen").type == pa.date32()
    assert table.column("date_of_birth").to_pylist()[0].isoformat() == "1980-02-29"
    assert b"description" in table.schema.field("golden_id").metadata


def test_stage_results_survive_a_retried_publish_and_are_not_published(
        tmp_path: Path) -> None:
    stages = tmp_path / "runs" / "r1.partial" / publish.STAGES_DIR
    stages.mkdir(parents=True)
    (stages / "run.json").write_text("{}")
    (tmp_path / "runs" / "r1.partial" / "half.parquet").write_text("x")  # a failed attempt
    run = publish_run(tmp_path, "r1", {"t": pd.DataFrame({"a": [1]})}, {})
    assert sorted(p.name for p in run.iterdir()) == ["t.parquet"]
