"""Dates of birth with declared source formats (ES d/m/Y, RU d.m.Y, US m/d/Y)."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.dates import parse_date_column, parse_dates, parse_dates_by_source

TODAY = date(2024, 6, 1)
CASES = [
    ("03/04/1985", "%d/%m/%Y", "1985-04-03", True, "valid", None),
    ("31/12/1990", "%d/%m/%Y", "1990-12-31", False, "valid", None),
    ("05/05/1970", "%d/%m/%Y", "1970-05-05", False, "valid", None),
    ("12/11/1980 00:00:00", "%d/%m/%Y", "1980-11-12", True, "valid", None),
    ("1985-04-03", "%d/%m/%Y", "1985-04-03", False, "fixed", "iso_fallback"),
    ("1985-04-03T00:00:00", "%d.%m.%Y", "1985-04-03", False, "fixed", "iso_fallback"),
    ("03.04.1985", "%d.%m.%Y", "1985-04-03", True, "valid", None),
    ("25.12.1979", "%d.%m.%Y", "1979-12-25", False, "valid", None),
    ("04/03/1985", "%m/%d/%Y", "1985-04-03", True, "valid", None),
    ("12/25/1979", "%m/%d/%Y", "1979-12-25", False, "valid", None),
    ("1985-04-03", "%Y-%m-%d", "1985-04-03", False, "valid", None),
    ("31/02/1990", "%d/%m/%Y", None, False, "invalid", "impossible_date"),
    ("15/13/1990", "%d/%m/%Y", None, False, "invalid", "impossible_date"),
    ("29/02/2001", "%d/%m/%Y", None, False, "invalid", "impossible_date"),
    ("29/02/2000", "%d/%m/%Y", "2000-02-29", False, "valid", None),
    ("01/01/2099", "%d/%m/%Y", None, False, "invalid", "future_date"),
    ("01/01/1850", "%d/%m/%Y", None, False, "invalid", "before_min_year"),
    ("tres de abril", "%d/%m/%Y", None, False, "invalid", "impossible_date"),
    ("", "%d/%m/%Y", None, False, "missing", None),
]


@pytest.mark.parametrize("raw,fmt,expected,ambiguous,status,reason", CASES)
def test_parse_dates(raw, fmt, expected, ambiguous, status, reason):
    out = parse_dates(pd.Series([raw]), fmt, 1900, TODAY).iloc[0]
    if expected is None:
        assert pd.isna(out["date_of_birth_norm"])
    else:
        assert out["date_of_birth_norm"] == pd.Timestamp(expected)
    assert bool(out["date_of_birth_ambiguous"]) is ambiguous
    assert out["date_of_birth_status"] == status
    assert (reason is None and pd.isna(out["date_of_birth_reason"])) or out["date_of_birth_reason"] == reason


def test_dtype_and_index():
    out = parse_dates(pd.Series(["01/02/1990", None], index=[5, 6]), "%d/%m/%Y", 1900, TODAY)
    assert str(out["date_of_birth_norm"].dtype) == "datetime64[ms]"  # years before 1678 too
    assert list(out.index) == [5, 6]


def test_parse_date_column():
    out = parse_date_column(pd.Series(["01/02/2023", "2023-02-01", "x", None]), "%d/%m/%Y")
    assert out.iloc[0] == out.iloc[1] == pd.Timestamp("2023-02-01")
    assert out.iloc[2:].isna().all()


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20), st.sampled_from(["%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", None]))
def test_never_raises_and_idempotent(text, fmt):
    out = parse_dates(pd.Series([text]), fmt, 1900, TODAY).iloc[0]
    assert out["date_of_birth_status"] in {"valid", "fixed", "invalid", "missing"}
    if pd.notna(out["date_of_birth_norm"]):
        iso = out["date_of_birth_norm"].strftime("%Y-%m-%d")
        again = parse_dates(pd.Series([iso]), "%Y-%m-%d", 1900, TODAY).iloc[0]
        assert again["date_of_birth_norm"] == out["date_of_birth_norm"]


def _by_source_reference(values, formats, min_year, today):
    """The per-format split: ``parse_dates`` on each group's rows (no format: None)."""
    parts = []
    for key in formats.dropna().unique():
        parts.append(parse_dates(values[formats == key], key, min_year, today))
    if formats.isna().any():
        parts.append(parse_dates(values[formats.isna()], None, min_year, today))
    return pd.concat(parts).reindex(values.index)


def test_by_source_parses_each_distinct_pair_like_the_groups():
    values = pd.Series(["03/04/1985", "1985-04-03", " 31/02/1990 ", "NULL", None, "2030-01-01",
                        "01/01/1850", "12.11.1977", "1977-11-12T00:00:00", "03/04/1985 00:00",
                        "abc", "", "13/13/2000", "05/05/2005", "1999-12-31 10:20"] * 3)
    values.index = values.index[::-1] * 3 + 7
    formats = pd.Series((["%d/%m/%Y"] * 5 + [None] * 5 + ["%d.%m.%Y"] * 5) * 3, index=values.index)
    got = parse_dates_by_source(values, formats, 1900, date(2024, 6, 1))
    pd.testing.assert_frame_equal(got, _by_source_reference(values, formats, 1900, date(2024, 6, 1)))


def test_a_source_without_a_declared_format_reads_iso_dates_as_valid() -> None:
    """Regression: rows with no declared format were parsed with the format ""."""
    from transforms.dates import parse_dates_by_source

    out = parse_dates_by_source(pd.Series(["1980-03-05", "1980-03-05"]),
                                pd.Series([None, "%d/%m/%Y"]), 1900, date(2024, 1, 1))
    assert out["date_of_birth_status"].tolist() == ["valid", "fixed"]
    assert out["date_of_birth_reason"].tolist()[1] == "iso_fallback"


def test_historical_dates_parse_down_to_min_birth_year() -> None:
    """Nanosecond timestamps end before 1678; a register of the 1500s (or a century keyed
    wrongly) still parses when min_birth_year allows it, and the rules still reject dates
    before it, future dates and impossible ones."""
    raw = pd.Series(["04/03/1500", "31/02/1800", "02/01/1985", "01/01/2990", "09/09/0999"])
    out = parse_dates(raw, "%d/%m/%Y", 1000, TODAY)
    assert out["date_of_birth_norm"].iloc[0] == pd.Timestamp("1500-03-04")
    assert out["date_of_birth_reason"].fillna("").tolist()[1:] == [
        "impossible_date", "", "future_date", "before_min_year"]
    strict = parse_dates(raw, "%d/%m/%Y", 1900, TODAY)
    assert strict["date_of_birth_reason"].iloc[0] == "before_min_year"


def test_min_birth_year_can_be_set_down_to_1000() -> None:
    from crm_golden.config.validation import ValidationRules

    assert ValidationRules(min_birth_year=1000).min_birth_year == 1000
    with pytest.raises(ValueError):
        ValidationRules(min_birth_year=999)
