"""Atomic publication of a run's outputs.

A run is written to ``OUTPUT/runs/<run_id>.partial/``, renamed to
``OUTPUT/runs/<run_id>/`` once every file is complete, and only then is
``OUTPUT/latest`` switched (``os.replace`` of a symlink, atomic on POSIX) to
point at it. A reader of ``OUTPUT/latest/`` therefore never sees a half-written
run, and a crashed run leaves only a ``.partial`` folder behind (with the stage
results a resumed run continues from, in ``.partial/stages/``).

Published tables follow the data dictionary (``crm_golden.outputs``): calendar dates are
DATE (date32), never nanosecond timestamps; an all-empty column keeps its documented type
instead of Arrow's Null; every field carries its description in its metadata.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crm_golden.outputs import Table, field_with_doc, tables

_DEFAULT_DICTIONARY = tables()

OUTPUT_TABLES = [
    "golden_customers",
    "crosswalk",
    "clean_records",
    "links",
    "review_queue",
    "quarantine",
    "id_redirects",
]


STAGES_DIR = "stages"  # stage results of an unfinished run, inside its .partial folder


def write_parquet(frame: pd.DataFrame, path: Path, schema: pa.Schema | None = None,
                  doc: Table | None = None) -> None:
    """Deterministic Parquet: no index, stable column order, no timestamps in metadata.

    ``schema`` pins column types that the data alone cannot tell (an all-empty list column).
    ``doc`` (a published table's dictionary entry) applies the published conventions of
    :func:`published_table`; without it the frame is written as it is (state files).
    """
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False,
                                 schema=schema)
    if doc is not None:
        table = published_table(table, doc)
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def _published_type(typ: pa.DataType, declared: pa.DataType | None) -> pa.DataType:
    """Dates as date32 (every timestamp we publish is a calendar date); Null as declared."""
    if pa.types.is_timestamp(typ):
        return pa.date32()
    if pa.types.is_list(typ):
        return pa.list_(_published_type(typ.value_type, getattr(declared, "value_type", None)))
    if pa.types.is_null(typ):
        return declared if declared is not None else pa.string()
    return typ


def published_table(table: pa.Table, doc: Table) -> pa.Table:
    """``table`` with published types (date32, no Null columns) and described fields."""
    fields = []
    for fld in table.schema:
        col = doc.find(fld.name)
        typ = _published_type(fld.type, col.type if col is not None else None)
        fields.append(field_with_doc(pa.field(fld.name, typ, True, fld.metadata), col))
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_run(output_dir: Path, run_id: str,
                tables: Mapping[str, pd.DataFrame | tuple[pd.DataFrame, pa.Schema | None]],
                documents: Mapping[str, str | bytes | dict[str, Any]],
                on_step: Callable[[str], None] | None = None,
                dictionary: Mapping[str, Table] | None = None) -> Path:
    """Write every table and document for ``run_id``, then move ``latest`` to it atomically.

    ``tables`` maps names to frames, or to (frame, Arrow schema) to pin column types.
    ``documents`` maps file names (``audit.json``, ``audit_report.html``, ``model.json``) to
    text, bytes or JSON-serializable dicts. ``on_step`` is called with ``run.half_written``
    and ``run.renamed`` (the state owner's fault-injection points). ``dictionary``
    documents the tables (default: ``crm_golden.outputs.tables()``). Stage results under
    ``.partial/stages/`` are kept while the files are written and removed before the folder
    is renamed.
    """
    step = on_step or (lambda name: None)
    output_dir = Path(output_dir)
    docs = dictionary if dictionary is not None else _DEFAULT_DICTIONARY
    runs = output_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    final = runs / run_id
    if final.exists():
        raise FileExistsError(f"run folder already exists: {final}")
    partial = runs / f"{run_id}.partial"
    partial.mkdir(exist_ok=True)
    for leftover in partial.iterdir():  # a failed attempt's files, never its stage results
        if leftover.name != STAGES_DIR:
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    for i, (name, frame) in enumerate(tables.items()):
        frame, schema = frame if isinstance(frame, tuple) else (frame, None)
        write_parquet(frame, partial / f"{name}.parquet", schema,
                      docs.get(name) or Table(name, ""))
        if i == 0:
            step("run.half_written")
    for name, doc in documents.items():
        target = partial / name
        if isinstance(doc, dict):
            target.write_text(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False,
                                         default=str) + "\n", encoding="utf-8")
        elif isinstance(doc, bytes):
            target.write_bytes(doc)
        else:
            target.write_text(doc, encoding="utf-8")
    if (partial / STAGES_DIR).exists():
        shutil.rmtree(partial / STAGES_DIR)
    for f in partial.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(partial)
    os.replace(partial, final)
    _fsync_dir(runs)
    step("run.renamed")
    point_latest(output_dir, final)
    return final


def point_latest(output_dir: Path, run_dir: Path) -> None:
    """Atomically repoint ``OUTPUT/latest`` (a relative symlink) at ``run_dir``."""
    output_dir = Path(output_dir)
    link = output_dir / "latest"
    tmp = output_dir / f".latest.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(run_dir, output_dir), tmp)
    os.replace(tmp, link)
    _fsync_dir(output_dir)


def latest_run_dir(output_dir: Path) -> Path:
    """The folder ``OUTPUT/latest`` points at; a clear error when there is no run yet."""
    link = Path(output_dir) / "latest"
    if not link.exists():
        raise FileNotFoundError(f"no published run under {output_dir} (missing {link})")
    return link.resolve()


def previous_run_dir(output_dir: Path) -> Path | None:
    """The run ``latest`` pointed at before this run started (None on the first run)."""
    link = Path(output_dir) / "latest"
    return link.resolve() if link.exists() else None
