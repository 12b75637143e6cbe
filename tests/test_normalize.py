"""normalize_records orchestration and typed attributes."""

from datetime import date

import pandas as pd
import pytest

from crm_golden.config.validation import ValidationRules
from crm_golden.config.vocabularies import load_vocabularies
from transforms.normalize import normalize_attributes, normalize_records, parse_numbers

DEFAULTS = {
    "marketing": {"default_country": "ES", "date_format": "%d/%m/%Y"},
    "soporte_ru": {"default_country": "RU", "date_format": "%d.%m.%Y"},
    "us_sales": {"default_country": "US", "date_format": "%m/%d/%Y"},
}


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": [0, 1, 2, 3],
            "source": ["marketing", "soporte_ru", "us_sales", "marketing"],
            "source_record_id": ["a", "b", "c", "d"],
            "source_file": ["m.csv", "r.csv", "u.csv", "m.csv"],
            "source_row": [1, 1, 1, 2],
            "given_name": ["José", "Александр", "John", None],
            "family_name": ["García López", "Иванов", "Smith", None],
            "email": ["Jose.Garcia@gmial.com", "a.ivanov@mail.ru", "john@example.com", None],
            "phone": ["612 34 56 78", "8 (912) 345-67-89", "(415) 555-2671", None],
            "country": ["España", None, "USA", None],
            "street": ["C/ Mayor, 5", "ул. Ленина, д. 10", "1600 Pennsylvania Ave", None],
            "city": ["MADRID", "Москва", "Washington", None],
            "postal_code": ["8001", "101000", "20500", None],
            "date_of_birth": ["03/04/1985", "25.12.1979", "12/25/1979", None],
            "tax_id": ["12345678Z", "7707083893", None, None],
            "company": ["Acme Iberia, S.L.", "ООО «Ромашка»", None, None],
            "attr_consent_email": ["Sí", "да", "maybe", None],
            "attr_purchases_total": ["1.234,56", "99,90", "1,234.56", None],
        }
    )


def test_normalize_records_adds_columns_and_keeps_input():
    rec = _records()
    out = normalize_records(rec, DEFAULTS, ValidationRules(), load_vocabularies(),
                            date(2024, 6, 1), include_names=False)
    assert len(out) == len(rec)
    assert all(c in out.columns for c in rec.columns)
    pd.testing.assert_series_equal(out["email"], rec["email"])  # raw kept
    expected = ["email_key", "phone_e164", "phone_2_status", "country_code", "postal_code_norm",
                "street_key", "city_key", "date_of_birth_norm", "tax_id_norm", "company_key"]
    for col in expected:
        assert col in out.columns
    assert out.loc[0, "email_status"] == "fixed"
    assert out.loc[0, "phone_e164"] == "+34612345678"
    assert out.loc[1, "phone_e164"] == "+79123456789"   # RU source default
    assert out.loc[1, "country_status"] == "missing"
    assert out.loc[0, "postal_code_norm"] == "08001"     # ES from country
    assert out.loc[1, "city_key"] == "moskva"
    assert out.loc[0, "date_of_birth_norm"] == pd.Timestamp("1985-04-03")
    assert out.loc[1, "date_of_birth_norm"] == pd.Timestamp("1979-12-25")
    assert out.loc[2, "date_of_birth_norm"] == pd.Timestamp("1979-12-25")
    assert out.loc[1, "tax_id_type"] == "ru_inn"
    assert out.loc[3, "email_status"] == "missing"


def test_source_defaults_as_dataframe():
    rec = _records()
    frame = pd.DataFrame(DEFAULTS).T.reset_index(names="source")
    out = normalize_records(rec, frame, ValidationRules(), None, date(2024, 6, 1),
                            include_names=False)
    assert out.loc[1, "phone_region"] == "RU"


def test_chunked_equals_whole():
    rec = _records()
    args = (DEFAULTS, ValidationRules(), None, date(2024, 6, 1))
    whole = normalize_records(rec, *args, include_names=False)
    parts = pd.concat([normalize_records(rec.iloc[:2], *args, include_names=False),
                       normalize_records(rec.iloc[2:], *args, include_names=False)])
    pd.testing.assert_frame_equal(whole, parts, check_dtype=False)


@pytest.mark.filterwarnings("error:Mismatched null-like values:FutureWarning")
def test_parallel_equals_serial():
    """Worker processes (names in chunks, phones, e-mails) give exactly the serial result."""
    pytest.importorskip("transforms.names")
    rec = pd.concat([_records()] * 3, ignore_index=True)
    rec["full_name"] = ["GARCÍA LÓPEZ, José", None, "John A. Smith", "Иванова Наталья Сергеевна",
                        None, "Pepe Rodríguez"] * 2
    rec["phone_2"] = [None, "+7 912 345 67 89", None, "0034 612 34 56 79"] * 3
    rec.index = rec.index * 10 + 5  # not a RangeIndex: results must follow the input index
    specs = {"marketing": {"consent_email": {"type": "boolean", "vocabulary": "consent"}}}
    args = (DEFAULTS, ValidationRules(), load_vocabularies(), date(2024, 6, 1), specs)
    serial = normalize_records(rec, *args, workers=1)
    parallel = normalize_records(rec, *args, parallel_threshold=0, workers=2)
    pd.testing.assert_frame_equal(parallel, serial)
    assert "family_key" in parallel.columns


def test_names_integrated_when_available():
    pytest.importorskip("transforms.names")
    out = normalize_records(_records(), DEFAULTS, ValidationRules(), None, date(2024, 6, 1))
    assert "family_key" in out.columns


@pytest.mark.parametrize("raw,decimal,expected", [
    ("1.234,56", ",", 1234.56), ("99,90", ",", 99.9), ("1 234,56 €", ",", 1234.56),
    ("1,234.56", ".", 1234.56), ("$1,234", ".", 1234.0), ("(12,50)", ",", -12.5),
    ("1 500 руб.", ",", 1500.0), ("abc", ".", None),
])
def test_parse_numbers(raw, decimal, expected):
    value = parse_numbers(pd.Series([raw]), decimal).iloc[0]
    assert (expected is None and pd.isna(value)) or value == pytest.approx(expected)


def test_normalize_attributes_and_report():
    rec = _records()
    specs = {
        "marketing": {"consent_email": {"type": "boolean", "vocabulary": "consent"},
                      "purchases_total": {"type": "number", "decimal": ","}},
        "soporte_ru": {"consent_email": {"type": "boolean", "vocabulary": "consent"},
                       "purchases_total": {"type": "number", "decimal": ","}},
        "us_sales": {"consent_email": {"type": "boolean", "vocabulary": "consent"},
                     "purchases_total": {"type": "number", "decimal": "."}},
    }
    frame, report = normalize_attributes(rec, specs, load_vocabularies())
    assert frame["attr_norm.consent_email"].tolist()[:2] == [True, True]
    assert pd.isna(frame.loc[2, "attr_norm.consent_email"])
    assert frame["attr_norm.purchases_total"].tolist()[:3] == pytest.approx([1234.56, 99.9, 1234.56])
    row = report[(report.source == "us_sales") & (report.attribute == "consent_email")].iloc[0]
    assert row.unmapped == 1 and row.unmapped_distinct == 1
    assert "attr_consent_email" in rec.columns  # raw untouched




def test_packed_results_come_back_unchanged(monkeypatch):
    """Pool results travel with few-valued text columns as codes; unpacking restores them."""
    import pickle

    import numpy as np

    from transforms.normalize import _Packed

    monkeypatch.setattr(_Packed, "MIN_ROWS", 0)
    monkeypatch.setattr(_Packed, "SAMPLE", 4)
    n = 12
    frame = pd.DataFrame({
        "status": pd.array(["valid", "invalid", pd.NA] * 4, dtype="string"),
        "reason": np.array([pd.NA, "syntax", pd.NA] * 4, dtype=object),
        "with_none": np.array([None, "a", "b"] * 4, dtype=object),
        "numbers": np.arange(n),
        "flag": np.array([True, False] * 6),
    }, index=pd.RangeIndex(5, 5 + n))
    packed = _Packed(frame)
    assert isinstance(packed.data[0], tuple) and isinstance(packed.data[1], tuple)
    assert not isinstance(packed.data[2], tuple)  # None is kept as is, not turned into <NA>
    back = pickle.loads(pickle.dumps(packed)).unpack()
    pd.testing.assert_frame_equal(back, frame)
    assert back["reason"].iloc[0] is pd.NA and back["with_none"].iloc[0] is None
