"""Closed vocabularies (consent, channel, lead_source, payment_method) and companies."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_golden.config.base import ConfigError
from transforms.companies import normalize_companies
from transforms.vocab import (
    clean_codes,
    clean_strings,
    fold_one,
    load_vocabularies,
    map_vocabulary,
    pair_codes,
)

VOCABS = load_vocabularies()

CASES = [
    ("consent", "Sí", True), ("consent", "si", True), ("consent", "S", True),
    ("consent", "yes", True), ("consent", "Y", True), ("consent", "TRUE", True),
    ("consent", "1", True), ("consent", "да", True), ("consent", "Д", True),
    ("consent", "Acepto", True), ("consent", "no", False), ("consent", "N", False),
    ("consent", "false", False), ("consent", "0", False), ("consent", "НЕТ", False),
    ("consent", "н", False),
    ("channel", "E-mail", "email"), ("channel", "correo electrónico", "email"),
    ("channel", "почта", "email"), ("channel", "Электронная почта", "email"),
    ("channel", "Teléfono", "phone"), ("channel", "llamada", "phone"),
    ("channel", "звонок", "phone"), ("channel", "WhatsApp", "sms"), ("channel", "СМС", "sms"),
    ("channel", "correo postal", "mail"), ("channel", "Почта России", "mail"),
    ("lead_source", "Formulario web", "web"), ("lead_source", "feria", "event"),
    ("lead_source", "Evento", "event"), ("lead_source", "referido", "referral"),
    ("lead_source", "Recomendación", "referral"), ("lead_source", "Google Ads", "advertising"),
    ("lead_source", "реклама", "advertising"), ("lead_source", "LinkedIn", "social"),
    ("lead_source", "Facebook", "social"), ("lead_source", "партнер", "partner"),
    ("lead_source", "по рекомендации друга", "referral"),
    ("lead_source", "Webinar de producto", "event"),
    ("payment_method", "tarjeta", "card"), ("payment_method", "VISA", "card"),
    ("payment_method", "карта", "card"), ("payment_method", "Transferencia", "transfer"),
    ("payment_method", "bank transfer", "transfer"), ("payment_method", "перевод", "transfer"),
    ("payment_method", "domiciliación", "direct_debit"),
    ("payment_method", "Direct Debit", "direct_debit"), ("payment_method", "efectivo", "cash"),
    ("payment_method", "наличные", "cash"), ("payment_method", "PayPal", "paypal"),
]


@pytest.mark.parametrize("vocab,raw,expected", CASES)
def test_map_vocabulary(vocab, raw, expected):
    mapped, unmapped = map_vocabulary(pd.Series([raw]), vocab, VOCABS)
    assert mapped.iloc[0] == expected
    assert not unmapped.iloc[0]


def test_unmapped_reported_not_dropped():
    raw = pd.Series(["quizás", None, "sí", "fax"], index=[3, 4, 5, 6])
    mapped, unmapped = map_vocabulary(raw, "consent", VOCABS)
    assert list(unmapped) == [True, False, False, True]
    assert mapped.isna().tolist() == [True, True, False, True]
    assert list(mapped.index) == [3, 4, 5, 6]


def test_unknown_vocabulary_and_bad_config(tmp_path):
    with pytest.raises(KeyError):
        map_vocabulary(pd.Series(["x"]), "nope", VOCABS)
    bad = tmp_path / "v.yaml"
    bad.write_text("vocabularies:\n  consent:\n    termz: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="termz"):
        load_vocabularies(bad)


@pytest.mark.parametrize("raw,folded", [("  José  MARÍA ", "jose maria"), ("Ёлка", "елка"),
                                        ("Йошкар-Ола", "йошкар-ола"), ("Straße", "strasse")])
def test_fold_one(raw, folded):
    assert fold_one(raw) == folded


COMPANY_GROUPS = [
    ["Acme Iberia, S.L.", "ACME IBERIA SL", "Acme Iberia Sociedad Limitada", "Acme Iberia S.L.U."],
    ["ООО «Ромашка»", "Romashka LLC", "ооо ромашка"],
    ["Grupo Bimbo, S.A.B. de C.V.", "GRUPO BIMBO SA DE CV"],
    ["Telefónica S.A.", "Telefonica"],
    ["Tesco PLC", "Tesco"], ["Apple Inc.", "Apple, Inc"], ["ПАО Сбербанк", "Sberbank"],
]


@pytest.mark.parametrize("group", COMPANY_GROUPS)
def test_company_keys(group):
    out = normalize_companies(pd.Series(group))
    assert out["company_key"].nunique() == 1, list(out["company_key"])
    assert (out["company_status"] == "valid").all()


@pytest.mark.parametrize("raw,reason", [("particular", "placeholder"), ("частное лицо", "placeholder"),
                                        ("S.L.", "legal_form_only"), ("ООО", "legal_form_only")])
def test_company_invalid(raw, reason):
    out = normalize_companies(pd.Series([raw])).iloc[0]
    assert out["company_status"] == "invalid" and out["company_reason"] == reason


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30))
def test_vocab_and_company_never_raise_and_idempotent(text):
    mapped, _ = map_vocabulary(pd.Series([text]), "lead_source", VOCABS)
    if isinstance(mapped.iloc[0], str):
        again, _ = map_vocabulary(pd.Series([mapped.iloc[0]]), "lead_source", VOCABS)
        assert again.iloc[0] == mapped.iloc[0]
    out = normalize_companies(pd.Series([text])).iloc[0]
    if isinstance(out["company_norm"], str) and out["company_status"] == "valid":
        again = normalize_companies(pd.Series([out["company_norm"]])).iloc[0]
        assert again["company_key"] == out["company_key"]


def test_clean_codes_equal_clean_strings():
    """Codes into distinct cleaned cells reproduce ``clean_strings`` cell for cell."""
    raw = pd.Series([" a", "a", "NULL", None, "  ", "n/a ", "b", float("nan"), 1, 1.0, "—",
                     "x\u00a0", "\u00a0x", "A", "a "], dtype=object)
    for values in (raw, raw.astype("string"), raw[:0], pd.Series([None, None], dtype=object)):
        codes, cells = clean_codes(values)
        expected = clean_strings(values)
        got = [None if c < 0 else cells[c] for c in codes]
        assert got == [None if pd.isna(v) else v for v in expected]
        assert len(set(cells)) == len(cells)


def test_pair_codes():
    first = np.array([0, 1, -1, 0, 1, 0])
    second = np.array([2, 2, 0, 2, 0, 1])
    codes, a, b = pair_codes(first, second, 3)
    assert codes[2] == -1
    pairs = [(a[c], b[c]) for c in codes if c >= 0]
    assert pairs == [(0, 2), (1, 2), (0, 2), (1, 0), (0, 1)]
    assert codes[0] == codes[3] and len(set(codes[codes >= 0])) == 4
