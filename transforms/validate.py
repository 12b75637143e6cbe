"""Quarantine of unusable rows and per-source data-quality metrics.

Why quarantine instead of drop: "nothing is lost" (rows in = clean +
quarantined, per source). A row with no usable identifier cannot be linked
reliably and would only add noise to matching, so it is set aside with a
reason a steward can act on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_golden.config.validation import ValidationRules
from crm_golden.schema import ATTRIBUTE_PREFIX, LINEAGE_COLUMNS
from transforms import ingest as ingest_mod

OK = ("valid", "fixed")
# Fields reported by quality_metrics: field -> (status column, value column for distinctness)
QUALITY_FIELDS = {
    "email": "email_key",
    "phone": "phone_e164",
    "phone_2": "phone_2_e164",
    "country": "country_code",
    "postal_code": "postal_code_norm",
    "street": "street_key",
    "city": "city_key",
    "region": "region_norm",
    "date_of_birth": "date_of_birth_norm",
    "tax_id": "tax_id_norm",
    "company": "company_key",
    "given_name": "given_key",
    "family_name": "family_key",
    "middle_name": "middle_key",
    "full_name": "family_key",
    "gender": "gender_norm",
}


def _get(frame: pd.DataFrame, col: str, default: object = pd.NA) -> pd.Series:
    if col in frame.columns:
        return frame[col]
    return pd.Series(default, index=frame.index)


def usable_identifiers(normalized: pd.DataFrame, rules: ValidationRules) -> pd.DataFrame:
    """One boolean column per identifier kind: does the row hold a usable one."""
    email_ok = _get(normalized, "email_status").isin(OK) & ~_get(
        normalized, "email_is_placeholder", False
    ).fillna(False).astype(bool)
    if not rules.fields.email.role_usable:
        email_ok &= ~_get(normalized, "email_is_role", False).fillna(False).astype(bool)
    phone_ok = pd.Series(False, index=normalized.index)
    for prefix in ("phone", "phone_2"):
        status = _get(normalized, f"{prefix}_status")
        ok = status.isin(OK)
        if rules.fields.phone.possible_only_usable:
            ok |= (status == "invalid") & (_get(normalized, f"{prefix}_reason") == "possible_only")
        phone_ok |= ok.fillna(False).astype(bool)
    tax_ok = _get(normalized, "tax_id_status").isin(OK)
    given, family = _get(normalized, "given_key").notna(), _get(normalized, "family_key").notna()
    name_ok = family & given
    other = pd.Series(False, index=normalized.index)
    for col in _LINKABLE_ATTRIBUTES:
        other |= _get(normalized, col).notna().fillna(False).astype(bool)
    return pd.DataFrame(
        {
            "email": email_ok.fillna(False).astype(bool),
            "phone": phone_ok,
            "tax_id": tax_ok.fillna(False).astype(bool),
            "name": name_ok.fillna(False).astype(bool),
            "name_part_and_attribute": ((given | family) & other).fillna(False).astype(bool),
        },
        index=normalized.index,
    )


# Attributes that, beside any part of a name, let a record be linked: a given name or a
# surname alone plus a birth date, a place or a contact still finds its person.
_LINKABLE_ATTRIBUTES = ("date_of_birth_norm", "postal_code_norm", "city_key", "street_key",
                        "company_key", "email_key", "phone_e164", "phone_nsn", "phone_2_e164",
                        "middle_key")
_STRONG = ("email", "phone", "tax_id", "name")


def thin_evidence(normalized: pd.DataFrame, rules: ValidationRules) -> pd.Series:
    """Usable rows held only by a name part and one other attribute: kept and linkable,
    but a steward should know how many there are (the audit counts them)."""
    kinds = usable_identifiers(normalized, rules)
    strong = [k for k in _STRONG if k in rules.usable_identifiers]
    return kinds["name_part_and_attribute"] & ~kinds[strong].any(axis=1)


def split_quarantine(
    normalized: pd.DataFrame, rules: ValidationRules
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split normalized records into (clean, quarantine).

    A row is clean when it has at least one identifier of the kinds listed in
    ``rules.usable_identifiers``. Quarantined rows keep every column (lineage
    included) plus ``quarantine_reason`` (``no_usable_identifier``). Every
    input row lands in exactly one of the two frames.

    When no row is quarantined, ``clean`` is a shallow copy: its own frame (adding or
    replacing columns does not touch ``normalized``) over the same column arrays, so
    copy it before writing into cells in place.
    """
    usable = usable_identifiers(normalized, rules)[list(rules.usable_identifiers)].any(axis=1)
    usable = usable.to_numpy()
    if usable.all():
        # Nothing to set aside: a new frame over the same column arrays. Selecting every
        # row of ~100 columns would copy about a gigabyte for a million records.
        clean = normalized.copy(deep=False)
    else:
        clean = normalized[usable]
    quarantine = normalized[~usable].copy()
    quarantine["quarantine_reason"] = pd.Series(
        "no_usable_identifier", index=quarantine.index, dtype="string"
    )
    return clean, quarantine


def quality_metrics(normalized: pd.DataFrame, top_reasons: int = 3) -> pd.DataFrame:
    """Per source × field: completeness, validity, fixed/invalid counts, distinct ratio.

    ``validity`` is (valid + fixed) / present; ``distinct_ratio`` is distinct
    normalized values / present (low on e-mail or phone means shared or
    placeholder values). ``top_invalid_reasons`` holds "reason:count" pairs —
    counts only, never values, so the table is safe for the audit report.
    """
    rows = []
    # Integer codes and bincounts over whole columns: this runs on every record of the run,
    # 16 fields x millions of rows, where string comparisons and crosstabs cost seconds.
    src_codes, src_names = pd.factorize(_get(normalized, "source", "all").astype(object),
                                        sort=True)
    n_src = len(src_names)
    statuses = ["valid", "fixed", "invalid", "missing"]
    value_codes_of: dict[str, np.ndarray] = {}  # full_name and family_name share family_key
    for field, value_col in QUALITY_FIELDS.items():
        status_col = f"{field}_status"
        if status_col not in normalized.columns:
            continue
        st = pd.Categorical(normalized[status_col], categories=statuses).codes
        st = np.where(st < 0, 3, st)  # no status = missing
        counts = np.bincount(src_codes * 4 + st, minlength=n_src * 4).reshape(n_src, 4)
        present_mask = st != 3
        if value_col not in value_codes_of:
            value_codes_of[value_col] = pd.factorize(_get(normalized, value_col))[0]
        value_codes = value_codes_of[value_col]
        keep = present_mask & (value_codes >= 0)
        width = int(value_codes.max()) + 1 if len(value_codes) else 1
        pairs = np.sort(src_codes[keep].astype(np.int64) * width + value_codes[keep])
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if pairs.size else pairs
        distinct = np.bincount(pairs // width, minlength=n_src)
        invalid_mask = st == 2
        reason = _get(normalized, f"{field}_reason").astype(object)
        reason_counts = (reason[invalid_mask]
                         .groupby(src_names.take(src_codes[invalid_mask])).value_counts())
        for i, src in enumerate(src_names):
            valid, fixed, invalid, missing = (int(x) for x in counts[i])
            total = valid + fixed + invalid + missing
            if total == 0:
                continue
            present = total - missing
            reasons = (reason_counts.loc[src].head(top_reasons)
                       if src in reason_counts.index.get_level_values(0) else pd.Series())
            rows.append(
                {
                    "source": src,
                    "field": field,
                    "rows": total,
                    "present": present,
                    "completeness": present / total if total else np.nan,
                    "valid": valid,
                    "fixed": fixed,
                    "invalid": invalid,
                    "validity": (valid + fixed) / present if present else np.nan,
                    "invalid_rate": invalid / present if present else np.nan,
                    "distinct_ratio": int(distinct[i]) / present if present else np.nan,
                    "top_invalid_reasons": ", ".join(f"{k}:{v}" for k, v in reasons.items()),
                }
            )
    return pd.DataFrame(rows)


def quality_warnings(metrics: pd.DataFrame, rules: ValidationRules) -> pd.DataFrame:
    """Rows of ``quality_metrics`` whose invalid rate or completeness breaches the rules."""
    if metrics.empty:
        return metrics.assign(warning=pd.Series(dtype="string"))
    limit = metrics["field"].map(rules.thresholds.invalid_rate_for)
    too_invalid = metrics["invalid_rate"] > limit
    too_sparse = metrics["completeness"] < rules.thresholds.completeness_warning
    out = metrics[too_invalid | too_sparse].copy()
    out["warning"] = np.where(too_invalid[out.index], "invalid_rate", "completeness")
    return out


def lineage_of(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Lineage columns and reason only: what the quarantine report may show by default."""
    cols = [c for c in LINEAGE_COLUMNS if c in quarantine.columns] + ["quarantine_reason"]
    return quarantine[cols]


def validation_quarantine(rejected: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows from validation in the same shape as ingest's, raw values as JSON."""
    if rejected.empty:
        return ingest_mod.empty_quarantine()
    raw_cols = [c for c in rejected.columns if c not in LINEAGE_COLUMNS
                and (c in ingest_mod.IDENTITY_FIELDS or c.startswith(ATTRIBUTE_PREFIX))]
    raw = ingest_mod.rows_as_json(rejected[raw_cols].astype("string"))
    frame = pd.DataFrame({
        "source": rejected["source"],
        "source_record_id": rejected["source_record_id"],
        "source_file": rejected["source_file"],
        "source_row": rejected["source_row"],
        "stage": "validate",
        "reason": rejected["quarantine_reason"],
        "column": pd.NA,
        "raw": raw,
    })
    return ingest_mod.typed_quarantine(frame)
