"""Readers, encodings, canonical mapping and row accounting."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crm_golden.config.base import ConfigError
from crm_golden.config.sources import load_source, load_sources
from transforms.ingest import (
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
