"""Tax identifiers: Spanish DNI/NIE/CIF, Russian INN, Mexican RFC.

Why: a tax id with a correct check digit is the strongest identifier a CRM
holds, and the check digit makes typos detectable: a DNI whose letter does not
match its number is ``invalid``/``checksum`` and must not link two people.
Values are uppercased with separators removed ("12.345.678-z" ->
"12345678Z"). Work is per distinct value.
"""

from __future__ import annotations

import re

import pandas as pd

from transforms.addresses import country_keys
from transforms.vocab import map_codes

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_DNI = re.compile(r"(\d{8})([A-Z])")
_DNI_SHORT = re.compile(r"(\d{7})([A-Z])")
_NIE = re.compile(r"([XYZ])(\d{7})([A-Z])")
_CIF = re.compile(r"([ABCDEFGHJNPQRSUVW])(\d{7})([0-9A-J])")
_INN = re.compile(r"\d{10}|\d{12}")
_RFC = re.compile(r"([A-ZÑ&]{3,4})(\d{2})(\d{2})(\d{2})([A-Z0-9]{2}[0-9A])")
_SEPARATORS = re.compile(r"[\s.\-_/]+")
_PREFIX = re.compile(r"^(?:ES|RU|MX|NIF|DNI|NIE|CIF|INN|ИНН|RFC)[:\s]*", re.IGNORECASE)

TAX_COLUMNS = ["tax_id_norm", "tax_id_type", "tax_id_status", "tax_id_reason"]


def dni_letter(number: int) -> str:
    """Control letter of a Spanish DNI number (mod 23)."""
    return DNI_LETTERS[number % 23]


def _inn_ok(digits: str) -> bool:
    d = [int(c) for c in digits]

    def check(weights: list[int], upto: int) -> int:
        return sum(w * x for w, x in zip(weights, d[:upto], strict=False)) % 11 % 10

    if len(d) == 10:
        return check([2, 4, 10, 3, 5, 9, 4, 6, 8], 9) == d[9]
    w11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    w12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    return check(w11, 10) == d[10] and check(w12, 11) == d[11]


def _cif_ok(letter: str, digits: str, control: str) -> bool:
    even = sum(int(c) for c in digits[1::2])
    odd = sum(sum(divmod(int(c) * 2, 10)) for c in digits[0::2])
    ctrl = (10 - (even + odd) % 10) % 10
    return control in (str(ctrl), "JABCDEFGHI"[ctrl])


def _rfc_date_ok(yy: str, mm: str, dd: str) -> bool:
    m, d = int(mm), int(dd)
    return 1 <= m <= 12 and 1 <= d <= 31


def tax_id_of(raw: str, country: str | None) -> tuple[object, object, str, object]:
    """(norm, type, status, reason) for one raw tax id in the row's country."""
    original = raw.strip().upper()
    text = _SEPARATORS.sub("", _PREFIX.sub("", original))
    if not text:
        return (pd.NA, pd.NA, "missing", pd.NA)
    changed = text != original
    ok_status = "fixed" if changed else "valid"
    ok_reason = "formatted" if changed else pd.NA

    if m := _DNI.fullmatch(text):
        good = dni_letter(int(m.group(1))) == m.group(2)
        return (text, "es_dni", ok_status if good else "invalid",
                ok_reason if good else "checksum")
    if m := _DNI_SHORT.fullmatch(text):
        # leading zero lost by a spreadsheet: 1234567L -> 01234567L
        padded = "0" + text
        if dni_letter(int(m.group(1))) == m.group(2):
            return (padded, "es_dni", "fixed", "leading_zero_restored")
        return (padded, "es_dni", "invalid", "checksum")
    if m := _NIE.fullmatch(text):
        number = int("XYZ".index(m.group(1)).__str__() + m.group(2))
        good = dni_letter(number) == m.group(3)
        return (text, "es_nie", ok_status if good else "invalid",
                ok_reason if good else "checksum")
    if m := _CIF.fullmatch(text):
        good = _cif_ok(*m.groups())
        return (text, "es_cif", ok_status if good else "invalid",
                ok_reason if good else "checksum")
    if text.isdigit() and _INN.fullmatch(text) and country in (None, "RU", "KZ", "BY"):
        good = _inn_ok(text)
        return (text, "ru_inn", ok_status if good else "invalid",
                ok_reason if good else "checksum")
    if m := _RFC.fullmatch(text):
        if not _rfc_date_ok(*m.group(2, 3, 4)):
            return (text, "mx_rfc", "invalid", "bad_date")
        return (text, "mx_rfc", ok_status, ok_reason)
    if country in {"ES", "RU", "MX"}:
        return (text, "other", "invalid", "bad_format")
    if len(text) < 5 or not re.search(r"\d", text):
        return (text, "other", "invalid", "bad_format")
    return (text, "other", ok_status, ok_reason)


def _tax_distinct(distinct: pd.Series) -> pd.DataFrame:
    rows = []
    for key in distinct:
        if not isinstance(key, str):
            rows.append((pd.NA, pd.NA, "missing", pd.NA))
            continue
        value, _, country = key.partition("\x1f")
        rows.append(tax_id_of(value, country or None))
    return pd.DataFrame(rows, index=distinct.index, columns=TAX_COLUMNS).astype("string")


def normalize_tax_ids(values: pd.Series, country_code: pd.Series | None = None) -> pd.DataFrame:
    """Normalize tax ids; columns ``TAX_COLUMNS``.

    Types: es_dni, es_nie, es_cif, ru_inn, mx_rfc, other. Statuses: ``valid``,
    ``fixed`` (separators/prefix removed, lost leading zero), ``invalid``
    (``checksum``, ``bad_format``, ``bad_date``), ``missing``. Shapes are
    recognised whatever the row country (a Spanish NIE in a Russian row is
    still an NIE); bare 10/12-digit numbers are read as INN only for RU rows
    or rows without a country.
    """
    if values.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in TAX_COLUMNS})
    return map_codes(*country_keys(values, country_code), _tax_distinct, values.index)
