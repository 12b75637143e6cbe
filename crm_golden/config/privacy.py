"""Privacy rules (``rules/privacy.yaml``) as typed config: retention, suppression, erasure.

Why a file: how long published runs are kept, which identifiers of an erased person keep
their rows out of later exports, and which reason codes an erasure may cite are decisions
of the data protection officer, not code. The file is optional: without it the defaults
below apply (keep the last 7 runs; suppress on e-mail, phone, tax id and name + date of
birth; opt-outs are not suppressed). The HMAC key itself never lives here: only where to
find it (``$CRM_GOLDEN_HMAC_KEY``, or a Prefect Secret block named here).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from crm_golden.config.base import StrictModel, load_model

FILE_NAME = "privacy.yaml"
SUPPRESSION_KINDS = ("email", "phone", "tax_id", "name_dob")
DEFAULT_REASONS = ["gdpr_art17", "lopdgdd_art15", "fz152_art21", "consent_withdrawn",
                   "objection", "unlawful_processing", "deceased", "test_data"]


class RetentionRules(StrictModel):
    """Published run folders kept after each publish: the newest ``keep_runs`` and none
    older than ``keep_days`` (either limit may be null); ``latest`` is always kept."""

    keep_runs: int | None = Field(default=7, ge=1)
    keep_days: int | None = Field(default=None, ge=1)


class OptOutRules(StrictModel):
    """Rows opted out of every channel (each listed consent attribute the source maps is
    false) are suppressed when ``suppress`` is true."""

    suppress: bool = False
    attributes: list[str] = Field(default_factory=lambda: ["consent_email", "consent_phone"])


class SuppressionRules(StrictModel):
    """Which normalized identifiers of an erased person suppress a row of a later export."""

    match_on: list[str] = Field(default_factory=lambda: list(SUPPRESSION_KINDS))
    opt_outs: OptOutRules = OptOutRules()

    @field_validator("match_on")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in SUPPRESSION_KINDS]
        if unknown:
            raise ValueError(f"unknown identifier kind(s) {unknown}; use "
                             f"{list(SUPPRESSION_KINDS)}")
        return value


class PrivacyRules(StrictModel):
    """Everything ``flows.privacy`` and ``flows.erase`` need from the user."""

    hmac_key_secret_block: str | None = None
    retention: RetentionRules = RetentionRules()
    suppression: SuppressionRules = SuppressionRules()
    erasure_reasons: list[str] = Field(default_factory=lambda: list(DEFAULT_REASONS))

    @model_validator(mode="after")
    def _reason_codes(self) -> PrivacyRules:
        bad = [r for r in self.erasure_reasons
               if not r or not r.replace("_", "").isalnum() or not r.isascii()]
        if bad or not self.erasure_reasons:
            raise ValueError("erasure_reasons must be a non-empty list of codes made of "
                             f"letters, digits and underscores (got {bad or 'none'})")
        return self


def load_privacy_rules(folder: Path | str) -> PrivacyRules:
    """``folder/privacy.yaml``, or the defaults when the rules folder has none."""
    path = Path(folder) / FILE_NAME
    if not path.is_file():
        return PrivacyRules()
    return load_model(PrivacyRules, path)
