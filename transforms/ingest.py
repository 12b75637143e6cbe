"""Read department exports into canonical records, losing nothing.

Every data row of every export ends up either as a canonical record or as a
quarantine row with a reason code, a file, a row number and, where it applies,
the column. ``check_row_accounting`` proves it per source on every run.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crm_golden.config.base import ConfigError
from crm_golden.config.sources import SourceConfig
from crm_golden.schema import ATTRIBUTE_PREFIX, IDENTITY_FIELDS, LINEAGE_COLUMNS

QUARANTINE_COLUMNS = [
    "source",
    "source_record_id",
    "source_file",
    "source_row",
    "stage",
    "reason",
    "column",
    "raw",
]

_DELIMITERS = [",", ";", "\t", "|"]


class RowAccountingError(RuntimeError):
    """Rows in != clean + quarantined (+ suppressed) for some source: a row was lost."""


@dataclass
class RawTable:
    """An export read as text: header, rows of strings or None, and rows that could not be used."""

    source: str
    source_file: str
    header: list[str]
    rows: list[list[str | None]]
    row_numbers: list[int]
    rows_read: int
    rejects: list[dict[str, Any]] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None


# --------------------------------------------------------------------------- detection


def detect_encoding(raw: bytes) -> str:
    """Pick utf-8-sig, utf-8, cp1251 or cp1252 for an export whose encoding was not declared.

    Excel on Windows writes Western exports as cp1252 and Russian ones as cp1251. Both decode
    any byte string, so we look at how high bytes sit: Cyrillic text is words made entirely of
    high bytes, while accented Latin puts single high bytes between ASCII letters.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = raw[:200_000]
    high = [i for i, b in enumerate(sample) if b >= 0xC0]
    if not high:
        return "cp1252"
    positions = set(high)
    clustered = sum(1 for i in high if (i - 1) in positions or (i + 1) in positions)
    return "cp1251" if clustered / len(high) > 0.5 else "cp1252"


def detect_delimiter(text: str) -> str:
    """The delimiter among , ; TAB | that splits the first lines most consistently."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in _DELIMITERS}
        return max(counts, key=lambda d: (counts[d], -_DELIMITERS.index(d)))


# --------------------------------------------------------------------------- readers


def _reject(table_source: str, file: str, row: int, reason: str, column: str | None,
            raw: Any) -> dict[str, Any]:
    return {
        "source": table_source,
        "source_record_id": None,
        "source_file": file,
        "source_row": row,
        "stage": "ingest",
        "reason": reason,
        "column": column,
        "raw": raw if isinstance(raw, str) or raw is None else json.dumps(raw, ensure_ascii=False),
    }


def _cell_to_text(value: Any) -> str | None:
    """Spreadsheet/Parquet/JSON cell -> text as a person would have typed it, None when empty."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp | datetime):
        if value is pd.NaT:
            return None
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    return text if text.strip() != "" else None


def read_csv_export(cfg: SourceConfig) -> RawTable:
    """CSV with declared or detected encoding and delimiter; malformed rows are quarantined."""
    path = Path(cfg.path)
    raw = path.read_bytes()
    encoding = cfg.csv.encoding or detect_encoding(raw)
    try:
        text = raw.decode(encoding)
        lossy = False
    except UnicodeDecodeError:
        text = raw.decode(encoding, errors="replace")
        lossy = True
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = cfg.csv.delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        quotechar=cfg.csv.quotechar)
    table = RawTable(cfg.name, path.name, [], [], [], 0, encoding=encoding, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return table
    table.header = [h.strip() for h in header]
    width = len(header)
    row_no = 0
    for fields in reader:
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line: not a row
        row_no += 1
        if len(fields) != width:
            table.rejects.append(_reject(
                cfg.name, path.name, row_no, f"wrong_field_count:{len(fields)}_of_{width}",
                None, delimiter.join(fields)))
            continue
        if lossy and any("\ufffd" in f for f in fields):
            bad = next(h for h, f in zip(table.header, fields, strict=True) if "\ufffd" in f)
            table.rejects.append(_reject(cfg.name, path.name, row_no,
                                         f"undecodable_bytes:{encoding}", bad,
                                         delimiter.join(fields)))
            continue
        table.rows.append([f if f.strip() != "" else None for f in fields])
        table.row_numbers.append(row_no)
    table.rows_read = row_no
    return table


def read_jsonl_export(cfg: SourceConfig) -> RawTable:
    """JSON Lines: one object per line; lines that are not JSON objects are quarantined."""
    path = Path(cfg.path)
    encoding = cfg.csv.encoding or "utf-8"
    text = path.read_bytes().decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    objects: list[dict[str, Any]] = []
    numbers: list[int] = []
    table = RawTable(cfg.name, path.name, [], [], [], 0, encoding=encoding)
    row_no = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        row_no += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            table.rejects.append(_reject(cfg.name, path.name, row_no, "malformed_json", None, line))
            continue
        if not isinstance(obj, dict):
            table.rejects.append(_reject(cfg.name, path.name, row_no, "not_an_object", None, line))
            continue
        objects.append(obj)
        numbers.append(row_no)
    header = list(dict.fromkeys(k for obj in objects for k in obj))
    table.header = header
    table.rows = [[_cell_to_text(obj.get(k)) for k in header] for obj in objects]
    table.row_numbers = numbers
    table.rows_read = row_no
    return table


def _frame_to_table(cfg: SourceConfig, frame: pd.DataFrame) -> RawTable:
    path = Path(cfg.path)
    header = [str(c).strip() for c in frame.columns]
    rows = [[_cell_to_text(v) for v in rec] for rec in frame.itertuples(index=False, name=None)]
    return RawTable(cfg.name, path.name, header, rows, list(range(1, len(rows) + 1)), len(rows))


def read_xlsx_export(cfg: SourceConfig) -> RawTable:
    """First (or declared) sheet of a workbook; Excel dates become ISO text."""
    frame = pd.read_excel(cfg.path, sheet_name=cfg.sheet, dtype=object, engine="openpyxl")
    frame = frame.dropna(how="all")
    return _frame_to_table(cfg, frame)


def read_parquet_export(cfg: SourceConfig) -> RawTable:
    return _frame_to_table(cfg, pd.read_parquet(cfg.path))


READERS = {
    "csv": read_csv_export,
    "jsonl": read_jsonl_export,
    "xlsx": read_xlsx_export,
    "parquet": read_parquet_export,
}


def read_export(cfg: SourceConfig) -> RawTable:
    """Read one export as text; a missing file is a ``ConfigError`` naming it."""
    if not Path(cfg.path).is_file():
        raise ConfigError(f"source '{cfg.name}': path: file not found: {cfg.path}")
    return READERS[cfg.format](cfg)


# --------------------------------------------------------------------------- canonical


def _check_columns(cfg: SourceConfig, header: list[str]) -> None:
    present = set(header)
    problems = []
    for fld, mapped in cfg.columns.items():
        for col in [mapped] if isinstance(mapped, str) else mapped:
            if col not in present:
                problems.append(f"columns.{fld}: column '{col}' not in the export")
    for name, spec in cfg.attributes.items():
        if spec.column not in present:
            problems.append(f"attributes.{name}: column '{spec.column}' not in the export")
    if cfg.id_column and cfg.id_column not in present:
        problems.append(f"id_column: column '{cfg.id_column}' not in the export")
    if problems:
        head = f"source '{cfg.name}' ({Path(cfg.path).name}, columns: {', '.join(header)})"
        raise ConfigError("\n".join(f"{head}: {p}" for p in problems))


def to_canonical(cfg: SourceConfig, table: RawTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map one export's rows to canonical records; returns (records, quarantine)."""
    if table.header:
        _check_columns(cfg, table.header)
    frame = pd.DataFrame(table.rows, columns=table.header, dtype="string")
    if not table.header:
        frame = pd.DataFrame(index=range(0))
    out = pd.DataFrame(index=frame.index)
    out["source"] = cfg.name
    out["source_file"] = table.source_file
    out["source_row"] = pd.Series(table.row_numbers, index=frame.index, dtype="int64")
    if cfg.id_column:
        ids = frame[cfg.id_column].str.strip()
    else:
        ids = out["source_row"].astype("string")
    out["source_record_id"] = ids.astype("string")
    for fld in IDENTITY_FIELDS:
        mapped = cfg.columns.get(fld)
        if mapped is None:
            out[fld] = pd.Series(pd.NA, index=frame.index, dtype="string")
        elif isinstance(mapped, str):
            out[fld] = frame[mapped].str.strip().replace("", pd.NA)
        else:
            parts = frame[mapped].fillna("")
            joined = parts.apply(lambda col: col.str.strip()).agg(" ".join, axis=1)
            out[fld] = joined.str.replace(r"\s+", " ", regex=True).str.strip().replace("", pd.NA)
            out[fld] = out[fld].astype("string")
    for name, spec in cfg.attributes.items():
        out[f"{ATTRIBUTE_PREFIX}{name}"] = frame[spec.column]

    missing_id = out["source_record_id"].isna()
    dup_id = out["source_record_id"].duplicated(keep="first") & ~missing_id
    bad = missing_id | dup_id
    rejects = pd.DataFrame(table.rejects, columns=QUARANTINE_COLUMNS)
    if bad.any():
        raw_json = rows_as_json(frame[bad])
        extra = pd.DataFrame({
            "source": cfg.name,
            "source_record_id": out.loc[bad, "source_record_id"],
            "source_file": table.source_file,
            "source_row": out.loc[bad, "source_row"],
            "stage": "ingest",
            "reason": missing_id[bad].map({True: "missing_source_record_id",
                                           False: "duplicate_source_record_id"}),
            "column": cfg.id_column,
            "raw": raw_json,
        })
        rejects = (pd.concat([typed_quarantine(rejects), typed_quarantine(extra)], ignore_index=True)
                   if len(rejects) else extra)
    records = out[~bad].reset_index(drop=True)
    return records, typed_quarantine(rejects)


def rows_as_json(frame: pd.DataFrame) -> pd.Series:
    """Each row's non-empty values as a JSON object: what a quarantined row keeps of itself.

    Row-wise, but only ever over the few rows that are quarantined.
    """
    return frame.apply(
        lambda r: json.dumps({k: v for k, v in r.items() if pd.notna(v)}, ensure_ascii=False,
                             default=str),
        axis=1,
    ).astype("string")


def typed_quarantine(frame: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows in the published column order and types."""
    frame = frame.reindex(columns=QUARANTINE_COLUMNS)
    for col in QUARANTINE_COLUMNS:
        frame[col] = frame[col].astype("Int64" if col == "source_row" else "string")
    return frame


def empty_quarantine() -> pd.DataFrame:
    return typed_quarantine(pd.DataFrame(columns=QUARANTINE_COLUMNS))


@dataclass
class IngestResult:
    records: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: dict[str, int]
    files: list[dict[str, Any]]


def ingest_sources(sources: list[SourceConfig]) -> IngestResult:
    """Read every export and return canonical records with a dense ``record_id``."""
    frames, quarantines, rows_read, files = [], [], {}, []
    for cfg in sources:
        table = read_export(cfg)
        records, quarantine = to_canonical(cfg, table)
        frames.append(records)
        quarantines.append(quarantine)
        rows_read[cfg.name] = table.rows_read
        files.append({"source": cfg.name, "file": Path(cfg.path).name, "path": str(cfg.path),
                      "format": cfg.format, "encoding": table.encoding,
                      "delimiter": table.delimiter, "rows": table.rows_read})
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    records.insert(0, "record_id", pd.RangeIndex(len(records)).astype("int64"))
    ordered = LINEAGE_COLUMNS + [c for c in records.columns if c not in LINEAGE_COLUMNS]
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else empty_quarantine()
    return IngestResult(records[ordered], typed_quarantine(quarantine), rows_read, files)


def row_accounting(rows_read: dict[str, int], clean: pd.DataFrame, quarantine: pd.DataFrame,
                   suppressed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per source: rows read, clean, quarantined (+ suppressed) and whether they add up."""
    def counts(frame: pd.DataFrame | None) -> pd.Series:
        if frame is None or frame.empty:
            return pd.Series(dtype="int64")
        return frame.groupby("source", observed=True).size()

    table = pd.DataFrame({"rows_read": pd.Series(rows_read, dtype="int64")})
    table["clean"] = counts(clean)
    table["quarantined"] = counts(quarantine)
    table["suppressed"] = counts(suppressed)
    table = table.fillna(0).astype("int64")
    table["balanced"] = table["rows_read"] == table[["clean", "quarantined", "suppressed"]].sum(1)
    table.index.name = "source"
    return table.reset_index()


def check_row_accounting(table: pd.DataFrame) -> None:
    """Fail loudly when any source's rows in != clean + quarantined + suppressed."""
    broken = table[~table["balanced"]]
    if len(broken):
        details = "; ".join(
            f"{r.source}: read {r.rows_read}, clean {r.clean}, quarantined {r.quarantined}, "
            f"suppressed {r.suppressed}" for r in broken.itertuples()
        )
        raise RowAccountingError(f"row accounting failed, rows were lost: {details}")
