"""E-mail normalization: real ES/RU/EN inputs, typos, roles, placeholders."""

import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.emails import _normalize_distinct, _normalize_one, normalize_emails

CASES = [
    # raw, status, reason, norm, key, role, placeholder
    ("Juan.Perez@Gmail.com", "valid", None, "Juan.Perez@gmail.com", "juanperez@gmail.com", False, False),
    ("juan.perez+crm@gmail.com", "valid", None, "juan.perez+crm@gmail.com", "juanperez@gmail.com", False, False),
    ("j.u.a.n.perez@googlemail.com", "valid", None, "j.u.a.n.perez@googlemail.com", "juanperez@gmail.com", False, False),
    ("maria.lopez@gmial.com", "fixed", "domain_typo", "maria.lopez@gmail.com", "marialopez@gmail.com", False, False),
    ("ivan.petrov@mail.ur", "fixed", "domain_typo", "ivan.petrov@mail.ru", "ivan.petrov@mail.ru", False, False),
    ("olga@yandex.ri", "fixed", "domain_typo", "olga@yandex.ru", "olga@yandex.ru", False, False),
    ("  JOSE@HOTMAIL.CON ", "fixed", "domain_typo", "JOSE@hotmail.com", "jose@hotmail.com", False, False),
    ("ana@outlok.com", "fixed", "domain_typo", "ana@outlook.com", "ana@outlook.com", False, False),
    ("john.smith+news@company.co.uk", "valid", None, "john.smith+news@company.co.uk", "john.smith@company.co.uk", False, False),
    ("ivan.petrov@ya.ru", "valid", None, "ivan.petrov@ya.ru", "ivan-petrov@yandex.ru", False, False),
    ("info@empresa.es", "valid", None, "info@empresa.es", "info@empresa.es", True, False),
    ("ventas@acme.com.mx", "valid", None, "ventas@acme.com.mx", "ventas@acme.com.mx", True, False),
    ("soporte.madrid@acme.es", "valid", None, "soporte.madrid@acme.es", "soporte.madrid@acme.es", True, False),
    ("почта@компания.рф", "valid", None, "почта@компания.рф", "почта@компания.рф", True, False),
    ("иван@почта.рф", "valid", None, "иван@почта.рф", "иван@почта.рф", False, False),
    ("noemail@gmail.com", "invalid", "placeholder", "noemail@gmail.com", None, False, True),
    ("sin@correo", "invalid", "placeholder", "sin@correo", None, False, True),
    ("a@a.com", "invalid", "placeholder", "a@a.com", None, False, True),
    ("test@example.com", "invalid", "placeholder", "test@example.com", None, False, True),
    ("xxx@xxx.xxx", "invalid", "placeholder", "xxx@xxx.xxx", None, False, True),
    ("juan@", "invalid", "syntax", "juan@", None, False, False),
    ("juan.perez.gmail.com", "invalid", "no_at_sign", "juan.perez.gmail.com", None, False, False),
    ("Juan Pérez <juan@x.es>", "fixed", "cleaned", "juan@x.es", "juan@x.es", False, False),
    ("juan perez@gmail.com", "fixed", "whitespace", "juanperez@gmail.com", "juanperez@gmail.com", False, False),
    ("mailto:ana@acme.es", "fixed", "cleaned", "ana@acme.es", "ana@acme.es", False, False),
]


@pytest.mark.parametrize("raw,status,reason,norm,key,role,placeholder", CASES)
def test_normalize_email_cases(raw, status, reason, norm, key, role, placeholder):
    out = normalize_emails(pd.Series([raw])).iloc[0]
    assert out["email_status"] == status
    assert (pd.isna(out["email_reason"]) and reason is None) or out["email_reason"] == reason
    assert out["email_norm"] == norm
    assert (pd.isna(out["email_key"]) and key is None) or out["email_key"] == key
    assert bool(out["email_is_role"]) is role
    assert bool(out["email_is_placeholder"]) is placeholder


@pytest.mark.parametrize("raw", [None, "", "   ", "NULL", "nan"])
def test_missing_values(raw):
    out = normalize_emails(pd.Series([raw], dtype=object)).iloc[0]
    assert out["email_status"] == "missing"
    assert pd.isna(out["email_key"])


def test_index_and_columns_preserved():
    s = pd.Series(["a.b@gmail.com", None, "a.b@gmail.com"], index=[10, 20, 30])
    out = normalize_emails(s)
    assert list(out.index) == [10, 20, 30]
    assert out.loc[10, "email_key"] == out.loc[30, "email_key"] == "ab@gmail.com"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_never_raises_and_idempotent(text):
    first = normalize_emails(pd.Series([text])).iloc[0]
    assert first["email_status"] in {"valid", "fixed", "invalid", "missing"}
    if isinstance(first["email_norm"], str):
        second = normalize_emails(pd.Series([first["email_norm"]])).iloc[0]
        assert second["email_norm"] == first["email_norm"]
        assert (pd.isna(second["email_key"]) and pd.isna(first["email_key"])) or (
            second["email_key"] == first["email_key"]
        )


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[a-z][a-z0-9._+-]{0,15}@(gmail|hotmail|mail|yandex)\.(com|ru|es)", fullmatch=True))
def test_idempotent_on_plausible_addresses(addr):
    first = normalize_emails(pd.Series([addr])).iloc[0]
    if isinstance(first["email_norm"], str):
        second = normalize_emails(pd.Series([first["email_norm"]])).iloc[0]
        assert second["email_key"] is first["email_key"] or second["email_key"] == first["email_key"]


def test_column_wise_path_equals_normalize_one():
    """Plain addresses decided column-wise give exactly what ``_normalize_one`` gives."""
    rng = random.Random(23)
    locals_ = ["info", "ventas", "sales2", "noemail", "xxx", "a", "aa", "abc", "x", "0", "000",
               "juan.perez", "Juan.Perez+tag", "+tag", "j..p", "ju_an", "ju-an", "info+x", "XX",
               "ivan.petrov", "-a", "=b", "%c", "a%b", "test", "null", "12345", "ventas.madrid2"]
    domains = ["gmail.com", "GMAIL.COM", "gmial.com", "hotmail.con", "googlemail.com", "ya.ru",
               "yandex.ru", "mail.ur", "example.com", "x.test", "a.invalid", "abc.es", "a.com",
               "xn--80ak6aa92e.com", "mail..ru", "-bad.com", "b.c", "localhost", "1.2.3.4",
               "a" * 70 + ".com", "x.onion", "acme.com.mx"]
    values = []
    for _ in range(3000):
        local = rng.choice(locals_) + (str(rng.randint(0, 99)) if rng.random() < 0.5 else "")
        if rng.random() < 0.03:
            local *= 30
        values.append(local + "@" + rng.choice(domains))
    distinct = pd.Series([*dict.fromkeys(values), pd.NA], dtype=object)
    got = _normalize_distinct(distinct)
    for i, value in enumerate(distinct[:-1]):
        expected = _normalize_one(value)
        row = tuple(got.iloc[i])
        assert all((pd.isna(a) and pd.isna(b)) or a == b
                   for a, b in zip(row, expected, strict=True)), (value, row, expected)


def test_wrapper_then_whitespace_is_cleaned_to_a_fixpoint() -> None:
    """Found by hypothesis: "0\\r>" cleaned to "0\\r", which cleaned again to "0"."""
    first = normalize_emails(pd.Series(["0\r>", "<ana@x.es>\t"]))["email_norm"].tolist()
    assert first == ["0", "ana@x.es"]
    assert normalize_emails(pd.Series(first))["email_norm"].tolist() == first
