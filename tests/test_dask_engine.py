"""The same flow on a Dask LocalCluster (2 worker processes): byte-identical outputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from flows.pipeline import run_pipeline

distributed = pytest.importorskip("distributed")  # the dask extra (part of the test extra)

TABLES = ["crosswalk", "golden_customers", "links", "review_queue", "clean_records",
          "quarantine", "id_redirects"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_local_cluster_outputs_are_byte_identical_to_the_embedded_run(
        exports: Path, first_run: tuple[Path, dict], tmp_path: Path) -> None:
    _, embedded = first_run
    # tiny chunks and partitions: several per worker, finishing in any order
    summary = run_pipeline(exports / "rules", tmp_path / "out", dask="local:2",
                           pairs_per_partition=40, rows_per_chunk=90)
    assert summary["engine"]["engine"] == "dask" and summary["engine"]["workers"] == 2
    assert summary["clean_records"] == embedded["clean_records"]
    for table in TABLES:
        ours = Path(summary["run_dir"]) / f"{table}.parquet"
        theirs = Path(embedded["run_dir"]) / f"{table}.parquet"
        assert _digest(ours) == _digest(theirs), table
