"""Steward operability: review sheets as real XLSX or as the CSV a Spanish-locale Excel
saves. Runs on the session's first run."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from flows import review_sheets, steward
from flows.cli import main as cli_main
from flows.state import read_ledger
from transforms.publish import latest_run_dir


@pytest.fixture()
def out(first_run: tuple[Path, dict], tmp_path: Path) -> Path:
    """A private copy of the session's output (each test records its own decisions)."""
    target = tmp_path / "out"
    shutil.copytree(first_run[0], target, symlinks=True)
    return target


def xwalk(out: Path) -> pd.Series:
    x = pd.read_parquet(latest_run_dir(out) / "crosswalk.parquet")
    return pd.Series(x["golden_id"].to_numpy(),
                     index=(x["source"] + ":" + x["source_record_id"]).to_numpy())


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --------------------------------------------------------------------------- review sheets


def test_review_xlsx_round_trip_holds_the_csv_cells_and_records_answers(
        out: Path, capsys) -> None:
    book, flat = out / "review.xlsx", out / "review.csv"
    assert cli_main(["review", "export", str(book), "--output", str(out)]) == 0
    assert "workbook" in capsys.readouterr().out
    assert steward.review_export(out, flat) > 2
    assert zipfile.is_zipfile(book)
    from_csv = review_sheets.read_review_sheet(flat)
    from_xlsx = review_sheets.read_review_sheet(book)
    assert list(from_xlsx.columns) == list(from_csv.columns)
    numeric = ["match_weight", "match_probability"]
    pd.testing.assert_frame_equal(from_xlsx.drop(columns=numeric),
                                  from_csv.drop(columns=numeric))
    pd.testing.assert_frame_equal(from_xlsx[numeric].astype(float),
                                  from_csv[numeric].astype(float))

    x = xwalk(out)
    rows = from_csv.to_dict("records")
    acc = next(i for i, r in enumerate(rows) if x[r["left_record"]] != x[r["right_record"]])
    rej = next(i for i, r in enumerate(rows) if i != acc and {r["left_record"],
               r["right_record"]}.isdisjoint({rows[acc]["left_record"],
                                              rows[acc]["right_record"]}))
    wb = load_workbook(book)
    ws = wb["review"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    ws.cell(acc + 2, col["decision"], "accept")
    ws.cell(acc + 2, col["reason"], "misma persona, confirmó por teléfono")
    ws.cell(rej + 2, col["decision"], "reject")
    wb.save(book)

    assert cli_main(["review", "import", str(book), "--output", str(out)]) == 0
    ledger = read_ledger(out / "state")
    assert [(d["kind"], d["sheet_row"]) for d in ledger] == [("merge", acc + 2),
                                                             ("not_same", rej + 2)]
    assert ledger[0]["reason"] == "misma persona, confirmó por teléfono"
    x = xwalk(out)
    assert x[rows[acc]["left_record"]] == x[rows[acc]["right_record"]]
    assert x[rows[rej]["left_record"]] != x[rows[rej]["right_record"]]


def test_a_spanish_excel_csv_is_read(out: Path) -> None:
    flat = out / "review.csv"
    steward.review_export(out, flat)
    with open(flat, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    x = xwalk(out)
    acc = next(i for i, r in enumerate(rows) if x[r["left_record"]] != x[r["right_record"]])
    rows[acc].update(decision="Accept", reason="misma señora; llamó José")
    spanish = out / "revisión.csv"
    with open(spanish, "w", encoding="cp1252", errors="replace", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";",
                                lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    assert spanish.read_bytes().count(b";") > len(rows)  # really ;-separated cp1252
    with pytest.raises(UnicodeDecodeError):
        spanish.read_bytes().decode("utf-8")
    sheet = review_sheets.read_review_sheet(spanish)
    assert list(sheet.columns) == list(rows[0])
    assert sheet.at[acc, "reason"] == "misma señora; llamó José"
    steward.review_import(out, spanish)
    (d,) = read_ledger(out / "state")
    assert d["kind"] == "merge" and d["reason"] == "misma señora; llamó José"
    assert xwalk(out)[rows[acc]["left_record"]] == xwalk(out)[rows[acc]["right_record"]]


def test_unreadable_review_sheets_are_one_line_errors(tmp_path: Path, capsys) -> None:
    header = "pair_id;left_record;right_record;reason\r\nP1;a:1;b:2;sí\r\n"
    cases = {
        "no_decision.csv": (header.encode("cp1252"), "no column 'decision'"),
        "broken.xlsx": (b"PK\x03\x04 not really a workbook", "not a readable .xlsx"),
        "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "Excel 97-2003"),
        "empty.csv": (b"", "empty"),
    }
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
    for name, (_, message) in [*cases.items(), ("missing.xlsx", (b"", "No such file"))]:
        code = cli_main(["review", "import", str(tmp_path / name), "--output",
                         str(tmp_path / "out")])
        err = one_line(capsys.readouterr().err)
        assert code == 2 and message in err and name in err, err
        assert "sí" not in err
    # comma or semicolon, UTF-8 with or without BOM, cp1252: the same sheet
    frame = pd.DataFrame({"pair_id": ["P1"], "left_record": ["a:1"], "right_record": ["b:2"],
                          "decision": ["accept"], "reason": ["señal, sí"]})
    for i, (sep, encoding) in enumerate([(",", "utf-8"), (";", "utf-8-sig"),
                                         (";", "cp1252"), (",", "cp1252")]):
        path = tmp_path / f"sheet{i}.csv"
        frame.to_csv(path, sep=sep, encoding=encoding, index=False)
        pd.testing.assert_frame_equal(review_sheets.read_review_sheet(path), frame)
