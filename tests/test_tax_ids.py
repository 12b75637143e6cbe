"""Tax ids: Spanish DNI/NIE/CIF, Russian INN, Mexican RFC."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.tax_ids import dni_letter, normalize_tax_ids

CASES = [
    ("12345678Z", "ES", "12345678Z", "es_dni", "valid", None),
    ("12.345.678-z", "ES", "12345678Z", "es_dni", "fixed", "formatted"),
    ("12345678 Z", "ES", "12345678Z", "es_dni", "fixed", "formatted"),
    ("12345678A", "ES", "12345678A", "es_dni", "invalid", "checksum"),
    ("1234567L", "ES", "01234567L", "es_dni", "fixed", "leading_zero_restored"),
    ("DNI 12345678Z", "ES", "12345678Z", "es_dni", "fixed", "formatted"),
    ("X1234567L", "ES", "X1234567L", "es_nie", "valid", None),
    ("Y1234567X", "ES", "Y1234567X", "es_nie", "valid", None),
    ("X1234567A", "ES", "X1234567A", "es_nie", "invalid", "checksum"),
    ("B12345674", "ES", "B12345674", "es_cif", "valid", None),
    ("7707083893", "RU", "7707083893", "ru_inn", "valid", None),
    ("7707083894", "RU", "7707083894", "ru_inn", "invalid", "checksum"),
    ("500100732259", "RU", "500100732259", "ru_inn", "valid", None),
    ("500100732258", "RU", "500100732258", "ru_inn", "invalid", "checksum"),
    ("ИНН 7707083893", "RU", "7707083893", "ru_inn", "fixed", "formatted"),
    ("GODE561231GR8", "MX", "GODE561231GR8", "mx_rfc", "valid", None),
    ("gode-561231-gr8", "MX", "GODE561231GR8", "mx_rfc", "fixed", "formatted"),
    ("ABC680524P76", "MX", "ABC680524P76", "mx_rfc", "valid", None),
    ("GODE561331GR8", "MX", "GODE561331GR8", "mx_rfc", "invalid", "bad_date"),
    ("xyz", "ES", "XYZ", "other", "invalid", "bad_format"),
]


@pytest.mark.parametrize("raw,country,norm,kind,status,reason", CASES)
def test_tax_ids(raw, country, norm, kind, status, reason):
    out = normalize_tax_ids(pd.Series([raw]), pd.Series([country])).iloc[0]
    assert out["tax_id_norm"] == norm
    assert out["tax_id_type"] == kind
    assert out["tax_id_status"] == status
    assert (reason is None and pd.isna(out["tax_id_reason"])) or out["tax_id_reason"] == reason


@pytest.mark.parametrize("number,letter", [(12345678, "Z"), (0, "T"), (99999999, "R")])
def test_dni_letter(number, letter):
    assert dni_letter(number) == letter


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20), st.sampled_from(["ES", "RU", "MX", "US", None]))
def test_never_raises_and_idempotent(text, country):
    out = normalize_tax_ids(pd.Series([text]), pd.Series([country], dtype=object)).iloc[0]
    assert out["tax_id_status"] in {"valid", "fixed", "invalid", "missing"}
    if isinstance(out["tax_id_norm"], str):
        again = normalize_tax_ids(pd.Series([out["tax_id_norm"]]), pd.Series([country], dtype=object)).iloc[0]
        assert again["tax_id_norm"] == out["tax_id_norm"]
        assert again["tax_id_type"] == out["tax_id_type"]
