"""Masking of personal values for the audit report, audit.json and the Prefect artifact.

Why this exists: an analyst needs to *see* what an invalid value looks like ("the domain
is misspelt", "the phone lost a digit") without the report becoming a copy of the
customer base. Each mask keeps just enough shape to diagnose a problem and never the
whole value:

* ``mask_email("jdoe@gmail.com") -> "j***@gm***.com"`` (first letter, first two letters of
  the domain name, the top-level domain);
* ``mask_phone("+34612345678") -> "+34 6** *** *78"`` (country code, first and last two
  national digits);
* ``mask_name("José García") -> "J*** G***"`` (first letter of each word and a fixed-width
  ``***``, so a word's length is not shown either; works for any script, e.g. Cyrillic).

Every mask is idempotent (masking a masked value returns it unchanged) so data that
passes through two layers is never "unmasked" by accident, and none returns its input
unless the input was already masked. Series variants mask each distinct value once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

import pandas as pd
import phonenumbers

STAR = "*"
_HIDDEN = "***"

_EMAIL_RE = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+")
# 7+ digits, optionally with a leading + and common separators: looks like a phone number.
_PHONE_RE = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")
_ALNUM_RE = re.compile(r"\w")


def _blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _keep(part: str, n: int) -> str:
    """First ``n`` characters of ``part`` followed by ``***`` (idempotent on masked parts).

    A part no longer than ``n`` characters shows nothing, so a short value is never
    shown whole.
    """
    if STAR in part:
        return part.split(STAR, 1)[0][:n] + _HIDDEN
    visible = part[:n] if len(part) > n else ""
    return visible + _HIDDEN


def mask_email(value: object) -> str | None:
    """``jdoe@gmail.com`` -> ``j***@gm***.com``; None for a blank value.

    The top-level domain stays because a wrong TLD (``.con``) is a common invalid reason;
    a value without ``@`` is masked as free text.
    """
    if _blank(value):
        return None
    text = str(value).strip()
    if "@" not in text:
        return mask_token_text(text)
    local, domain = text.rsplit("@", 1)
    if "." in domain.strip("."):
        name, tld = domain.rstrip(".").rsplit(".", 1)
        tld = tld if STAR in tld or len(tld) <= 6 else _keep(tld, 1)
        masked_domain = f"{_keep(name, 2)}.{tld}"
    else:
        masked_domain = _keep(domain, 2) if domain else ""
    return f"{_keep(local, 1)}@{masked_domain}"


def _group_digits(chars: str) -> str:
    """Groups of three, the last group taking a remainder of one (``*** ****``)."""
    groups = [chars[i:i + 3] for i in range(0, len(chars), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        last = groups.pop()
        groups[-1] += last
    return " ".join(groups)


def _country_code(digits: str) -> str:
    """Calling code of an international number (``34612345678`` -> ``34``), best effort."""
    try:

        number = phonenumbers.parse("+" + digits, None)
        return str(number.country_code)
    except Exception:  # noqa: BLE001 - any parse failure falls back to a heuristic
        if digits[:1] in ("1", "7"):
            return digits[:1]
        return digits[:2]


def mask_phone(value: object) -> str | None:
    """``+34612345678`` -> ``+34 6** *** *78``; None for a blank value.

    Keeps the country calling code (which country a number claims to be in is a
    validation finding, not an identifier), the first national digit (mobile or
    landline) and the last two. A number with fewer than six national digits shows
    none of them.
    """
    if _blank(value):
        return None
    text = str(value).strip()
    if not re.search(r"\d", text) and STAR not in text:
        return mask_token_text(text)
    cc = ""
    body = text
    if text.startswith("+"):
        if STAR in text:
            head, _, rest = text[1:].partition(" ")
            cc, body = re.sub(r"\D", "", head), rest
        else:
            digits = re.sub(r"\D", "", text)
            cc = _country_code(digits) if len(digits) > 3 else ""
            body = digits[len(cc):]
    chars = re.sub(r"[^\d*]", "", body)
    if len(chars) < 6:
        national = _HIDDEN  # too short to show any digit, nor its length
    else:
        national = _group_digits(chars[0] + STAR * (len(chars) - 3) + chars[-2:])
    return f"+{cc} {national}" if cc else national


def mask_name(value: object) -> str | None:
    """``José García`` -> ``J*** G***``: each word's first letter and a fixed ``***``.

    The mask has the same width whatever the word's length: an exact length would narrow a
    name down (``M**** C***** G******`` fits few people; ``M*** C*** G***`` fits many).
    Works for any script; word boundaries include hyphens and apostrophes
    (``Jean-Pierre`` -> ``J***-P***``).
    """
    if _blank(value):
        return None
    text = unicodedata.normalize("NFC", str(value).strip())
    out: list[str] = []
    word = ""  # "" between words, "initial" right after a word's first letter, "hidden" after
    for ch in text:
        if unicodedata.category(ch).startswith("M"):
            if word == "initial":
                out.append(ch)  # accent on a visible initial
            continue  # an accent on a hidden letter would hint at it: drop it
        if ch.isalnum() or ch in ("_", STAR):
            if not word:
                if ch == STAR:  # an already masked word with no initial
                    out.append(_HIDDEN)
                    word = "hidden"
                else:
                    out.append(ch)
                    word = "initial"
            elif word == "initial":
                out.append(_HIDDEN)
                word = "hidden"
            continue
        if word == "initial":
            out.append(_HIDDEN)
        out.append(ch)
        word = ""
    if word == "initial":
        out.append(_HIDDEN)
    return "".join(out)


def mask_digits(value: object) -> str | None:
    """Every letter and digit hidden, separators kept: ``31/02/1985`` -> ``**/**/****``.

    For dates of birth and tax ids the shape (format) is what explains a reason.
    """
    if _blank(value):
        return None
    return _ALNUM_RE.sub(STAR, str(value).strip())


def mask_token_text(value: object) -> str | None:
    """Free text with each word reduced to its first character (same as :func:`mask_name`)."""
    return mask_name(value)


def mask_free_text(value: object) -> str | None:
    """Free text kept as is except embedded emails and phone numbers, which are masked.

    For vocabulary values ("feria de Sevilla") that are not personal but might hold a
    contact someone typed into the wrong column.
    """
    if _blank(value):
        return None
    text = _EMAIL_RE.sub(lambda m: mask_email(m.group(0)) or "", str(value))
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)) or "", text)


_WORD_RE = re.compile(r"\w+")


def _fold(word: str) -> str:
    """Case- and accent-insensitive form of a word (``García`` and ``GARCIA`` agree)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def mask_names_in_text(value: object, names: Iterable[object]) -> str | None:
    """Free text with embedded contacts masked and every word of ``names`` masked too.

    For a steward's reason ("same person, María called"): ``names`` are the names of the
    profile's records; each word of them found in the text, whatever its case or accents,
    is masked like a name (``M***``). Words of one letter are left (initials, "y", "и").
    """
    text = mask_free_text(value)
    if text is None:
        return None
    words = {_fold(w) for n in names if not _blank(n) for w in _WORD_RE.findall(str(n))
             if len(w) > 1 and not w.isdigit()}
    if not words:
        return text
    return _WORD_RE.sub(lambda m: (mask_name(m.group(0)) or "") if _fold(m.group(0)) in words
                        else m.group(0), text)


# Field -> masker. Fields absent here are masked as words (first letter kept).
_FIELD_MASKS: dict[str, Callable[[object], str | None]] = {
    "email": mask_email,
    "phone": mask_phone,
    "phone_2": mask_phone,
    "date_of_birth": mask_digits,
    "tax_id": mask_digits,
    "postal_code": mask_digits,
    # Low-cardinality, non-identifying fields: shown as typed, embedded contacts masked.
    "country": mask_free_text,
    "region": mask_free_text,
    "gender": mask_free_text,
    "city": mask_free_text,
}


def masker_for(field: str) -> Callable[[object], str | None]:
    """The masking function for a canonical field name (``email``, ``phone_2``, ...)."""
    base = field.removesuffix("_norm").removesuffix("_e164")
    if base.startswith("email"):
        return mask_email
    if base.startswith("phone"):
        return mask_phone
    return _FIELD_MASKS.get(base, mask_name)


def mask_value(field: str, value: object) -> str | None:
    """Mask one value of a canonical ``field`` with the mask that suits it."""
    return masker_for(field)(value)


def _series(fn: Callable[[object], str | None], values: pd.Series) -> pd.Series:
    """Apply ``fn`` once per distinct value (reports mask many repeated samples)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    masked = [fn(u) for u in uniques]
    out = pd.Series([masked[c] if c >= 0 else None for c in codes], index=values.index,
                    dtype="object")
    return out.astype("string")


def mask_email_series(values: pd.Series) -> pd.Series:
    """Vectorized :func:`mask_email` (string dtype, <NA> for blanks)."""
    return _series(mask_email, values)


def mask_phone_series(values: pd.Series) -> pd.Series:
    """Vectorized :func:`mask_phone` (string dtype, <NA> for blanks)."""
    return _series(mask_phone, values)


def mask_name_series(values: pd.Series) -> pd.Series:
    """Vectorized :func:`mask_name` (string dtype, <NA> for blanks)."""
    return _series(mask_name, values)


def mask_series(field: str, values: pd.Series) -> pd.Series:
    """Vectorized :func:`mask_value` for one canonical field."""
    return _series(masker_for(field), values)
