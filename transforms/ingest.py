"""Read department exports into canonical records, losing nothing.

Every data row of every export ends up either as a canonical record or as a
quarantine row with a reason code, a file, a row number and, where it applies,
the column. ``check_row_accounting`` proves it per source on every run.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from openpyxl.utils.exceptions import InvalidFileException

from crm_golden.config.base import ConfigError
from crm_golden.config.sources import SourceConfig
from crm_golden.schema import ATTRIBUTE_PREFIX, IDENTITY_FIELDS, LINEAGE_COLUMNS
from transforms.partitions import StepReport, step_progress

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
# Excel's limit for one cell: longer text is not a value anyone typed (a runaway field).
MAX_FIELD_CHARS = 32_767
UNBALANCED_QUOTE = "unbalanced_quote"
CONTROL_CHARACTER = "control_character"
FIELD_TOO_LONG = "field_too_long"
# C0 controls but TAB/LF/CR, and DEL; lone surrogates are bytes the encoding could not decode
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_SURROGATE_RANGE = "\ud800-\udfff"
_DEFECTS = re.compile(f"[{_CONTROLS}{_SURROGATE_RANGE}]")
_SURROGATES = re.compile(f"[{_SURROGATE_RANGE}]")


class RowAccountingError(RuntimeError):
    """Rows in != clean + quarantined (+ suppressed) for some source: a row was lost."""


class InputError(ValueError):
    """An export that cannot be read at all; the message names source and file, never data."""


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
    physical_rows: int = 0  # data rows counted in the file itself, independently of parsing
    continuation_rows: list[int] = field(default_factory=list)  # lines inside a multi-line row
    screen: bool = True  # False when the text holds no control character, bad byte or long field
    empty_file: bool = False
    # the rows as a frame of text (<NA> for blank cells) instead of ``rows``: the Arrow
    # CSV reader's result (``_arrow_csv``), built without a Python object per row
    frame: pd.DataFrame | None = None

    @property
    def n_rows(self) -> int:
        return len(self.frame) if self.frame is not None else len(self.rows)


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


def _safe_text(text: str) -> str:
    """Text fit for an output file: undecodable bytes (kept as lone surrogates) become U+FFFD,
    and a field past :data:`MAX_FIELD_CHARS` is cut with a marker."""
    text = _SURROGATES.sub("\ufffd", text)
    if len(text) > MAX_FIELD_CHARS:
        text = text[:MAX_FIELD_CHARS] + f"…[{len(text) - MAX_FIELD_CHARS} more characters]"
    return text


def _reject(table_source: str, file: str, row: int, reason: str, column: str | None,
            raw: Any) -> dict[str, Any]:
    if raw is not None and not isinstance(raw, str):
        raw = json.dumps(raw, ensure_ascii=False)
    return {
        "source": table_source,
        "source_record_id": None,
        "source_file": file,
        "source_row": row,
        "stage": "ingest",
        "reason": reason,
        "column": column,
        "raw": None if raw is None else _safe_text(raw),
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
    if isinstance(value, bytes | bytearray):
        return _cell_to_text(bytes(value).decode("utf-8", errors="surrogateescape"))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    return text if text.strip() != "" else None


def _decode(raw: bytes, encoding: str) -> str:
    """Bytes -> text; bytes the encoding cannot decode survive as lone surrogates, which no
    valid text contains, so :func:`screen_rows` can quarantine exactly the rows holding them."""
    try:
        text = raw.decode(encoding, errors="surrogateescape")
    except UnicodeError:  # codecs without surrogateescape support (utf-16)
        text = raw.decode(encoding, errors="replace").replace("\ufffd", "\udcff")
    return text[1:] if text.startswith("\ufeff") else text


def _needs_screen(text: str, longest: int) -> bool:
    return longest > MAX_FIELD_CHARS or _DEFECTS.search(text) is not None


def _physical(lines: list[str], start: int) -> tuple[np.ndarray, int]:
    """Per line from ``start``: its data row number (1-based, blank lines not counted, 0 on
    a blank line), and how many non-blank lines there are: the file's physical rows."""
    filled = np.fromiter((bool(x.strip()) for x in lines[start:]), dtype=bool,
                         count=len(lines) - start)
    ordinal = np.where(filled, np.cumsum(filled), 0)
    return ordinal, int(filled.sum())


def _open_quote_column(line: str, delimiter: str, quotechar: str) -> int:
    """Index of the field whose quote a line leaves open (the line parsed on its own)."""
    field_no, quoted, prev = 0, False, ""
    for ch in line:
        if ch == quotechar and (quoted or prev in ("", delimiter)):
            quoted = not quoted
        elif ch == delimiter and not quoted:
            field_no += 1
        prev = ch
    return field_no


def _csv_records(lines: list[str], delimiter: str, quotechar: str,
                 width: int | None) -> Iterator[tuple[int, int, list[str] | None, str]]:
    """(first line, last line, fields or None, reason) per record, lines 0-based.

    A record spanning several lines is real (a quoted field holding line breaks) only when
    it parses strictly into the header's width; otherwise a quote was left open and the
    parser swallowed the lines after it. Then the line with the open quote is reported
    alone (``unbalanced_quote``) and reading resumes on the next line, so every line of the
    file ends up in exactly one record or report. Other parser errors report their line
    (``malformed_csv``) the same way. Only broken spots are re-read line by line.
    """
    pos, n = 0, len(lines)
    while pos < n:
        reader = csv.reader(itertools.islice(lines, pos, None), delimiter=delimiter,
                            quotechar=quotechar)
        done = 0  # lines consumed by complete records since pos
        while True:
            first = pos + done
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield first, first, None, "malformed_csv"
                pos = first + 1
                break
            last = pos + reader.line_num - 1
            done = reader.line_num
            if last > first and not _whole_record(lines[first:last + 1], delimiter,
                                                  quotechar, width):
                yield first, first, None, UNBALANCED_QUOTE
                pos = first + 1
                break
            yield first, last, fields, ""


def _whole_record(span: list[str], delimiter: str, quotechar: str, width: int | None) -> bool:
    try:
        rows = list(csv.reader(span, delimiter=delimiter, quotechar=quotechar, strict=True))
    except csv.Error:
        return False
    return len(rows) == 1 and (width is None or len(rows[0]) == width)


def read_csv_export(cfg: SourceConfig) -> RawTable:
    """CSV with declared or detected encoding and delimiter; every line is accounted for.

    Rows read = the file's non-blank data lines, counted without the parser; a record whose
    quoted field really spans lines counts once and its other lines are listed as
    continuation lines. Malformed rows are quarantined with their reason and row number.
    """
    path = Path(cfg.path)
    raw = path.read_bytes()
    table = RawTable(cfg.name, path.name, [], [], [], 0)
    if not raw.strip():
        table.empty_file = True
        return table
    encoding = cfg.csv.encoding or detect_encoding(raw)
    text = _decode(raw, encoding)
    delimiter = cfg.csv.delimiter or detect_delimiter(text)
    quotechar = cfg.csv.quotechar
    table.encoding, table.delimiter = encoding, delimiter
    if _arrow_csv(table, text, delimiter, quotechar):
        return table
    lines = io.StringIO(text, newline="").readlines()
    longest = max(map(len, lines), default=0)
    table.screen = _needs_screen(text, longest)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, min(len(text) + 1, 2**31 - 1)))
    try:
        header_at = None
        for rec in _csv_records(lines, delimiter, quotechar, None):
            if not lines[rec[0]].strip():
                continue  # blank lines before the header
            if rec[2] is None or rec[1] > rec[0]:
                raise InputError(f"source '{cfg.name}' ({path.name}): the header row is not "
                                 "readable CSV (a quote is left open)")
            header_at = rec  # the first line that is not blank
            break
        if header_at is None:
            table.empty_file = True
            return table
        table.header = [h.strip() for h in header_at[2] or []]
        width = len(table.header)
        body = header_at[1] + 1  # first line after the header
        ordinal, table.physical_rows = _physical(lines, body)
        for first, last, fields, reason in _csv_records(lines[body:], delimiter, quotechar,
                                                        width):
            row = int(ordinal[first])
            if not row:
                continue  # a blank line (blank lines inside a quoted field are not here)
            if fields is None:
                line = lines[body + first]
                at = _open_quote_column(line, delimiter, quotechar)
                col = table.header[at] if reason == UNBALANCED_QUOTE and at < width else None
                table.rejects.append(_reject(cfg.name, path.name, row, reason,
                                             col if col else None, line.rstrip("\r\n")))
                continue
            table.continuation_rows.extend(int(x) for x in ordinal[first + 1:last + 1] if x)
            if len(fields) != width:
                table.rejects.append(_reject(
                    cfg.name, path.name, row, f"wrong_field_count:{len(fields)}_of_{width}",
                    None, delimiter.join(fields)))
                continue
            table.rows.append([f if f.strip() != "" else None for f in fields])
            table.row_numbers.append(row)
    finally:
        csv.field_size_limit(limit)
    table.rows_read = len(table.rows) + len(table.rejects)
    return table


def _arrow_csv(table: RawTable, text: str, delimiter: str, quotechar: str) -> bool:
    """Read a plain export with pyarrow's CSV reader into ``table.frame``; False (nothing
    set) when the export is not plain, and the line-by-line reader must account for it.

    Why: the ``csv`` module makes a Python list per row and the accounting walks every
    line in Python; on 1M generated records reading took ~16 s, pyarrow's multi-threaded
    C++ parser a fraction of it (bench/scale.py). Plain means what the careful reader
    would read the same way: no control character, undecodable byte or overlong field
    (nothing to screen), a one-line header with distinct names, every non-blank line one
    record of the header's width (no quoted line breaks, no open quote: the record count
    equals the non-blank line count), and every line holding a quote character parsed to
    the same fields by ``csv``. Row numbers are then 1..n, as the careful reader counts them.
    """
    if _DEFECTS.search(text) is not None or len(text) > 2**31 - 1:
        return False
    lines = io.StringIO(text, newline="").readlines()  # the careful reader's line breaks
    if any(len(line) > MAX_FIELD_CHARS for line in lines):
        return False
    filled = [line for line in lines if line.strip()]
    if not filled or quotechar in filled[0]:
        return False
    header = [h.strip() for h in filled[0].rstrip("\r\n").split(delimiter)]
    if len(set(header)) != len(header) or len(header) < 2:
        return False
    body = filled[1:]
    names = [f"c{i}" for i in range(len(header))]

    def refuse(row: object) -> str:
        return "error"  # a row of another width: not plain; Arrow raises ArrowInvalid

    try:
        arrow = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=0,
                                           skip_rows_after_names=0),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=quotechar,
                                             double_quote=True, escape_char=False,
                                             newlines_in_values=False,
                                             ignore_empty_lines=True,
                                             invalid_row_handler=refuse),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return False
    arrow = arrow.slice(1)  # the header line, read as a row
    if arrow.num_rows != len(body):
        return False
    quoted = [i for i, line in enumerate(body) if quotechar in line]
    if quoted:
        expect = list(csv.reader([body[i] for i in quoted], delimiter=delimiter,
                                 quotechar=quotechar))
        got = arrow.take(pa.array(quoted, pa.int64())).to_pylist()
        if len(expect) != len(got) or any(list(row.values()) != fields
                                           for row, fields in zip(got, expect, strict=True)):
            return False
    # a cell of nothing but whitespace is missing, as in the careful reader (Arrow's
    # whitespace is Python's str.isspace for every code point, checked over all of them)
    text_type = pd.StringDtype()
    columns = {}
    for name in names:
        col = arrow.column(name)
        blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0)
        columns[name] = text_type.__from_arrow__(pc.if_else(blank, None, col))
    frame = pd.DataFrame(columns, copy=False)
    table.header = header
    table.frame = frame
    table.row_numbers = list(range(1, len(body) + 1))
    table.rows_read = table.physical_rows = len(body)
    table.screen = False
    return True


def read_jsonl_export(cfg: SourceConfig) -> RawTable:
    """JSON Lines: one object per line (``\\n``-separated); other lines are quarantined."""
    path = Path(cfg.path)
    encoding = cfg.csv.encoding or "utf-8"
    text = _decode(path.read_bytes(), encoding)
    objects: list[dict[str, Any]] = []
    numbers: list[int] = []
    table = RawTable(cfg.name, path.name, [], [], [], 0, encoding=encoding)
    lines = text.split("\n")  # screened after parsing: JSON escapes can hide a NUL
    table.empty_file = not text.strip()
    row_no = 0
    for line in lines:
        if not line.strip():
            continue
        row_no += 1
        try:
            # strict=False: a raw control character inside a string is screened below,
            # as in every other format, not reported as broken JSON
            obj = json.loads(line, strict=False)
        except ValueError:
            table.rejects.append(_reject(cfg.name, path.name, row_no, "malformed_json", None,
                                         line.rstrip("\r")))
            continue
        if not isinstance(obj, dict):
            table.rejects.append(_reject(cfg.name, path.name, row_no, "not_an_object", None,
                                         line.rstrip("\r")))
            continue
        objects.append(obj)
        numbers.append(row_no)
    header = list(dict.fromkeys(k for obj in objects for k in obj))
    table.header = header
    table.rows = [[_cell_to_text(obj.get(k)) for k in header] for obj in objects]
    table.row_numbers = numbers
    table.rows_read = table.physical_rows = row_no
    return table


def _frame_to_table(cfg: SourceConfig, frame: pd.DataFrame, encoding: str | None) -> RawTable:
    """Rows of a spreadsheet or Parquet file; row numbers count data rows from 1."""
    path = Path(cfg.path)
    header = [str(c).strip() for c in frame.columns]
    rows = [[_cell_to_text(v) for v in rec] for rec in frame.itertuples(index=False, name=None)]
    numbers = (np.asarray(frame.index, dtype=np.int64) + 1).tolist()
    return RawTable(cfg.name, path.name, header, rows, numbers, len(rows), encoding=encoding,
                    physical_rows=len(rows))


def read_xlsx_export(cfg: SourceConfig) -> RawTable:
    """First (or declared) sheet of a workbook; Excel dates become ISO text.

    Rows that are entirely empty are not rows; a file that is not a workbook, or lacks
    the sheet, is a one-line :class:`InputError`.
    """
    name = Path(cfg.path).name
    try:
        frame = pd.read_excel(cfg.path, sheet_name=cfg.sheet, dtype=object, engine="openpyxl")
    except ValueError as exc:
        if "not found" in str(exc) and "orksheet" in str(exc):
            raise InputError(f"source '{cfg.name}' ({name}): no sheet {cfg.sheet!r} in the "
                             "workbook") from None
        raise InputError(f"source '{cfg.name}' ({name}): not a readable .xlsx workbook "
                         f"({type(exc).__name__})") from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError) as exc:
        raise InputError(f"source '{cfg.name}' ({name}): not a readable .xlsx workbook "
                         f"({type(exc).__name__})") from None
    frame = frame.dropna(how="all")
    return _frame_to_table(cfg, frame, None)


def read_parquet_export(cfg: SourceConfig) -> RawTable:
    """A Parquet file; binary columns are decoded as UTF-8 text like any text export, and a
    value that is not valid UTF-8 quarantines its row (``undecodable_bytes:utf-8``)."""
    name = Path(cfg.path).name
    try:
        table = pq.read_table(cfg.path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"source '{cfg.name}' ({name}): not a readable Parquet file "
                         f"({type(exc).__name__})") from None
    # binary cells become text in _cell_to_text (UTF-8; undecodable bytes are screened)
    return _frame_to_table(cfg, table.to_pandas(), "utf-8")


READERS = {
    "csv": read_csv_export,
    "jsonl": read_jsonl_export,
    "xlsx": read_xlsx_export,
    "parquet": read_parquet_export,
}


def read_export(cfg: SourceConfig) -> RawTable:
    """Read one export as text; a missing or unreadable file is a one-line error naming it.

    Checks the reader's own accounting: every physical row is a row, a reject or the
    continuation of a multi-line row.
    """
    if not Path(cfg.path).is_file():
        raise ConfigError(f"source '{cfg.name}': path: file not found: {cfg.path}")
    table = READERS[cfg.format](cfg)
    explained = table.n_rows + len(table.rejects) + len(table.continuation_rows)
    if table.rows_read != table.n_rows + len(table.rejects) or \
            table.physical_rows != explained:
        raise RowAccountingError(
            f"source '{cfg.name}' ({table.source_file}): {table.physical_rows} physical rows, "
            f"but {table.n_rows} read, {len(table.rejects)} rejected and "
            f"{len(table.continuation_rows)} continuation lines")
    return table


# --------------------------------------------------------------------------- canonical


def missing_columns(cfg: SourceConfig, header: list[str]) -> list[str]:
    """Each mapped column the export lacks, named by the rules key that maps it (the run
    refuses on them; ``crm-golden validate`` lists them)."""
    present = set(header)
    out = []
    for fld, mapped in cfg.columns.items():
        for col in [mapped] if isinstance(mapped, str) else mapped:
            if col not in present:
                out.append(f"columns.{fld}: column '{col}' not in the export")
    for name, spec in cfg.attributes.items():
        if spec.column not in present:
            out.append(f"attributes.{name}: column '{spec.column}' not in the export")
    if cfg.id_column and cfg.id_column not in present:
        out.append(f"id_column: column '{cfg.id_column}' not in the export")
    return out


def _check_columns(cfg: SourceConfig, header: list[str]) -> None:
    problems = missing_columns(cfg, header)
    if problems:
        head = f"source '{cfg.name}' ({Path(cfg.path).name}, columns: {', '.join(header)})"
        raise ConfigError("\n".join(f"{head}: {p}" for p in problems))


def _used_columns(cfg: SourceConfig) -> list[str]:
    """Export columns the mapping reads (id, identity fields, attributes), once each."""
    cols: list[str] = [cfg.id_column] if cfg.id_column else []
    for mapped in cfg.columns.values():
        cols.extend([mapped] if isinstance(mapped, str) else mapped)
    cols.extend(spec.column for spec in cfg.attributes.values())
    return list(dict.fromkeys(cols))


def _unique_header(cfg: SourceConfig, header: list[str], used: list[str]) -> list[str]:
    """Header names made unique (``name.1``...); a repeated name the mapping reads is an error."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}.{n}")
    twice = sorted(c for c in used if seen.get(c, 0) > 1)
    if twice:
        raise InputError(f"source '{cfg.name}' ({Path(cfg.path).name}): column(s) "
                         f"{', '.join(repr(c) for c in twice)} appear more than once in the "
                         "header, so the mapping is ambiguous")
    return out


def screen_rows(frame: pd.DataFrame, columns: list[str],
                encoding: str | None) -> tuple[pd.Series, pd.Series]:
    """Per row, the first defect in ``columns`` as (reason, column); NA where there is none.

    The same defects in every format: bytes the encoding could not decode
    (``undecodable_bytes:<encoding>``), control characters such as NUL
    (``control_character``), a field longer than :data:`MAX_FIELD_CHARS`
    (``field_too_long``). Vectorized per column; a column is scanned row by row only when
    one search over all its text found something.
    """
    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    where = pd.Series(pd.NA, index=frame.index, dtype="string")
    checks = [(_SURROGATES.pattern, f"undecodable_bytes:{encoding or 'utf-8'}"),
              (f"[{_CONTROLS}]", CONTROL_CHARACTER)]
    for col in columns:
        values = frame[col].dropna()
        if values.empty:
            continue
        lengths = values.str.len()
        if lengths.max() <= MAX_FIELD_CHARS and _DEFECTS.search("\n".join(values)) is None:
            continue
        masks = [values.str.contains(pattern, regex=True) for pattern, _ in checks]
        masks.append(lengths > MAX_FIELD_CHARS)
        for mask, why in zip(masks, [c[1] for c in checks] + [FIELD_TOO_LONG], strict=True):
            hit = mask[mask.to_numpy(dtype=bool)].index
            hit = hit[reason.loc[hit].isna().to_numpy()]
            reason.loc[hit] = why
            where.loc[hit] = col
    return reason, where


def to_canonical(cfg: SourceConfig, table: RawTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map one export's rows to canonical records; returns (records, quarantine).

    Rows with a defect in a column the mapping reads (:func:`screen_rows`), without an id,
    or repeating an earlier id are quarantined with reason, row and column.
    """
    used = _used_columns(cfg)
    if table.header:
        header = _unique_header(cfg, table.header, used)
        _check_columns(cfg, header)
    else:  # an empty file: zero rows, every mapped column present
        header = used
    if table.frame is not None:
        frame = table.frame
        frame.columns = header
    else:
        frame = pd.DataFrame(table.rows, columns=header, dtype="string")
    if not table.n_rows:
        frame = pd.DataFrame({c: pd.Series(dtype="string") for c in header})
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

    if table.screen and len(frame):
        reason, where = screen_rows(frame, [c for c in header if c in set(used)],
                                    table.encoding)
    else:
        reason = pd.Series(pd.NA, index=frame.index, dtype="string")
        where = reason.copy()
    ok = reason.isna()
    missing_id = out["source_record_id"].isna() & ok
    dup_id = out["source_record_id"].where(ok).duplicated(keep="first") & ok & ~missing_id
    reason = reason.mask(missing_id, "missing_source_record_id")
    reason = reason.mask(dup_id, "duplicate_source_record_id")
    where = where.mask(missing_id | dup_id, cfg.id_column)
    bad = reason.notna()
    rejects = pd.DataFrame(table.rejects, columns=QUARANTINE_COLUMNS)
    if bad.any():
        extra = pd.DataFrame({
            "source": cfg.name,
            "source_record_id": out.loc[bad, "source_record_id"].map(
                _safe_text, na_action="ignore"),
            "source_file": table.source_file,
            "source_row": out.loc[bad, "source_row"],
            "stage": "ingest",
            "reason": reason[bad],
            "column": where[bad],
            "raw": rows_as_json(frame[bad]).map(_safe_text, na_action="ignore"),
        })
        rejects = (pd.concat([typed_quarantine(rejects), typed_quarantine(extra)],
                             ignore_index=True) if len(rejects) else extra)
        rejects = typed_quarantine(rejects).sort_values("source_row", kind="mergesort")
    records = out[~bad].reset_index(drop=True)
    return records, typed_quarantine(rejects).reset_index(drop=True)


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


def ingest_sources(sources: list[SourceConfig],
                   report: StepReport | None = None) -> IngestResult:
    """Read every export and return canonical records with a dense ``record_id``.

    ``report`` gets the rows read so far after each export (the total is not known).
    """
    frames, quarantines, rows_read, files = [], [], {}, []
    progress = step_progress(report, "ingest", 0, "rows")
    for cfg in sources:
        table = read_export(cfg)
        records, quarantine = to_canonical(cfg, table)
        frames.append(records)
        quarantines.append(quarantine)
        rows_read[cfg.name] = table.rows_read
        files.append({"source": cfg.name, "file": Path(cfg.path).name, "path": str(cfg.path),
                      "format": cfg.format, "encoding": table.encoding,
                      "delimiter": table.delimiter, "rows": table.rows_read,
                      "physical_rows": table.physical_rows,
                      "continuation_lines": len(table.continuation_rows),
                      "empty_file": table.empty_file})
        if progress is not None:
            progress(table.rows_read)
    # A source without records contributes nothing, not even columns (its attributes
    # would be untyped empty text next to other sources' typed values).
    filled = [f for f in frames if len(f)] or frames[:1]
    records = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame(
        columns=LINEAGE_COLUMNS)
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
