"""Company names: display form and a legal-form-free comparison key.

Why: "Acme Iberia, S.L.", "ACME IBERIA SL" and "Acme Iberia Sociedad
Limitada" are one employer; "ООО «Ромашка»" and "Romashka LLC" too. The key
drops legal forms (S.L., S.A. de C.V., LLC, ООО, ИП ...), quotes,
punctuation and accents, and transliterates Cyrillic, so employer agreement
can be compared across sources and scripts.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms.addresses import translit
from transforms.vocab import clean_codes, fold_both, fold_one, map_codes

# Folded legal forms (dots/commas turned to spaces, accents off), longest first.
LEGAL_FORMS = [
    "sociedad anonima de capital variable", "sociedad de responsabilidad limitada",
    "s a b de c v", "s a p i de c v", "s de r l de c v", "s a de c v", "sa de cv",
    "sapi de cv", "s de rl de cv", "s de r l", "sociedad limitada unipersonal",
    "sociedad limitada", "sociedad anonima", "s l u", "s l l", "s l", "s a u", "s a",
    "s c", "s coop", "sl", "slu", "sa", "sau", "sll", "scoop", "cb", "c b", "s c p",
    "limited liability company", "limited", "ltd", "llc", "l l c", "inc", "incorporated",
    "corp", "corporation", "co", "plc", "p l c", "llp", "lp", "gmbh", "ag", "bv", "nv",
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "ано", "фгуп", "гуп", "муп", "тоо",
    "ooo", "oao", "zao", "pao", "ao", "ip",
    "общество с ограниченной ответственностью", "публичное акционерное общество",
    "акционерное общество", "индивидуальный предприниматель",
]
_FORMS = sorted({f for f in LEGAL_FORMS}, key=len, reverse=True)
_FORM_RE = re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(f) for f in _FORMS) + r")(?=\s|$)")
_PUNCT = re.compile(r"[^\w&]+")
_WS = re.compile(r"\s+")
_PLACEHOLDERS = frozenset(
    {"particular", "particulares", "private", "individual", "none", "n a", "na", "no",
     "sin empresa", "ninguna", "ninguno", "нет", "частное лицо", "физлицо", "физ лицо",
     "self employed", "autonomo", "freelance", "test", "x", "xx", "xxx", "-", "0"}
)

COMPANY_COLUMNS = ["company_norm", "company_key", "company_status", "company_reason"]


def company_key_of(text: str) -> str:
    """Lower, accent-free, latin key without legal forms, quotes and punctuation."""
    return _company_key(fold_one(text))


def _company_key(s: str) -> str:
    """``company_key_of`` from the already folded text."""
    s = _PUNCT.sub(" ", s).replace("_", " ")
    s = _WS.sub(" ", s).strip()
    prev = None
    while prev != s:  # "ACME S.L. Unipersonal", "ООО ТД Ромашка ЗАО"
        prev = s
        s = _FORM_RE.sub(" ", f" {s} ").strip()
        s = _WS.sub(" ", s)
    return translit(s).strip()


def _company_distinct(distinct: pd.Series) -> pd.DataFrame:
    rows = []
    for value in distinct:
        if not isinstance(value, str):
            rows.append((pd.NA, pd.NA, "missing", pd.NA))
            continue
        display = _WS.sub(" ", value).strip().strip(",;")
        plain, folded = fold_both(value)
        if folded in _PLACEHOLDERS:
            rows.append((display, pd.NA, "invalid", "placeholder"))
            continue
        key = _company_key(plain)
        if not key:
            rows.append((display, pd.NA, "invalid", "legal_form_only"))
            continue
        rows.append((display, key, "valid", pd.NA))
    return pd.DataFrame(rows, index=distinct.index, columns=COMPANY_COLUMNS).astype("string")


def normalize_companies(values: pd.Series) -> pd.DataFrame:
    """Company column -> ``company_norm`` (display), ``company_key`` and status.

    ``invalid`` reasons: ``placeholder`` ("particular", "частное лицо"),
    ``legal_form_only`` ("S.L.").
    """
    if values.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in COMPANY_COLUMNS})
    return map_codes(*clean_codes(values), _company_distinct, values.index)
