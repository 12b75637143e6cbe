"""Person-name normalization and match keys (ES/MX, RU, EN/US/UK customers).

Why this module exists: the same customer is "RODRIGUEZ GARCIA, JOSE LUIS" in finance,
"Pepe Rodríguez" in marketing and "Иванова Наталья Сергеевна" / "Natalia Ivanova" across
two other exports. Linking can only compare names once they are split into the same parts
(given / patronymic-middle / first and second surname) and reduced to keys that ignore
case, accents, transliteration scheme, Russian grammatical gender and nicknames.

Public API: ``normalize_names(frame)``, DataFrame in, DataFrame out (same index), columns
``NAME_OUTPUT_COLUMNS``. Each value is cleaned by ``transforms.name_cleaning``; this module
splits the tokens into parts, keys them (``transforms.name_keys.latin_key``, nickname
folding and the Russian surname gender fold from ``transforms.name_matching``, which also
holds the predicates linking compares given keys with) and builds the table.

Performance: everything is computed once per unique combination of the name columns and
mapped back with integer codes, so 1M rows with ~50k distinct names take a few seconds.

Statuses describe each *input* column (``given_name_status`` is about the given_name
column, "missing" when the export had none even if the given name was parsed from
full_name). ``invalid`` with reason ``single_token``/``single_char`` still emits the
usable part (a lone "Pepe" is a weak but real key); every other invalid emits nothing.
Several reason codes are joined with "|" in a fixed order.
"""

from __future__ import annotations

import gc
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import jellyfish
import numpy as np
import pandas as pd

from crm_golden.schema import NORMALIZED_COLUMNS
from transforms.name_cleaning import (
    CYR_RE,
    FIXED,
    KNOWN_GIVEN,
    LAT_RE,
    MISSING,
    SIMPLE,
    TRIPLE,
    VALID,
    CleanedField,
    clean_field,
    clean_gender,
    field_status,
    is_usable,
    reason_text,
    token_info,
)
from transforms.name_keys import (
    EN_GIVEN,
    ES_GIVEN,
    GENDER_BY_GIVEN,
    RU_GIVEN,
    latin_key,
    plain_key,
    reference_keys,
)
from transforms.name_matching import canonical_given, family_gender_fold
from transforms.reference import given_names as _gn
from transforms.reference import honorifics as _hon
from transforms.reference import nicknames as _nick

INPUT_COLUMNS = ["full_name", "given_name", "family_name", "middle_name", "gender"]
STATUS_COLUMNS = [
    "full_name_status", "full_name_reason", "given_name_status", "given_name_reason",
    "family_name_status", "family_name_reason", "middle_name_status", "middle_name_reason",
    "gender_status",
]
NAME_OUTPUT_COLUMNS: list[str] = [*NORMALIZED_COLUMNS["names"], "gender_norm", *STATUS_COLUMNS]


# --------------------------------------------------------------------------------------
# Which words are given names, surnames, patronymics (tables built once at import)
# --------------------------------------------------------------------------------------

_EN_ONLY_GIVEN = (
    EN_GIVEN | {k for g, vs in _nick.EN_GROUPS for k in reference_keys(" ".join(vs))}
) - (ES_GIVEN | {k for g, vs in _nick.ES_GROUPS for k in reference_keys(" ".join(vs))})
_RU_ONLY_GIVEN = (
    RU_GIVEN | {k for g, vs in _nick.RU_GROUPS for k in reference_keys(" ".join(vs))}
) - (ES_GIVEN | EN_GIVEN)
_SURNAMES_ES_EN = reference_keys(_gn.ES_SURNAMES) | reference_keys(_gn.EN_SURNAMES)
_RU_SURNAMES = {family_gender_fold(k) for k in reference_keys(_gn.RU_SURNAMES)}
_RU_SURNAME_ENDINGS = ("ov", "ova", "ev", "eva", "ski", "skaia", "skoi", "enko", "chuk",
                       "iuk", "ovich", "evich")
_KNOWN_SURNAMES = _SURNAMES_ES_EN | _RU_SURNAMES


def _looks_ru_surname(key: str) -> bool:
    return len(key) >= 4 and (
        key.endswith(_RU_SURNAME_ENDINGS) or family_gender_fold(key) in _RU_SURNAMES
    )


@lru_cache(maxsize=262_144)
def _is_surname(key: str) -> bool:
    return key in _KNOWN_SURNAMES or _looks_ru_surname(key)


def _patronymic_gender(key: str, cyrillic: bool) -> str | None:
    """M/F when the key is a Russian patronymic (-ovich/-evna/-ichna, Cyrillic -ич)."""
    if len(key) < 5 or " " in key:
        return None
    if key.endswith(("ovich", "evich")):
        return "M"
    if key.endswith(("ovna", "evna", "ichna")):
        return "F"
    if cyrillic and key.endswith("ich") and len(key) >= 5:
        return "M"
    return None


# --------------------------------------------------------------------------------------
# Splitting tokens into given / middle / family
# --------------------------------------------------------------------------------------


def _units(tokens: list[str]) -> tuple[list[str], str | None]:
    """Group particles with the following word; return units and a surname connector."""
    units: list[str] = []
    pending: list[str] = []
    connector: str | None = None
    for i, tok in enumerate(tokens):
        low = tok.lower()
        last = i == len(tokens) - 1
        if low in _hon.CONNECTORS and units and not pending and not last and "." not in tok:
            connector = low
            continue
        if low in _hon.PARTICLES and not last:
            pending.append(tok)
            continue
        units.append(" ".join([*pending, tok]))
        pending = []
    if pending:
        units.append(" ".join(pending))
    return units, connector


@lru_cache(maxsize=262_144)
def _unit_key(unit: str) -> str:
    """Latin key of one unit without particles: "de la Fuente" -> "fuente"."""
    words = unit.split()
    core = [w for w in words if w.lower() not in _hon.PARTICLES] or words
    return "".join(latin_key(w).replace(" ", "") for w in core)


@lru_cache(maxsize=262_144)
def _is_given(unit: str) -> bool:
    return " " not in unit and latin_key(unit) in KNOWN_GIVEN


def _merge_marian(units: list[str]) -> list[str]:
    """"María" + "del Carmen" -> one given unit "María del Carmen"."""
    if len(units) >= 2 and latin_key(units[0]) in _hon.MARIAN_LEADS:
        words = units[1].split()
        if len(words) >= 2 and words[0].lower() in _hon.PARTICLES:
            head = plain_key(words[-1])
            if head in _hon.MARIAN_HEADS and len(units) >= 3:
                return [f"{units[0]} {units[1]}", *units[2:]]
    return units


@dataclass
class _Parts:
    given: list[str] = field(default_factory=list)
    middle: list[str] = field(default_factory=list)
    family: list[str] = field(default_factory=list)
    connector: str | None = None


def _split_given_middle(units: list[str], cyrillic: bool) -> tuple[list[str], list[str]]:
    """Given-side units: patronymic at the end -> middle; EN "John Michael" -> middle."""
    if len(units) >= 2 and _patronymic_gender(latin_key(units[-1]), cyrillic):
        return units[:-1], units[-1:]
    if len(units) >= 2 and latin_key(units[0]) in _EN_ONLY_GIVEN:
        return units[:1], units[1:]
    return units, []


_ALL_SUFFIXES = _hon.SUFFIXES | _hon.ROMAN_SUFFIXES


def _should_swap(given: list[str], family: list[str]) -> bool:
    """Given part is a surname and the family part a given name: "García" / "José"."""
    return (
        len(given) == 1
        and bool(family)
        and not _is_given(given[0])
        and _is_surname(_unit_key(given[0]))
        and _is_given(family[0])
        and not _is_surname(_unit_key(family[0]))
    )


def _split_full(f: CleanedField) -> tuple[_Parts, list[str]]:
    """Parse a full name into parts plus extra reason codes (order_swapped, suffix_removed).

    Suffixes left inside a block ("José Jr José Sergeevna") are dropped here too.
    """
    cyrillic = bool(CYR_RE.search(" ".join(f.tokens)))
    parts, swapped = _split_full_raw(f, cyrillic)
    extra = ["order_swapped"] if swapped and not cyrillic else []
    for attr in ("given", "family"):
        units = getattr(parts, attr)
        kept = [u for u in units if plain_key(u) not in _ALL_SUFFIXES]
        if len(kept) != len(units):
            setattr(parts, attr, kept)
            extra.append("suffix_removed")
    if _should_swap(parts.given, parts.family):
        parts.given, parts.family = parts.family[:1], parts.given + parts.family[1:]
        extra.append("order_swapped")
    return parts, extra


def _split_full_raw(f: CleanedField, cyrillic: bool) -> tuple[_Parts, bool]:
    """Parse a cleaned full name. Returns parts and whether the order was surname-first."""
    if f.comma_left is not None and f.comma_right is not None:
        fam, conn = _units(f.comma_left)
        giv, _ = _units(f.comma_right)
        giv = _merge_marian(giv)
        g, m = _split_given_middle(giv, cyrillic)
        return _Parts(g, m, fam, conn), False
    units, conn = _units(f.tokens)
    units = _merge_marian(units)
    keys = [latin_key(u) for u in units]
    n = len(units)
    if n == 1:
        if _is_given(units[0]) or not _is_surname(_unit_key(units[0])):
            return _Parts(given=units), False
        return _Parts(family=units), False
    pat = [i for i, k in enumerate(keys) if _patronymic_gender(k, cyrillic)]
    if pat:
        p = pat[-1] if pat[-1] == n - 1 else pat[0]
        if p == n - 1:
            fam = units[: p - 1]
            return _Parts(units[p - 1 : p], units[p : p + 1], fam, conn), False
        return _Parts(units[:p], units[p : p + 1], units[p + 1 :], conn), False
    given_flags = [_is_given(u) for u in units]
    surname_flags = [_is_surname(_unit_key(u)) for u in units]
    # Surname-first without comma: "GARCIA LOPEZ JOSE LUIS", "Иванова Наталья".
    if not given_flags[0] and surname_flags[0] and given_flags[-1] and not surname_flags[-1]:
        k = 0
        while k < n - 1 and given_flags[n - 1 - k] and not surname_flags[n - 1 - k]:
            k += 1
        return _Parts(units[n - k :], [], units[: n - k], conn), True
    russian = cyrillic or any(k in _RU_ONLY_GIVEN for k in keys)
    if n == 2 or russian:
        if russian and n >= 3:
            return _Parts(units[:1], units[1:-1], units[-1:], conn), False
        return _Parts(units[:1], [], units[1:], conn), False
    en = keys[0] in _EN_ONLY_GIVEN or keys[1] in _EN_ONLY_GIVEN
    if en and conn is None:
        return _Parts(units[:1], units[1:-1], units[-1:], conn), False
    if n == 3:
        compound = given_flags[1] and not (surname_flags[1] and surname_flags[2])
        if compound:
            return _Parts(units[:2], [], units[2:], conn), False
        return _Parts(units[:1], [], units[1:], conn), False
    return _Parts(units[: n - 2], [], units[n - 2 :], conn), False


# --------------------------------------------------------------------------------------
# One unique combination of name columns -> output tuple
# --------------------------------------------------------------------------------------


def _script(text: str) -> str | None:
    cyr = bool(CYR_RE.search(text))
    lat = bool(LAT_RE.search(text))
    if cyr and lat:
        return "mixed"
    if cyr:
        return "cyrillic"
    if lat:
        return "latin"
    return None


def _phonetic(key: str) -> str | None:
    if not key:
        return None
    try:
        code = jellyfish.metaphone(key.split(" ")[0])
    except Exception:  # noqa: BLE001 - odd scripts must never break a batch
        return None
    return code or None


def _split_hyphen(unit: str) -> list[str]:
    if " " not in unit and unit.count("-") == 1:
        a, b = unit.split("-")
        if sum(c.isalpha() for c in a) >= 2 and sum(c.isalpha() for c in b) >= 2:
            return [a, b]
    return [unit]


_EMPTY_NAME = (None,) * len(NORMALIZED_COLUMNS["names"])


@lru_cache(maxsize=262_144)
def _given_info(name_given: str) -> tuple:
    """Per given-part string: key, canonical, phonetic, Russian flag, gender hint, script."""
    given_key = latin_key(name_given)
    given_canon = canonical_given(given_key)
    ru_only = any(t in _RU_ONLY_GIVEN for t in given_key.split())
    hint = GENDER_BY_GIVEN.get(canonical_given(given_key.split(" ")[0])) if given_key else None
    return (given_key, given_canon, _phonetic(given_canon), ru_only, hint,
            bool(CYR_RE.search(name_given)), bool(LAT_RE.search(name_given)))


@lru_cache(maxsize=262_144)
def _middle_info(name_middle: str) -> tuple:
    """Per middle part: key, script flags, patronymic gender without/with Cyrillic evidence."""
    key = latin_key(name_middle)
    return (key, bool(CYR_RE.search(name_middle)), bool(LAT_RE.search(name_middle)),
            _patronymic_gender(key, False) if key else None,
            _patronymic_gender(key, True) if key else None)


@lru_cache(maxsize=262_144)
def _family_info(family: tuple[str, ...], connector: str | None) -> tuple:
    """Per family-part: display, units, raw keys, Russian look and script flags."""
    name_family: str | None
    if len(family) == 2 and connector:
        name_family = f"{family[0]} {connector} {family[1]}"
    else:
        name_family = " ".join(family) or None
    fam_units = list(family) if len(family) != 1 else _split_hyphen(family[0])
    raw_fam_keys = tuple(_unit_key(u) for u in fam_units)
    looks_ru = any(_looks_ru_surname(k) for k in raw_fam_keys)
    hint = None
    if raw_fam_keys:
        k = raw_fam_keys[0]
        if k.endswith(("ova", "eva", "ina", "skaia", "aia", "ska")):
            hint = "F"
        elif k.endswith(("ov", "ev", "in", "ski", "skoi", "oi")):
            hint = "M"
    text = name_family or ""
    return (name_family, fam_units[0] if fam_units else None,
            " ".join(fam_units[1:]) or None, raw_fam_keys, looks_ru, hint,
            bool(CYR_RE.search(text)), bool(LAT_RE.search(text)))


@lru_cache(maxsize=262_144)
def _family_keys(raw_fam_keys: tuple[str, ...], russian: bool) -> tuple:
    fam_keys = [family_gender_fold(k, russian) for k in raw_fam_keys]
    f1_key = fam_keys[0] if fam_keys else ""
    f2_key = " ".join(k for k in fam_keys[1:] if k)
    family_key = " ".join(k for k in fam_keys if k)
    return family_key or None, f1_key or None, f2_key or None, _phonetic(f1_key)


_NO_INFO = ("", "", None, False, None, False, False)
_NO_MIDDLE = ("", False, False, None, None)


def _is_initial(unit: str) -> bool:
    return " " not in unit and sum(map(str.isalpha, unit)) == 1


def _initials_to_middle(given: list[str], middle: list[str]) -> tuple[list[str], list[str]]:
    """"Linda M." / "Mary S.": trailing initials of a given part are a middle name, so the
    given key is "linda" whether or not an export wrote the initial."""
    k = len(given)
    while k > 1 and _is_initial(given[k - 1]):
        k -= 1
    return given[:k], [*given[k:], *middle]


def _name_values(parts: _Parts) -> tuple:
    return _parts_values(parts.given, parts.middle, parts.family, parts.connector)


def _parts_values(
    given: list[str], middle: list[str], family: list[str], connector: str | None
) -> tuple:
    """Output name values for parsed parts (empty when there is no part at all)."""
    if not (given or middle or family):
        return _EMPTY_NAME
    if len(given) >= 2 and _is_initial(given[-1]):
        given, middle = _initials_to_middle(given, middle)
    name_given = " ".join(given) or None
    name_middle = " ".join(middle) or None
    name_family, fam1, fam2, raw_fam_keys, fam_ru, fam_hint, f_cyr, f_lat = _family_info(
        tuple(family), connector
    )
    if not (name_given or name_middle or name_family):
        return _EMPTY_NAME
    given_key, given_canon, given_phon, given_ru, given_hint, g_cyr, g_lat = (
        _given_info(name_given) if name_given else _NO_INFO
    )
    middle_key, m_cyr, m_lat, pat_latin, pat_cyrillic = (
        _middle_info(name_middle) if name_middle else _NO_MIDDLE
    )
    cyrillic = g_cyr or m_cyr or f_cyr
    latin = g_lat or m_lat or f_lat
    pat_gender = pat_cyrillic if cyrillic else pat_latin
    russian = cyrillic or pat_gender is not None or given_ru or fam_ru
    family_key, f1_key, f2_key, f1_phon = _family_keys(raw_fam_keys, bool(russian))
    hint = pat_gender
    if hint is None and russian and raw_fam_keys:
        hint = fam_hint
    if hint is None and given_key:
        hint = given_hint
    script: str | None
    if cyrillic:
        script = "mixed" if latin else "cyrillic"
    else:
        script = "latin" if latin else None
    return (
        name_given,
        name_middle,
        name_family,
        fam1,
        fam2,
        script,
        given_key or None,
        given_canon or None,
        middle_key or None,
        family_key,
        f1_key,
        f2_key,
        given_phon,
        f1_phon,
        hint,
    )


# --------------------------------------------------------------------------------------
# Fast path for the common row: a letters-only full name and no other name column
# --------------------------------------------------------------------------------------
# Same result as ``clean_field`` + ``_split_full`` + ``field_status`` for values that take
# the simple cleaning path and hold no honorific/suffix/particle/connector/placeholder word,
# computed from per-word facts in one pass; anything else returns None and takes the
# general path.


# Facts of one display word, see _unit_facts.
_UnitFacts = tuple[str, bool, bool, str | None, str | None, bool, bool, bool, bool]


@lru_cache(maxsize=262_144)
def _unit_facts(unit: str) -> _UnitFacts | None:
    """Per display word: (latin key, known given, surname, patronymic gender without and
    with Cyrillic evidence, EN-only given, RU-only given, Cyrillic, at most one letter)."""
    low = unit.lower()
    if plain_key(unit) in _ALL_SUFFIXES or low in _hon.PARTICLES or low in _hon.CONNECTORS:
        return None
    key = latin_key(unit)
    return (key, _is_given(unit), _is_surname(_unit_key(unit)), _patronymic_gender(key, False),
            _patronymic_gender(key, True), key in _EN_ONLY_GIVEN, key in _RU_ONLY_GIVEN,
            bool(CYR_RE.search(unit)), sum(map(str.isalpha, unit)) <= 1)


@lru_cache(maxsize=262_144)
def _word_info(tok: str) -> tuple[str, int, str, _UnitFacts] | None:
    """Per raw word of a simple value: (display form, script bits Cyrillic=1 Latin=2, plain
    form, facts of the display form), or None when the word needs the general path.

    ``name_cleaning._recase_simple`` title-cases a word when it is all upper or all lower
    case, or when the whole side is. A word that is neither either holds both cases (no
    titlecase letter is in ``SIMPLE``), so the side cannot be all upper or lower and the
    word is kept, or holds no cased letter, and then title-casing leaves it unchanged. So
    the display form depends on the word alone. ``TRIPLE`` only matches whole words, so
    testing each plain word equals testing the joined plain text as
    ``name_cleaning._prepare_ex`` does.
    """
    p = plain_key(tok)
    special, title, whole_case, cyr, lat = token_info(tok)
    if special or not p or " " in p or p in _hon.PLACEHOLDER_TOKENS or TRIPLE.search(p):
        return None
    display = title if whole_case else tok
    facts = _unit_facts(display)
    if facts is None:
        return None
    return display, cyr | (lat << 1), p, facts


_FAST_STATUS: dict[tuple[bool, bool, bool], tuple[str, str | None]] = {}
for _cf in (False, True):
    for _co in (False, True):
        for _sw in (False, True):
            _rs = [r for r, on in (("case_fixed", _cf), ("comma_order", _co),
                                   ("order_swapped", _sw)) if on]
            _FAST_STATUS[(_cf, _co, _sw)] = (FIXED if _rs else VALID, reason_text(_rs))
_MISSING_REST = (MISSING, None) * 3


def _fast_full_parse(
    text: str,
) -> tuple[list[str], list[str], list[str], str, str | None] | None:
    """Parts of a simple full name: (given, middle, family, full status, reason) or None."""
    if not (SIMPLE.fullmatch(text) and unicodedata.is_normalized("NFKC", text)):
        return None
    words = text.replace(",", " ").split()
    n = len(words)
    if n < 2:
        return None
    infos = [info for w in words if (info := _word_info(w)) is not None]
    if len(infos) != n:
        return None
    comma = text.find(",")
    # Mixed Latin/Cyrillic words are repaired by the general path (per comma side, as there).
    nl = text.count(" ", 0, comma) + 1 if comma >= 0 else n
    mask = 0
    for info in infos[:nl]:
        mask |= info[1]
    if mask == 3:
        return None
    mask = 0
    for info in infos[nl:]:
        mask |= info[1]
    if mask == 3:
        return None
    tokens = [info[0] for info in infos]
    if len("".join(tokens)) <= 3 or " ".join([info[2] for info in infos]) in _hon.PLACEHOLDERS:
        return None
    facts = [info[3] for info in infos]
    cyrillic = ru_given = False
    short = True
    for fc in facts:
        cyrillic = cyrillic or fc[7]
        ru_given = ru_given or fc[6]
        short = short and fc[8]
    if short:
        return None
    case_fixed = tokens != words
    pg = 4 if cyrillic else 3
    swapped = False
    if comma >= 0:
        family, d_right = tokens[:nl], tokens[nl:]
        if len(d_right) >= 2 and facts[-1][pg]:
            given, middle = d_right[:-1], d_right[-1:]
        elif len(d_right) >= 2 and facts[nl][5]:
            given, middle = d_right[:1], d_right[1:]
        else:
            given, middle = d_right, []
    else:
        pat = [i for i, fc in enumerate(facts) if fc[pg]]
        if pat:
            p = pat[-1] if pat[-1] == n - 1 else pat[0]
            if p == n - 1:
                given, middle, family = tokens[p - 1 : p], tokens[p:], tokens[: p - 1]
            else:
                given, middle, family = tokens[:p], tokens[p : p + 1], tokens[p + 1 :]
        elif (not facts[0][1] and facts[0][2] and facts[-1][1] and not facts[-1][2]):
            k = 0
            while k < n - 1 and facts[n - 1 - k][1] and not facts[n - 1 - k][2]:
                k += 1
            given, middle, family = tokens[n - k :], [], tokens[: n - k]
            swapped = not cyrillic
        elif cyrillic or ru_given:
            if n >= 3:
                given, middle, family = tokens[:1], tokens[1:-1], tokens[-1:]
            else:
                given, middle, family = tokens[:1], [], tokens[1:]
        elif n == 2:
            given, middle, family = tokens[:1], [], tokens[1:]
        elif facts[0][5] or facts[1][5]:
            given, middle, family = tokens[:1], tokens[1:-1], tokens[-1:]
        elif n == 3:
            if facts[1][1] and not (facts[1][2] and facts[2][2]):
                given, middle, family = tokens[:2], [], tokens[2:]
            else:
                given, middle, family = tokens[:1], [], tokens[1:]
        else:
            given, middle, family = tokens[: n - 2], [], tokens[n - 2 :]
    if len(given) == 1 and family:
        g0 = facts[tokens.index(given[0])]
        f0 = facts[tokens.index(family[0])]
        if not g0[1] and g0[2] and f0[1] and not f0[2]:
            given, family = family[:1], given + family[1:]
            swapped = True
    return (given, middle, family, *_FAST_STATUS[(case_fixed, comma >= 0, swapped)])


# A cleaned field, whether it is usable, and its (status, reason) without extra reasons.
_Cleaned = tuple[CleanedField, bool, tuple[str, str | None]]


class _Normalizer:
    """Per-call caches: each distinct raw value is cleaned once."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, object], _Cleaned] = {}
        self.splits: dict[object, tuple[_Parts, tuple[str, ...], tuple]] = {}
        self.statuses: dict[tuple[int, tuple[str, ...]], tuple[str, str | None]] = {}
        self.given_units: dict[object, tuple] = {}
        self.family_units: dict[object, tuple] = {}
        self.parsed: dict[tuple, tuple] = {}

    def split(self, full: object, ff: CleanedField) -> tuple[_Parts, tuple[str, ...], tuple]:
        """Parsed full name, extra reasons and the name values of the full name alone."""
        # The parse depends only on the cleaned tokens (and the comma position), so
        # "GARCÍA LÓPEZ, JOSÉ" / "García López, José" share one entry.
        left = ff.comma_left
        key = (tuple(ff.tokens), -1 if left is None or ff.comma_right is None else len(left))
        hit = self.splits.get(key)
        if hit is None:
            parts, extra = _split_full(ff)
            values = self.values(parts.given, parts.middle, parts.family, parts.connector)
            hit = (parts, tuple(extra), values)
            self.splits[key] = hit
        return hit

    def values(
        self, given: list[str], middle: list[str], family: list[str], connector: str | None
    ) -> tuple:
        """``_parts_values`` once per distinct parse (full name and columns alike)."""
        key = (tuple(given), tuple(middle), tuple(family), connector)
        hit = self.parsed.get(key)
        if hit is None:
            hit = _parts_values(given, middle, family, connector)
            self.parsed[key] = hit
        return hit

    def clean(self, value: object, kind: str) -> _Cleaned:
        """Cleaned field, whether it is usable, and its status without extra reasons."""
        k = (kind, value if isinstance(value, str) else None)
        hit = self.cache.get(k)
        if hit is None:
            f = clean_field(value, kind)
            hit = (f, is_usable(f), field_status(f, f.reasons))
            self.cache[k] = hit
        return hit

    def status(self, f: CleanedField, extra: tuple[str, ...] = ()) -> tuple[str, str | None]:
        k = (id(f), extra)
        hit = self.statuses.get(k)
        if hit is None:
            hit = field_status(f, f.reasons + list(extra))
            self.statuses[k] = hit
        return hit

    def given_side(self, given: object, gf: CleanedField) -> tuple:
        """Given-column units, with and without a trailing patronymic split off."""
        hit = self.given_units.get(given)
        if hit is None:
            g_units = _merge_marian(_units(gf.tokens)[0])
            cyr = bool(CYR_RE.search(" ".join(g_units)))
            pat = len(g_units) >= 2 and bool(_patronymic_gender(latin_key(g_units[-1]), cyr))
            hit = (g_units, pat)
            self.given_units[given] = hit
        return hit

    def family_side(self, family: object, fm: CleanedField) -> tuple[list[str], str | None]:
        hit = self.family_units.get(family)
        if hit is None:
            hit = _units(fm.tokens)
            self.family_units[family] = hit
        return hit

    def row(self, full: object, given: object, family: object, middle: object) -> tuple:
        if given is None and family is None and middle is None and type(full) is str:
            fast = _fast_full_parse(full)
            if fast is not None:
                given_p, middle_p, family_p, status, reason = fast
                return (*self.values(given_p, middle_p, family_p, None), status, reason,
                        *_MISSING_REST)
        cache = self.cache
        ff, ff_ok, ff_st = cache.get(("full", full)) or self.clean(full, "full")
        gf, gf_ok, gf_st = cache.get(("given", given)) or self.clean(given, "given")
        fm, fm_ok, fm_st = cache.get(("family", family)) or self.clean(family, "family")
        mf, mf_ok, mf_st = cache.get(("middle", middle)) or self.clean(middle, "middle")
        extra_given: tuple[str, ...] = ()
        extra_family: tuple[str, ...] = ()
        extra_full: tuple[str, ...] = ()
        if ff_ok:
            full_parts, extra_full, full_values = self.split(full, ff)
        if gf_ok or fm_ok:
            if gf_ok:
                g_units, pat = self.given_side(given, gf)
            else:
                g_units, pat = [], False
            f_units, conn = self.family_side(family, fm) if fm_ok else ([], None)
            m_units = mf.tokens if mf_ok else []
            if not m_units and pat:
                m_units = g_units[-1:]
                g_units = g_units[:-1]
                extra_given = ("patronymic_split",)
            if _should_swap(g_units, f_units):
                g_units, f_units = f_units[:1], g_units + f_units[1:]
                extra_given = (*extra_given, "order_swapped")
                extra_family = ("order_swapped",)
            p_given, p_family, p_conn = g_units, f_units, conn
            p_middle = [" ".join(m_units)] if m_units else []
            if ff_ok and (not p_given or not p_family):
                fp = full_parts
                p_given = p_given or fp.given
                p_middle = p_middle or fp.middle
                if not p_family:
                    p_family, p_conn = fp.family, fp.connector
            values = self.values(p_given, p_middle, p_family, p_conn)
        elif ff_ok:
            if mf_ok and not full_parts.middle:
                fp = full_parts
                values = self.values(fp.given, [" ".join(mf.tokens)], fp.family, fp.connector)
            else:
                values = full_values
        else:
            values = _EMPTY_NAME
        return (
            *values,
            *(self.status(ff, extra_full) if extra_full else ff_st),
            *(self.status(gf, extra_given) if extra_given else gf_st),
            *(self.status(fm, extra_family) if extra_family else fm_st),
            *mf_st,
        )


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def _codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Factorize with missing values as their own code (-1 -> last slot)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniques = np.append(np.asarray(uniques, dtype=object), [None])
    codes = np.where(codes < 0, len(uniques) - 1, codes)
    return codes.astype(np.int64), uniques


def normalize_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Split, clean and key the person-name columns of a canonical-record frame.

    Reads ``full_name``, ``given_name``, ``family_name``, ``middle_name`` and ``gender``
    (any may be absent) and returns a new DataFrame with the same index and exactly
    ``NAME_OUTPUT_COLUMNS`` (string dtype, <NA> for missing). Work is done once per
    distinct combination of name values, so repeated names cost nothing.
    """
    # Hundreds of thousands of small tuples/lists are created and kept (caches, rows):
    # with the cyclic GC on, its repeated full collections cost ~30% of the run. Nothing
    # here creates reference cycles, so it is paused for the call and restored after.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        return _normalize_names(frame)
    finally:
        if gc_enabled:
            gc.enable()


def _normalize_names(frame: pd.DataFrame) -> pd.DataFrame:
    n = len(frame)
    codes_list, uniques_list = [], []
    for col in INPUT_COLUMNS[:4]:
        if col not in frame.columns:  # absent column: one code, no 1M-row factorize
            codes_list.append(np.zeros(n, dtype=np.int64))
            uniques_list.append(np.array([None], dtype=object))
            continue
        c, u = _codes(frame[col])
        codes_list.append(c)
        uniques_list.append(u)
    combined = np.zeros(n, dtype=np.int64)
    for c, u in zip(codes_list, uniques_list, strict=True):
        if len(u) > 1:  # a constant (absent / all-missing) column adds no information
            combined, _ = pd.factorize(combined * len(u) + c)
            combined = combined.astype(np.int64, copy=False)
    first = np.full(combined.max() + 1 if n else 0, -1, dtype=np.int64)
    first[combined[::-1]] = np.arange(n - 1, -1, -1)
    norm = _Normalizer()
    picks = [u[c[first]] for c, u in zip(codes_list, uniques_list, strict=True)]
    rows = [norm.row(*args) for args in zip(*picks, strict=True)]
    name_cols = [c for c in NAME_OUTPUT_COLUMNS if c not in ("gender_norm", "gender_status")]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(name_cols)
    if "gender" in frame.columns:
        g_codes, g_uniques = _codes(frame["gender"])
    else:
        g_codes, g_uniques = np.zeros(n, dtype=np.int64), np.array([None], dtype=object)
    g_vals = list(zip(*[clean_gender(v) for v in g_uniques], strict=True))
    # Build each column once per unique value, then StringArray.take maps it back to the
    # rows without re-validating a million strings.
    out = {}
    for col, values in zip(name_cols, columns, strict=True):
        out[col] = pd.array(list(values), dtype="string").take(combined)
    for col, values in zip(("gender_norm", "gender_status"), g_vals, strict=True):
        out[col] = pd.array(list(values), dtype="string").take(g_codes)
    return pd.DataFrame({col: out[col] for col in NAME_OUTPUT_COLUMNS}, index=frame.index)
