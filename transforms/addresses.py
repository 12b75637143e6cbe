"""Countries, postal codes, streets, cities and regions.

Why: addresses are weak identifiers on their own but decisive context for
namesakes (two "María García" in one postal code are likelier one person than
two in different provinces). So they need comparable keys more than pretty
values: ``street_key`` folds abbreviations, accents and scripts ("C/ Mayor,
5" = "Calle Mayor nº 5" = "MAYOR 5"), ``city_key`` folds scripts and
colloquial names ("Москва" = "Moscow" = "msk"), postal codes are formatted
per country and checked where the format is known.

Everything is computed once per distinct value (addresses repeat a lot).
Cyrillic is transliterated with a small built-in table (BGN/PCGN-like);
``transforms.names`` has its own scheme for names, and the two do not need to
agree because street and city keys are only compared with each other.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from transforms.reference.countries import CODE_ALIASES, COUNTRIES
from transforms.reference.streets import (
    ADDRESS_PLACEHOLDERS,
    CITY_ALIASES,
    CITY_PREFIX_TOKENS,
    CYRILLIC_TO_LATIN,
    GLUED_MARKERS,
    MX_STATES,
    STREET_TOKENS,
    US_STATES,
)
from transforms.vocab import (
    clean_codes,
    factorize_cells,
    fold_both,
    fold_one,
    map_codes,
    pair_codes,
)

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

_TRANSLIT = str.maketrans(
    {**CYRILLIC_TO_LATIN, **{k.upper(): v.capitalize() for k, v in CYRILLIC_TO_LATIN.items()}}
)
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w/#-]+")
_LETTER = re.compile(r"[^\W\d_]")
_POSTAL_SEPARATORS = re.compile(r"[\s\-.]")


def translit(text: str) -> str:
    """Cyrillic to ASCII Latin, other characters untouched."""
    return text.translate(_TRANSLIT)


def _display(text: str) -> str:
    """Whitespace collapsed; ALL-CAPS or all-lower turned into Title Case."""
    text = _SPACES.sub(" ", text).strip(" ,;")
    if (text.upper() == text or text.lower() == text) and any(c.isalpha() for c in text):
        text = re.sub(r"\w+", lambda m: m.group(0).capitalize(), text)
    return text


def _empty(index: pd.Index, cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string", index=index) for c in cols})


def _as_string_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype("string")


# ---------------------------------------------------------------------------
# countries
# ---------------------------------------------------------------------------


def _country_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for alpha2, alpha3, names in COUNTRIES:
        for spelling in [alpha2, alpha3, *names.split("|")]:
            folded = fold_one(spelling, punctuation=True)
            table[folded] = alpha2
            table[folded.replace(" ", "")] = alpha2
    for alias, alpha2 in CODE_ALIASES.items():
        table[alias.lower()] = alpha2
    return table


_COUNTRY_LOOKUP = _country_lookup()
KNOWN_COUNTRY_CODES = frozenset(a2 for a2, _, _ in COUNTRIES)


def country_code_of(text: str) -> str | None:
    """ISO alpha-2 for a country name/code in EN/ES/RU, or None."""
    folded = fold_one(text, punctuation=True)
    hit = _COUNTRY_LOOKUP.get(folded) or _COUNTRY_LOOKUP.get(folded.replace(" ", ""))
    if hit is None:
        # "Madrid, España" / "Москва, Россия": the country is usually last
        tail = re.split(r"[,;/]", text)[-1]
        if tail != text:
            return country_code_of(tail)
    return hit


def _countries_distinct(distinct: pd.Series) -> pd.DataFrame:
    rows = []
    for value in distinct:
        if not isinstance(value, str):
            rows.append((pd.NA, "missing", pd.NA))
            continue
        code = country_code_of(value)
        if code is None:
            rows.append((pd.NA, "invalid", "unknown_country"))
        else:
            rows.append((code, "valid", pd.NA))
    return _as_string_frame(
        pd.DataFrame(rows, index=distinct.index,
                     columns=["country_code", "country_status", "country_reason"])
    )


def normalize_countries(values: pd.Series) -> pd.DataFrame:
    """Country names/codes (EN, ES, RU; alpha-2/alpha-3) -> ISO alpha-2 ``country_code``.

    Recognised spellings are ``valid`` (mapping a name to its code is
    normalization, not a repair); anything else is ``invalid`` with reason
    ``unknown_country`` and no code.
    """
    if values.empty:
        return _empty(values.index, ["country_code", "country_status", "country_reason"])
    return map_codes(*clean_codes(values), _countries_distinct, values.index)


# ---------------------------------------------------------------------------
# postal codes
# ---------------------------------------------------------------------------

_GB_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})")
_EXCEL_FLOAT = re.compile(r"(\d+)\.0+")


def postal_code_of(raw: str, country: str | None) -> tuple[object, str, object]:
    """(postal_code_norm, status, reason) for one raw postal code in ``country``."""
    text = raw.strip().upper()
    reason = None
    m = _EXCEL_FLOAT.fullmatch(text)
    if m:
        text, reason = m.group(1), "excel_float"
    if country == "GB":
        compact = _POSTAL_SEPARATORS.sub("", text)
        if compact == "GIR0AA":
            return "GIR 0AA", ("valid" if text == "GIR 0AA" else "fixed"), (
                pd.NA if text == "GIR 0AA" else "formatted")
        m = _GB_POSTCODE.fullmatch(compact)
        if not m:
            return text, "invalid", "bad_format"
        norm = f"{m.group(1)} {m.group(2)}"
        if norm == raw.strip():
            return norm, "valid", pd.NA
        return norm, "fixed", reason or "formatted"
    digits = _POSTAL_SEPARATORS.sub("", text)
    if country in {"ES", "MX", "RU", "US"}:
        if not digits.isdigit() or not digits.isascii():
            return text, "invalid", "bad_format"
        if country == "US":
            if len(digits) == 9:
                norm = f"{digits[:5]}-{digits[5:]}"
            elif len(digits) in (3, 4, 8):
                # ZIPs of the north-east start with 0 and lose it in spreadsheets
                padded = digits.zfill(5 if len(digits) < 5 else 9)
                norm = padded if len(padded) == 5 else f"{padded[:5]}-{padded[5:]}"
                reason = "leading_zero_restored"
            elif len(digits) == 5:
                norm = digits
            else:
                return text, "invalid", "bad_length"
        else:
            width = 6 if country == "RU" else 5
            if len(digits) == width - 1 and country in {"ES", "MX"}:
                norm, reason = digits.zfill(width), "leading_zero_restored"
            elif len(digits) == width:
                norm = digits
            else:
                return text, "invalid", "bad_length"
            if country == "ES" and not 1 <= int(norm[:2]) <= 52:
                return norm, "invalid", "bad_province"
            if country == "RU" and norm[0] == "0":
                return norm, "invalid", "bad_format"
        if norm == raw.strip() and reason is None:
            return norm, "valid", pd.NA
        return norm, "fixed", reason or "formatted"
    # countries whose format we do not check: cleaned, accepted as typed
    norm = _SPACES.sub(" ", text)
    if not re.search(r"[0-9A-Z]", norm):
        return norm, "invalid", "bad_format"
    return norm, "valid", pd.NA


def _by_country_distinct(distinct: pd.Series, parse, columns: list[str]) -> pd.DataFrame:
    """Apply ``parse(value, country)`` to distinct ``value\x1fcountry`` keys."""
    rows = []
    for key in distinct:
        if not isinstance(key, str):
            rows.append((pd.NA, "missing", pd.NA))
            continue
        value, _, country = key.partition("\x1f")
        rows.append(parse(value, country or None))
    return _as_string_frame(pd.DataFrame(rows, index=distinct.index, columns=columns))


def country_keys(values: pd.Series, country_code: pd.Series | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(codes, keys): distinct "cleaned value\\x1fcountry" keys (country "" when missing).

    The keys are built for distinct (value, country) pairs only, from integer codes,
    instead of concatenating a million strings and hashing them.
    """
    value_codes, cells = clean_codes(values)
    if country_code is None:
        country_code = pd.Series(pd.NA, index=values.index, dtype="string")
    country = pd.Series(country_code, index=values.index).astype("string").fillna("")
    country_codes, countries = factorize_cells(country)
    codes, first, second = pair_codes(value_codes, country_codes, max(len(countries), 1))
    return codes, (cells[first] + "\x1f" + countries[second]).astype(object)


def _postal_distinct(distinct: pd.Series) -> pd.DataFrame:
    return _by_country_distinct(
        distinct, postal_code_of,
        ["postal_code_norm", "postal_code_status", "postal_code_reason"])


def normalize_postal_codes(values: pd.Series, country_code: pd.Series) -> pd.DataFrame:
    """Postal codes formatted and checked per country (ES, MX, RU, US, GB).

    ES "8001" -> "08001" (``fixed``/``leading_zero_restored``: spreadsheets
    drop the zero), ES codes must start with a province 01-52; US ZIP or
    ZIP+4 as "12345-6789"; GB "sw1a1aa" -> "SW1A 1AA"; RU 6 digits; MX 5.
    """
    if values.empty:
        return _empty(values.index,
                      ["postal_code_norm", "postal_code_status", "postal_code_reason"])
    return map_codes(*country_keys(values, country_code), _postal_distinct, values.index)


# ---------------------------------------------------------------------------
# streets
# ---------------------------------------------------------------------------

_ORDINAL = re.compile(r"(?<=\d)\s*(?:º|°|ª|o\b|er\b|ro\b|do\b|to\b)")
_SN = re.compile(r"\bs\s*/\s*n\b")
_C_SLASH = re.compile(r"(?<![\w/])c\s*/\s*")
_HYPHEN_ABBR = re.compile(r"\b(пр-т|пр-кт|пр-д|б-р|pr-t)\b")
_NUM_LETTER = re.compile(r"(\d)\s*[-/]?\s*([a-z])\b")


def street_key_of(text: str) -> str:
    """Comparison key: folded, Cyrillic transliterated, abbreviations canonical."""
    return _street_key(fold_one(text))


_GLUED = re.compile(r"([^\W\d_]+)(\d\w*)")


def _unglue(tokens: list[str]) -> list[str]:
    """"д10" -> "10"; "kv24" -> "apt", "24": a marker glued to its number."""
    out = []
    for tok in tokens:
        m = _GLUED.fullmatch(tok) if tok[-1:].isdigit() else None
        marker = GLUED_MARKERS.get(m.group(1)) if m is not None else None
        if m is None or marker is None:
            out.append(tok)
        else:
            out.extend([marker, m.group(2)] if marker else [m.group(2)])
    return out


def _street_key(s: str) -> str:
    """``street_key_of`` from the already folded text."""
    s = _ORDINAL.sub(" ", s)
    if "/" in s:  # both patterns need a slash
        s = _SN.sub(" sn ", s)
        s = _C_SLASH.sub(" calle ", s)
    if "-" in s:
        s = _HYPHEN_ABBR.sub(lambda m: " " + STREET_TOKENS.get(m.group(1), m.group(1)) + " ", s)
    s = _NON_WORD.sub(" ", s).replace("/", " ").replace("-", " ").replace("_", " ")
    tokens = []
    for tok in _unglue(s.split()):
        canon = STREET_TOKENS.get(tok)
        if canon is None:
            canon = translit(tok)
            canon = STREET_TOKENS.get(canon, canon)
        if canon:
            tokens.append(canon)
    key = " ".join(tokens)
    return _NUM_LETTER.sub(r"\1\2", key)


def _usable_text(value: object) -> tuple[str, tuple | None]:
    """(folded plain text, None) for a street or city worth keying, else ("", the row of a
    missing or placeholder value: display, key, status, reason)."""
    if not isinstance(value, str):
        return "", (pd.NA, pd.NA, "missing", pd.NA)
    plain, folded = fold_both(value)
    if folded in ADDRESS_PLACEHOLDERS or not _LETTER.search(value):
        return "", (_display(value), pd.NA, "invalid", "placeholder")
    return plain, None


def _street_distinct(distinct: pd.Series) -> pd.DataFrame:
    rows = []
    for value in distinct:
        plain, unusable = _usable_text(value)
        if unusable is not None:
            rows.append(unusable)
            continue
        key = _street_key(plain)
        if not key:  # only type words / number markers ("C/", "nº")
            rows.append((_display(value), pd.NA, "invalid", "placeholder"))
            continue
        rows.append((_display(value), key, "valid", pd.NA))
    return _as_string_frame(
        pd.DataFrame(rows, index=distinct.index,
                     columns=["street_norm", "street_key", "street_status", "street_reason"])
    )


def normalize_streets(values: pd.Series) -> pd.DataFrame:
    """Street lines -> display ``street_norm`` and abbreviation-folded ``street_key``.

    Placeholders ("sin dirección", "нет", "-") and values without a single
    letter are ``invalid``/``placeholder``.
    """
    if values.empty:
        return _empty(values.index,
                      ["street_norm", "street_key", "street_status", "street_reason"])
    return map_codes(*clean_codes(values), _street_distinct, values.index)


# ---------------------------------------------------------------------------
# cities and regions
# ---------------------------------------------------------------------------

_CITY_PREFIX = re.compile(
    r"^(?:" + "|".join(sorted(CITY_PREFIX_TOKENS, key=len, reverse=True)) + r")\.?\s+"
)


def city_key_of(text: str) -> str:
    """Latin, accent-free, lower key with colloquial/foreign names folded."""
    return _city_key(fold_one(text))


def _city_key(s: str) -> str:
    """``city_key_of`` from the already folded text."""
    s = _CITY_PREFIX.sub("", s)
    s = re.sub(r"\(.*?\)", " ", s)  # "Alcalá de Henares (Madrid)"
    s = _SPACES.sub(" ", _NON_WORD.sub(" ", s).replace("-", " ").replace("/", " ")).strip()
    alias = CITY_ALIASES.get(s)
    if alias is not None:
        return alias
    latin = translit(s)
    return CITY_ALIASES.get(latin, latin)


def _city_distinct(distinct: pd.Series) -> pd.DataFrame:
    rows = []
    for value in distinct:
        plain, unusable = _usable_text(value)
        if unusable is not None:
            rows.append(unusable)
            continue
        display = _display(_CITY_PREFIX.sub("", value.strip()) if value[:1].islower() else value)
        key = _city_key(plain)
        if not key:
            rows.append((display, pd.NA, "invalid", "placeholder"))
            continue
        rows.append((display, key, "valid", pd.NA))
    return _as_string_frame(
        pd.DataFrame(rows, index=distinct.index,
                     columns=["city_norm", "city_key", "city_status", "city_reason"])
    )


def normalize_cities(values: pd.Series) -> pd.DataFrame:
    """City names -> display ``city_norm`` and cross-script ``city_key``."""
    if values.empty:
        return _empty(values.index, ["city_norm", "city_key", "city_status", "city_reason"])
    return map_codes(*clean_codes(values), _city_distinct, values.index)


def region_of(raw: str, country: str | None) -> tuple[object, str, object]:
    """(region_norm, status, reason): US states as USPS codes, MX states by name."""
    folded = fold_one(raw, punctuation=True)
    if folded in ADDRESS_PLACEHOLDERS or not re.search(r"[^\W\d_]", raw):
        return _display(raw), "invalid", "placeholder"
    if country == "US":
        code = US_STATES.get(folded)
        if code is None and raw.strip().upper() in set(US_STATES.values()):
            code = raw.strip().upper()
        if code is None:
            return _display(raw), "invalid", "unknown_state"
        return code, ("valid" if code == raw.strip() else "fixed"), (
            pd.NA if code == raw.strip() else "state_code")
    if country == "MX" and folded in MX_STATES:
        name = MX_STATES[folded]
        return name, ("valid" if name == raw.strip() else "fixed"), (
            pd.NA if name == raw.strip() else "state_name")
    return _display(raw), "valid", pd.NA


def _region_distinct(distinct: pd.Series) -> pd.DataFrame:
    return _by_country_distinct(distinct, region_of,
                                ["region_norm", "region_status", "region_reason"])


def normalize_regions(values: pd.Series, country_code: pd.Series) -> pd.DataFrame:
    """Regions/states: US -> USPS code, MX abbreviations -> state name, others tidied."""
    if values.empty:
        return _empty(values.index, ["region_norm", "region_status", "region_reason"])
    return map_codes(*country_keys(values, country_code), _region_distinct, values.index)


ADDRESS_FIELDS = ["street", "city", "postal_code", "region"]


def normalize_addresses(frame: pd.DataFrame, country_code: pd.Series) -> pd.DataFrame:
    """All address parts of ``frame`` (columns street, city, postal_code, region).

    ``country_code`` is the row's ISO alpha-2 (normalized country, else the
    source default), used for postal code and region rules. Missing input
    columns are treated as all-missing.
    """
    index = frame.index

    def col(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name]
        return pd.Series(pd.NA, index=index, dtype="string")

    country = pd.Series(country_code, index=index)
    parts = [
        normalize_postal_codes(col("postal_code"), country),
        normalize_streets(col("street")),
        normalize_cities(col("city")),
        normalize_regions(col("region"), country),
    ]
    return pd.concat(parts, axis=1)
