"""Countries, postal codes, streets, cities, regions with ES/MX/RU/US/GB inputs."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.addresses import (
    normalize_addresses,
    normalize_cities,
    normalize_countries,
    normalize_postal_codes,
    normalize_streets,
)

COUNTRY_CASES = [
    ("España", "ES"), ("Spain", "ES"), ("ESP", "ES"), ("es", "ES"), ("Россия", "RU"),
    ("РФ", "RU"), ("Russian Federation", "RU"), ("México", "MX"), ("Mexico", "MX"),
    ("Estados Unidos", "US"), ("USA", "US"), ("U.S.A.", "US"), ("EE.UU.", "US"),
    ("United States", "US"), ("США", "US"), ("UK", "GB"), ("United Kingdom", "GB"),
    ("Reino Unido", "GB"), ("Великобритания", "GB"), ("England", "GB"), ("GB", "GB"),
    ("Alemania", "DE"), ("Madrid, España", "ES"), ("  méxico ", "MX"), ("RUS", "RU"),
]


@pytest.mark.parametrize("raw,code", COUNTRY_CASES)
def test_countries(raw, code):
    out = normalize_countries(pd.Series([raw])).iloc[0]
    assert out["country_code"] == code
    assert out["country_status"] == "valid"


def test_unknown_and_missing_country():
    out = normalize_countries(pd.Series(["Narnia", None]))
    assert list(out["country_status"]) == ["invalid", "missing"]
    assert out["country_reason"].iloc[0] == "unknown_country"


POSTAL_CASES = [
    ("8001", "ES", "08001", "fixed", "leading_zero_restored"),
    ("08001", "ES", "08001", "valid", None),
    ("28 001", "ES", "28001", "fixed", "formatted"),
    ("28001.0", "ES", "28001", "fixed", "excel_float"),
    ("99001", "ES", "99001", "invalid", "bad_province"),
    ("abcde", "ES", "ABCDE", "invalid", "bad_format"),
    ("06600", "MX", "06600", "valid", None),
    ("6600", "MX", "06600", "fixed", "leading_zero_restored"),
    ("101000", "RU", "101000", "valid", None),
    ("1010", "RU", "1010", "invalid", "bad_length"),
    ("12345", "US", "12345", "valid", None),
    ("123456789", "US", "12345-6789", "fixed", "formatted"),
    ("12345-6789", "US", "12345-6789", "valid", None),
    ("2134", "US", "02134", "fixed", "leading_zero_restored"),
    ("sw1a1aa", "GB", "SW1A 1AA", "fixed", "formatted"),
    ("SW1A 1AA", "GB", "SW1A 1AA", "valid", None),
    ("W1A 0AX", "GB", "W1A 0AX", "valid", None),
    ("XYZ", "GB", "XYZ", "invalid", "bad_format"),
    ("75001", "FR", "75001", "valid", None),
]


@pytest.mark.parametrize("raw,country,norm,status,reason", POSTAL_CASES)
def test_postal_codes(raw, country, norm, status, reason):
    out = normalize_postal_codes(pd.Series([raw]), pd.Series([country])).iloc[0]
    assert out["postal_code_norm"] == norm
    assert out["postal_code_status"] == status
    assert (reason is None and pd.isna(out["postal_code_reason"])) or out["postal_code_reason"] == reason


STREET_GROUPS = [
    ["C/ Mayor, 5", "Calle Mayor nº 5", "CL MAYOR 5", "Mayor 5", "C. Mayor 5"],
    ["Avda. de la Constitución 12, 3º B", "Avenida Constitución 12 3 B"],
    ["Pza. España 1", "Plaza de España, 1"],
    ["Pº de Gracia 21", "Paseo de Gracia 21"],
    ["ул. Ленина, д. 10, кв. 5", "улица Ленина, дом 10, квартира 5"],
    ["пр-т Мира д.3", "проспект Мира, дом 3", "пр. Мира, 3"],
    ["10 Downing St", "10 Downing Street"],
    ["221B Baker St.", "221 b Baker Street"],
    ["1600 Pennsylvania Ave NW", "1600 Pennsylvania Avenue NW"],
    ["RBLA. DE CATALUNYA N.9", "Rambla de Catalunya 9"],
    ["ПР МИРА Д10 КВ24", "проспект Мира, д. 10, кв. 24"],  # markers glued to numbers
    ["ul Pobedy d5 kv244", "улица Победы, д. 5, кв. 244"],
]


@pytest.mark.parametrize("group", STREET_GROUPS)
def test_street_variants_share_key(group):
    out = normalize_streets(pd.Series(group))
    assert out["street_key"].nunique() == 1, list(out["street_key"])
    assert (out["street_status"] == "valid").all()


@pytest.mark.parametrize("raw", ["sin dirección", "нет", "123", "xxx"])
def test_street_placeholders(raw):
    out = normalize_streets(pd.Series([raw])).iloc[0]
    assert out["street_status"] == "invalid" and pd.isna(out["street_key"])


CITY_GROUPS = [
    ["Москва", "Moscow", "MOSCÚ", "г. Москва", "msk"],
    ["Санкт-Петербург", "St. Petersburg", "СПб", "San Petersburgo"],
    ["CDMX", "México D.F.", "Ciudad de México", "Mexico City"],
    ["A Coruña", "La Coruña", "a coruña"],
    ["London", "Londres", "LONDON"],
    ["New York", "NYC", "Nueva York"],
]


@pytest.mark.parametrize("group", CITY_GROUPS)
def test_city_variants_share_key(group):
    out = normalize_cities(pd.Series(group))
    assert out["city_key"].nunique() == 1, list(out["city_key"])


def test_normalize_addresses_columns_and_regions():
    frame = pd.DataFrame(
        {"street": ["C/ Mayor 5", None], "city": ["MADRID", "Boston"],
         "postal_code": ["8001", "2134"], "region": ["Madrid", "Massachusetts"]}
    )
    out = normalize_addresses(frame, pd.Series(["ES", "US"]))
    for col in ["postal_code_norm", "street_norm", "street_key", "city_norm", "city_key",
                "region_norm", "street_status", "city_status", "postal_code_status",
                "region_status"]:
        assert col in out.columns
    assert out.loc[0, "city_norm"] == "Madrid"
    assert out.loc[1, "region_norm"] == "MA"
    assert out.loc[1, "street_status"] == "missing"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30))
def test_streets_cities_countries_never_raise_and_idempotent(text):
    s = normalize_streets(pd.Series([text])).iloc[0]
    if isinstance(s["street_norm"], str) and s["street_status"] == "valid":
        again = normalize_streets(pd.Series([s["street_norm"]])).iloc[0]
        assert again["street_key"] == s["street_key"]
    c = normalize_cities(pd.Series([text])).iloc[0]
    if isinstance(c["city_norm"], str) and c["city_status"] == "valid":
        assert normalize_cities(pd.Series([c["city_norm"]])).iloc[0]["city_key"] == c["city_key"]
    k = normalize_countries(pd.Series([text])).iloc[0]
    if isinstance(k["country_code"], str):
        assert normalize_countries(pd.Series([k["country_code"]])).iloc[0]["country_code"] == k["country_code"]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789 -.ABCSWXYZ", max_size=12), st.sampled_from(["ES", "MX", "RU", "US", "GB", "FR"]))
def test_postal_never_raises_and_idempotent(text, country):
    out = normalize_postal_codes(pd.Series([text]), pd.Series([country])).iloc[0]
    if out["postal_code_status"] in ("valid", "fixed"):
        again = normalize_postal_codes(pd.Series([out["postal_code_norm"]]), pd.Series([country])).iloc[0]
        assert again["postal_code_norm"] == out["postal_code_norm"]
        assert again["postal_code_status"] == "valid"
