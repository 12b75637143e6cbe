"""The review verbs (export, import) and their sheets on disk: XLSX or CSV, read back from
whatever a spreadsheet saved.

Stewards open the sheet in Excel or LibreOffice, fill in ``decision`` and ``reason`` and
save. What comes back depends on their locale: Spanish-locale Excel saves "CSV" with ``;``
between fields and in cp1252, an ``.xlsx`` is a zip of XML. So reading sniffs rather than
trusts the name: a zip is a workbook, anything else is CSV whose delimiter (``,`` or
``;``) comes from the header line and whose encoding is UTF-8 (with or without BOM), else
cp1252, else latin-1. A file that cannot be read, or lacks a column the import needs,
is one :class:`SheetError` naming the file and the column; cell values (personal data)
never appear in a message.

Import records one decision per answered row through the steward verbs' path
(:func:`flows.steward.republish`): an accept is a merge of the pair, checked for hard
conflicts like a ``merge``; a reject is a not-same.

Writing keeps the cells of :func:`transforms.decisions.review_sheet` as they are, formula
escaping included, so the workbook and the CSV hold the same text; an ``.xlsx`` gets a
frozen header and an accept/reject list on the decision column.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from flows import state
from flows.steward import (
    ConflictCheck,
    Outcome,
    StewardError,
    _check_keys,
    _decision,
    load_latest,
    republish,
)
from transforms import decisions as dec
from transforms.decisions import SHEET_DECISIONS
from transforms.link import build_review_queue

REQUIRED_COLUMNS = ("pair_id", "left_record", "right_record", "decision")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SHEET_NAME = "review"
CSV_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
CSV_DELIMITERS = ",;"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003)


class SheetError(ValueError):
    """A review sheet that cannot be read as one (names the file and what is wrong)."""


def is_xlsx_name(file: Path | str) -> bool:
    return Path(file).suffix.lower() in XLSX_SUFFIXES


def write_review_sheet(sheet: pd.DataFrame, file: Path | str) -> str:
    """Write ``sheet`` as XLSX when ``file`` ends with .xlsx, else as UTF-8 CSV (with BOM,
    so Excel reads accents); returns the format written."""
    path = Path(file)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not is_xlsx_name(path):
        sheet.to_csv(path, index=False, encoding="utf-8-sig")
        return "csv"
    book = Workbook(write_only=True)
    ws = book.create_sheet(SHEET_NAME)
    ws.freeze_panes = "A2"
    columns = [str(c) for c in sheet.columns]
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(name) + 4))
    if "decision" in columns and len(sheet):
        col = get_column_letter(columns.index("decision") + 1)
        choices = DataValidation(type="list", formula1='"' + ",".join(SHEET_DECISIONS) + '"',
                                 allow_blank=True)
        choices.add(f"{col}2:{col}{len(sheet) + 1}")
        ws.data_validations.append(choices)
    ws.append(columns)
    for row in sheet.itertuples(index=False, name=None):
        ws.append([_cell(ws, v) for v in row])
    book.save(path)
    return "xlsx"


def _cell(ws: object, value: object) -> object:
    """A cell value openpyxl stores as given: text as text (never a formula), NaN empty."""
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and value != value):  # NaN
        return None
    if isinstance(value, str):
        # XML cannot hold most control characters; they are shown as U+FFFD
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"
        return cell
    return value


def read_review_sheet(file: Path | str) -> pd.DataFrame:
    """Every row of a filled-in sheet as text cells ("" when empty), with the header's names.

    Raises :class:`SheetError` for a file that is missing, not a sheet, or lacks one of
    :data:`REQUIRED_COLUMNS`.
    """
    path = Path(file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"review sheet {path}: {exc.strerror or 'cannot be read'}") from None
    if raw.startswith(_ZIP_MAGIC):
        frame, how = _read_xlsx(path), "workbook"
    elif raw.startswith(_OLE_MAGIC):
        raise SheetError(f"review sheet {path}: an Excel 97-2003 (.xls) workbook; save it "
                         "as .xlsx or CSV")
    else:
        # an .xlsx name on a CSV is what earlier versions exported: read it as the CSV it is
        frame, how = _read_csv(path, raw)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise SheetError(f"review sheet {path}: no column {missing[0]!r} (read as {how}; the "
                         f"header needs {', '.join(REQUIRED_COLUMNS)})")
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SheetError(f"review sheet {path}: not a readable .xlsx workbook") from None
    try:
        ws = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and all(_text(v) == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise SheetError(f"review sheet {path}: the workbook's sheet is empty")
    header = [_text(v).strip() for v in rows[0]]
    width = len(header)
    body = [[_text(v) for v in (r + [None] * width)[:width]] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SheetError(f"review sheet {path}: cannot be decoded")  # latin-1 decodes anything


def sniff_delimiter(header_line: str) -> str:
    """``,`` or ``;``: what the header line is split by (csv.Sniffer, else the commoner)."""
    try:
        found = csv.Sniffer().sniff(header_line, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        found = max(CSV_DELIMITERS, key=header_line.count)
    return found if found in CSV_DELIMITERS else ","


def _read_csv(path: Path, raw: bytes) -> tuple[pd.DataFrame, str]:
    text, encoding = _decode(path, raw)
    if encoding == "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise SheetError(f"review sheet {path}: the file is empty")
    header_line = next(line for line in text.splitlines() if line.strip())
    delimiter = sniff_delimiter(header_line)
    how = f"{delimiter!r}-separated {encoding.replace('-sig', '')} CSV"
    try:
        frame = pd.read_csv(io.StringIO(text, newline=""), sep=delimiter, dtype=str,
                            keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise SheetError(f"review sheet {path}: cannot be read as {how}: {first[:200]}") \
            from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, how


# --------------------------------------------------------------------------- verbs


def review_export(output_dir: Path | str, file: Path | str, band: str = "review") -> int:
    """Write the review queue (or another band of links) for a steward: an XLSX workbook
    when ``file`` ends with .xlsx, else a CSV; rows out."""

    latest = load_latest(Path(output_dir))
    if band == "review":
        queue = pd.read_parquet(latest.run_dir / "review_queue.parquet")
    else:
        links = pd.read_parquet(latest.run_dir / "links.parquet")
        if band != "all":
            links = links[links["band"] == band]
        clean = pd.read_parquet(latest.run_dir / "clean_records.parquet")
        queue = build_review_queue(links.assign(band="review"), clean)
    queue = dec.drop_decided_pairs(queue, state.read_ledger(state.state_dir(output_dir)))
    sheet = dec.review_sheet(queue, latest.by_key["golden_id"], exported_from=latest.run_dir.name)
    write_review_sheet(sheet, file)
    return len(sheet)


def review_import(output_dir: Path | str, file: Path | str, reason: str | None = None,
                  by: str | None = None, rules_dir: Path | str | None = None,
                  force: bool = False, dry_run: bool = False) -> Outcome:
    """Record each answered row (accept -> merge of the pair, reject -> not-same).

    Reads an .xlsx workbook or a CSV (``,`` or ``;``, UTF-8 or cp1252). Rows left blank are
    ignored; rows with a bad value, unknown records, a reject of a pair a decision already
    merged, or (unless ``force``) an accept that joins records with a hard conflict are
    rejected by row number and not recorded. Rows without a reason get ``reason`` or a
    default naming the file.
    """
    output_dir = Path(output_dir)
    try:
        parsed = dec.parse_review_sheet(read_review_sheet(file))
    except (SheetError, ValueError) as exc:
        raise StewardError(str(exc)) from None
    with state.locked(output_dir):
        latest = load_latest(output_dir)
        snap = state.read_state(output_dir)
        ledger = state.read_ledger(state.state_dir(output_dir))
        known = {str(d["decision_id"]) for d in ledger}
        new: list[dict] = []
        already: list[str] = []
        affected: set[str] = set()
        rejected = list(parsed.rejected)
        check = ConflictCheck(latest, snap, rules_dir)
        conflicts: dict[str, dict[str, Any]] = {}
        accepted = [k for a in parsed.answers if a.decision == "accept"
                    for k in (a.left, a.right) if k in latest.by_key.index]
        check.warm(latest.members(sorted({latest.golden_of(k) for k in accepted})))
        for ans in parsed.answers:
            why = ans.reason or (reason or "").strip() or \
                f"review queue {ans.decision} ({Path(file).name})"
            kind = "merge" if ans.decision == "accept" else "not_same"
            pid = dec.pair_id(ans.left, ans.right)
            basis = f"review:{ans.exported_from}"
            if dec.decision_id(kind, basis, [pid]) in known:
                already.append(dec.decision_id(kind, basis, [pid]))
                continue  # this row was imported before
            try:
                a, b = _check_keys(latest, [ans.left, ans.right])
                if a == b:
                    raise StewardError("a record cannot be paired with itself")
                ga, gb = latest.golden_of(a), latest.golden_of(b)
                extra = {"pair_id": pid, "sheet_row": ans.row, "via": "review"}
                if kind == "merge":
                    d = _decision("merge", sorted([a, b]), sorted({ga, gb}), why, by, latest,
                                  basis=basis, key=[pid], **extra)
                    found = check(ledger + new, d)
                    if found is not None:
                        if found.refuses and not force:
                            raise StewardError(f"hard conflict: {found.describe()}; "
                                               "import with --force to record it anyway")
                        if found.refuses:
                            d.update(forced=True, forced_over=list(found.hard))
                        conflicts[str(d["decision_id"])] = found.as_dict()
                    if ga != gb:
                        affected |= {ga, gb}
                else:
                    dec.check_not_same(ledger + new, a, b)
                    d = _decision("not_same", [a, b], sorted({ga, gb}), why, by, latest,
                                  basis=basis, key=[pid], **extra)
                    if ga == gb:
                        affected.add(ga)
            except ValueError as exc:
                rejected.append((ans.row, str(exc)))
                continue
            new.append(d)
        outcome = republish(output_dir, latest, snap, ledger, new, affected, rules_dir,
                            dry_run=dry_run, rules=check.rules)
    outcome.conflicts = conflicts
    outcome.already = sorted(set(outcome.already) | set(already))
    outcome.rejected_rows = sorted(rejected)
    outcome.ignored_rows = parsed.ignored
    return outcome
