"""Typed loader for ``rules/vocabularies.yaml``: closed vocabularies by name.

Department exports spell the same value many ways ("Sí", "si", "да", "YES"); each
vocabulary maps those spellings onto a small closed set. Matching a value against a
vocabulary is a transform (``transforms/vocab.py``); this module only holds the config.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from crm_golden.config.base import ConfigError, StrictModel, load_model


class VocabularyTerm(StrictModel):
    """One canonical value: exact spellings and optional free-text keywords."""

    values: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class Vocabulary(StrictModel):
    """A closed vocabulary: canonical value -> spellings.

    ``output`` says what the canonical value becomes: ``string`` keeps the
    canonical label, ``boolean`` turns "true"/"false" labels into booleans.
    """

    output: str = "string"
    terms: dict[str, VocabularyTerm]

    @field_validator("output")
    @classmethod
    def _known_output(cls, value: str) -> str:
        if value not in {"string", "boolean"}:
            raise ValueError("output must be 'string' or 'boolean'")
        return value


class Vocabularies(StrictModel):
    """All vocabularies by name (``rules/vocabularies.yaml``)."""

    vocabularies: dict[str, Vocabulary]


DEFAULT_VOCABULARIES_PATH = Path(__file__).resolve().parents[2] / "rules" / "vocabularies.yaml"


def load_vocabularies(path: Path | str = DEFAULT_VOCABULARIES_PATH) -> Vocabularies:
    """Load ``rules/vocabularies.yaml``; errors name the file and key."""
    vocabs = load_model(Vocabularies, Path(path))
    for name, vocab in vocabs.vocabularies.items():
        if vocab.output == "boolean" and set(vocab.terms) - {"true", "false"}:
            raise ConfigError(f"{path}: vocabularies.{name}.terms: boolean terms must be true/false")
    return vocabs
