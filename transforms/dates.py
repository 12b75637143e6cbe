"""Dates of birth and date attributes, parsed with each source's declared format.

Why: "03/04/1985" is 3 April in a Spanish export and 4 March in an American
one; guessing per value mixes both up. Each source declares ``date_format``;
values that do not fit it but are ISO ("1985-04-03", what databases dump) are
accepted as a known, safe fallback (``fixed``/``iso_fallback``). Anything
else is ``invalid`` rather than guessed. Parsing is vectorized
(``pd.to_datetime(format=..., errors="coerce")``).

``date_of_birth_ambiguous`` marks values whose day and month are both <= 12
and differ: if the declared format were wrong they would silently swap, so
matching should not treat an exact DOB match on them as strong evidence.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd

from transforms.vocab import clean_codes, clean_strings, factorize_cells, pair_codes

_ISO = r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_SHAPE = re.compile(r"^\s*\d{1,4}\D\d{1,2}\D\d{1,4}")

DOB_COLUMNS = [
    "date_of_birth_norm",
    "date_of_birth_ambiguous",
    "date_of_birth_status",
    "date_of_birth_reason",
]


# Milliseconds, not nanoseconds: nanosecond timestamps end before 1678, and historical records
# (or a century keyed wrongly) carry older dates that min_birth_year may allow.
DATE_DTYPE = "datetime64[ms]"
_OUT_OF_NS_YEARS = r"\b(?:0\d\d\d|1[0-6]\d\d|22[6-9]\d|2[3-9]\d\d|[3-9]\d{3})\b"


def _to_datetime(s: pd.Series, date_format: str) -> pd.Series:
    """``pd.to_datetime`` with ``date_format``, at second resolution; the few values it
    cannot hold (years before 1678) are parsed one distinct value at a time."""
    parsed = pd.Series(pd.to_datetime(s, format=date_format, errors="coerce"),
                       index=s.index).astype(DATE_DTYPE)
    retry = parsed.isna() & s.str.contains(_OUT_OF_NS_YEARS, regex=True).fillna(False)
    if retry.any():
        values = s[retry]
        distinct = values.drop_duplicates()
        found = {v: _strptime(v, date_format) for v in distinct.tolist()}
        parsed[retry] = values.map(found).to_numpy(dtype=DATE_DTYPE)
    return parsed


def _strptime(value: str, date_format: str) -> np.datetime64:
    try:
        return np.datetime64(datetime.strptime(value, date_format), "ms")
    except ValueError:
        return np.datetime64("NaT", "ms")


def _parse_iso(s: pd.Series) -> pd.Series:
    iso = s.str.fullmatch(_ISO).fillna(False).astype(bool)
    out = pd.Series(pd.NaT, index=s.index, dtype=DATE_DTYPE)
    if iso.any():
        out[iso] = _to_datetime(s[iso].str.slice(0, 10), "%Y-%m-%d").to_numpy()
    return out


def _parse_declared(s: pd.Series, date_format: str | None) -> pd.Series:
    if date_format is None:
        return pd.Series(pd.NaT, index=s.index, dtype=DATE_DTYPE)
    # Excel/CSV exports often append a midnight time to date-only columns
    trimmed = s.str.replace(r"[ T]00:00(?::00)?(?:\.0+)?$", "", regex=True)
    return _to_datetime(trimmed, date_format)


def parse_date_column(values: pd.Series, date_format: str | None) -> pd.Series:
    """Parse a date attribute column: declared format, else ISO; otherwise NaT.

    Returns datetime64[ns] at midnight with the same index.
    """
    raw = clean_strings(values)
    declared = _parse_declared(raw, date_format)
    return declared.fillna(_parse_iso(raw)).dt.normalize()


def _day_month_ambiguous(raw: pd.Series, parsed: pd.Series, date_format: str | None) -> pd.Series:
    """True where the day and month fields both could be months (<= 12) and differ."""
    day = parsed.dt.day
    month = parsed.dt.month
    numeric_month = date_format is None or ("%m" in date_format and "%d" in date_format)
    amb = (day <= 12) & (month <= 12) & (day != month) & parsed.notna()
    iso_like = raw.str.match(r"^\s*\d{4}").fillna(False).astype(bool)
    # ISO (year first) is never read month/day swapped
    return (amb & ~iso_like & numeric_month).fillna(False).astype(bool)


def parse_dates(
    values: pd.Series,
    date_format: str | None,
    min_year: int,
    today: date,
    field: str = "date_of_birth",
) -> pd.DataFrame:
    """Parse dates of birth of one source (one declared ``date_format``).

    Returns ``<field>_norm`` (datetime64, midnight), ``<field>_ambiguous``,
    ``<field>_status`` and ``<field>_reason``: ``valid``; ``fixed`` with
    ``iso_fallback`` (ISO value in a non-ISO source); ``invalid`` with
    ``impossible_date`` (31/02, 13th month, text), ``future_date`` (after
    ``today``) or ``before_min_year``; ``missing``. ``today`` is passed in so
    runs are reproducible.
    """
    raw = clean_strings(values)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    if 2 * len(uniques) > len(raw):
        return _parse_dates(raw, date_format, min_year, today, field)
    # dates of birth repeat a lot: parse each distinct value once (<NA> last)
    distinct = pd.Series(pd.array([*uniques, pd.NA], dtype=raw.dtype))
    per_value = _parse_dates(distinct, date_format, min_year, today, field)
    out = per_value.iloc[np.where(codes < 0, len(uniques), codes)]
    out.index = raw.index
    return out


def _parse_dates(raw: pd.Series, date_format: str | None, min_year: int, today: date,
                 field: str) -> pd.DataFrame:
    """``parse_dates`` of cleaned cells, row by row."""
    declared = _parse_declared(raw, date_format)
    iso = _parse_iso(raw)
    use_iso = declared.isna() & iso.notna()
    parsed = declared.where(~use_iso, iso).dt.normalize()

    present = raw.notna().to_numpy()
    status = np.where(present, "valid", "missing").astype(object)
    reason = np.full(len(raw), None, dtype=object)
    reason[use_iso.to_numpy() & (date_format is not None)] = "iso_fallback"
    status[use_iso.to_numpy() & (date_format is not None)] = "fixed"

    unparsed = present & parsed.isna().to_numpy()
    status[unparsed] = "invalid"
    reason[unparsed] = "impossible_date"
    today_ts = pd.Timestamp(today)
    future = (parsed > today_ts).fillna(False).to_numpy(dtype=bool)
    early = (parsed.dt.year < min_year).fillna(False).to_numpy(dtype=bool)
    status[future] = "invalid"
    reason[future] = "future_date"
    status[early] = "invalid"
    reason[early] = "before_min_year"
    bad = future | early
    norm = parsed.where(~bad, pd.NaT)
    ambiguous = _day_month_ambiguous(raw, norm, date_format)
    return pd.DataFrame(
        {
            f"{field}_norm": norm.astype(DATE_DTYPE),
            f"{field}_ambiguous": ambiguous.to_numpy(dtype=bool),
            f"{field}_status": pd.array(status, dtype="string"),
            f"{field}_reason": pd.array(reason, dtype="string"),
        },
        index=raw.index,
    )


def parse_dates_by_source(
    values: pd.Series,
    formats: pd.Series,
    min_year: int,
    today: date,
    field: str = "date_of_birth",
) -> pd.DataFrame:
    """``parse_dates`` applied per declared format (one group per source format).

    Every output is a function of one (cleaned cell, format) pair, so the column is
    cleaned and hashed once and each distinct pair parsed once (a million dates of
    birth hold a few tens of thousands of distinct values).
    """
    if len(values) == 0:
        return parse_dates(values, None, min_year, today, field)
    value_codes, cells = clean_codes(values)
    fmt = formats.astype(object).where(formats.notna(), None)
    format_codes, declared_cells = factorize_cells(pd.Series(fmt, index=values.index))
    declared = [*declared_cells, None]  # code -1 (no declared format) -> the last entry
    pairs, value_of, format_of = pair_codes(value_codes, format_codes % len(declared),
                                            len(declared))
    per_pair = []
    for k, date_format in enumerate(declared):
        rows = np.flatnonzero(format_of == k)
        if len(rows):
            distinct = pd.Series(pd.array(cells[value_of[rows]], dtype="string"))
            per_pair.append((rows, _parse_dates(distinct, date_format, min_year, today, field)))
    missing = _parse_dates(pd.Series(pd.array([pd.NA], dtype="string")), None, min_year,
                           today, field)
    order = np.concatenate([rows for rows, _ in per_pair] + [np.array([len(value_of)])])
    table = pd.concat([frame for _, frame in per_pair] + [missing], ignore_index=True)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))  # pair code -> row of ``table``
    out = table.iloc[position[np.where(pairs < 0, len(value_of), pairs)]]
    out.index = values.index
    return out
