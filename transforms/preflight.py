"""A look at each export before a run: is it there, can it be decoded, does its header
split on the delimiter, and does it hold every column the rules map?

Why a separate peek instead of a dry run: a nightly run reads every row; a person fixing
a rules file (or a scheduler checking that tonight's files arrived) needs the answer in a
second, so only the first bytes (``PEEK_BYTES``) and the header are read. The checks are
the ones that make a run fail or quietly lose rows: a wrong encoding turns accents into
replacement characters, a wrong delimiter turns the header into one column.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
from openpyxl import load_workbook

from crm_golden.config.sources import SourceConfig
from transforms.ingest import detect_delimiter, detect_encoding, missing_columns

PEEK_BYTES = 256 * 1024
PEEK_JSON_LINES = 200


@dataclass
class Peek:
    """What the first bytes of one export say (no personal data: names of columns only)."""

    source: str
    file: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    columns: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decodable_prefix(raw: bytes, size: int) -> bytes:
    """The sample cut at its last line break, so a multi-byte character is never split."""
    if len(raw) < size:
        return raw
    cut = raw.rfind(b"\n")
    return raw[:cut + 1] if cut > 0 else raw


def _decode(raw: bytes, peek: Peek, declared: str | None) -> str | None:
    detected = detect_encoding(raw)
    encoding = declared or detected
    peek.encoding = encoding
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        hint = f"; it decodes as {detected}" if detected != encoding else ""
        peek.problems.append(f"csv.encoding: {encoding} cannot decode byte "
                             f"0x{raw[exc.start]:02x} on line {line}{hint}")
        return None
    single_byte = ("cp1252", "cp1251", "latin-1")
    if declared is None:
        peek.notes.append(f"encoding not declared; detected {detected}")
    elif declared in single_byte and detected.startswith("utf-8") and not raw.isascii():
        # cp1252 decodes any bytes: UTF-8 read as cp1252 turns José into JosÃ© silently
        peek.problems.append(f"csv.encoding: declared {declared}, but the file is UTF-8 "
                             "(accented letters would be garbled)")
    elif declared in single_byte and detected in single_byte and detected != declared:
        peek.notes.append(f"declared {declared}; the bytes look more like {detected}")
    return text[1:] if text.startswith("\ufeff") else text


def _peek_csv(cfg: SourceConfig, peek: Peek) -> None:
    with open(cfg.path, "rb") as fh:
        raw = _decodable_prefix(fh.read(PEEK_BYTES), PEEK_BYTES)
    text = _decode(raw, peek, cfg.csv.encoding)
    if text is None:
        return
    if not text.strip():
        peek.problems.append("the file is empty")
        return
    sniffed = detect_delimiter(text)
    delimiter = cfg.csv.delimiter or sniffed
    peek.delimiter = delimiter
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                             quotechar=cfg.csv.quotechar))
    peek.columns = [h.strip() for h in header]
    if cfg.csv.delimiter is None:
        peek.notes.append(f"delimiter not declared; detected {sniffed!r}")
    elif sniffed != delimiter and len(peek.columns) == 1:
        peek.problems.append(f"csv.delimiter: the header does not split on {delimiter!r}; "
                             f"it splits on {sniffed!r}")


def _peek_jsonl(cfg: SourceConfig, peek: Peek) -> None:
    with open(cfg.path, "rb") as fh:
        raw = _decodable_prefix(fh.read(PEEK_BYTES), PEEK_BYTES)
    text = _decode(raw, peek, cfg.csv.encoding or "utf-8")
    if text is None:
        return
    keys: dict[str, None] = {}
    bad = 0
    for n, line in enumerate(text.splitlines()[:PEEK_JSON_LINES], start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            if bad == 1:
                peek.notes.append(f"line {n} is not JSON (such lines are quarantined)")
            continue
        if isinstance(obj, dict):
            keys.update(dict.fromkeys(str(k) for k in obj))
    peek.columns = list(keys)
    if not keys:
        peek.problems.append("no JSON object in the first lines")


def _peek_xlsx(cfg: SourceConfig, peek: Peek) -> None:
    workbook = load_workbook(cfg.path, read_only=True, data_only=True)
    try:
        sheet = (workbook.worksheets[cfg.sheet] if isinstance(cfg.sheet, int)
                 else workbook[cfg.sheet])
        first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        peek.columns = [str(v).strip() for v in first if v is not None]
    except (IndexError, KeyError):
        peek.problems.append(f"sheet: no sheet {cfg.sheet!r} in the workbook")
    finally:
        workbook.close()


def _peek_parquet(cfg: SourceConfig, peek: Peek) -> None:
    peek.columns = list(pq.read_schema(cfg.path).names)


PEEKERS = {"csv": _peek_csv, "jsonl": _peek_jsonl, "xlsx": _peek_xlsx,
           "parquet": _peek_parquet}


def peek_export(cfg: SourceConfig) -> Peek:
    """Check one export against its rules from its first bytes; never raises on bad data."""
    path = Path(cfg.path)
    peek = Peek(cfg.name, path.name, cfg.format)
    if not path.is_file():
        peek.problems.append(f"path: file not found: {path}")
        return peek
    try:
        PEEKERS[cfg.format](cfg, peek)
    except (OSError, ValueError, KeyError, csv.Error) as exc:
        peek.problems.append(f"cannot read it as {cfg.format}: {type(exc).__name__}: "
                             f"{str(exc)[:200]}")
        return peek
    if peek.columns:
        peek.problems += missing_columns(cfg, peek.columns)
    return peek
