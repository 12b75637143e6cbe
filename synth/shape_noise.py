"""String and date corruptions for ``synth.shapes``: what typing, transcribing and OCR do.

Why these functions and not one generic "edit distance 1": each real source of error has
its own signature, and the linker's comparisons react differently to them (a keyboard
slip keeps Jaro-Winkler high, an OCR "rn"->"m" changes the length, a Spanish clerk's
"b"->"v" keeps the phonetic code, a year typo keeps day and month). Every function takes
the ``random.Random`` it may use, so a seed gives the same output.
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache

from synth.shape_data import (
    KEYBOARD_ROWS,
    OCR_CYRILLIC,
    OCR_DIGITS,
    OCR_LATIN,
    PHONETIC_EN,
    PHONETIC_ES,
    TRANSLIT_SCHEMES,
)
from transforms.reference.email_domains import DOMAIN_TYPOS

_NEIGHBOURS: dict[str, str] = {}
for _row in KEYBOARD_ROWS:
    for _i, _ch in enumerate(_row):
        _NEIGHBOURS[_ch] = _row[max(0, _i - 1):_i] + _row[_i + 1:_i + 2]

# provider domain -> its common misspellings (sorted: iteration order must not depend on hashing)
_DOMAIN_MISSPELLINGS: dict[str, list[str]] = {}
for _typo, _real in sorted(DOMAIN_TYPOS.items()):
    _DOMAIN_MISSPELLINGS.setdefault(_real, []).append(_typo)

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


@lru_cache(maxsize=65536)
def strip_accents(text: str) -> str:
    """Drop Latin diacritics (José -> Jose, Muñoz -> Munoz) but keep Cyrillic letters intact:
    a web form typed without accents does not turn й into и."""
    if text.isascii():
        return text
    if not is_cyrillic(text):
        return "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return "".join(strip_accents(ch) if ord(ch) < 0x250 else ch for ch in text)


def _title(text: str) -> str:
    return re.sub(r"[^\s\-']+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], text)


_ENDINGS: dict[str, list[tuple[str, str]]] = {
    "bgn": [(r"ий\b", "iy"), (r"ый\b", "yy"), (r"\bе", "ye"), (r"[ьъ]е", "ye")],
    "icao": [(r"ий\b", "ii"), (r"ый\b", "y"), (r"[ьъ]е", "ie")],
    "euro": [(r"ий\b", "ij"), (r"ый\b", "yj"), (r"[ьъ]е", "je"), (r"кс", "x")],
    "informal": [(r"ий\b", "y"), (r"ый\b", "y"), (r"кс", "x"), (r"ия\b", "ia")],
}


@lru_cache(maxsize=65536)
def transliterate(text: str, scheme: str) -> str:
    """Cyrillic -> Latin with one of the schemes people and passport offices use."""
    low = text.lower()
    for pattern, repl in _ENDINGS[scheme]:
        low = re.sub(pattern, repl, low)
    table = TRANSLIT_SCHEMES[scheme]
    return _title("".join(table.get(ch, ch) for ch in low))


def keyboard_typo(text: str, rng: random.Random) -> str:
    """One slip of the fingers: a neighbouring key, a dropped, doubled or swapped letter."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])  # the first letter is rarely mistyped
    kind = rng.random()
    ch = text[i]
    if kind < 0.35:
        near = _NEIGHBOURS.get(ch.lower(), "")
        if near:
            sub = rng.choice(near)
            return text[:i] + (sub.upper() if ch.isupper() else sub) + text[i + 1:]
        return text[:i] + text[i + 1:]
    if kind < 0.60:
        return text[:i] + text[i + 1:]
    if kind < 0.80:
        return text[:i] + ch + text[i:]
    if i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + ch + text[i + 2:]
    return text[:i - 1] + ch + text[i - 1] + text[i + 1:]


def ocr_error(text: str, rng: random.Random) -> str:
    """One confusion a scanner or a tired reader makes: rn/m, cl/d, e/c, и/н, ш/щ ..."""
    pairs = OCR_CYRILLIC if is_cyrillic(text) else OCR_LATIN
    found = [(a, b) for a, b in pairs if a in text[1:]]
    if not found:
        return keyboard_typo(text, rng)
    a, b = rng.choice(found)
    starts = [m.start() for m in re.finditer(re.escape(a), text) if m.start() > 0]
    at = rng.choice(starts)
    return text[:at] + b + text[at + len(a):]


def phonetic_variant(text: str, rng: random.Random, lang: str) -> str:
    """A spelling written by ear: Spanish b/v, ll/y, silent h; English ph/f, doubled letters."""
    if lang == "ru" and is_cyrillic(text):
        swaps = [("е", "и"), ("о", "а"), ("а", "о"), ("ё", "е"), ("дм", "тм"), ("сч", "щ")]
    else:
        swaps = PHONETIC_ES if lang == "es" else PHONETIC_EN
    low = text.lower()
    found = [(a, b) for a, b in swaps if a in low]
    if not found:
        return keyboard_typo(text, rng)
    a, b = rng.choice(found)
    at = rng.choice([m.start() for m in re.finditer(re.escape(a), low)])
    repl = b.upper() if text[at:at + len(a)].isupper() and b else b
    if at == 0 and repl:
        repl = repl[:1].upper() + repl[1:]
    return text[:at] + repl + text[at + len(a):]


def digit_error(text: str, rng: random.Random) -> str:
    """A misread digit (handwriting, OCR): 1/7, 3/8, 5/6, 0/8."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if not digits:
        return text
    i = rng.choice(digits)
    return text[:i] + rng.choice(OCR_DIGITS[text[i]]) + text[i + 1:]


def case_style(text: str, style: int) -> str:
    """0 as entered, 1 lower (mobile keyboards), 2 UPPER (shop staff, legacy systems)."""
    if style == 1:
        return text.lower()
    if style == 2:
        return text.upper()
    return text


# ---------------------------------------------------------------------------
# e-mail
# ---------------------------------------------------------------------------

def email_variant(addr: str, rng: random.Random) -> str:
    """The same mailbox written another way: gmail dots, a +tag, capitals, googlemail."""
    local, _, domain = addr.partition("@")
    kind = rng.random()
    if domain == "gmail.com" and kind < 0.35:
        if "." in local:
            return local.replace(".", "", 1) + "@" + domain
        cut = rng.randint(1, max(1, len(local) - 1))
        return local[:cut] + "." + local[cut:] + "@" + domain
    if domain == "gmail.com" and kind < 0.45:
        return local + "@googlemail.com"
    if kind < 0.70 and domain in ("gmail.com", "outlook.com", "icloud.com", "yandex.ru"):
        tag = rng.choice(["shop", "promo", "loyalty", "club", "compras", "news", "1"])
        return f"{local}+{tag}@{domain}"
    return local[:1].upper() + local[1:] + "@" + (domain.capitalize()
                                                   if rng.random() < 0.5 else domain)


def email_typo(addr: str, rng: random.Random) -> str:
    """A misspelt address: the provider (gmial.com) or one slip in the local part."""
    local, _, domain = addr.partition("@")
    options = _DOMAIN_MISSPELLINGS.get(domain)
    if options and rng.random() < 0.55:
        return local + "@" + rng.choice(options)
    if rng.random() < 0.15:
        return local + domain  # the @ forgotten: an invalid value
    return keyboard_typo(local, rng) + "@" + domain


# ---------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------

def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def year_typo(dob: date, rng: random.Random) -> date:
    """1987 -> 1978 (last digits swapped), 1987 -> 1997/1977 (decade), 1987 -> 1986/1988."""
    y = dob.year
    kind = rng.random()
    if kind < 0.40 and y % 10 != (y // 10) % 10:
        new = y - y % 100 + (y % 10) * 10 + (y // 10) % 10
    elif kind < 0.75:
        new = y + rng.choice((-10, 10))
    else:
        new = y + rng.choice((-1, 1))
    return _safe(new, dob.month, dob.day) or _safe(new, dob.month, 28) or dob


def swap_day_month(dob: date) -> date | None:
    """The day and month exchanged (a US-style picker, a form read the wrong way);
    None when the swap would not be a real date or changes nothing."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    return _safe(dob.year, dob.day, dob.month)


def day_off(dob: date, rng: random.Random) -> date:
    """One day off: time zones on a stored timestamp, or the wrong cell of a picker."""
    return dob + timedelta(days=rng.choice((-1, 1)))


def day_typo(dob: date, rng: random.Random) -> date:
    """A slip on the day digits: 12 -> 21, 03 -> 08, 16 -> 6."""
    day = f"{dob.day:02d}"
    options = {int(day[::-1]), int(digit_error(day, rng)), int(day[1]) if day[0] != "0" else 0}
    options.discard(dob.day)
    options.discard(0)
    candidates = sorted(options)
    rng.shuffle(candidates)
    for d in candidates:
        new = _safe(dob.year, dob.month, d)
        if new:
            return new
    return dob
