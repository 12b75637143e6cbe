"""The validate peek: each export format's header, encodings that would fail or garble,
a delimiter that does not split the header, and mapped columns the export lacks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_golden.config.sources import SourceConfig
from transforms.preflight import peek_export


def source(path: Path, fmt: str, **csv: str) -> SourceConfig:
    return SourceConfig(name="s", path=path, format=fmt, csv=csv, id_column="id",
                        columns={"email": "email", "full_name": "nombre"})


def test_every_format_reads_its_header(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["1"], "email": ["a@b.es"], "nombre": ["José"]})
    frame.to_excel(tmp_path / "x.xlsx", index=False)
    frame.to_parquet(tmp_path / "x.parquet")
    frame.to_json(tmp_path / "x.jsonl", orient="records", lines=True, force_ascii=False)
    frame.to_csv(tmp_path / "x.csv", index=False, sep=";", encoding="cp1252")
    for name, fmt, csv in [("x.xlsx", "xlsx", {}), ("x.parquet", "parquet", {}),
                           ("x.jsonl", "jsonl", {}),
                           ("x.csv", "csv", {"delimiter": ";", "encoding": "cp1252"})]:
        peek = peek_export(source(tmp_path / name, fmt, **csv))
        assert peek.ok and peek.columns == ["id", "email", "nombre"], (name, peek)


def test_encodings_that_fail_or_garble_and_a_wrong_delimiter(tmp_path: Path) -> None:
    text = "id;email;nombre\n1;a@b.es;José García\n2;c@d.es;María Pérez\n"
    (tmp_path / "w.csv").write_bytes(text.encode("cp1252"))
    (tmp_path / "u.csv").write_bytes(text.encode("utf-8"))
    peek = peek_export(source(tmp_path / "w.csv", "csv", delimiter=";", encoding="utf-8"))
    assert peek.problems == ["csv.encoding: utf-8 cannot decode byte 0xe9 on line 2; it "
                             "decodes as cp1252"]
    peek = peek_export(source(tmp_path / "u.csv", "csv", delimiter=";", encoding="cp1252"))
    assert "the file is UTF-8" in peek.problems[0]
    peek = peek_export(source(tmp_path / "u.csv", "csv", delimiter=",", encoding="utf-8"))
    assert peek.problems[0] == ("csv.delimiter: the header does not split on ','; it "
                                "splits on ';'")


def test_missing_file_and_columns(tmp_path: Path) -> None:
    assert peek_export(source(tmp_path / "no.csv", "csv")).problems[0].startswith(
        "path: file not found")
    (tmp_path / "c.csv").write_text("id,correo\n1,a@b.es\n", encoding="utf-8")
    peek = peek_export(source(tmp_path / "c.csv", "csv"))
    assert peek.problems == ["columns.email: column 'email' not in the export",
                             "columns.full_name: column 'nombre' not in the export"]
    assert "encoding not declared; detected utf-8" in peek.notes
