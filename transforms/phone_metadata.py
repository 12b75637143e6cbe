"""libphonenumber's region metadata and number-type tables, compiled once per region.

The fast phone paths take libphonenumber's own decisions from the same metadata
patterns; these are the compiled tables both ``phone_parse`` (one value) and
``phone_batch`` (arrays) read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberDesc, PhoneNumberType

SUPPORTED_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)

TYPE_NAMES: dict[int, str] = {
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
    """A number description compiled once: the pattern and possible lengths a national number is
    tested against, for every number of the region."""

    pattern: re.Pattern[str]
    lengths: frozenset[int]

    def matches(self, nsn: str) -> bool:
        """libphonenumber's ``_is_number_matching_desc``: a possible length, then a full match."""
        return (not self.lengths or len(nsn) in self.lengths) and bool(self.pattern.fullmatch(nsn))


@dataclass(frozen=True)
class RegionMeta:
    """What the fast paths read of one region's metadata, compiled once per region
    (``npfp``: national prefix for parsing, ``idd``: international dialling prefix)."""

    region: str
    cc: str
    npfp: re.Pattern[str] | None
    general: _Desc
    descs: tuple[tuple[str, _Desc | None], ...]
    fixed: _Desc | None
    mobile: _Desc | None
    same_mobile_fixed: bool
    leading_digits: re.Pattern[str] | None
    idd: str | None = None


def _desc(desc: PhoneNumberDesc | None) -> _Desc | None:
    """Compiled description, None when the region has no pattern for it (no number is of it)."""
    if desc is None or not desc.national_number_pattern:
        return None
    return _Desc(re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ()))


@cache
def fast_meta(region: str) -> RegionMeta | None:
    """Compiled metadata for the fast path, or None when the region needs libphonenumber.

    Only the main region of a calling code without a national-prefix transform
    rule is eligible: for those the rules in ``phone_parse._fast_one`` are exactly
    libphonenumber's parse/validate/type logic (checked by the tests).
    """
    md = PhoneMetadata.metadata_for_region(region)
    if md is None or md.country_code is None or md.national_prefix_transform_rule:
        return None
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(md.country_code, ())
    if not regions or regions[0] != region:
        return None
    return region_meta(region)


@cache
def region_meta(region: str) -> RegionMeta | None:
    """Compiled metadata of any region (None without metadata or a general pattern)."""
    md = PhoneMetadata.metadata_for_region(region)
    if md is None:
        return None
    general = _desc(md.general_desc)
    if general is None:
        return None
    return RegionMeta(
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
def cc_main_region(cc: str) -> str | None:
    """Main region of a calling code (None when it is not one): whose metadata reads "+cc..."."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(cc), ())
    return regions[0] if regions else None


# A compiled pattern's ``fullmatch``; a region's type table for one number length
# (general, ((type name, matcher), ...), fixed line, mobile), None where no number of
# that length can match; and the same table as pattern strings, for RE2.
Matcher = Callable[[str], re.Match[str] | None]
TypeTable = tuple[Matcher | None, tuple[tuple[str, Matcher], ...], Matcher | None, Matcher | None]
TypePatterns = tuple[str | None, tuple[tuple[str, str], ...], str | None, str | None]


def _fullmatch_for_length(desc: _Desc | None, length: int) -> Matcher | None:
    """``desc.pattern.fullmatch`` when a number of ``length`` digits can match ``desc``."""
    if desc is None or (desc.lengths and length not in desc.lengths):
        return None
    return desc.pattern.fullmatch


_TYPE_TABLES: dict[tuple[str, int], TypeTable] = {}


def _type_table(meta: RegionMeta, length: int) -> TypeTable:
    """The descriptions of ``meta`` that numbers of ``length`` digits can match."""
    table = _TYPE_TABLES.get((meta.region, length))
    if table is None:
        descs: list[tuple[str, Matcher]] = []
        for name, desc in meta.descs:
            fm = _fullmatch_for_length(desc, length)
            if fm is not None:
                descs.append((name, fm))
        table = (_fullmatch_for_length(meta.general, length), tuple(descs),
                 _fullmatch_for_length(meta.fixed, length),
                 _fullmatch_for_length(meta.mobile, length))
        _TYPE_TABLES[(meta.region, length)] = table
    return table


def type_of(nsn: str, meta: RegionMeta) -> str:
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


def _head_region(head: str) -> tuple[str | None, int]:
    """(main region, calling-code size) of the first 1-3 digit head that is a calling code."""
    for size in (1, 2, 3):
        if len(head) >= size and (target := cc_main_region(head[:size])) is not None:
            return target, size
    return None, 0


# every 1-3 digit string: what ``phone_parse._fast_one`` reads after "+" from a number
# starting with it
HEADS = {f"{i:0{w}d}": _head_region(f"{i:0{w}d}") for w in (1, 2, 3) for i in range(10 ** w)}


@cache
def type_patterns(meta: RegionMeta, length: int) -> TypePatterns:
    """``_type_table(meta, length)`` as pattern strings, for RE2 (pyarrow) over arrays:
    (general, ((name, pattern)...), fixed, mobile)."""
    def pattern(desc: _Desc | None) -> str | None:
        if desc is None or (desc.lengths and length not in desc.lengths):
            return None
        return desc.pattern.pattern

    descs = tuple((name, p) for name, desc in meta.descs if (p := pattern(desc)) is not None)
    return pattern(meta.general), descs, pattern(meta.fixed), pattern(meta.mobile)


@cache
def possible_length(cc: int, length: int) -> bool:
    """libphonenumber's ``is_possible_number`` for a national number of ``length`` digits
    (its answer depends on the length only, so one call settles them all)."""
    num = phonenumbers.PhoneNumber(country_code=cc, national_number=int("1" * length))
    return phonenumbers.is_possible_number(num)

