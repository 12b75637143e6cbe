"""Phone normalization to E.164 with libphonenumber metadata.

Why it is built this way:
- A phone is only comparable once it is E.164: "8 (912) 345-67-89" typed in
  Moscow and "+7 912 345 6789" typed in Madrid are the same line. The region
  used for numbers without "+" is the row's country, else the source's
  default country (a Spanish marketing export holds Spanish numbers).
- ``<prefix>_nsn`` (national significant number) is a second key that survives
  a missing or wrong country code, so "612345678" and "+34 612 34 56 78" meet.
- ``phonenumbers`` costs ~65 µs a number. A million rows would take over a
  minute, so the common case (a plain string of digits and separators whose
  region is the main region of its calling code) is decided with the *same*
  metadata regexes (``_fast_one``). ``parse_phone_pairs`` runs those decisions
  over whole arrays of distinct (value, region) pairs, with RE2 (pyarrow) for
  the metadata patterns, and also settles what libphonenumber would answer for
  the numbers it rejects (``possible_only`` / ``not_possible``, a third of the
  time before) from the same metadata, where its reading of the number is
  provably the fast path's. Anything else goes through ``parse_phone`` and
  ``phonenumbers.parse`` once per distinct pair. ``tests/test_phones.py``
  checks the paths agree.

Statuses: ``valid`` (libphonenumber-valid as given), ``fixed`` (valid after a
repair: ``multiple_values``, ``mx_legacy_prefix``, ``missing_plus``,
``region_inferred``), ``invalid`` (``possible_only`` keeps e164/nsn so it can
still match; ``not_possible``, ``unparsable``, ``placeholder`` do not),
``missing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType

from transforms.vocab import clean_codes, factorize_cells

FOCUS_REGIONS = ("ES", "MX", "RU", "US", "GB")
SUPPORTED_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)

TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}

_EXTENSION = r"(?i)\s*[,;]?\s*(?:ext\.?|extension|ext:|x|#|доб\.?|добавочный|anexo|ext\.:)\s*\d{1,6}\s*$"
_MULTI_SPLIT = r"\s*(?:[;,|]|/(?=\s*\+?\d{6})|\s(?:o|or|или|y|and|и)\s)\s*"
_SIMPLE = r"\+?[\d\s().\-/]+"
_PLACEHOLDER_DIGITS = frozenset(
    {"123456789", "1234567890", "0123456789", "987654321", "9876543210", "12345678",
     "1234567", "123456", "12345678901", "0987654321"}
)
# Order in which libphonenumber's _number_type_helper tests the descriptions.
_TYPE_ORDER = [
    ("premium_rate", "premium_rate"),
    ("toll_free", "toll_free"),
    ("shared_cost", "shared_cost"),
    ("voip", "voip"),
    ("personal_number", "personal_number"),
    ("pager", "pager"),
    ("uan", "uan"),
    ("voicemail", "voicemail"),
]


@dataclass(frozen=True)
class _Desc:
    pattern: re.Pattern
    lengths: frozenset[int]

    def matches(self, nsn: str) -> bool:
        return (not self.lengths or len(nsn) in self.lengths) and bool(self.pattern.fullmatch(nsn))


@dataclass(frozen=True)
class _RegionMeta:
    region: str
    cc: str
    npfp: re.Pattern | None
    general: _Desc
    descs: tuple[tuple[str, _Desc | None], ...]
    fixed: _Desc | None
    mobile: _Desc | None
    same_mobile_fixed: bool
    leading_digits: re.Pattern | None
    idd: str | None = None


def _desc(desc) -> _Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return _Desc(re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ()))


@cache
def _fast_meta(region: str) -> _RegionMeta | None:
    """Compiled metadata for the fast path, or None when the region needs libphonenumber.

    Only the main region of a calling code without a national-prefix transform
    rule is eligible: for those the rules in ``_fast_one`` are exactly
    libphonenumber's parse/validate/type logic (checked by the tests).
    """
    md = PhoneMetadata.metadata_for_region(region)
    if md is None or md.national_prefix_transform_rule:
        return None
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(md.country_code, ())
    if not regions or regions[0] != region:
        return None
    return _region_meta(region)


@cache
def _region_meta(region: str) -> _RegionMeta | None:
    """Compiled metadata of any region (None without metadata or a general pattern)."""
    md = PhoneMetadata.metadata_for_region(region)
    if md is None:
        return None
    general = _desc(md.general_desc)
    if general is None:
        return None
    return _RegionMeta(
        region=region,
        cc=str(md.country_code),
        npfp=re.compile(md.national_prefix_for_parsing) if md.national_prefix_for_parsing else None,
        general=general,
        descs=tuple((name, _desc(getattr(md, attr))) for name, attr in _TYPE_ORDER),
        fixed=_desc(md.fixed_line),
        mobile=_desc(md.mobile),
        same_mobile_fixed=bool(md.same_mobile_and_fixed_line_pattern),
        leading_digits=re.compile(md.leading_digits) if md.leading_digits else None,
        idd=md.international_prefix or None,
    )


@cache
def _cc_main_region(cc: str) -> str | None:
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(cc), ())
    return regions[0] if regions else None


def _fullmatch_for_length(desc: _Desc | None, length: int):  # noqa: ANN202
    """``desc.pattern.fullmatch`` when a number of ``length`` digits can match ``desc``."""
    if desc is None or (desc.lengths and length not in desc.lengths):
        return None
    return desc.pattern.fullmatch


_TYPE_TABLES: dict[tuple[str, int], tuple] = {}


def _type_table(meta: _RegionMeta, length: int) -> tuple:
    """The descriptions of ``meta`` that numbers of ``length`` digits can match."""
    table = _TYPE_TABLES.get((meta.region, length))
    if table is None:
        descs = []
        for name, desc in meta.descs:
            fm = _fullmatch_for_length(desc, length)
            if fm is not None:
                descs.append((name, fm))
        table = (_fullmatch_for_length(meta.general, length), tuple(descs),
                 _fullmatch_for_length(meta.fixed, length),
                 _fullmatch_for_length(meta.mobile, length))
        _TYPE_TABLES[(meta.region, length)] = table
    return table


def _type_of(nsn: str, meta: _RegionMeta) -> str:
    """libphonenumber's _number_type_helper over compiled metadata."""
    general, descs, fixed, mobile = _type_table(meta, len(nsn))
    if general is None or general(nsn) is None:
        return "unknown"
    for name, fm in descs:
        if fm(nsn) is not None:
            return name
    if fixed is not None and fixed(nsn) is not None:
        if meta.same_mobile_fixed or (mobile is not None and mobile(nsn) is not None):
            return "fixed_line_or_mobile"
        return "fixed_line"
    if not meta.same_mobile_fixed and mobile is not None and mobile(nsn) is not None:
        return "mobile"
    return "unknown"


def _fast_one(digits: str, plus: bool, region: str) -> tuple[tuple | None, bool]:
    """Parse a digit string without libphonenumber's per-call overhead.

    Returns ``((e164, nsn, type, region) or None, impossible)``; the first
    item is set only when the number is provably valid; ``impossible`` is True
    when its length cannot be a number of the target region at all (so
    another reading, e.g. a missing "+", is safe to try).
    """
    if plus:
        target = None
        for size in (1, 2, 3):
            head = digits[:size]
            if len(head) == size and (target := _cc_main_region(head)) is not None:
                national = digits[size:]
                break
        if target is None:
            return None, True
    else:
        target, national = region, digits
    meta = _fast_meta(target) if target else None
    if meta is None:
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
    kind = _type_of(nsn, meta)
    if kind == "unknown":
        return None, False
    return ("+" + meta.cc + nsn, nsn, kind, target), False


def _fast_parse(digits: pd.Series, plus: pd.Series, region: pd.Series) -> pd.DataFrame:
    """``_fast_one`` over columns (kept for tests and callers holding Series)."""
    rows = []
    for d, p, r in zip(digits, plus, region, strict=True):
        res, _ = _fast_one(d, bool(p), r or "")
        rows.append((*res, True) if res else (None, None, None, None, False))
    return pd.DataFrame(rows, index=digits.index,
                        columns=["e164", "nsn", "type", "region", "valid"])


def _slow_parse(text: str, region: str) -> tuple:
    """(e164, nsn, type, region, status, reason) from libphonenumber for one value."""
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
        reg = phonenumbers.region_code_for_country_code(num.country_code)
        return (e164, nsn, "unknown", None if reg == "ZZ" else reg, "invalid", "possible_only")
    return (None, None, None, None, "invalid", "not_possible")


# Numbering areas that belong to one country for the purpose of "wrong country" flags.
_SAME_COUNTRY = {"UK": "GB", "GG": "GB", "JE": "GB", "IM": "GB"}

_KEY_SEP = "\x1f"
PHONE_FIELDS = ["e164", "nsn", "type", "region", "status", "reason"]

_EXT_RE = re.compile(_EXTENSION)
_MULTI_RE = re.compile(_MULTI_SPLIT)
_SIMPLE_RE = re.compile(_SIMPLE)
_NON_DIGIT = re.compile(r"\D")
_REPEATED = re.compile(r"(\d)\1{5,}")
_MX_PLUS = re.compile(r"521\d{10}")
_MX_NAT = re.compile(r"(?:04[45]|01)\d{10}")


def _digit_count(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _infer(digits: str, plus: bool, region: str) -> tuple[tuple | None, str | None]:
    """Repairs for a simple number invalid in its own region: missing "+", other focus region."""
    if not plus and len(digits) >= 10:
        res, _ = _fast_one(digits, True, "")
        if res is not None:
            return res, "missing_plus"
    if plus:
        return None, None
    hits = []
    for reg in FOCUS_REGIONS:
        if reg == region:
            continue
        res, _ = _fast_one(digits, False, reg)
        if res is not None:
            hits.append(res)
    if len(hits) == 1:
        return hits[0], "region_inferred"
    return None, None


def parse_phone(value: str, region: str) -> tuple:
    """(e164, nsn, type, region, status, reason) for one raw phone read in ``region``."""
    reason = None
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


def _parse_simple(text: str, reason: str | None, region: str) -> tuple:
    """``parse_phone`` for a stripped value of digits and separators only."""
    digits = _NON_DIGIT.sub("", text)
    plus = text.startswith("+")
    if not plus and digits.startswith("00"):
        digits, plus = digits[2:], True
    if plus and _MX_PLUS.fullmatch(digits):
        digits, reason = "52" + digits[3:], "mx_legacy_prefix"
    elif not plus and region == "MX" and _MX_NAT.fullmatch(digits):
        digits, reason = digits[-10:], "mx_legacy_prefix"
    if _REPEATED.fullmatch(digits) or digits in _PLACEHOLDER_DIGITS:
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


# ---------------------------------------------------------------------------
# Column-wise parsing of distinct (value, region) pairs
# ---------------------------------------------------------------------------
# ``parse_phone`` costs ~10 µs a value on the fast path and ~90 µs when libphonenumber
# has to reject a number, and a million-row export has ~850k distinct pairs. The
# functions below take the same decisions over whole arrays: metadata patterns are
# matched with RE2 (pyarrow) over every value of a (region, length) group at once,
# as libphonenumber's C++ build does with the same patterns. On strings of ASCII
# digits a full match of these regular patterns (classes, repetitions, alternations;
# no back-references) is the same in RE2 and Python's ``re``. Every value these steps
# cannot decide with the reference's exact rules goes through ``parse_phone``
# (``tests/test_phones.py`` compares both on random and adversarial numbers).

# Plain ASCII digits and separators, "+" only first: values ``parse_phone`` hands to
# ``_parse_simple`` unchanged (no "/", no extension, no second number).
_ASCII_SIMPLE = r"^\+?[0-9 ().\-]+$"
_REPEATED_RE2 = "^(?:" + "|".join(f"{d}{{6,}}" for d in "0123456789") + ")$"  # == _REPEATED
_MAX_NSN = 17  # libphonenumber: longer national numbers do not parse


def _strings(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string())


def _np(values: pa.Array) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False)


def _fullmatch_all(values: pa.Array, pattern: str) -> np.ndarray:
    """``re.fullmatch(pattern, v) is not None`` for every ASCII-digit string in ``values``."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    return _np(pc.match_substring_regex(values, f"^(?:{pattern})$"))


def _prefix_match_all(values: pa.Array, pattern: str) -> np.ndarray:
    """``re.match(pattern, v) is not None`` (a match at the start) for every value."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    return _np(pc.match_substring_regex(values, f"^(?:{pattern})"))


def _lengths(values: pa.Array) -> np.ndarray:
    return _np(pc.utf8_length(values)).astype(np.int64, copy=False)


def _starts(values: pa.Array, prefix: str) -> np.ndarray:
    return _np(pc.starts_with(values, prefix))


def _take(values: pa.Array, rows: np.ndarray) -> pa.Array:
    return values.take(pa.array(rows, type=pa.int64()))


def _head_region(head: str) -> tuple[str | None, int]:
    """(main region, calling-code size) of the first 1-3 digit head that is a calling code."""
    for size in (1, 2, 3):
        if len(head) >= size and (target := _cc_main_region(head[:size])) is not None:
            return target, size
    return None, 0


# every 1-3 digit string: what ``_fast_one`` reads after "+" from a number starting with it
_HEADS = {f"{i:0{w}d}": _head_region(f"{i:0{w}d}") for w in (1, 2, 3) for i in range(10 ** w)}


@cache
def _type_patterns(meta: _RegionMeta, length: int) -> tuple:
    """Pattern strings of ``_type_table(meta, length)``: (general, ((name, pattern)...), fixed, mobile)."""
    def pattern(desc: _Desc | None) -> str | None:
        ok = desc is not None and (not desc.lengths or length in desc.lengths)
        return desc.pattern.pattern if ok else None

    descs = tuple((name, p) for name, desc in meta.descs if (p := pattern(desc)) is not None)
    return pattern(meta.general), descs, pattern(meta.fixed), pattern(meta.mobile)


def _types_all(nsn: pa.Array, meta: _RegionMeta) -> np.ndarray:
    """``_type_of(v, meta)`` for every national number in ``nsn`` ("unknown" when none)."""
    out = np.full(len(nsn), "unknown", dtype=object)
    lengths = _lengths(nsn)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        general, descs, fixed, mobile = _type_patterns(meta, int(length))
        if general is None:
            continue
        values = _take(nsn, rows) if len(rows) < len(nsn) else nsn
        left = np.flatnonzero(_fullmatch_all(values, general))  # positions in ``rows``
        for name, pattern in descs:
            if not len(left):
                break
            hit = _fullmatch_all(_take(values, left), pattern)
            out[rows[left[hit]]] = name
            left = left[~hit]
        if fixed is not None and len(left):
            fx = _fullmatch_all(_take(values, left), fixed)
            both = fx.copy()
            if not meta.same_mobile_fixed:
                both[fx] = (_fullmatch_all(_take(values, left[fx]), mobile)
                            if mobile is not None else False)
            out[rows[left[fx & both]]] = "fixed_line_or_mobile"
            out[rows[left[fx & ~both]]] = "fixed_line"
            left = left[~fx]
        if not meta.same_mobile_fixed and mobile is not None and len(left):
            out[rows[left[_fullmatch_all(_take(values, left), mobile)]]] = "mobile"
    return out


@dataclass
class _Fast:
    """``_fast_one`` over arrays: per value its result, and how far the reading got."""

    ok: np.ndarray          # bool: provably valid; e164/nsn/kind/target are its result
    impossible: np.ndarray  # bool: the second item of ``_fast_one``
    read: np.ndarray        # bool: target metadata and national number known (no early exit)
    e164: np.ndarray        # the rest: object arrays
    nsn: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    national: np.ndarray

    def subset(self, rows: np.ndarray) -> _Fast:
        return _Fast(*(getattr(self, f.name)[rows] for f in fields(self)))


def _fast_all(digits: np.ndarray, plus: np.ndarray, region: np.ndarray) -> _Fast:
    """``_fast_one(digits[i], plus[i], region[i])`` for every i (non-empty digit strings)."""
    n = len(digits)
    res = _Fast(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                np.full(n, None, dtype=object), np.full(n, None, dtype=object),
                np.full(n, "unknown", dtype=object), region.copy(), digits.copy())
    target, national = res.target, res.national
    signed = np.flatnonzero(plus)
    if len(signed):
        heads = [_HEADS[d[:3]] for d in digits[signed]]
        target[signed] = [h[0] for h in heads]
        national[signed] = [d[h[1]:] for d, h in zip(digits[signed], heads, strict=True)]
        res.impossible[signed] = target[signed] == None  # noqa: E711 - "+" and no calling code
    known = target != None  # noqa: E711
    groups, group_of = np.unique(target[known].astype(str), return_inverse=True)
    known = np.flatnonzero(known)
    for g, name in enumerate(groups):
        meta = _fast_meta(str(name)) if name else None
        if meta is None:
            continue
        rows = known[group_of == g]
        nat = _strings(national[rows])
        keep = plus[rows] | ~_starts(nat, meta.cc)
        if not keep.all():
            rows, nat = rows[keep], nat.filter(pa.array(keep))
        nsn = national[rows]
        if meta.npfp is not None:
            match = meta.npfp.match
            ends = np.fromiter(((m.end() if (m := match(s)) else -1) for s in nsn),
                               dtype=np.int64, count=len(nsn))
            has = np.flatnonzero(ends >= 0)
            if len(has):
                stripped = np.array([s[e:] for s, e in zip(nsn[has], ends[has], strict=True)],
                                    dtype=object)
                stripped_arr = _strings(stripped)
                general = meta.general.pattern.pattern
                keep_original = (_fullmatch_all(_take(nat, has), general)
                                 & ~_fullmatch_all(stripped_arr, general))
                lens = _lengths(stripped_arr)
                longest = max(meta.general.lengths, default=0)
                long_enough = np.isin(lens, list(meta.general.lengths)) | (lens > longest)
                take = ~keep_original & long_enough
                nsn = nsn.copy()
                nsn[has[take]] = stripped[take]
            nsn_arr = _strings(nsn)
        else:
            nsn_arr = nat
        res.read[rows] = True
        res.nsn[rows] = nsn
        impossible = ~np.isin(_lengths(nsn_arr), list(meta.general.lengths))
        res.impossible[rows] = impossible
        go = np.flatnonzero(~impossible & ~_starts(nsn_arr, "0"))
        if meta.leading_digits is not None and len(go):
            go = go[_prefix_match_all(_take(nsn_arr, go), meta.leading_digits.pattern)]
        if not len(go):
            continue
        kind = _types_all(_take(nsn_arr, go), meta)
        valid = kind != "unknown"
        sel = go[valid]
        res.ok[rows[sel]] = True
        res.kind[rows[sel]] = kind[valid]
        res.e164[rows[sel]] = "+" + meta.cc + nsn[sel]
    return res


def _infer_all(digits: np.ndarray, plus: np.ndarray, region: np.ndarray
               ) -> tuple[np.ndarray, _Fast, np.ndarray]:
    """``_infer`` for every value: (found, result per value, reason per value)."""
    n = len(digits)
    found = np.zeros(n, dtype=bool)
    why = np.full(n, None, dtype=object)
    out = _Fast(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                *(np.full(n, None, dtype=object) for _ in range(5)))

    def put(rows: np.ndarray, fast: _Fast, sel: np.ndarray, reason: str) -> None:
        for name in ("e164", "nsn", "kind", "target"):
            getattr(out, name)[rows] = getattr(fast, name)[sel]
        found[rows] = True
        why[rows] = reason

    lens = np.fromiter(map(len, digits), dtype=np.int64, count=n)
    rows = np.flatnonzero(~plus & (lens >= 10))
    if len(rows):
        fast = _fast_all(digits[rows], np.ones(len(rows), bool),
                         np.full(len(rows), "", dtype=object))
        put(rows[fast.ok], fast, np.flatnonzero(fast.ok), "missing_plus")
    rows = np.flatnonzero(~plus & ~found)
    if len(rows):
        hits = np.zeros(len(rows), dtype=np.int64)
        tried: dict[int, tuple[_Fast, np.ndarray]] = {}
        pick = np.full(len(rows), -1, dtype=np.int64)
        for k, reg in enumerate(FOCUS_REGIONS):
            cand = np.flatnonzero(region[rows] != reg)
            if not len(cand):
                continue
            fast = _fast_all(digits[rows[cand]], np.zeros(len(cand), bool),
                             np.full(len(cand), reg, dtype=object))
            ok = cand[fast.ok]
            hits[ok] += 1
            pick[ok] = k
            tried[k] = (fast, cand)
        one = np.flatnonzero(hits == 1)
        for k, (fast, cand) in tried.items():
            mine = one[pick[one] == k]
            if len(mine):
                put(rows[mine], fast, np.searchsorted(cand, mine), "region_inferred")
    return found, out, why


@cache
def _possible(cc: int, length: int) -> bool:
    """libphonenumber's ``is_possible_number`` for a national number of ``length`` digits."""
    num = phonenumbers.PhoneNumber(country_code=cc, national_number=int("1" * length))
    return phonenumbers.is_possible_number(num)


def _claims_all(cc: int, nsn: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(region, type) libphonenumber gives ``+cc nsn``: ``region_code_for_number`` and
    ``number_type`` (type "unknown" means ``is_valid_number`` is False)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]
    claim = np.full(len(nsn), None, dtype=object)
    kind = np.full(len(nsn), "unknown", dtype=object)
    if len(regions) == 1:
        claim[:] = regions[0]
        meta = _region_meta(regions[0])
        if meta is not None:
            kind[:] = _types_all(nsn, meta)
        return claim, kind
    left = np.arange(len(nsn))
    for reg in regions:  # libphonenumber's _region_code_for_number_from_list
        if not len(left):
            break
        md = PhoneMetadata.metadata_for_region(reg)
        if md is None:
            continue
        meta = _region_meta(reg)
        values = _take(nsn, left)
        if md.leading_digits is not None:
            hit = _prefix_match_all(values, md.leading_digits)
            if hit.any() and meta is not None:
                kind[left[hit]] = _types_all(values.filter(pa.array(hit)), meta)
        else:
            types = _types_all(values, meta) if meta is not None else kind[left]
            hit = types != "unknown"
            kind[left[hit]] = types[hit]
        claim[left[hit]] = reg
        left = left[~hit]
    return claim, kind


def _slow_all(digits: np.ndarray, plus: np.ndarray, region: np.ndarray, fast: _Fast
              ) -> tuple[np.ndarray, list[np.ndarray]]:
    """``_slow_parse`` for the values whose libphonenumber reading the fast path already did.

    Returns (decided, six result columns). A value is decided when libphonenumber's
    parse provably yields the fast path's (calling code, national number): "+" and a
    calling code not starting with 0, no international dialling prefix, no leading
    zero (Italian zeros), lengths within 2..17. The rest are left to ``_slow_parse``.
    """
    n = len(digits)
    cols = [np.full(n, None, dtype=object) for _ in PHONE_FIELDS]
    decided = fast.read & ~fast.ok
    rows = np.flatnonzero(decided)
    if not len(rows):
        return decided, cols
    nsn = _strings(fast.nsn[rows])
    nsn_len = _lengths(nsn)
    digit_str = _strings(digits[rows])
    ok = ((_lengths(_strings(fast.national[rows])) >= 2) & (nsn_len >= 2)
          & (nsn_len <= _MAX_NSN) & ~_starts(nsn, "0"))
    ok &= ~plus[rows] | ((_lengths(digit_str) > 2) & ~_starts(digit_str, "0"))
    national_reading = ~plus[rows]
    for reg in np.unique(region[rows][national_reading].astype(str)):
        sel = np.flatnonzero(national_reading & (region[rows] == reg))
        meta = _region_meta(str(reg))
        if meta is None:
            ok[sel] = False
        elif meta.idd is not None:
            ok[sel[_prefix_match_all(_take(digit_str, sel), meta.idd)]] = False
    decided[rows[~ok]] = False
    rows, nsn, nsn_len = rows[ok], nsn.filter(pa.array(ok)), nsn_len[ok]
    targets = fast.target[rows].astype(str)
    for target in np.unique(targets):
        sel = np.flatnonzero(targets == target)
        cc = int(_region_meta(str(target)).cc)
        claim, kind = _claims_all(cc, _take(nsn, sel))
        at = rows[sel]
        e164 = "+" + str(cc) + fast.nsn[at]
        valid = kind != "unknown"
        good, bad = at[valid], at[~valid]
        cols[0][good], cols[1][good] = e164[valid], fast.nsn[good]
        cols[2][good], cols[3][good] = kind[valid], claim[valid]
        cols[4][good] = "valid"
        possible = np.array([_possible(cc, int(k)) for k in nsn_len[sel][~valid]], dtype=bool)
        main = phonenumbers.region_code_for_country_code(cc)
        maybe = bad[possible]
        cols[0][maybe], cols[1][maybe] = e164[~valid][possible], fast.nsn[maybe]
        cols[2][maybe], cols[3][maybe] = "unknown", (None if main == "ZZ" else main)
        cols[4][bad] = "invalid"
        cols[5][bad] = np.where(possible, "possible_only", "not_possible").astype(object)
    return decided, cols


def parse_phone_pairs(values: np.ndarray, regions: np.ndarray) -> list[np.ndarray]:
    """``parse_phone(values[i], regions[i])`` for every i, as ``PHONE_FIELDS`` columns.

    Plain ASCII numbers (digits, spaces, "()", ".", "-", a leading "+") go column-wise
    through the steps of ``_parse_simple``; everything else, and every number those
    steps cannot decide exactly, goes through ``parse_phone``. Missing items are None.
    """
    n = len(values)
    cols = [np.full(n, None, dtype=object) for _ in PHONE_FIELDS]
    if n == 0:
        return cols
    strings = _strings(values)
    simple = np.flatnonzero(_np(pc.match_substring_regex(strings, _ASCII_SIMPLE)))
    done = np.zeros(n, dtype=bool)
    if len(simple):
        part = _take(strings, simple)
        digits = _np(pc.replace_substring_regex(part, "[^0-9]", "")).astype(object)
        plus = _np(pc.starts_with(part, "+"))
        decided = _simple_all(digits, plus, regions[simple].astype(object))
        for j in range(len(PHONE_FIELDS)):
            cols[j][simple] = decided[j]
        done[simple] = decided[4] != None  # noqa: E711
    for i in np.flatnonzero(~done):
        value, reg = values[i], regions[i]
        row = (parse_phone(value, reg) if _KEY_SEP not in value  # as normalize_phones always did
               else parse_phone(*(value + _KEY_SEP + reg).split(_KEY_SEP, 1)))
        for j in range(len(PHONE_FIELDS)):
            cols[j][i] = row[j]
    return cols


def _simple_all(digits: np.ndarray, plus: np.ndarray, region: np.ndarray) -> list[np.ndarray]:
    """``_parse_simple`` column-wise; status None where it is left to ``parse_phone``."""
    n = len(digits)
    cols = [np.full(n, None, dtype=object) for _ in PHONE_FIELDS]
    reason = np.full(n, None, dtype=object)
    arr = _strings(digits)
    intl = np.flatnonzero(~plus & _starts(arr, "00"))
    if len(intl):
        digits[intl] = [d[2:] for d in digits[intl]]
        plus = plus.copy()
        plus[intl] = True
        arr = _strings(digits)
    mx = np.flatnonzero(plus & _fullmatch_all(arr, r"521\d{10}"))
    digits[mx] = ["52" + d[3:] for d in digits[mx]]
    mx_nat = np.flatnonzero(~plus & (region == "MX"))
    mx_nat = mx_nat[_fullmatch_all(_take(arr, mx_nat), r"(?:04[45]|01)\d{10}")]
    digits[mx_nat] = [d[-10:] for d in digits[mx_nat]]
    reason[mx] = reason[mx_nat] = "mx_legacy_prefix"
    if len(mx) or len(mx_nat):
        arr = _strings(digits)
    placeholder = (_fullmatch_all(arr, _REPEATED_RE2)
                   | _np(pc.is_in(arr, value_set=pa.array(sorted(_PLACEHOLDER_DIGITS)))))
    cols[4][placeholder] = "invalid"
    cols[5][placeholder] = "placeholder"
    # one digit or none: left to ``parse_phone``
    work = np.flatnonzero(~placeholder & (_lengths(arr) >= 2))
    d, p, r = digits[work], plus[work], region[work]
    fast = _fast_all(d, p, r)
    ok = work[fast.ok]
    for j, values in enumerate((fast.e164, fast.nsn, fast.kind, fast.target)):
        cols[j][ok] = values[fast.ok]
    cols[4][ok] = np.where(reason[ok] == None, "valid", "fixed")  # noqa: E711
    cols[5][ok] = reason[ok]
    rest = np.flatnonzero(~fast.ok)
    if not len(rest):
        return cols
    d, p, r, sub, rows = d[rest], p[rest], r[rest], fast.subset(rest), work[rest]
    decided, slow = _slow_all(d, p, r, sub)
    slow_valid = decided & (slow[4] == "valid")
    # _parse_simple: an impossible reading tries the repairs first, else libphonenumber
    # first; a repair only matters where libphonenumber's answer is not valid
    need = sub.impossible | (decided & ~slow_valid)
    found = np.zeros(len(rest), dtype=bool)
    inferred = _Fast(found, found, found, *(np.full(len(rest), None, dtype=object)
                                            for _ in range(5)))
    why = np.full(len(rest), None, dtype=object)
    idx = np.flatnonzero(need)
    if len(idx):
        f, inf, w = _infer_all(d[idx], p[idx], r[idx])
        found[idx] = f
        for name in ("e164", "nsn", "kind", "target"):
            getattr(inferred, name)[idx] = getattr(inf, name)
        why[idx] = w
    use_infer = found & need
    use_slow_valid = ~use_infer & slow_valid
    use_slow = ~use_infer & decided & ~slow_valid
    for j, values in enumerate((inferred.e164, inferred.nsn, inferred.kind, inferred.target)):
        cols[j][rows[use_infer]] = values[use_infer]
    cols[4][rows[use_infer]] = "fixed"
    cols[5][rows[use_infer]] = why[use_infer]
    for j in range(4):
        cols[j][rows[use_slow_valid | use_slow]] = slow[j][use_slow_valid | use_slow]
    at = rows[use_slow_valid]
    cols[4][at] = np.where(reason[at] == None, "valid", "fixed")  # noqa: E711
    cols[5][at] = reason[at]
    cols[4][rows[use_slow]] = slow[4][use_slow]
    cols[5][rows[use_slow]] = slow[5][use_slow]
    return cols


def _phones_distinct(distinct: pd.Series) -> pd.DataFrame:
    """Normalize distinct "value\\x1fregion" keys."""
    rows = []
    for key in distinct:
        if not isinstance(key, str):
            rows.append((None, None, None, None, "missing", None))
            continue
        value, _, region = key.partition("\x1f")
        rows.append(parse_phone(value, region))
    return pd.DataFrame(rows, index=distinct.index, columns=PHONE_FIELDS)


def _region_code(cell: str | None) -> str | None:
    if cell is None:
        return None
    code = cell.strip().upper()
    code = "GB" if code == "UK" else code
    return code if code in SUPPORTED_REGIONS else None


def _own_country(cell: str | None) -> str | None:
    """Row country stripped, upper-cased, GB areas folded (None when missing)."""
    if cell is None:
        return None
    code = cell.strip().upper()
    return _SAME_COUNTRY.get(code, code)


def resolve_regions(row_country: pd.Series, default_country: pd.Series) -> pd.Series:
    """Region used to read national numbers: row country if known, else source default."""
    row = row_country.astype("string").str.strip().str.upper().replace({"UK": "GB"})
    default = default_country.astype("string").str.strip().str.upper().replace({"UK": "GB"})
    row = row.where(row.isin(SUPPORTED_REGIONS), pd.NA)
    default = default.where(default.isin(SUPPORTED_REGIONS), pd.NA)
    return row.fillna(default).fillna("").astype(str)


def normalize_phones(
    values: pd.Series,
    row_country: pd.Series | None = None,
    default_country: pd.Series | str | None = None,
    prefix: str = "phone",
) -> pd.DataFrame:
    """Normalize a phone column to E.164 plus national-number key, type and status.

    ``row_country`` holds ISO alpha-2 codes per row (normalized country); where
    it is missing ``default_country`` (the source's default, a Series or one
    code) decides how numbers without "+"/"00" are read. Columns are
    ``<prefix>_e164, _nsn, _type, _region, _country_mismatch, _status, _reason``.
    ``_country_mismatch`` is True when the number's region differs from the
    row's own country (a Russian mobile on a Spanish address is legitimate,
    but a signal for stewards and for matching).
    """
    index = values.index
    if row_country is None:
        row_country = pd.Series(pd.NA, index=index, dtype="string")
    if default_country is None or isinstance(default_country, str):
        default_country = pd.Series(default_country, index=index, dtype="string")
    row_country = pd.Series(row_country, index=index)
    default_country = pd.Series(default_country, index=index)
    value_codes, value_cells = clean_codes(values)
    n = len(value_codes)
    if n and not len(value_cells):  # e.g. no second phone column: nothing to parse
        def na() -> np.ndarray:  # same object arrays of <NA> the general path builds
            return np.full(n, pd.NA, dtype=object)

        return _phone_frame(
            {"e164": na(), "nsn": na(), "type": na(), "region": na(),
             "status": np.full(n, "missing", dtype=object), "reason": na()},
            np.zeros(n, dtype=bool), index, prefix,
        )
    # distinct (value, region) pairs from integer codes: values and regions are
    # factorized once, the pairs are factorized as int64 keys, and every per-row
    # column is a take from a per-pair array
    country_codes, countries = factorize_cells(row_country.astype("string"))
    default_codes, defaults = factorize_cells(default_country.astype("string"))
    row_region = [_region_code(c) for c in countries] + [None]  # code -1 (<NA>) -> last
    default_region = [_region_code(c) for c in defaults] + [None]
    region_names = sorted({r or d or "" for r in row_region for d in default_region})
    region_index = {name: i for i, name in enumerate(region_names)}
    table = np.array([[region_index[r or d or ""] for d in default_region] for r in row_region],
                     dtype=np.int64)
    row_regions = table[country_codes, default_codes]  # -1 indexes the <NA> slot
    present = value_codes >= 0
    keys = value_codes[present] * len(region_names) + row_regions[present]
    pair_codes, pair_keys = pd.factorize(keys)
    results = parse_phone_pairs(value_cells[pair_keys // len(region_names)],
                                np.array(region_names, dtype=object)[pair_keys % len(region_names)])
    codes = np.full(n, len(pair_keys), dtype=np.intp)  # missing -> the appended row
    codes[present] = pair_codes
    na = pd.NA
    fields = {}
    for name, col, missing in zip(PHONE_FIELDS, results,
                                  (None, None, None, None, "missing", None), strict=True):
        col[col == None] = na  # noqa: E711
        fields[name] = np.append(col, na if missing is None else missing)[codes]
    # country mismatch from (row country, number region) codes: both have few values
    own = [_own_country(c) for c in countries] + [None]
    region_codes, number_regions = factorize_cells(pd.Series(results[3], dtype=object))
    per_pair = np.append(region_codes, -1)
    flag = np.array([[o is not None and o != _SAME_COUNTRY.get(r, r) for r in number_regions]
                     + [False] for o in own], dtype=bool)
    mismatch = flag[country_codes, per_pair[codes]]
    return _phone_frame(fields, mismatch, index, prefix)


def _phone_frame(fields: dict[str, np.ndarray], mismatch: np.ndarray, index: pd.Index,
                 prefix: str) -> pd.DataFrame:
    """The output columns: object arrays of str/<NA> (declared object: no dtype inference)."""
    def col(name: str) -> pd.Series:
        return pd.Series(fields[name], index=index, dtype=object, copy=False)

    return pd.DataFrame(
        {
            f"{prefix}_e164": col("e164"),
            f"{prefix}_nsn": col("nsn"),
            f"{prefix}_type": col("type"),
            f"{prefix}_region": col("region"),
            f"{prefix}_country_mismatch": pd.Series(mismatch, index=index, dtype=bool, copy=False),
            f"{prefix}_status": col("status"),
            f"{prefix}_reason": col("reason"),
        },
        index=index,
    )
