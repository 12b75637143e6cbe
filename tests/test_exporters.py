"""Tests for the department exporters (synth.exporters): encodings, formats, phone styles."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import unicodedata
from pathlib import Path

import phonenumbers
import pytest

from synth.exporters import Exporter, render_phone, write_exports
from synth.population import World, _landline, _mobile
from synth.text import transliterate


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str, str]]]:
    """The four exports of 200 customers (seed 7), without rules or truth.csv."""
    out = tmp_path_factory.mktemp("small")
    world = World(200, 7)
    world.build()
    exporter = Exporter(world)
    exporter.build()
    return out, write_exports(exporter.rows, out, 7)


# ----------------------------------------------------------------- encodings and formats
def test_marketing_has_bom_semicolons_and_day_first_dates(small: tuple[Path, dict]) -> None:
    out, _ = small
    raw = (out / "marketing.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert header[:3] == ["lead_id", "nombre_completo", "email"]
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    days = [int(r["fecha_alta"].split("/")[0]) for r in rows]
    assert max(days) > 12  # day first
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", r["fecha_alta"]) for r in rows)
    assert any(re.search("[А-я]", r["nombre_completo"]) for r in rows)  # Cyrillic kept in UTF-8


def test_sales_is_cp1252_without_cyrillic_and_us_dates(small: tuple[Path, dict]) -> None:
    out, _ = small
    raw = (out / "sales.csv").read_bytes()
    text = raw.decode("cp1252")  # strict: undefined bytes would raise
    assert not re.search("[\u0400-\u04ff]", text)
    rows = list(csv.DictReader(io.StringIO(text), delimiter=","))
    months = [int(r["last_purchase"][:2]) for r in rows if r["last_purchase"]]
    assert months and max(months) <= 12
    totals = [float(r["purchases_total"]) for r in rows]  # dot decimal
    assert all(t >= 0 for t in totals)
    assert any(r["phone_ok"] in ("Y", "N") for r in rows)


def test_finance_is_cp1251_upper_unaccented_with_decimal_comma(small: tuple[Path, dict]) -> None:
    out, _ = small
    raw = (out / "finance.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really a legacy single-byte file with Cyrillic
    text = raw.decode("cp1251")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert any(re.search("[А-Я]", r["legal_name"]) for r in rows)
    for r in rows:
        name = r["legal_name"]
        assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", name)
                       if ord(ch) < 0x400 and ch not in "\u0306\u0308")
        surname = name.split(",")[0]
        assert surname == surname.upper()
        assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d\d", r["balance"]), r["balance"]
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", r["last_payment"])


def test_support_is_valid_jsonl(small: tuple[Path, dict]) -> None:
    out, _ = small
    lines = (out / "support.jsonl").read_text("utf-8").splitlines()
    keys = {"ticket_user_id", "name", "email", "phone", "open_tickets", "satisfaction",
            "last_ticket", "preferred_channel"}
    for line in lines:
        rec = json.loads(line)
        assert set(rec) == keys
        assert isinstance(rec["ticket_user_id"], int)
        assert rec["satisfaction"] is None or 1 <= rec["satisfaction"] <= 5
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", rec["last_ticket"])


AREAS = {"ES": ["91", "93", "954"], "MX": ["55", "33", "222"], "RU": ["495", "812", "3812"],
         "US": ["415", "212"], "UK": ["20", "161", "29", "141"]}


@pytest.mark.parametrize("country", ["ES", "MX", "RU", "US", "UK"])
def test_phone_formats_parse_to_the_same_number(country: str) -> None:
    rng = random.Random(country)
    region = "GB" if country == "UK" else country
    same = valid = total = 0
    formats = set()
    for _ in range(150):
        area = rng.choice(AREAS[country])
        nsn = _mobile(rng, country, area) if rng.random() < 0.6 else _landline(rng, country, area)
        expected = phonenumbers.parse(f"+{phonenumbers.country_code_for_region(region)}{nsn}")
        valid += phonenumbers.is_valid_number(expected)
        text = render_phone(nsn, country, rng, intl_bias=0.2)
        formats.add(re.sub(r"\d", "9", text))
        if country == "MX":  # pre-2019 dialling prefixes a normalizer must strip
            text = re.sub(r"^(\+52 1 |044 |01 )", "", text)
        try:
            got = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            got = None
        same += got is not None and got.national_number == expected.national_number
        total += 1
    assert valid / total > 0.95
    assert same / total > 0.85
    assert len(formats) >= 6


# ----------------------------------------------------------------- text helpers
def test_transliteration_schemes_differ() -> None:
    forms = {transliterate("Юрий", s) for s in ("icao", "gost", "bgn", "loose")}
    assert forms == {"Iurii", "Yurij", "Yuriy", "Yury"}
    assert transliterate("Хабибуллин", "loose") == "Habibullin"
    assert transliterate("Цветков", "icao") == "Tsvetkov"


