"""Parsing one raw phone to (e164, nsn, type, region, status, reason).

Why it is built this way:
- ``phonenumbers`` costs ~65 µs a number. A million rows would take over a
  minute, so the common case (a plain string of digits and separators whose
  region is the main region of its calling code) is decided with the *same*
  metadata regexes (``_fast_one``). Anything else goes through
  ``phonenumbers.parse``. ``tests/test_phone_parse.py`` checks the paths agree.

Statuses: ``valid`` (libphonenumber-valid as given), ``fixed`` (valid after a
repair: ``multiple_values``, ``mx_legacy_prefix``, ``missing_plus``,
``region_inferred``), ``invalid`` (``possible_only`` keeps e164/nsn so it can
still match; ``not_possible``, ``unparsable``, ``placeholder`` do not),
``missing``.
"""

from __future__ import annotations

import re

import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException

from transforms.phone_metadata import TYPE_NAMES, cc_main_region, fast_meta, type_of

FOCUS_REGIONS = ("ES", "MX", "RU", "US", "GB")
PHONE_FIELDS = ["e164", "nsn", "type", "region", "status", "reason"]
# One phone's PHONE_FIELDS; (e164, nsn, type, region) of a number the fast path proved valid.
PhoneResult = tuple[str | None, str | None, str | None, str | None, str, str | None]
FastResult = tuple[str, str, str, str]

_EXTENSION = r"(?i)\s*[,;]?\s*(?:ext\.?|extension|ext:|x|#|доб\.?|добавочный|anexo|ext\.:)\s*\d{1,6}\s*$"
_MULTI_SPLIT = r"\s*(?:[;,|]|/(?=\s*\+?\d{6})|\s(?:o|or|или|y|and|и)\s)\s*"
_SIMPLE = r"\+?[\d\s().\-/]+"
PLACEHOLDER_DIGITS = frozenset(
    {"123456789", "1234567890", "0123456789", "987654321", "9876543210", "12345678",
     "1234567", "123456", "12345678901", "0987654321"}
)

_EXT_RE = re.compile(_EXTENSION)
_MULTI_RE = re.compile(_MULTI_SPLIT)
_SIMPLE_RE = re.compile(_SIMPLE)
_NON_DIGIT = re.compile(r"\D")
_REPEATED = re.compile(r"(\d)\1{5,}")
_MX_PLUS = re.compile(r"521\d{10}")
_MX_NAT = re.compile(r"(?:04[45]|01)\d{10}")


def _fast_one(digits: str, plus: bool, region: str) -> tuple[FastResult | None, bool]:
    """Parse a digit string without libphonenumber's per-call overhead.

    Returns ``((e164, nsn, type, region) or None, impossible)``; the first
    item is set only when the number is provably valid; ``impossible`` is True
    when its length cannot be a number of the target region at all (so
    another reading, e.g. a missing "+", is safe to try).
    """
    target: str | None
    if plus:
        target = None
        for size in (1, 2, 3):
            head = digits[:size]
            if len(head) == size and (target := cc_main_region(head)) is not None:
                national = digits[size:]
                break
        if target is None:
            return None, True
    else:
        target, national = region, digits
    if not target or (meta := fast_meta(target)) is None:
        return None, False
    if not plus and national.startswith(meta.cc):
        return None, False  # libphonenumber may read these digits as the country code
    nsn = national
    if meta.npfp is not None and (m := meta.npfp.match(national)):
        stripped = national[m.end():]
        gen = meta.general.pattern
        viable_orig = gen.fullmatch(national) is not None
        viable_new = gen.fullmatch(stripped) is not None
        lengths = meta.general.lengths
        if not (viable_orig and not viable_new) and (
            len(stripped) in lengths or len(stripped) > max(lengths, default=0)
        ):
            nsn = stripped
    impossible = len(nsn) not in meta.general.lengths
    if impossible or nsn.startswith("0"):
        return None, impossible
    if meta.leading_digits is not None and not meta.leading_digits.match(nsn):
        return None, False
    kind = type_of(nsn, meta)
    if kind == "unknown":
        return None, False
    return ("+" + meta.cc + nsn, nsn, kind, target), False


def _fast_parse(digits: pd.Series, plus: pd.Series, region: pd.Series) -> pd.DataFrame:
    """``_fast_one`` over columns (kept for tests and callers holding Series)."""
    rows: list[tuple[str | None, str | None, str | None, str | None, bool]] = []
    for d, p, r in zip(digits, plus, region, strict=True):
        res, _ = _fast_one(d, bool(p), r or "")
        rows.append((*res, True) if res else (None, None, None, None, False))
    return pd.DataFrame(rows, index=digits.index,
                        columns=["e164", "nsn", "type", "region", "valid"])


def _slow_parse(text: str, region: str) -> PhoneResult:
    """(e164, nsn, type, region, status, reason) from libphonenumber for one value: the
    reference the fast paths agree with, and the answer for what they cannot decide."""
    try:
        num = phonenumbers.parse(text, region or None)
    except NumberParseException:
        return (None, None, None, None, "invalid", "unparsable")
    nsn = phonenumbers.national_significant_number(num)
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(num):
        kind = TYPE_NAMES.get(phonenumbers.number_type(num), "unknown")
        return (e164, nsn, kind, phonenumbers.region_code_for_number(num), "valid", None)
    if phonenumbers.is_possible_number(num):
        assert num.country_code is not None  # parse always sets the calling code
        reg = phonenumbers.region_code_for_country_code(num.country_code)
        return (e164, nsn, "unknown", None if reg == "ZZ" else reg, "invalid", "possible_only")
    return (None, None, None, None, "invalid", "not_possible")


def _digit_count(text: str) -> int:
    """Digits in a part of a value: a part with fewer than six is no second phone number."""
    return sum(c.isdigit() for c in text)


def _infer(digits: str, plus: bool, region: str) -> tuple[FastResult | None, str | None]:
    """Repairs for a simple number invalid in its own region: missing "+", other focus region."""
    if not plus and len(digits) >= 10:
        res, _ = _fast_one(digits, True, "")
        if res is not None:
            return res, "missing_plus"
    if plus:
        return None, None
    hits: list[FastResult] = []
    for reg in FOCUS_REGIONS:
        if reg == region:
            continue
        res, _ = _fast_one(digits, False, reg)
        if res is not None:
            hits.append(res)
    if len(hits) == 1:
        return hits[0], "region_inferred"
    return None, None


def parse_phone(value: str, region: str) -> PhoneResult:
    """(e164, nsn, type, region, status, reason) for one raw phone read in ``region``; the
    reference for ``phone_batch``, which takes the same decisions over arrays."""
    reason: str | None = None
    if "/" not in value and _SIMPLE_RE.fullmatch(value) is not None:
        # the common case: digits and separators only. Every extension marker has a
        # letter or "#" and every multi-value separator a letter, ";", ",", "|" or
        # "/", so neither regex could change this value.
        text = value.strip()
        if not text:
            return (None, None, None, None, "invalid", "unparsable")
        return _parse_simple(text, reason, region)
    text = _EXT_RE.sub("", value).strip()
    parts = _MULTI_RE.split(text, maxsplit=1)
    if len(parts) == 2 and _digit_count(parts[0]) >= 6 and _digit_count(parts[1]) >= 6:
        text, reason = parts[0].strip(), "multiple_values"
    if not text:
        return (None, None, None, None, "invalid", "unparsable")
    simple = _SIMPLE_RE.fullmatch(text) is not None
    if not simple:
        return _slow_parse(text, region)
    return _parse_simple(text, reason, region)


def _parse_simple(text: str, reason: str | None, region: str) -> PhoneResult:
    """``parse_phone`` for a stripped value of digits and separators only."""
    digits = _NON_DIGIT.sub("", text)
    plus = text.startswith("+")
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    if plus and _MX_PLUS.fullmatch(digits):
        digits, reason = "52" + digits[3:], "mx_legacy_prefix"
    elif not plus and region == "MX" and _MX_NAT.fullmatch(digits):
        digits, reason = digits[-10:], "mx_legacy_prefix"
    if _REPEATED.fullmatch(digits) or digits in PLACEHOLDER_DIGITS:
        return (None, None, None, None, "invalid", "placeholder")
    res, impossible = _fast_one(digits, plus, region)
    if res is not None:
        return (*res, "fixed" if reason else "valid", reason)
    if impossible:  # cannot be a number of this region: try the cheap repairs first
        fixed, why = _infer(digits, plus, region)
        if fixed is not None:
            return (*fixed, "fixed", why)
    slow = _slow_parse(("+" if plus else "") + digits, region)
    if slow[4] == "valid":
        return (*slow[:4], "fixed" if reason else "valid", reason)
    if not impossible:
        fixed, why = _infer(digits, plus, region)
        if fixed is not None:
            return (*fixed, "fixed", why)
    return slow

