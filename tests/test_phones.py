"""Phone normalization: ES/MX/RU/US/GB formats, repairs, statuses and output columns."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.phones import normalize_phones

CASES = [
    # raw, row country, default, e164, nsn, type, status, reason, mismatch
    ("612345678", "ES", "ES", "+34612345678", "612345678", "mobile", "valid", None, False),
    ("+34 612 34 56 78", "ES", "ES", "+34612345678", "612345678", "mobile", "valid", None, False),
    ("0034 612 34 56 78", None, "ES", "+34612345678", "612345678", "mobile", "valid", None, False),
    ("91 123 45 67", "ES", "ES", "+34911234567", "911234567", "fixed_line", "valid", None, False),
    ("8 (912) 345-67-89", "RU", "ES", "+79123456789", "9123456789", "mobile", "valid", None, False),
    ("+7 912 345 67 89", None, "RU", "+79123456789", "9123456789", "mobile", "valid", None, False),
    ("89123456789", "ES", "ES", "+79123456789", "9123456789", "mobile", "fixed", "region_inferred", True),
    ("79123456789", None, "ES", "+79123456789", "9123456789", "mobile", "fixed", "missing_plus", False),
    ("+52 1 55 1234 5678", "MX", "MX", "+525512345678", "5512345678", "fixed_line_or_mobile", "fixed", "mx_legacy_prefix", False),
    ("044 55 1234 5678", "MX", "MX", "+525512345678", "5512345678", "fixed_line_or_mobile", "fixed", "mx_legacy_prefix", False),
    ("55 1234 5678", "MX", "ES", "+525512345678", "5512345678", "fixed_line_or_mobile", "valid", None, False),
    ("020 7946 0018", "GB", "GB", "+442079460018", "2079460018", "fixed_line", "valid", None, False),
    ("(415) 555-2671", "US", "ES", "+14155552671", "4155552671", "fixed_line_or_mobile", "valid", None, False),
    ("+1 212-555-0123 ext. 12", "US", "US", "+12125550123", "2125550123", "fixed_line_or_mobile", "valid", None, False),
    ("612345678 / 699887766", "ES", "ES", "+34612345678", "612345678", "mobile", "fixed", "multiple_values", False),
    ("+7 (495) 123-45-67 доб. 123", "RU", "RU", "+74951234567", "4951234567", "fixed_line", "valid", None, False),
    ("8 800 555-35-35", "RU", "RU", "+78005553535", "8005553535", "toll_free", "valid", None, False),
    ("416 555 0123", "US", "US", "+14165550123", "4165550123", "fixed_line_or_mobile", "valid", None, True),
    ("+44 7700 900123", "GB", "GB", "+447700900123", "7700900123", "unknown", "invalid", "possible_only", False),
    ("000000000", "ES", "ES", None, None, None, "invalid", "placeholder", False),
    ("123456789", "ES", "ES", None, None, None, "invalid", "placeholder", False),
    ("llámame", "ES", "ES", None, None, None, "invalid", "unparsable", False),
    ("+34 6123", "ES", "ES", None, None, None, "invalid", "not_possible", False),
]


def _eq(value, expected):
    return (expected is None and pd.isna(value)) or value == expected


@pytest.mark.parametrize("raw,row,default,e164,nsn,kind,status,reason,mismatch", CASES)
def test_phone_cases(raw, row, default, e164, nsn, kind, status, reason, mismatch):
    out = normalize_phones(pd.Series([raw]), pd.Series([row], dtype=object), default).iloc[0]
    assert out["phone_status"] == status
    assert _eq(out["phone_reason"], reason)
    assert _eq(out["phone_e164"], e164)
    assert _eq(out["phone_nsn"], nsn)
    assert _eq(out["phone_type"], kind)
    assert bool(out["phone_country_mismatch"]) is mismatch


def test_missing_and_prefix():
    out = normalize_phones(pd.Series([None, ""]), None, "ES", prefix="phone_2")
    assert list(out.columns) == [
        "phone_2_e164", "phone_2_nsn", "phone_2_type", "phone_2_region",
        "phone_2_country_mismatch", "phone_2_status", "phone_2_reason",
    ]
    assert (out["phone_2_status"] == "missing").all()


def test_same_number_shares_keys_across_formats():
    s = pd.Series(["612345678", "+34 612 34 56 78", "0034612345678"])
    out = normalize_phones(s, None, "ES")
    assert out["phone_e164"].nunique() == 1 and out["phone_nsn"].nunique() == 1


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789 +()-./extдоб", max_size=25), st.sampled_from(["ES", "RU", "MX", "US", "GB", ""]))
def test_never_raises_and_idempotent(text, region):
    first = normalize_phones(pd.Series([text]), pd.Series([region or None], dtype=object), "ES").iloc[0]
    assert first["phone_status"] in {"valid", "fixed", "invalid", "missing"}
    if isinstance(first["phone_e164"], str):
        again = normalize_phones(pd.Series([first["phone_e164"]]), None, "ES").iloc[0]
        assert again["phone_e164"] == first["phone_e164"]
        assert again["phone_nsn"] == first["phone_nsn"]
