"""Steward operability: hard-conflict refusals, --dry-run, --force, undo, and review sheets
as real XLSX or as the CSV a Spanish-locale Excel saves. Runs on the session's first run."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from flows import review_sheets, state, steward, undo
from flows.cli import main as cli_main
from flows.state import read_ledger
from tests.steward_pairs import mergeable
from transforms import decisions as dec
from transforms.publish import latest_run_dir

CHECK_DIGIT_TAX_IDS = ("es_dni", "es_nie", "es_cif", "ru_inn")


@pytest.fixture()
def out(first_run: tuple[Path, dict], tmp_path: Path) -> Path:
    """A private copy of the session's output (each test records its own decisions)."""
    target = tmp_path / "out"
    shutil.copytree(first_run[0], target, symlinks=True)
    return target


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every link's target under ``folder``."""
    found: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            found[rel] = "-> " + str(p.readlink())
        elif p.is_file():
            found[rel] = p.read_bytes()
    return found


def xwalk(out: Path) -> pd.Series:
    x = pd.read_parquet(latest_run_dir(out) / "crosswalk.parquet")
    return pd.Series(x["golden_id"].to_numpy(),
                     index=(x["source"] + ":" + x["source_record_id"]).to_numpy())


def records(out: Path) -> pd.DataFrame:
    """Clean records of the latest run with their golden id and key."""
    run = latest_run_dir(out)
    clean = pd.read_parquet(run / "clean_records.parquet")
    clean["key"] = clean["source"] + ":" + clean["source_record_id"]
    return clean.assign(golden_id=clean["key"].map(xwalk(out)))


def tax_conflict(out: Path) -> tuple[list[str], list[str]]:
    """Two single-record profiles with different valid check-digit tax ids and different
    given names, and their personal values (which no message may show)."""
    clean = records(out)
    sizes = clean["golden_id"].value_counts()
    ok = clean[clean["tax_id_type"].isin(CHECK_DIGIT_TAX_IDS)
               & clean["tax_id_status"].isin(["valid", "fixed"])
               & clean["golden_id"].map(sizes).eq(1) & clean["name_given"].notna()]
    a = ok.iloc[0]
    b = ok[(ok["tax_id_norm"] != a["tax_id_norm"])
           & (ok["name_given"] != a["name_given"])].iloc[0]
    values = [str(r[c]) for r in (a, b) for c in ("tax_id", "tax_id_norm", "full_name",
                                                   "name_family", "email", "date_of_birth")
              if isinstance(r[c], str) and len(r[c]) > 4]
    return [a["golden_id"], b["golden_id"]], values


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --------------------------------------------------------------------------- hard conflicts


def test_a_merge_against_a_hard_conflict_refuses_dry_runs_and_is_forced(out: Path,
                                                                       capsys) -> None:
    (g1, g2), values = tax_conflict(out)
    merge = ["merge", g1, g2, "--reason", "same person", "--output", str(out)]
    before = snapshot(out)

    assert cli_main(merge) == 2
    err = one_line(capsys.readouterr().err)
    assert "refused" in err and "valid_tax_ids_differ" in err and "--force" in err
    assert not any(v in err for v in values)
    assert snapshot(out) == before

    assert cli_main([*merge, "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "dry run: nothing recorded" in text and "REFUSED without --force" in text
    assert "hard conflicts" in text and "valid_tax_ids_differ" in text
    assert "values that differ" in text and "given_name" in text  # soft: shown, not refused
    assert "would retire" in text and "profiles" in text
    assert not any(v in text for v in values)
    assert snapshot(out) == before  # byte-identical: no ledger line, run or state

    assert cli_main([*merge, "--force"]) == 0
    text = capsys.readouterr().out
    assert "forced over a hard conflict: valid_tax_ids_differ" in text
    # the published merge says what it joined despite, as the dry run did (no values)
    assert "hard conflicts" in text and "values that differ" in text and "given_name" in text
    assert not any(v in text for v in values)
    (d,) = read_ledger(out / "state")
    assert d["kind"] == "merge" and d["forced"] is True
    assert "valid_tax_ids_differ" in d["forced_over"]
    x = xwalk(out)
    assert len(set(x[x.isin([g1, g2])])) == 1


# --------------------------------------------------------------------------- undo


def test_undo_reverts_a_merge_once_even_when_retried_after_a_crash(out: Path,
                                                                    capsys) -> None:
    g1, g2 = mergeable(out)
    merged = steward.merge(out, [g1, g2], "same person")
    did, uid = merged.decisions[0]["decision_id"], dec.undo_id(merged.decisions[0]["decision_id"])
    a, b = sorted(k for k, g in xwalk(out).items() if g in merged.kept)
    latest = latest_run_dir(out)
    before = snapshot(out)
    assert cli_main(["undo", did, "--dry-run", "--output", str(out)]) == 0
    assert f"would record decision {uid} (undo of {did})" in capsys.readouterr().out
    assert snapshot(out) == before

    class Killed(Exception):
        pass

    def crash(point: str) -> None:
        if point == "ledger.appended":  # the undo is in the ledger, nothing is published
            raise Killed

    with state.on_point(crash), pytest.raises(Killed):
        cli_main(["undo", did, "--output", str(out)])
    assert latest_run_dir(out) == latest
    assert cli_main(["undo", did, "--output", str(out)]) == 0  # the user retries
    assert f"{uid} (left unpublished by an interrupted verb) applied" in capsys.readouterr().out
    assert [(d["kind"], d.get("undoes")) for d in read_ledger(out / "state")] == [
        ("merge", None), ("undo", did)]
    x = xwalk(out)
    assert x[a] != x[b]
    assert state.verify(out) == []

    assert cli_main(["history", x[a], "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"undone by {uid}" in text and f"{uid} undo of {did}" in text
    for target, message in ((did, "already undone"), (uid, "cannot be undone"),
                            ("D000000000000", "unknown decision id")):
        assert cli_main(["undo", target, "--output", str(out)]) == 2
        assert message in one_line(capsys.readouterr().err)
    assert len(read_ledger(out / "state")) == 2


# --------------------------------------------------------------------------- review sheets


def test_review_xlsx_round_trip_accepts_rejects_and_refuses_a_hard_conflict(
        out: Path, capsys) -> None:
    book, flat = out / "review.xlsx", out / "review.csv"
    assert cli_main(["review", "export", str(book), "--output", str(out)]) == 0
    assert "workbook" in capsys.readouterr().out
    assert review_sheets.review_export(out, flat) > 2
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
    (g1, g2), values = tax_conflict(out)
    bad_left, bad_right = (sorted(k for k, g in x.items() if g == gid)[0] for gid in (g1, g2))
    wb = load_workbook(book)
    ws = wb["review"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    ws.cell(acc + 2, col["decision"], "accept")
    ws.cell(acc + 2, col["reason"], "misma persona, confirmó por teléfono")
    ws.cell(rej + 2, col["decision"], "reject")
    extra = ws.max_row + 1  # a steward's own row: a pair with different valid tax ids
    for name, value in (("pair_id", dec.pair_id(bad_left, bad_right)),
                        ("exported_from", rows[0]["exported_from"]),
                        ("left_record", bad_left), ("right_record", bad_right),
                        ("decision", "accept")):
        ws.cell(extra, col[name], value)
    wb.save(book)

    assert cli_main(["review", "import", str(book), "--output", str(out)]) == 1
    printed = capsys.readouterr().out
    assert f"row {extra} rejected: hard conflict: valid_tax_ids_differ" in printed
    assert not any(v in printed for v in values)
    ledger = read_ledger(out / "state")
    assert [(d["kind"], d["sheet_row"]) for d in ledger] == [("merge", acc + 2),
                                                             ("not_same", rej + 2)]
    assert ledger[0]["reason"] == "misma persona, confirmó por teléfono"
    x = xwalk(out)
    assert x[rows[acc]["left_record"]] == x[rows[acc]["right_record"]]
    assert x[rows[rej]["left_record"]] != x[rows[rej]["right_record"]]

    assert cli_main(["review", "import", str(book), "--force", "--dry-run", "--output",
                     str(out)]) == 0
    assert "forced over a hard conflict: valid_tax_ids_differ" in capsys.readouterr().out

    # one sheet row is one decision: undo the accepted row alone
    undo.undo(out, ledger[0]["decision_id"])
    x = xwalk(out)
    assert x[rows[acc]["left_record"]] != x[rows[acc]["right_record"]]
    assert x[rows[rej]["left_record"]] != x[rows[rej]["right_record"]]


def test_a_spanish_excel_csv_is_read_and_a_dry_run_import_changes_nothing(
        out: Path, capsys) -> None:
    flat = out / "review.csv"
    review_sheets.review_export(out, flat)
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
    before = snapshot(out)
    assert cli_main(["review", "import", str(spanish), "--dry-run", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "would record decision" in printed and "(merge)" in printed
    assert "rejected" not in printed
    assert snapshot(out) == before  # a dry run records and publishes nothing


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
