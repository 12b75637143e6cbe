"""Atomic publication: latest only ever points at a complete run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
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

    def broken(frame: pd.DataFrame, path: Path, schema: object = None) -> None:
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
