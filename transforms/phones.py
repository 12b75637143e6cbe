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
  metadata regexes applied column-wise (``_fast_parse``). Only what that path
  cannot prove valid goes through ``phonenumbers.parse`` once per distinct
  (value, region). ``tests/test_phones.py`` checks both paths agree.

Statuses: ``valid`` (libphonenumber-valid as given), ``fixed`` (valid after a
repair: ``multiple_values``, ``mx_legacy_prefix``, ``missing_plus``,
``region_inferred``), ``invalid`` (``possible_only`` keeps e164/nsn so it can
still match; ``not_possible``, ``unparsable``, ``placeholder`` do not),
``missing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType

from transforms.vocab import clean_strings

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


def _per_distinct(values: pd.Series, fn) -> list:  # noqa: ANN001
    """``fn(cell)`` for every cell of ``values`` as a string column (<NA> -> None), once per value."""
    cells = values.astype("string").to_numpy(dtype=object, na_value=None)
    memo: dict = {}
    out = []
    for v in cells:
        r = memo.get(v, memo)
        if r is memo:
            r = memo[v] = fn(v)
        out.append(r)
    return out


def _region_code(cell: str | None) -> str | None:
    if cell is None:
        return None
    code = cell.strip().upper()
    code = "GB" if code == "UK" else code
    return code if code in SUPPORTED_REGIONS else None


def _region_values(row_country: pd.Series, default_country: pd.Series) -> list[str]:
    """``resolve_regions`` as a plain list."""
    return [r or d or "" for r, d in zip(_per_distinct(row_country, _region_code),
                                         _per_distinct(default_country, _region_code),
                                         strict=True)]


def _own_countries(row_country: pd.Series) -> list[str | None]:
    """Row country stripped, upper-cased, GB areas folded (None when missing)."""
    def own(cell: str | None) -> str | None:
        if cell is None:
            return None
        code = cell.strip().upper()
        return _SAME_COUNTRY.get(code, code)
    return _per_distinct(row_country, own)


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
    raw = clean_strings(values)
    if len(raw) and raw.isna().all():  # e.g. no second phone column: nothing to parse
        def na() -> np.ndarray:  # same object arrays of <NA> the general path builds
            return np.full(len(raw), pd.NA, dtype=object)

        return _phone_frame(
            {"e164": na(), "nsn": na(), "type": na(), "region": na(),
             "status": np.full(len(raw), "missing", dtype=object), "reason": na()},
            np.zeros(len(raw), dtype=bool), index, prefix,
        )
    regions = _region_values(row_country, default_country)
    cells = raw.to_numpy(dtype=object, na_value=None)
    # distinct (value, region) pairs: a dict beats building "value\x1fregion" strings
    # and factorizing them, and the per-row columns are taken from per-pair arrays
    pair_code: dict[tuple[str, str], int] = {}
    pairs: list[tuple[str, str]] = []
    codes = np.empty(len(cells), dtype=np.intp)
    missing = -1
    for i, (value, reg) in enumerate(zip(cells, regions, strict=True)):
        if value is None:
            codes[i] = missing
            continue
        pair = (value, reg)
        code = pair_code.get(pair)
        if code is None:
            code = pair_code[pair] = len(pairs)
            pairs.append(pair)
        codes[i] = code
    codes[codes == missing] = len(pairs)
    rows = [parse_phone(value, reg) if _KEY_SEP not in value
            else parse_phone(*(value + _KEY_SEP + reg).split(_KEY_SEP, 1))
            for value, reg in pairs]  # (values holding the old key separator split as before)
    rows.append((None, None, None, None, "missing", None))
    na = pd.NA
    fields = {}
    for j, name in enumerate(PHONE_FIELDS):
        col = np.array([na if r[j] is None else r[j] for r in rows], dtype=object)
        fields[name] = col[codes]
    own = _own_countries(row_country)
    mismatch = np.fromiter(
        (o is not None and r is not na and o != _SAME_COUNTRY.get(r, r)
         for o, r in zip(own, fields["region"], strict=True)),
        dtype=bool, count=len(own),
    )
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
