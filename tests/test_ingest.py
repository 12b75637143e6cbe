"""Readers, encodings, canonical mapping and row accounting."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_golden.config.base import ConfigError
from crm_golden.config.sources import load_source, load_sources
from flows.cli import main as cli_main
from transforms.ingest import (
    InputError,
    RawTable,
    RowAccountingError,
    check_row_accounting,
    detect_delimiter,
    detect_encoding,
    ingest_sources,
    read_export,
    row_accounting,
    to_canonical,
)

RUSSIAN = "Иванов;Александр Сергеевич;Москва\n"
SPANISH = "Rodríguez,José Luis,Málaga\n"


def write_rules(folder: Path, name: str, body: str) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    path = folder / "sources" / f"{name}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("\ufeffnombre;email\nJosé;j@x.es\n".encode(), "utf-8-sig"),
        ("nombre;email\nJosé;j@x.es\n".encode(), "utf-8"),
        (("familia;nombre;ciudad\n" + RUSSIAN * 5).encode("cp1251"), "cp1251"),
        (("apellido,nombre,ciudad\n" + SPANISH * 5).encode("cp1252"), "cp1252"),
        (b"name,email\nJohn,j@x.com\n", "utf-8"),
    ],
)
def test_detect_encoding(raw: bytes, expected: str) -> None:
    assert detect_encoding(raw) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a;b;c\n1;2;3\n4;5;6\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ('name,notes\n"García, José","a;b"\n', ","),
    ],
)
def test_detect_delimiter(text: str, expected: str) -> None:
    assert detect_delimiter(text) == expected


def test_csv_cp1251_detected_and_mapped(tmp_path: Path) -> None:
    data = tmp_path / "finance.csv"
    data.write_bytes(("account;legal_name;city\n1;ИВАНОВ, Александр;Москва\n"
                      "2;PEREZ, JOSE;Madrid\n").encode("cp1251"))
    rules = write_rules(tmp_path, "finance", (
        "name: finance\npath: ../finance.csv\nformat: csv\nid_column: account\n"
        "columns: {full_name: legal_name, city: city}\n"))
    cfg = load_source(rules)
    table = read_export(cfg)
    assert table.encoding == "cp1251" and table.delimiter == ";"
    records, quarantine = to_canonical(cfg, table)
    assert list(records["full_name"]) == ["ИВАНОВ, Александр", "PEREZ, JOSE"]
    assert list(records["source_record_id"]) == ["1", "2"]
    assert list(records["source_row"]) == [1, 2]
    assert quarantine.empty


def test_malformed_and_duplicate_rows_are_quarantined_not_lost(tmp_path: Path) -> None:
    data = tmp_path / "sales.csv"
    data.write_text(
        "id,first,last,email\n"
        "1,Ana,López,ana@x.es\n"
        "2,Bob,Smith\n"                 # one field short
        '3,"Smith, Jr",John,"j@x.com"\n'
        "1,Ana,Lopez,dup@x.es\n"         # duplicate id
        ",No,Id,noid@x.es\n",            # missing id
        encoding="utf-8")
    cfg = load_source(write_rules(tmp_path, "sales", (
        "name: sales\npath: ../sales.csv\nformat: csv\ncsv: {delimiter: ','}\nid_column: id\n"
        "columns: {given_name: first, family_name: last, email: email}\n")))
    table = read_export(cfg)
    records, quarantine = to_canonical(cfg, table)
    assert table.rows_read == 5
    assert list(records["source_record_id"]) == ["1", "3"]
    reasons = dict(zip(quarantine["source_row"], quarantine["reason"], strict=True))
    assert reasons == {2: "wrong_field_count:3_of_4", 4: "duplicate_source_record_id",
                       5: "missing_source_record_id"}
    assert len(records) + len(quarantine) == table.rows_read
    # The raw content is kept so a steward can fix the row; nothing is lost.
    assert "dup@x.es" in quarantine.loc[quarantine["source_row"] == 4, "raw"].iloc[0]


def test_jsonl_reader_with_bad_line(tmp_path: Path) -> None:
    lines = [json.dumps({"uid": "u1", "name": "Petrov, Ivan", "tickets": 2}, ensure_ascii=False),
             "{not json",
             json.dumps({"uid": "u2", "name": "Смирнова Ольга", "tickets": None},
                        ensure_ascii=False),
             "[1, 2]"]
    (tmp_path / "support.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = load_source(write_rules(tmp_path, "support", (
        "name: support\npath: ../support.jsonl\nformat: jsonl\nid_column: uid\n"
        "columns: {full_name: name}\n"
        "attributes: {open_tickets: {column: tickets, type: integer}}\n")))
    records, quarantine = to_canonical(cfg, read_export(cfg))
    assert list(records["full_name"]) == ["Petrov, Ivan", "Смирнова Ольга"]
    assert list(records["attr_open_tickets"].fillna("<NA>")) == ["2", "<NA>"]
    assert list(records["source_row"]) == [1, 3]
    assert sorted(quarantine["reason"]) == ["malformed_json", "not_an_object"]


def test_xlsx_and_parquet_readers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [10, 11], "nombre": ["María José", "Пётр"],
                          "alta": pd.to_datetime(["2021-03-04", "2020-12-31"])})
    frame.to_excel(tmp_path / "leads.xlsx", index=False)
    frame.to_parquet(tmp_path / "leads.parquet")
    for fmt in ("xlsx", "parquet"):
        cfg = load_source(write_rules(tmp_path, f"leads_{fmt}", (
            f"name: leads_{fmt}\npath: ../leads.{fmt}\nformat: {fmt}\nid_column: id\n"
            "columns: {full_name: nombre}\nattributes: {created_date: {column: alta, type: date}}\n"
        )))
        records, quarantine = to_canonical(cfg, read_export(cfg))
        assert list(records["source_record_id"]) == ["10", "11"], fmt
        assert list(records["attr_created_date"]) == ["2021-03-04", "2020-12-31"], fmt
        assert quarantine.empty


def test_list_mapping_joins_columns(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("id,calle,numero\n1,Calle Mayor,5\n2,,7\n", encoding="utf-8")
    cfg = load_source(write_rules(tmp_path, "x", (
        "name: x\npath: ../x.csv\nformat: csv\nid_column: id\n"
        "columns: {street: [calle, numero]}\n")))
    records, _ = to_canonical(cfg, read_export(cfg))
    assert list(records["street"]) == ["Calle Mayor 5", "7"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("name: x\npath: ../x.csv\nformat: csv\ncolumns: {emial: e}\n", "columns: Value error"),
        ("name: x\npath: ../x.csv\nformat: xls\ncolumns: {email: e}\n", "format:"),
        ("name: x\npath: ../x.csv\nformat: csv\ncolumns: {email: e}\ntrsut: 2\n",
         "trsut: unknown key"),
        ("name: x\npath: ../x.csv\nformat: csv\ncsv: {delimiter: ';;'}\ncolumns: {email: e}\n",
         "csv.delimiter"),
        ("name: x\nformat: csv\ncolumns: {email: e}\n", "path: Field required"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = write_rules(tmp_path, "x", body)
    with pytest.raises(ConfigError) as err:
        load_source(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_export_column_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("id,mail\n1,a@b.com\n", encoding="utf-8")
    cfg = load_source(write_rules(tmp_path, "x", (
        "name: x\npath: ../x.csv\nformat: csv\nid_column: id\ncolumns: {email: correo}\n")))
    with pytest.raises(ConfigError, match="columns.email: column 'correo' not in the export"):
        to_canonical(cfg, read_export(cfg))


def test_ingest_sources_dense_record_ids_and_accounting(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,email\n1,a@x.com\n2,b@x.com\n3\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("email\nc@x.com\n", encoding="utf-8")
    write_rules(tmp_path, "a", "name: a\npath: ../a.csv\nformat: csv\nid_column: id\n"
                               "columns: {email: email}\n")
    write_rules(tmp_path, "b", "name: b\npath: ../b.csv\nformat: csv\ncolumns: {email: email}\n")
    result = ingest_sources(load_sources(tmp_path))
    assert list(result.records["record_id"]) == [0, 1, 2]
    assert list(result.records["source"]) == ["a", "a", "b"]
    assert result.records.loc[2, "source_record_id"] == "1"  # row number when no id column
    table = row_accounting(result.rows_read, result.records, result.quarantine)
    assert table.set_index("source")["balanced"].all()
    check_row_accounting(table)


def test_row_accounting_catches_a_lost_row(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,email\n1,a@x.com\n2,b@x.com\n", encoding="utf-8")
    write_rules(tmp_path, "a", "name: a\npath: ../a.csv\nformat: csv\nid_column: id\n"
                               "columns: {email: email}\n")
    result = ingest_sources(load_sources(tmp_path))
    lost = result.records.iloc[:1]          # a bug somewhere drops a row
    table = row_accounting(result.rows_read, lost, result.quarantine)
    assert not table["balanced"].iloc[0]
    with pytest.raises(RowAccountingError, match="a: read 2, clean 1, quarantined 0"):
        check_row_accounting(table)


def test_duplicate_source_names_rejected(tmp_path: Path) -> None:
    write_rules(tmp_path, "a", "name: same\npath: ../a.csv\nformat: csv\ncolumns: {email: e}\n")
    write_rules(tmp_path, "b", "name: same\npath: ../b.csv\nformat: csv\ncolumns: {email: e}\n")
    with pytest.raises(ConfigError, match="already used"):
        load_sources(tmp_path)


# --------------------------------------------------------------------------- broken exports
#
# Every case: rows read = physical rows of the file (counted here, not by the reader) =
# clean + quarantined (+ continuation lines of a real multi-line row), or a one-line error.

HEADER = "id,name,email\n"
GOOD = [f"{i},Name {i},n{i}@x.com\n" for i in range(1, 21)]


def physical_rows(raw: bytes, fmt: str = "csv") -> int:
    """Non-blank data lines of a text export, split on its line breaks (header excluded)."""
    text = raw.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    lines = text.split("\n") if fmt == "jsonl" else re.split(r"\r\n|\r|\n", text)
    filled = [ln for ln in lines if ln.strip()]
    return max(len(filled) - (fmt == "csv"), 0)


def broken(tmp_path: Path, fmt: str, data: bytes | pd.DataFrame | pa.Table,
           extra: str = "") -> tuple[RawTable, pd.DataFrame, pd.DataFrame]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"x.{fmt}"
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, pa.Table):
        pq.write_table(data, path)
    elif fmt == "xlsx":
        data.to_excel(path, index=False)
    else:
        data.to_parquet(path)
    cfg = load_source(write_rules(tmp_path, "x", (
        f"name: x\npath: ../x.{fmt}\nformat: {fmt}\nid_column: id\n"
        f"columns: {{full_name: name, email: email}}\n{extra}")))
    table = read_export(cfg)
    records, quarantine = to_canonical(cfg, table)
    assert table.rows_read == len(records) + len(quarantine)
    rows = sorted([*records["source_row"], *quarantine["source_row"],
                   *table.continuation_rows])
    assert rows == list(range(1, table.physical_rows + 1))  # each row once, none missing
    if isinstance(data, bytes) and fmt in ("csv", "jsonl"):
        assert table.physical_rows == physical_rows(data, fmt)
    return table, records, quarantine


def reasons(quarantine: pd.DataFrame) -> list[tuple[int, str, object]]:
    return [(int(r), str(why), None if pd.isna(c) else c) for r, why, c in
            quarantine[["source_row", "reason", "column"]].itertuples(index=False)]


def test_an_unbalanced_quote_costs_its_own_row_only(tmp_path: Path) -> None:
    rows = GOOD.copy()
    rows[5] = '6,"Name 6,n6@x.com\n'  # the quote never closes: the parser swallows lines
    rows[12] = '13,"Name, 13",n13@x.com\n'
    table, records, quarantine = broken(tmp_path, "csv", (HEADER + "".join(rows)).encode())
    assert table.rows_read == 20 and len(records) == 19
    assert reasons(quarantine) == [(6, "unbalanced_quote", "name")]
    assert "13" in set(records["source_record_id"])


def test_a_quote_open_to_the_end_of_the_file(tmp_path: Path) -> None:
    data = (HEADER + "".join(GOOD[:3]) + '4,"Name 4,n4@x.com\n' + "".join(GOOD[4:8])).encode()
    table, records, quarantine = broken(tmp_path, "csv", data)
    assert (table.rows_read, len(records)) == (8, 7)
    assert reasons(quarantine) == [(4, "unbalanced_quote", "name")]


def test_a_real_multiline_field_is_one_row(tmp_path: Path) -> None:
    data = (HEADER + '1,"Ana\nLópez",a@x.com\n2,Bob,b@x.com\n').encode()
    table, records, quarantine = broken(tmp_path, "csv", data)
    assert table.physical_rows == 3 and table.continuation_rows == [2]
    assert list(records["full_name"]) == ["Ana\nLópez", "Bob"] and quarantine.empty


@pytest.mark.parametrize("data", [b"", b"\n \n", HEADER.encode(), b"\xef\xbb\xbf" + HEADER.encode()])
def test_empty_and_header_only_csv_are_zero_rows(tmp_path: Path, data: bytes) -> None:
    table, records, quarantine = broken(tmp_path, "csv", data)
    assert table.rows_read == 0 and records.empty and quarantine.empty
    assert table.empty_file == (not data.strip())


def test_a_one_megabyte_field_is_quarantined(tmp_path: Path) -> None:
    data = (HEADER + "".join(GOOD[:3]) + "4," + "x" * 1_000_000 + ",a@b.com\n").encode()
    table, records, quarantine = broken(tmp_path, "csv", data)
    assert reasons(quarantine) == [(4, "field_too_long", "name")]
    assert len(quarantine["raw"].iloc[0]) < 40_000  # kept, but cut


def test_nul_and_bad_bytes_get_the_same_reason_in_every_format(tmp_path: Path) -> None:
    csv_nul = (HEADER + "1,Ana\x00Lopez,a@x.com\n2,Bob,b@x.com\n").encode()
    jsonl_nul = (b'{"id":"1","name":"Ana\\u0000Lopez","email":"a@x.com"}\n'
                 b'{"id":"2","name":"Bob","email":"b@x.com"}\n')
    frame = pd.DataFrame({"id": ["1", "2"], "name": ["Ana\x00Lopez", "Bob"],
                          "email": ["a@x.com", "b@x.com"]})
    for fmt, data in [("csv", csv_nul), ("jsonl", jsonl_nul), ("parquet", frame)]:
        _, records, quarantine = broken(tmp_path / fmt, fmt, data)
        assert reasons(quarantine) == [(1, "control_character", "name")], fmt
        assert list(records["source_record_id"]) == ["2"]
    csv_bad = HEADER.encode() + b"1,Jos\xe9,a@x.com\n2,Bob,b@x.com\n"
    jsonl_bad = (b'{"id":"1","name":"Jos\xe9","email":"a@x.com"}\n'
                 b'{"id":"2","name":"Bob","email":"b@x.com"}\n')
    binary = pa.table({"id": ["1", "2"], "name": pa.array([b"Jos\xe9", b"Bob"], pa.binary()),
                       "email": ["a@x.com", "b@x.com"]})
    for fmt, data in [("csv", csv_bad), ("jsonl", jsonl_bad), ("parquet", binary)]:
        _, records, quarantine = broken(tmp_path / f"b{fmt}", fmt, data,
                                        "csv: {encoding: utf-8}\n" if fmt == "csv" else "")
        assert reasons(quarantine) == [(1, "undecodable_bytes:utf-8", "name")], fmt
        assert "\ufffd" in quarantine["raw"].iloc[0]


def test_a_binary_parquet_column_is_read_as_text(tmp_path: Path) -> None:
    data = pa.table({"id": ["1"], "name": ["Ana"], "email": pa.array([b"a@x.com"], pa.binary())})
    _, records, quarantine = broken(tmp_path, "parquet", data)
    assert list(records["email"]) == ["a@x.com"] and quarantine.empty


def test_header_only_workbook_and_parquet_are_zero_rows(tmp_path: Path) -> None:
    empty = pd.DataFrame({"id": pd.Series(dtype=str), "name": pd.Series(dtype=str),
                          "email": pd.Series(dtype=str)})
    for fmt in ("xlsx", "parquet"):
        table, records, _ = broken(tmp_path / fmt, fmt, empty)
        assert table.rows_read == 0 and records.empty


@pytest.mark.parametrize("fmt, data, message", [
    ("xlsx", b"id,name,email\n1,a,b\n", "not a readable .xlsx workbook (BadZipFile)"),
    ("xlsx", b"", "not a readable .xlsx workbook"),
    ("parquet", b"PAR1 truncated", "not a readable Parquet file"),
    ("csv", b"id,name,email,email\n1,a,b,c\n", "'email' appear more than once"),
    ("csv", b'id,"name,email\n1,a,b\n', "header row is not readable CSV"),
])
def test_unreadable_exports_are_one_line_errors(tmp_path: Path, fmt: str, data: bytes,
                                                message: str) -> None:
    (tmp_path / f"x.{fmt}").write_bytes(data)
    cfg = load_source(write_rules(tmp_path, "x", (
        f"name: x\npath: ../x.{fmt}\nformat: {fmt}\nid_column: id\n"
        "columns: {full_name: name, email: email}\n")))
    with pytest.raises(InputError) as err:
        to_canonical(cfg, read_export(cfg))
    assert message in str(err.value) and "\n" not in str(err.value)
    assert f"x.{fmt}" in str(err.value)


def test_cli_gives_one_line_and_exit_2_for_an_unreadable_export(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "x.xlsx").write_text("id,name\n1,Ana\n")
    for f in (Path(__file__).parents[1] / "rules").glob("*.yaml"):
        shutil.copy(f, tmp_path)
    write_rules(tmp_path, "x", "name: x\npath: ../x.xlsx\nformat: xlsx\nid_column: id\n"
                               "columns: {full_name: name}\n")
    assert cli_main(["run", "--no-prefect", "--rules", str(tmp_path),
                     "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "x.xlsx" in err and "Traceback" not in err


def test_a_source_with_no_rows_contributes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,email,paid\n1,a@x.com,2024-01-02\n")
    (tmp_path / "b.csv").write_text("id,email,seen\n")
    write_rules(tmp_path, "a", "name: a\npath: ../a.csv\nformat: csv\nid_column: id\n"
                               "columns: {email: email}\n"
                               "attributes: {paid: {column: paid, type: date}}\n")
    write_rules(tmp_path, "b", "name: b\npath: ../b.csv\nformat: csv\nid_column: id\n"
                               "columns: {email: email}\n"
                               "attributes: {seen: {column: seen, type: date}}\n")
    result = ingest_sources(load_sources(tmp_path))
    assert "attr.seen" not in result.records.columns and result.rows_read == {"a": 1, "b": 0}


_MUTATIONS = st.sampled_from(['"', ",", "\x00", "\n", "\r", "\udcff", "x" * 40_000, "", "'"])


@settings(max_examples=int(os.environ.get("HYP_N", "60")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.floats(0, 1), _MUTATIONS), min_size=1, max_size=6),
       cut=st.one_of(st.none(), st.floats(0.05, 1)),
       encoding=st.sampled_from(["utf-8", None]))
def test_random_damage_to_a_csv_loses_nothing(tmp_path: Path, edits: list[tuple[float, str]],
                                              cut: float | None, encoding: str | None) -> None:
    """Quotes, delimiters, NULs, line breaks, bad bytes and long fields inserted anywhere,
    then perhaps truncation: every physical row is a record or a quarantined row (or a
    continuation line), or the file gets a one-line error."""
    text = HEADER + "".join(f'{i},"Name, {i}",n{i}@x.com\n' for i in range(1, 16))
    for where, what in edits:
        at = int(where * len(text))
        text = text[:at] + what + text[at + (what == ""):]
    data = text.encode("utf-8", errors="surrogateescape")
    if cut is not None:
        data = data[: int(cut * len(data))]
    try:
        broken(tmp_path, "csv", data, f"csv: {{encoding: {encoding}}}\n" if encoding else "")
    except (InputError, ConfigError) as exc:  # the header itself was damaged
        assert "\n" not in str(exc).strip() or isinstance(exc, ConfigError)
