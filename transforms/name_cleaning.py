"""Cleaning one name field value (Unicode and punctuation clean-up, garbage detection,
honorifics, suffixes, abbreviations, display case) into tokens with a status and reasons.

Apart from ``transforms.names`` because it looks at one value alone; splitting the tokens
into parts and building the table sit on top of it. The gender column is cleaned here too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from transforms.name_keys import EN_GIVEN, ES_GIVEN, RU_GIVEN, latin_key, plain_key
from transforms.name_matching import NICKNAME_KEYS
from transforms.reference import honorifics as _hon
from transforms.reference import translit as _tr

VALID, FIXED, INVALID, MISSING = "valid", "fixed", "invalid", "missing"

# Order in which reason codes are reported when several apply.
_REASON_ORDER = [
    "placeholder", "digits_in_name", "bad_chars", "single_char", "single_token",
    "comma_order", "order_swapped", "honorific_removed", "suffix_removed",
    "abbreviation_expanded", "patronymic_split", "placeholder_removed",
    "parenthetical_removed", "symbols_removed",
    "homoglyph_fixed", "case_fixed",
]
_NO_VALUE_REASONS = {"placeholder", "digits_in_name", "bad_chars"}

# Any token that is a known given name (full form or nickname), by language.
KNOWN_GIVEN = ES_GIVEN | EN_GIVEN | RU_GIVEN | NICKNAME_KEYS
_HONORIFIC_GIVEN_OK = KNOWN_GIVEN

# --------------------------------------------------------------------------------------
# Cleaning one field value
# --------------------------------------------------------------------------------------

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
_QUOTES = str.maketrans({c: "'" for c in "’ʼ`´ʻ‘"})
_BRACKETS = re.compile(r"[\(\[\{][^\)\]\}]*[\)\]\}]?")
_STRIP_CHARS = " .,;:-_'\"*#/\\|~"
CYR_RE = re.compile(r"[\u0400-\u04FF]")
LAT_RE = re.compile(r"[A-Za-z\u00C0-\u024F]")
_ALLOWED_PUNCT = set(" '-.,")


@dataclass
class CleanedField:
    """A cleaned field: display tokens plus status and reasons."""

    tokens: list[str] = field(default_factory=list)
    status: str = MISSING
    reasons: list[str] = field(default_factory=list)
    comma_left: list[str] | None = None  # full_name "SURNAME, Given" parts
    comma_right: list[str] | None = None

    def add(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)


def reason_text(reasons: Iterable[str]) -> str | None:
    """Reason codes joined with "|" in one fixed order, so the same reasons read the same."""
    present = set(reasons)
    if not present:
        return None
    rs = [r for r in _REASON_ORDER if r in present]
    return "|".join(rs) if rs else None


@lru_cache(maxsize=262_144)
def _smart_title(token: str) -> str:
    """Title-case one token: "o'brien" -> "O'Brien", "mcdonald" -> "McDonald",
    "garcía-lópez" -> "García-López"."""
    parts = []
    for part in token.split("-"):
        low = part.lower()
        pieces = low.split("'")
        if len(pieces) == 2 and len(pieces[0]) == 1 and pieces[1]:
            cased = pieces[0].upper() + "'" + pieces[1][:1].upper() + pieces[1][1:]
        else:
            cased = low[:1].upper() + low[1:]
        if cased.startswith("Mc") and len(cased) > 3 and cased[2].isalpha():
            cased = "Mc" + cased[2].upper() + cased[3:]
        parts.append(cased)
    return "-".join(parts)


def _fix_homoglyphs(token: str) -> str:
    cyr = len(CYR_RE.findall(token))
    lat = len(LAT_RE.findall(token))
    if not cyr or not lat:
        return token
    if cyr >= lat:
        table = _tr.LATIN_HOMOGLYPH_TO_CYR
    else:
        table = _tr.CYR_HOMOGLYPH_TO_LATIN
    return "".join(table.get(ch, ch) for ch in token)


_SLOW_PATH = re.compile(r"[^\w '\-.,]|[\d_]")
_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"[^\W\d_]")
TRIPLE = re.compile(r"(?:^| )(?!iii(?: |$))(\w)\1\1+(?= |$)")
_SEPARATORS = str.maketrans({c: " " for c in "()[]{};:"})
_KEEP_SYMBOLS = set("@&+/=<>|\\#%$*_^~")


def _drop_symbols(s: str, f: CleanedField) -> str:
    """Slow path: drop control/format chars, emoji and decorative symbols."""
    chars = []
    for ch in s:
        cat = unicodedata.category(ch)
        if cat[0] == "C":
            chars.append(" " if cat == "Cc" else "")
        elif (cat[0] == "S" or ch in "\"«»“”„!?¿¡") and ch not in _KEEP_SYMBOLS:
            f.add("symbols_removed")
            chars.append(" ")
        else:
            chars.append(ch)
    return "".join(chars)


_L = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0400-\u045f"
_WORD = f"[{_L}]+(?:['\\-][{_L}]+)*"
# Letters-only words (inner ' or -) separated by one space or ", ": nothing to clean up.
SIMPLE = re.compile(f"{_WORD}(?:,? {_WORD})*")


def _prepare(text: object) -> tuple[str, CleanedField]:
    """Unicode/whitespace/punctuation clean-up and garbage detection for one value."""
    s, f, _ = _prepare_ex(text)
    return s, f


def _prepare_ex(text: object) -> tuple[str, CleanedField, bool]:
    """``_prepare`` plus whether the value took the simple (letters-only) fast path."""
    if isinstance(text, str) and SIMPLE.fullmatch(text) and unicodedata.is_normalized(
        "NFKC", text
    ):
        # Same result as the general path: no dashes/quotes/symbols/brackets/digits and
        # no stray whitespace or punctuation; only the placeholder checks can apply.
        f = CleanedField(status=VALID)
        words = [plain_key(t) for t in text.replace(",", " ").split()]
        plain = " ".join(words)
        if (
            plain in _hon.PLACEHOLDERS
            or not _hon.PLACEHOLDER_TOKENS.isdisjoint(words)
            or TRIPLE.search(plain)
        ):
            return "", _invalid(f, "placeholder"), False
        return text, f, True
    s, f = _prepare_slow(text)
    return s, f, False


def _prepare_slow(text: object) -> tuple[str, CleanedField]:
    f = CleanedField()
    if not isinstance(text, str):
        return "", f
    s = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    if _SLOW_PATH.search(s):
        s = _drop_symbols(s, f)
    if not s.strip():
        f.reasons.clear()
        return ("", _invalid(f, "placeholder")) if text.strip() else ("", f)
    if "(" in s or "[" in s or "{" in s:
        s2 = _BRACKETS.sub(" ", s)
        if s2.strip(_STRIP_CHARS + "()[]{} "):
            f.add("parenthetical_removed")
            s = s2
    s = " ".join(s.translate(_SEPARATORS).split()).strip(_STRIP_CHARS)
    f.status = VALID
    if _DIGIT.search(s):
        return "", _invalid(f, "digits_in_name")
    if not s or not _ALPHA.search(s):
        return "", _invalid(f, "placeholder")
    plain = " ".join(plain_key(s).replace(",", " ").split())
    words = plain.split()
    if plain in _hon.PLACEHOLDERS or any(t in _hon.PLACEHOLDER_TOKENS for t in words):
        return "", _invalid(f, "placeholder")
    if TRIPLE.search(plain):
        return "", _invalid(f, "placeholder")
    if _SLOW_PATH.search(s) and any(
        not (ch.isalpha() or unicodedata.category(ch)[0] == "M" or ch in _ALLOWED_PUNCT)
        for ch in s
    ):
        return "", _invalid(f, "bad_chars")
    return s, f


def _invalid(f: CleanedField, reason: str) -> CleanedField:
    f.status = INVALID
    f.reasons = [reason]
    f.tokens = []
    return f


_TOKEN_STRIP = _STRIP_CHARS.replace(".", "")


# Filler words inside a longer name ("José N/A", "Ana NULL López"): dropped, not fatal.
_JUNK_TOKENS = frozenset(
    {"na", "n/a", "nan", "none", "null", "nil", "sn", "s/n", "xx", "nn"}
    | {p for p in _hon.PLACEHOLDERS if p and " " not in p and len(p) > 1}
)


def _tokenize(s: str, f: CleanedField) -> list[str]:
    tokens = []
    for raw in s.replace(",", " ").split():
        tok = raw.strip(_TOKEN_STRIP) or raw
        if tok.strip(".-'") != "":
            tokens.append(tok)
    if len(tokens) > 1:
        kept = [t for t in tokens if plain_key(t) not in _JUNK_TOKENS]
        if len(kept) != len(tokens):
            f.add("placeholder_removed")
            tokens = kept
    return tokens


def _fix_mixed(tokens: list[str], f: CleanedField) -> list[str]:
    """Repair words typed with a mixed keyboard; run after casing so it is idempotent."""
    joined = " ".join(tokens)
    if not (CYR_RE.search(joined) and LAT_RE.search(joined)):
        return tokens
    fixed = [_fix_homoglyphs(t) for t in tokens]
    if fixed != tokens:
        f.add("homoglyph_fixed")
    return fixed


def _strip_titles(
    tokens: list[str], f: CleanedField, *, leading: bool, trailing: bool
) -> list[str]:
    """Remove leading honorifics ("Sr.", "Dña.", "г-жа") and trailing suffixes ("Jr.")."""
    while leading and len(tokens) > 1:
        p = plain_key(tokens[0])
        if p in _hon.HONORIFICS:
            tokens = tokens[1:]
            f.add("honorific_removed")
        elif p in _hon.AMBIGUOUS_HONORIFICS and latin_key(tokens[1]) in _HONORIFIC_GIVEN_OK:
            tokens = tokens[1:]
            f.add("honorific_removed")
        else:
            break
    while trailing and len(tokens) > 1:
        p = plain_key(tokens[-1])
        if p in _hon.SUFFIXES or (p in _hon.ROMAN_SUFFIXES and len(tokens) >= 3):
            tokens = tokens[:-1]
            f.add("suffix_removed")
        else:
            break
    return tokens


def _expand_abbrev(tokens: list[str], f: CleanedField) -> list[str]:
    if len(tokens) >= 2:
        p = plain_key(tokens[0]).replace("ª", "a")
        if p in _hon.GIVEN_ABBREVIATIONS and (tokens[0].endswith(".") or p == "ma"):
            f.add("abbreviation_expanded")
            return [*_hon.GIVEN_ABBREVIATIONS[p].split(), *tokens[1:]]
    return tokens


def _recase(tokens: list[str], f: CleanedField) -> list[str]:
    """Display case: title-case all-upper/all-lower tokens, keep deliberate mixed case."""
    joined = "".join(tokens)
    whole = joined.isupper() or joined.islower()
    out = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        nxt = i + 1 < len(tokens)
        if nxt and low in _hon.PARTICLES and (i > 0 or len(tokens) > 2 or not whole):
            new = low
        elif nxt and i > 0 and low in _hon.CONNECTORS and "." not in tok:
            new = low
        elif whole or tok.isupper() or tok.islower():
            new = _smart_title(tok)
        else:
            new = tok
        out.append(new)
    if out != tokens:
        f.add("case_fixed")
    return out


@lru_cache(maxsize=262_144)
def token_info(tok: str) -> tuple[bool, str, bool, bool, bool]:
    """Per simple token: needs the general path?, title case, plain case, Cyrillic, Latin."""
    p = plain_key(tok)
    low = tok.lower()
    special = (
        p in _JUNK_TOKENS
        or p in _hon.HONORIFICS
        or p in _hon.AMBIGUOUS_HONORIFICS
        or p in _hon.SUFFIXES
        or p in _hon.ROMAN_SUFFIXES
        or p.replace("ª", "a") in _hon.GIVEN_ABBREVIATIONS
        or low in _hon.PARTICLES
        or low in _hon.CONNECTORS
    )
    return (special, _smart_title(tok), tok.isupper() or tok.islower(),
            bool(CYR_RE.search(tok)), bool(LAT_RE.search(tok)))


def _recase_simple(tokens: list[str]) -> list[str] | None:
    """``_recase`` for simple tokens with no title/particle/junk/mixed-script work to do,
    or None when the general path is needed."""
    infos = [token_info(t) for t in tokens]
    cyr = lat = False
    for info in infos:
        if info[0]:
            return None
        cyr = cyr or info[3]
        lat = lat or info[4]
    if cyr and lat:
        return None
    joined = "".join(tokens)
    if joined.isupper() or joined.islower():
        return [info[1] for info in infos]
    return [info[1] if info[2] else tok for tok, info in zip(tokens, infos, strict=True)]


def _clean_simple(s: str, f: CleanedField, kind: str) -> CleanedField | None:
    """Fast ``clean_field`` for a simple value (see ``SIMPLE``); None when it does not apply."""
    if kind == "full" and "," in s:
        left, _, right = s.partition(",")
        lt = _recase_simple(left.split())
        if lt is None:
            return None
        rt = _recase_simple(right.replace(",", " ").split())
        if rt is None:
            return None
        if lt != left.split() or rt != right.replace(",", " ").split():
            f.reasons.append("case_fixed")
        f.comma_left = lt
        f.comma_right = rt
        f.tokens = lt + rt
        f.reasons.append("comma_order")
        return _finish(f, kind)
    raw = s.replace(",", " ").split()
    tokens = _recase_simple(raw)
    if tokens is None:
        return None
    if tokens != raw:
        f.reasons.append("case_fixed")
    f.tokens = tokens
    return _finish(f, kind)


def clean_field(text: object, kind: str) -> CleanedField:
    """Clean one name field. ``kind``: full | given | family | middle."""
    s, f, simple = _prepare_ex(text)
    if f.status != VALID:
        return f
    if simple:
        done = _clean_simple(s, f, kind)
        if done is not None:
            return done
    if kind == "full" and "," in s:
        left, _, right = s.partition(",")
        lt = _tokenize(left, f)
        rt = _tokenize(right, f)
        if lt and rt and not all(
            plain_key(t) in _hon.SUFFIXES or plain_key(t) in _hon.ROMAN_SUFFIXES for t in rt
        ):
            lt = _strip_titles(lt, f, leading=True, trailing=True)
            rt = _strip_titles(rt, f, leading=True, trailing=True)
            rt = _expand_abbrev(rt, f)
            f.comma_left = _fix_mixed(_recase(lt, f), f)
            f.comma_right = _fix_mixed(_recase(rt, f), f)
            f.tokens = f.comma_left + f.comma_right
            f.add("comma_order")
            return _finish(f, kind)
        s = s.replace(",", " ")
    tokens = _tokenize(s, f)
    tokens = _strip_titles(
        tokens, f, leading=kind in ("full", "given"), trailing=kind in ("full", "family")
    )
    if kind in ("full", "given"):
        tokens = _expand_abbrev(tokens, f)
    f.tokens = _fix_mixed(_recase(tokens, f), f)
    return _finish(f, kind)


def _finish(f: CleanedField, kind: str) -> CleanedField:
    if not f.tokens:
        return _invalid(f, "placeholder")
    joined = "".join(f.tokens)
    if len(joined) <= 3 and sum(map(str.isalpha, joined)) <= 1 and kind != "middle":
        # An initial: not a usable name on its own, but kept (see transforms.names).
        f.status = INVALID
        f.reasons = ["single_char"]
        return f
    if kind == "full" and all(sum(map(str.isalpha, t)) <= 1 for t in f.tokens):
        return _invalid(f, "single_char")  # initials only: "A. X."
    if kind == "full" and len(f.tokens) == 1:
        f.status = INVALID
        f.reasons = ["single_token"]
        return f
    if f.reasons:
        f.status = FIXED
    return f


def is_usable(f: CleanedField) -> bool:
    """Whether parts can be built from the field (not a placeholder, digits or bad chars)."""
    return bool(f.tokens) and not (set(f.reasons) & _NO_VALUE_REASONS)


def field_status(f: CleanedField, reasons: list[str]) -> tuple[str, str | None]:
    """(status, reason text) of a field, counting reasons found after cleaning (splitting)."""
    status = f.status
    if status == VALID and reasons:
        status = FIXED
    if status == MISSING:
        return status, None
    return status, reason_text(reasons)


# --------------------------------------------------------------------------------------
# Gender column
# --------------------------------------------------------------------------------------

_GENDER_VOCAB: dict[str, str | None] = {}
for _word in ("m", "male", "man", "masculino", "masc", "hombre", "h", "varon", "v", "mr",
              "мужской", "муж", "м", "мужчина", "boy", "senor", "1"):
    _GENDER_VOCAB[_word] = "M"
for _word in ("f", "female", "woman", "femenino", "fem", "mujer", "w", "жен", "женский", "ж",
              "женщина", "girl", "senora", "mrs", "ms", "2"):
    _GENDER_VOCAB[_word] = "F"
for _word in ("x", "other", "otro", "otra", "non-binary", "nonbinary", "non binary",
              "no binario", "nb", "другое", "diverse", "d"):
    _GENDER_VOCAB[_word] = "X"
for _word in ("u", "unknown", "desconocido", "n/a", "na", "-", "?", "не указан", "не указано",
              "неизвестно", "prefer not to say", "no especificado", "ns/nc", "none", "null",
              "sin especificar", "0", "nan"):
    _GENDER_VOCAB[_word] = None


_GENDER_PLAIN = {plain_key(k): k for k in _GENDER_VOCAB}


def clean_gender(value: object) -> tuple[str | None, str]:
    """Gender ("M"/"F"/"X" or None) and status of one raw value of the gender column."""
    if not isinstance(value, str) or not value.strip():
        return None, MISSING
    p = " ".join(plain_key(unicodedata.normalize("NFKC", value)).split())
    p = _GENDER_PLAIN.get(p, p)
    if p in _GENDER_VOCAB:
        g = _GENDER_VOCAB[p]
        return (g, VALID) if g else (None, MISSING)
    return None, INVALID
