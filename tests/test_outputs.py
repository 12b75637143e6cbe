"""The data dictionary: every published column is documented, typed as documented, and
described in its Parquet field metadata; docs/outputs.md is the dictionary, up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crm_golden.config.rules import load_rules
from crm_golden.outputs import (
    DESCRIPTION_KEY,
    Column,
    Table,
    rules_markdown,
    tables,
    type_name,
)
from transforms.publish import OUTPUT_TABLES

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "outputs.md"


def documented_names(markdown: str) -> dict[str, list[str]]:
    """Column names (exact or patterns) listed under each ``## <table>.parquet`` heading."""
    out: dict[str, list[str]] = {}
    current = None
    for line in markdown.splitlines():
        head = re.match(r"## (\w+)\.parquet", line)
        if head:
            current = head.group(1)
            out[current] = []
        elif current and line.startswith("| `"):
            name = line.split("`")[1].replace("&lt;", "<").replace("&gt;", ">")
            out[current].append(name)
    return out


def test_every_published_column_is_documented_typed_and_described(first_run,
                                                                   exports: Path) -> None:
    run_dir = Path(first_run[1]["run_dir"])
    docs = tables(load_rules(exports / "rules").survivorship)
    in_markdown = documented_names(DOC.read_text(encoding="utf-8"))
    for name in OUTPUT_TABLES:
        schema = pq.read_schema(run_dir / f"{name}.parquet")
        listed = Table(name, "", [Column(n, None, "") for n in in_markdown[name]])
        for fld in schema:
            assert listed.find(fld.name), f"{name}.{fld.name} missing from docs/outputs.md"
            assert (fld.metadata or {}).get(DESCRIPTION_KEY), f"{name}.{fld.name} undescribed"
            entry = docs[name].find(fld.name)
            if entry is not None and entry.type is not None:
                assert type_name(fld.type) == type_name(entry.type), f"{name}.{fld.name}"
            assert "null" not in str(fld.type) and "timestamp" not in str(fld.type), fld


def test_golden_dates_are_dates(first_run) -> None:
    schema = pq.read_schema(Path(first_run[1]["run_dir"]) / "golden_customers.parquet")
    for col in ("date_of_birth", "first_seen", "last_interaction"):
        assert type_name(schema.field(col).type) == "date32"


def test_clean_records_have_sql_friendly_names(first_run) -> None:
    schema = pq.read_schema(Path(first_run[1]["run_dir"]) / "clean_records.parquet")
    assert "attr_balance" in schema.names and "raw_attr_balance" in schema.names
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in schema.names), schema.names


def test_docs_outputs_md_is_generated_from_the_dictionary() -> None:
    expected = rules_markdown(load_rules(ROOT / "rules"), "rules")
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/outputs.md is stale: crm-golden dictionary --rules rules > docs/outputs.md")


@pytest.mark.parametrize("column,expected", [
    ("attr_balance", "attr_<name>"), ("raw_attr_balance", "raw_attr_<name>"),
    ("email_status", "<field>_status"), ("w_email", "w_<comparison>"),
    ("l_email_norm", "l_<column>"), ("golden_id", "golden_id")])
def test_patterns_find_their_columns(column: str, expected: str) -> None:
    found = [t.find(column) for t in tables().values()]
    assert expected in {c.name for c in found if c is not None}
