"""Masking keeps enough shape to diagnose a value and never the value itself."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.mask import (
    mask_digits,
    mask_email,
    mask_email_series,
    mask_free_text,
    mask_name,
    mask_name_series,
    mask_names_in_text,
    mask_phone,
    mask_phone_series,
    mask_series,
    mask_value,
)

EMAILS = [
    ("jdoe@gmail.com", "j***@gm***.com"),
    ("José.García@Gmail.com", "J***@Gm***.com"),
    ("maria.lopez+promo@hotmail.es", "m***@ho***.es"),
    ("ana@correo.empresa.com.mx", "a***@co***.mx"),
    ("a.pushkin@yandex.ru", "a***@ya***.ru"),
    ("иван.петров@почта.рф", "и***@по***.рф"),
    ("siobhan.oconnell@outlook.co.uk", "s***@ou***.uk"),
    ("x@y.co", "***@***.co"),  # too short to show any character
    ("juan@gmail", "j***@gm***"),  # no TLD (an invalid reason)
    ("pepe@@gmail.con", "p***@gm***.con"),  # typo TLD stays visible
]
PHONES = [
    ("+34612345678", "+34 6** *** *78"),
    ("+34 612 34 56 78", "+34 6** *** *78"),
    ("+79161234567", "+7 9** *** **67"),
    ("+7 (916) 123-45-67", "+7 9** *** **67"),
    ("+14155552671", "+1 4** *** **71"),
    ("+525512345678", "+52 5** *** **78"),
    ("612345678", "6** *** *78"),
    ("8 (916) 123-45-67", "8** *** *** 67"),
    ("+3461234", "+34 ***"),  # too short: no digit shown, nor the length
    ("12345", "***"),
]
NAMES = [  # fixed width: a word's length is not shown
    ("José García", "J*** G***"),
    ("María José Rodríguez Pérez", "M*** J*** R*** P***"),
    ("Александр Сергеевич Пушкин", "А*** С*** П***"),
    ("Наталья Петрова", "Н*** П***"),
    ("Siobhan O'Connell", "S*** O***'C***"),
    ("Jean-Pierre Dupont", "J***-P*** D***"),
    ("J. Smith", "J***. S***"),
]


@pytest.mark.parametrize(("raw", "masked"), EMAILS)
def test_mask_email(raw: str, masked: str) -> None:
    assert mask_email(raw) == masked
    assert mask_email(masked) == masked  # idempotent
    assert raw.split("@")[0] not in masked


@pytest.mark.parametrize(("raw", "masked"), PHONES)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked
    assert mask_phone(masked) == masked  # idempotent
    digits = "".join(c for c in raw if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit())


@pytest.mark.parametrize(("raw", "masked"), NAMES)
def test_mask_name(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked
    assert mask_name(masked) == masked  # idempotent
    for word in raw.replace("-", " ").split():
        if len(word) > 2:
            assert word not in masked


@pytest.mark.parametrize("fn", [mask_email, mask_phone, mask_name, mask_digits, mask_free_text])
@pytest.mark.parametrize("blank", [None, float("nan"), pd.NA])
def test_blank_values_stay_blank(fn, blank) -> None:  # noqa: ANN001
    assert fn(blank) is None


@pytest.mark.parametrize(("field", "raw", "masked"), [
    ("email", "jdoe@gmail.com", "j***@gm***.com"),
    ("email_norm", "jdoe@gmail.com", "j***@gm***.com"),
    ("phone_2", "+34612345678", "+34 6** *** *78"),
    ("phone_e164", "+34612345678", "+34 6** *** *78"),
    ("given_name", "Guadalupe", "G***"),
    ("street", "Calle Mayor 12", "C*** M*** 1***"),
    ("date_of_birth", "31/02/1985", "**/**/****"),
    ("tax_id", "12345678Z", "*********"),
    ("postal_code", "28013", "*****"),
    ("country", "Españita", "Españita"),  # not personal: shown as typed
])
def test_mask_value_by_field(field: str, raw: str, masked: str) -> None:
    assert mask_value(field, raw) == masked
    assert mask_value(field, masked) == masked


def test_free_text_masks_embedded_contacts_only() -> None:
    text = "feria de Sevilla, llamar jdoe@gmail.com o +34 612 345 678"
    assert mask_free_text(text) == "feria de Sevilla, llamar j***@gm***.com o +34 6** *** *78"
    assert mask_free_text("Instagram") == "Instagram"


def test_series_variants_match_scalars_and_keep_blanks() -> None:
    emails = pd.Series(["jdoe@gmail.com", None, "jdoe@gmail.com", "a.pushkin@yandex.ru"],
                       index=[10, 11, 12, 13])
    out = mask_email_series(emails)
    assert list(out.index) == [10, 11, 12, 13]
    assert out.tolist()[0] == "j***@gm***.com" and out.isna().tolist() == [False, True, False,
                                                                          False]
    assert mask_phone_series(pd.Series(["+79161234567"])).tolist() == ["+7 9** *** **67"]
    assert mask_name_series(pd.Series(["José García"])).tolist() == ["J*** G***"]
    assert mask_series("tax_id", pd.Series(["X1234567L"])).tolist() == ["*********"]


@given(st.emails())
def test_email_mask_never_returns_the_raw_value(raw: str) -> None:
    masked = mask_email(raw)
    assert masked != raw and "***" in masked
    assert mask_email(masked) == masked


@given(st.text(alphabet="0123456789 +-()", min_size=1, max_size=20))
def test_phone_mask_never_shows_more_than_three_digits(raw: str) -> None:
    masked = mask_phone(raw)
    national = masked.split(" ", 1)[-1] if masked.startswith("+") else masked
    assert sum(c.isdigit() for c in national) <= 3
    assert mask_phone(masked) == masked


@given(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=2,
               max_size=12), st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")),
                                     min_size=2, max_size=12))
def test_name_mask_keeps_only_initials(given_name: str, family: str) -> None:
    # the mask reads NFC text (U+1F71 is U+03AC there): compare with what it reads
    given_name, family = (unicodedata.normalize("NFC", x) for x in (given_name, family))
    raw = f"{given_name} {family}"
    masked = mask_name(raw)
    assert masked != raw
    assert masked == f"{given_name[0]}*** {family[0]}***"  # same width for any length
    assert mask_name(masked) == masked


def test_name_masks_of_different_lengths_look_the_same() -> None:
    assert mask_name("Ana Gil") == mask_name("Anastasia Gilaberte") == "A*** G***"


def test_names_inside_free_text_are_masked_whatever_their_case_or_accents() -> None:
    names = ["GARCIA LOPEZ, María", "Maria Garcia", None]
    text = "same person: maría garcía called, mail maria.garcia@gmail.com, Lopez family"
    out = mask_names_in_text(text, names)
    assert out == "same person: m*** g*** called, mail m***@gm***.com, L*** family"
    assert mask_names_in_text("nothing personal here", names) == "nothing personal here"
    assert mask_names_in_text(None, names) is None
