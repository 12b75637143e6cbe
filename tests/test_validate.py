"""Quarantine split, quality metrics and validation config."""

import pandas as pd
import pytest

from crm_golden.config.base import ConfigError
from crm_golden.config.validation import ValidationRules, load_validation_rules
from transforms.validate import quality_metrics, quality_warnings, split_quarantine


def _normalized() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": range(6),
            "source": ["marketing"] * 3 + ["soporte"] * 3,
            "source_record_id": list("abcdef"),
            "source_file": ["m.csv"] * 3 + ["s.csv"] * 3,
            "source_row": [1, 2, 3, 1, 2, 3],
            "email_status": ["valid", "invalid", "invalid", "missing", "fixed", "missing"],
            "email_reason": [None, "placeholder", "syntax", None, "domain_typo", None],
            "email_is_placeholder": [False, True, False, False, False, False],
            "email_is_role": [False, False, False, False, True, False],
            "email_key": ["a@x.es", None, None, None, "info@x.es", None],
            "phone_status": ["missing", "invalid", "missing", "invalid", "missing", "valid"],
            "phone_reason": [None, "possible_only", None, "unparsable", None, None],
            "phone_e164": [None, "+447700900123", None, None, None, "+79123456789"],
            "tax_id_status": ["missing"] * 6,
            "family_key": [None, None, None, "ivanov", None, None],
            "given_key": [None, None, None, None, None, None],
        }
    )


@pytest.mark.parametrize("rules,expected_quarantine", [
    (ValidationRules(), ["c", "d"]),
    (ValidationRules(fields={"phone": {"possible_only_usable": False}}), ["b", "c", "d"]),
    (ValidationRules(fields={"email": {"role_usable": False}}), ["c", "d", "e"]),
    (ValidationRules(usable_identifiers=["email"]), ["b", "c", "d", "f"]),
])
def test_split_quarantine(rules, expected_quarantine):
    norm = _normalized()
    clean, quarantine = split_quarantine(norm, rules)
    assert sorted(quarantine["source_record_id"]) == expected_quarantine
    assert len(clean) + len(quarantine) == len(norm)
    assert (quarantine["quarantine_reason"] == "no_usable_identifier").all()
    assert {"record_id", "source", "source_row"} <= set(quarantine.columns)


def test_quality_metrics():
    m = quality_metrics(_normalized())
    row = m[(m.source == "marketing") & (m.field == "email")].iloc[0]
    assert row.present == 3 and row.valid == 1 and row.invalid == 2
    assert row.validity == pytest.approx(1 / 3)
    assert row.completeness == 1.0
    assert "placeholder:1" in row.top_invalid_reasons and "syntax:1" in row.top_invalid_reasons
    assert "@" not in "".join(m.top_invalid_reasons)  # counts only, never values
    warn = quality_warnings(m, ValidationRules())
    assert ("marketing", "email") in set(zip(warn.source, warn.field, strict=True))


def test_load_validation_rules(tmp_path):
    rules = load_validation_rules("rules/validation.yaml")
    assert rules.min_birth_year == 1900
    assert rules.fields.phone.possible_only_usable is True
    bad = tmp_path / "v.yaml"
    bad.write_text("min_birth_yaer: 1900\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_birth_yaer"):
        load_validation_rules(bad)
    bad.write_text("usable_identifiers: [passport]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="usable_identifiers"):
        load_validation_rules(bad)


def test_split_without_quarantine_shares_columns_not_the_frame():
    norm = _normalized()
    norm = norm[~norm["source_record_id"].isin(["c", "d"])]  # rows with nothing usable
    clean, quarantine = split_quarantine(norm, ValidationRules())
    assert quarantine.empty and clean is not norm
    pd.testing.assert_frame_equal(clean, norm)
    clean["extra"] = 1  # a new column on clean leaves the normalized frame alone
    assert "extra" not in norm.columns


def test_a_name_part_and_one_other_attribute_keep_a_record_and_count_as_thin() -> None:
    """A surname only (or a given name only) plus a birth date or a city can be linked:
    it stays clean, and the audit counts it as thin evidence. A name part alone, or an
    attribute alone, cannot be linked at all."""
    from transforms.validate import thin_evidence

    frame = pd.DataFrame({
        "record_id": range(5), "source": "s", "source_record_id": list("abcde"),
        "source_file": "s.csv", "source_row": range(1, 6),
        "given_key": [None, "ana", "ana", None, "luis"],
        "family_key": ["ivanov", None, None, None, "lopez"],
        "date_of_birth_norm": [pd.Timestamp("1980-01-02"), None, None,
                               pd.Timestamp("1980-01-02"), None],
        "city_key": [None, "madrid", None, "madrid", None],
        "email_status": "missing", "phone_status": "missing", "tax_id_status": "missing",
    })
    rules = ValidationRules()
    clean, quarantine = split_quarantine(frame, rules)
    assert clean["source_record_id"].tolist() == ["a", "b", "e"]
    assert quarantine["source_record_id"].tolist() == ["c", "d"]
    assert thin_evidence(frame, rules).tolist() == [True, True, False, False, False]
    old = ValidationRules(usable_identifiers=["email", "phone", "tax_id", "name"])
    assert split_quarantine(frame, old)[0]["source_record_id"].tolist() == ["e"]
