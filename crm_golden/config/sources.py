"""Typed config for ``rules/sources/<source>.yaml``: one department export each."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from crm_golden.schema import IDENTITY_FIELDS

from .base import ConfigError, StrictModel, load_model

Encoding = Literal["utf-8", "utf-8-sig", "cp1252", "cp1251", "latin-1", "utf-16"]


class CsvOptions(StrictModel):
    delimiter: str | None = Field(default=None, description="detected when absent")
    encoding: Encoding | None = Field(default=None, description="detected when absent")
    quotechar: str = '"'

    @field_validator("delimiter", "quotechar")
    @classmethod
    def _one_char(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("must be a single character")
        return value


class AttributeSpec(StrictModel):
    column: str
    type: Literal["text", "number", "integer", "date"] = "text"
    vocabulary: str | None = None


class SourceConfig(StrictModel):
    """One export: where it is, how to read it, and how its columns map to the canonical record."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    path: Path
    format: Literal["csv", "xlsx", "jsonl", "parquet"]
    csv: CsvOptions = CsvOptions()
    sheet: str | int = 0
    date_format: str | None = None
    decimal: Literal[".", ","] = "."
    default_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    id_column: str | None = None
    columns: dict[str, str | list[str]]
    attributes: dict[str, AttributeSpec] = {}
    trust: int = 1

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        unknown = sorted(set(value) - set(IDENTITY_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown canonical field(s) {unknown}; expected some of {IDENTITY_FIELDS}"
            )
        if not value:
            raise ValueError("map at least one canonical field")
        return value

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes_list(cls, value: object) -> object:
        # A plain list keeps each export column under its own name, as text.
        if isinstance(value, list):
            return {str(col): {"column": str(col)} for col in value}
        return value

    def export_columns(self) -> list[str]:
        """Every export column this source reads (identity, attributes, id)."""
        cols: list[str] = []
        for mapped in self.columns.values():
            cols.extend([mapped] if isinstance(mapped, str) else mapped)
        cols.extend(spec.column for spec in self.attributes.values())
        if self.id_column:
            cols.append(self.id_column)
        return list(dict.fromkeys(cols))


def load_source(path: Path) -> SourceConfig:
    """Load one source file; its ``path`` is resolved relative to the YAML file."""
    path = Path(path)
    cfg = load_model(SourceConfig, path)
    resolved = (path.parent / cfg.path).resolve() if not cfg.path.is_absolute() else cfg.path
    return cfg.model_copy(update={"path": resolved})


def load_sources(rules_dir: Path) -> list[SourceConfig]:
    """All ``rules_dir/sources/*.yaml``, sorted by file name; names must be unique."""
    folder = Path(rules_dir) / "sources"
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise ConfigError(f"{folder}: no source rules files (*.yaml)")
    sources = [load_source(f) for f in files]
    seen: dict[str, Path] = {}
    for f, src in zip(files, sources, strict=True):
        if src.name in seen:
            raise ConfigError(f"{f}: name: '{src.name}' already used by {seen[src.name]}")
        seen[src.name] = f
    return sources
