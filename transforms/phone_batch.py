"""Parsing of distinct (value, region) pairs column-wise, with the decisions of ``parse_phone``.

``parse_phone`` costs ~10 µs a value on the fast path and ~90 µs when libphonenumber
has to reject a number, and a million-row export has ~850k distinct pairs. The
functions below take the same decisions over whole arrays: metadata patterns are
matched with RE2 (pyarrow) over every value of a (region, length) group at once,
as libphonenumber's C++ build does with the same patterns. On strings of ASCII
digits a full match of these regular patterns (classes, repetitions, alternations;
no back-references) is the same in RE2 and Python's ``re``. Every value these steps
cannot decide with the reference's exact rules goes through ``parse_phone``
(``tests/test_phone_batch.py`` compares both on random and adversarial numbers).
Numbers libphonenumber rejects (``possible_only`` / ``not_possible``, a third of the
time before) are settled from the same metadata too, where its reading of the number
is provably the fast path's (``_slow_all``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata

from transforms.phone_metadata import (
    HEADS,
    RegionMeta,
    fast_meta,
    possible_length,
    region_meta,
    type_patterns,
)
from transforms.phone_parse import FOCUS_REGIONS, PHONE_FIELDS, PLACEHOLDER_DIGITS, parse_phone

_KEY_SEP = "\x1f"
# bool masks, object arrays (str or None per value) and row positions
Mask = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]
Rows = npt.NDArray[np.intp]

# Plain ASCII digits and separators, "+" only first: values ``parse_phone`` hands to
# ``phone_parse._parse_simple`` unchanged (no "/", no extension, no second number).
_ASCII_SIMPLE = r"^\+?[0-9 ().\-]+$"
# phone_parse._REPEATED, written for RE2 (no back-references)
_REPEATED_RE2 = "^(?:" + "|".join(f"{d}{{6,}}" for d in "0123456789") + ")$"
_MAX_NSN = 17  # libphonenumber: longer national numbers do not parse


def _strings(values: Objects) -> pa.Array:
    """Object array (str or None) as Arrow strings, the input of pyarrow's RE2 kernels."""
    return pa.array(values, type=pa.string())


def _np(values: pa.Array) -> np.ndarray:
    """An Arrow result back in numpy, to index the per-value columns with."""
    out: np.ndarray = values.to_numpy(zero_copy_only=False)
    return out


def _fullmatch_all(values: pa.Array, pattern: str) -> Mask:
    """``re.fullmatch(pattern, v) is not None`` for every ASCII-digit string in ``values``."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    return _np(pc.match_substring_regex(values, f"^(?:{pattern})$"))


def _prefix_match_all(values: pa.Array, pattern: str) -> Mask:
    """``re.match(pattern, v) is not None`` (a match at the start) for every value."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    return _np(pc.match_substring_regex(values, f"^(?:{pattern})"))


def _lengths(values: pa.Array) -> npt.NDArray[np.int64]:
    """Length of every string: metadata tables and possible lengths are per length."""
    return _np(pc.utf8_length(values)).astype(np.int64, copy=False)


def _starts(values: pa.Array, prefix: str) -> Mask:
    """``str.startswith(prefix)`` for every value, in one Arrow call."""
    return _np(pc.starts_with(values, prefix))


def _take(values: pa.Array, rows: Rows) -> pa.Array:
    """The values at ``rows``, still in Arrow for the next RE2 match."""
    return values.take(pa.array(rows, type=pa.int64()))

def _types_all(nsn: pa.Array, meta: RegionMeta) -> Objects:
    """``type_of(v, meta)`` for every national number in ``nsn`` ("unknown" when none)."""
    out = np.full(len(nsn), "unknown", dtype=object)
    lengths = _lengths(nsn)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        general, descs, fixed, mobile = type_patterns(meta, int(length))
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

    ok: Mask          # provably valid; e164/nsn/kind/target are its result
    impossible: Mask  # the second item of ``_fast_one``
    read: Mask        # target metadata and national number known (no early exit)
    e164: Objects
    nsn: Objects
    kind: Objects
    target: Objects
    national: Objects

    def subset(self, rows: Rows) -> _Fast:
        """The readings at ``rows``: the later steps go on with the undecided values only."""
        return _Fast(*(getattr(self, f.name)[rows] for f in fields(self)))


def _fast_all(digits: Objects, plus: Mask, region: Objects) -> _Fast:
    """``_fast_one(digits[i], plus[i], region[i])`` for every i (non-empty digit strings)."""
    n = len(digits)
    res = _Fast(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                np.full(n, None, dtype=object), np.full(n, None, dtype=object),
                np.full(n, "unknown", dtype=object), region.copy(), digits.copy())
    target, national = res.target, res.national
    signed = np.flatnonzero(plus)
    if len(signed):
        heads = [HEADS[d[:3]] for d in digits[signed]]
        target[signed] = [h[0] for h in heads]
        national[signed] = [d[h[1]:] for d, h in zip(digits[signed], heads, strict=True)]
        res.impossible[signed] = target[signed] == None  # noqa: E711 - "+" and no calling code
    known = target != None  # noqa: E711
    groups, group_of = np.unique(target[known].astype(str), return_inverse=True)
    known = np.flatnonzero(known)
    for g, name in enumerate(groups):
        meta = fast_meta(str(name)) if name else None
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


def _infer_all(digits: Objects, plus: Mask, region: Objects) -> tuple[Mask, _Fast, Objects]:
    """``_infer`` for every value: (found, result per value, reason per value)."""
    n = len(digits)
    found = np.zeros(n, dtype=bool)
    why = np.full(n, None, dtype=object)
    out = _Fast(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                *(np.full(n, None, dtype=object) for _ in range(5)))

    def put(rows: Rows, fast: _Fast, sel: Rows, reason: str) -> None:
        """Keep the repaired readings ``sel`` of ``fast`` as the results at ``rows``."""
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
        tried: dict[int, tuple[_Fast, Rows]] = {}
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


def _claims_all(cc: int, nsn: pa.Array) -> tuple[Objects, Objects]:
    """(region, type) libphonenumber gives ``+cc nsn``: ``region_code_for_number`` and
    ``number_type`` (type "unknown" means ``is_valid_number`` is False)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]
    claim = np.full(len(nsn), None, dtype=object)
    kind = np.full(len(nsn), "unknown", dtype=object)
    if len(regions) == 1:
        claim[:] = regions[0]
        meta = region_meta(regions[0])
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
        meta = region_meta(reg)
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


def _slow_all(digits: Objects, plus: Mask, region: Objects, fast: _Fast
              ) -> tuple[Mask, list[Objects]]:
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
        meta = region_meta(str(reg))
        if meta is None:
            ok[sel] = False
        elif meta.idd is not None:
            ok[sel[_prefix_match_all(_take(digit_str, sel), meta.idd)]] = False
    decided[rows[~ok]] = False
    rows, nsn, nsn_len = rows[ok], nsn.filter(pa.array(ok)), nsn_len[ok]
    targets = fast.target[rows].astype(str)
    for target in np.unique(targets):
        sel = np.flatnonzero(targets == target)
        meta = region_meta(str(target))
        assert meta is not None  # a fast-path target has metadata
        cc = int(meta.cc)
        claim, kind = _claims_all(cc, _take(nsn, sel))
        at = rows[sel]
        e164 = "+" + str(cc) + fast.nsn[at]
        valid = kind != "unknown"
        good, bad = at[valid], at[~valid]
        cols[0][good], cols[1][good] = e164[valid], fast.nsn[good]
        cols[2][good], cols[3][good] = kind[valid], claim[valid]
        cols[4][good] = "valid"
        possible = np.array([possible_length(cc, int(k)) for k in nsn_len[sel][~valid]], dtype=bool)
        main = phonenumbers.region_code_for_country_code(cc)
        maybe = bad[possible]
        cols[0][maybe], cols[1][maybe] = e164[~valid][possible], fast.nsn[maybe]
        cols[2][maybe], cols[3][maybe] = "unknown", (None if main == "ZZ" else main)
        cols[4][bad] = "invalid"
        cols[5][bad] = np.where(possible, "possible_only", "not_possible").astype(object)
    return decided, cols


def parse_phone_pairs(values: Objects, regions: Objects) -> list[Objects]:
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


def _simple_all(digits: Objects, plus: Mask, region: Objects) -> list[Objects]:
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
                   | _np(pc.is_in(arr, value_set=pa.array(sorted(PLACEHOLDER_DIGITS)))))
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


