"""Phone normalization to E.164: the phone columns of the normalized records.

Why it is built this way:
- A phone is only comparable once it is E.164: "8 (912) 345-67-89" typed in
  Moscow and "+7 912 345 6789" typed in Madrid are the same line. The region
  used for numbers without "+" is the row's country, else the source's
  default country (a Spanish marketing export holds Spanish numbers).
- ``<prefix>_nsn`` (national significant number) is a second key that survives
  a missing or wrong country code, so "612345678" and "+34 612 34 56 78" meet.
- A million-row export has ~850k distinct (value, region) pairs; they are parsed
  once each, column-wise (``phone_batch.parse_phone_pairs``), and every row is a
  take from the per-pair results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.phone_batch import parse_phone_pairs
from transforms.phone_metadata import SUPPORTED_REGIONS
from transforms.phone_parse import PHONE_FIELDS, PhoneResult, parse_phone
from transforms.vocab import clean_codes, factorize_cells

# Numbering areas that belong to one country for the purpose of "wrong country" flags.
_SAME_COUNTRY = {"UK": "GB", "GG": "GB", "JE": "GB", "IM": "GB"}


def _phones_distinct(distinct: pd.Series) -> pd.DataFrame:
    """Normalize distinct "value\\x1fregion" keys."""
    rows: list[PhoneResult] = []
    for key in distinct:
        if not isinstance(key, str):
            rows.append((None, None, None, None, "missing", None))
            continue
        value, _, region = key.partition("\x1f")
        rows.append(parse_phone(value, region))
    return pd.DataFrame(rows, index=distinct.index, columns=PHONE_FIELDS)


def _region_code(cell: str | None) -> str | None:
    """Region a row's country cell reads numbers in (UK is GB), None if libphonenumber has none."""
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
    row_series = pd.Series(row_country, index=index)
    default_series = pd.Series(default_country, index=index)
    value_codes, value_cells = clean_codes(values)
    n = len(value_codes)
    if n and not len(value_cells):  # e.g. no second phone column: nothing to parse
        def all_na() -> np.ndarray:  # same object arrays of <NA> the general path builds
            return np.full(n, pd.NA, dtype=object)

        return _phone_frame(
            {"e164": all_na(), "nsn": all_na(), "type": all_na(), "region": all_na(),
             "status": np.full(n, "missing", dtype=object), "reason": all_na()},
            np.zeros(n, dtype=bool), index, prefix,
        )
    # distinct (value, region) pairs from integer codes: values and regions are
    # factorized once, the pairs are factorized as int64 keys, and every per-row
    # column is a take from a per-pair array
    country_codes, countries = factorize_cells(row_series.astype("string"))
    default_codes, defaults = factorize_cells(default_series.astype("string"))
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
    fields: dict[str, np.ndarray] = {}
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
