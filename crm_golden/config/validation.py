"""Validation rules (``rules/validation.yaml``) as typed config.

Why a file: what counts as a usable row (quarantine) and when a source's
data quality deserves a warning are business decisions a data steward makes,
not code. Wrong keys or values are ``ConfigError`` naming the file and key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from crm_golden.config.base import StrictModel, load_model

IDENTIFIER_KINDS = ("email", "phone", "tax_id", "name", "name_part_and_attribute")


class PhoneRules(StrictModel):
    """``possible_only_usable``: a number libphonenumber finds possible but not valid
    (new ranges, metadata lag) still identifies a row."""

    possible_only_usable: bool = True


class EmailRules(StrictModel):
    """``role_usable``: whether a shared mailbox (info@, ventas@) alone makes a row usable."""

    role_usable: bool = True


class FieldRules(StrictModel):
    phone: PhoneRules = PhoneRules()
    email: EmailRules = EmailRules()


class Thresholds(StrictModel):
    """Report warnings: invalid share of present values per field and source."""

    invalid_rate_warning: float = Field(0.05, ge=0, le=1)
    invalid_rate_per_field: dict[str, float] = Field(default_factory=dict)
    completeness_warning: float = Field(0.0, ge=0, le=1)

    @field_validator("invalid_rate_per_field")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for key, rate in value.items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate for {key} must be between 0 and 1")
        return value

    def invalid_rate_for(self, field: str) -> float:
        return self.invalid_rate_per_field.get(field, self.invalid_rate_warning)


class ValidationRules(StrictModel):
    """Everything ``transforms.normalize``/``transforms.validate`` need from the user."""

    min_birth_year: int = Field(1900, ge=1000, le=2100)
    usable_identifiers: list[str] = Field(default_factory=lambda: list(IDENTIFIER_KINDS))
    fields: FieldRules = FieldRules()
    thresholds: Thresholds = Thresholds()

    @field_validator("usable_identifiers")
    @classmethod
    def _known_identifiers(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in IDENTIFIER_KINDS]
        if unknown:
            raise ValueError(f"unknown identifier kind(s) {unknown}; use {list(IDENTIFIER_KINDS)}")
        if not value:
            raise ValueError("at least one identifier kind is required")
        return value


def load_validation_rules(path: Path | str) -> ValidationRules:
    """Load ``rules/validation.yaml`` (missing keys take the defaults above)."""
    return load_model(ValidationRules, Path(path))
