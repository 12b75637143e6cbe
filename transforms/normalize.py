"""Normalize canonical records: every identity field and typed attribute.

``normalize_records`` is the single entry point the flow calls. It adds, per
identity field, the normalized values, match keys and ``<field>_status`` /
``<field>_reason`` (see ``transforms.schema.NORMALIZED_COLUMNS``), and keeps
every input column untouched (lineage and raw values stay for stewards).

Rows are independent, so the function can run on chunks of rows (Dask) and
give the same result as on the whole frame. Each field normalizer works per
distinct value, which is where the speed comes from.

Big runs use both cores: above ``PARALLEL_MIN_DISTINCT`` rows, names (split in
chunks of distinct name combinations), phones and e-mails run in a pool of
worker processes while this process normalizes everything else. Every
normalizer is a pure function of its row's values, so the result is identical
to the serial path (``tests/test_normalize.py`` checks it).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from crm_golden.config.validation import ValidationRules
from transforms.addresses import normalize_addresses, normalize_countries
from transforms.companies import normalize_companies
from transforms.dates import parse_date_column, parse_dates_by_source
from transforms.emails import normalize_emails
from transforms.phones import normalize_phones
from transforms.schema import ATTRIBUTE_PREFIX
from transforms.tax_ids import normalize_tax_ids
from transforms.vocab import Vocabularies, clean_strings, map_vocabulary

log = logging.getLogger(__name__)

NORMALIZED_ATTRIBUTE_PREFIX = "attr_norm."
# Below this many rows (or distinct name combinations) everything stays in one process:
# starting workers costs about a second, more than small runs and tests take.
PARALLEL_MIN_DISTINCT = 50_000
PARALLEL_WORKERS = 2
NAME_CHUNKS_PER_WORKER = 2
NAME_INPUT_COLUMNS = ("full_name", "given_name", "family_name", "middle_name", "gender")
ATTRIBUTE_TYPES = ("string", "number", "integer", "date", "boolean")


def _column(records: pd.DataFrame, name: str) -> pd.Series:
    if name in records.columns:
        return records[name]
    return pd.Series(pd.NA, index=records.index, dtype="string")


def source_settings(records: pd.DataFrame, source_defaults: pd.DataFrame | Mapping) -> pd.DataFrame:
    """Per-row ``default_country`` and ``date_format`` from per-source defaults.

    ``source_defaults`` is ``{source: {"default_country": "ES", "date_format":
    "%d/%m/%Y"}}`` or a DataFrame with those columns indexed by (or holding
    a column) ``source``.
    """
    if isinstance(source_defaults, pd.DataFrame):
        table = source_defaults
        if "source" in table.columns:
            table = table.set_index("source")
        mapping = table.to_dict(orient="index")
    else:
        mapping = {
            k: (dict(v) if isinstance(v, Mapping) else v.model_dump())
            for k, v in source_defaults.items()
        }
    src = _column(records, "source").astype(object)
    out = pd.DataFrame(index=records.index)
    for key in ("default_country", "date_format"):
        values = {s: (conf or {}).get(key) for s, conf in mapping.items()}
        out[key] = src.map(values).astype(object)
        out[key] = out[key].where(out[key].notna(), None)
    out["default_country"] = out["default_country"].astype("string").str.upper()
    return out


def _names_function():  # noqa: ANN202 - the names normalizer, or None when not installed
    try:
        from transforms.names import normalize_names
    except ImportError:
        log.warning("transforms.names not available: name columns not produced")
        return None
    return normalize_names


def _distinct_name_rows(records: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """(one row per distinct combination of the name columns, row -> combination code)."""
    cols = [c for c in NAME_INPUT_COLUMNS if c in records.columns]
    combined = np.zeros(len(records), dtype=np.int64)
    for col in cols:
        codes, uniques = pd.factorize(records[col], use_na_sentinel=True)
        width = len(uniques) + 1
        codes = np.where(codes < 0, len(uniques), codes)
        combined, _ = pd.factorize(combined * width + codes)
        combined = combined.astype(np.int64, copy=False)
    first = np.full(combined.max() + 1 if len(combined) else 0, -1, dtype=np.int64)
    first[combined[::-1]] = np.arange(len(combined) - 1, -1, -1)
    distinct = records[cols].iloc[first].reset_index(drop=True)
    return distinct, combined


def _submit_names(records: pd.DataFrame, executor: Executor, chunks: int, threshold: int):  # noqa: ANN202
    """Names of the distinct name combinations, in ``chunks`` pool tasks (None: run inline)."""
    fn = _names_function()
    if fn is None:
        return None
    distinct, codes = _distinct_name_rows(records)
    if len(distinct) <= threshold:
        return None
    size = -(-len(distinct) // chunks)
    futures = [executor.submit(fn, distinct.iloc[i:i + size])
               for i in range(0, len(distinct), size)]
    return futures, codes


def _collect_names(pending, records: pd.DataFrame) -> pd.DataFrame:  # noqa: ANN001
    futures, codes = pending
    per_combination = pd.concat([f.result() for f in futures], ignore_index=True)
    out = per_combination.iloc[codes]
    out.index = records.index
    return out.drop(columns=[c for c in out.columns if c in records.columns])


def normalize_name_part(records: pd.DataFrame) -> pd.DataFrame:
    """Name columns from ``transforms.names.normalize_names`` (owned by another module).

    Kept behind this function so the rest of normalization works (and is
    testable) while names are developed separately; without it no name
    columns are added and a warning is logged once.
    """
    fn = _names_function()
    if fn is None:
        return pd.DataFrame(index=records.index)
    names = fn(records)
    return names.drop(columns=[c for c in names.columns if c in records.columns])


def _without_gc(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    """Call ``fn`` with the cycle collector paused (restored after).

    Normalizers allocate millions of small tuples and strings and create no reference
    cycles; the collector's full passes over them cost a large share of the run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return fn(*args, **kwargs)
    finally:
        if was_enabled:
            gc.enable()


def _executor(workers: int) -> ProcessPoolExecutor:
    # "spawn": workers start lean instead of inheriting (and copy-on-write touching)
    # the parent's million-row frames, which keeps peak memory down.
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))


def normalize_records(
    records: pd.DataFrame,
    source_defaults: pd.DataFrame | Mapping,
    rules: ValidationRules,
    vocabularies: Vocabularies | Mapping[str, Any] | None,
    today: date,
    attribute_specs: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    include_names: bool = True,
    parallel_threshold: int = PARALLEL_MIN_DISTINCT,
    workers: int = PARALLEL_WORKERS,
) -> pd.DataFrame:
    """Records plus every normalized column (values, keys, statuses, reasons).

    ``today`` bounds dates of birth (passed in so runs are reproducible).
    ``attribute_specs`` (``{source: {attr: {"type", "vocabulary",
    "date_format", "decimal"}}}``) adds ``attr_norm.<name>`` columns; the
    unmapped-vocabulary report is available from ``normalize_attributes``.
    With more than ``parallel_threshold`` rows and ``workers`` > 1, names,
    phones and e-mails run in worker processes (same result as serial).
    """
    parallel = workers > 1 and len(records) > parallel_threshold
    with _executor(workers) if parallel else contextlib.nullcontext() as executor:
        return _without_gc(_normalize_records, records, source_defaults, rules, vocabularies,
                           today, attribute_specs, include_names, executor, parallel_threshold)


def _normalize_records(
    records: pd.DataFrame,
    source_defaults: pd.DataFrame | Mapping,
    rules: ValidationRules,
    vocabularies: Vocabularies | Mapping[str, Any] | None,
    today: date,
    attribute_specs: Mapping[str, Mapping[str, Mapping[str, Any]]] | None,
    include_names: bool,
    executor: Executor | None,
    threshold: int,
) -> pd.DataFrame:
    index = records.index
    settings = source_settings(records, source_defaults)
    parts: list[pd.DataFrame | Future] = []
    pending_names = None
    if include_names and executor is not None:  # the longest job goes to the pool first
        pending_names = _submit_names(records, executor,
                                      PARALLEL_WORKERS * NAME_CHUNKS_PER_WORKER, threshold)

    countries = normalize_countries(_column(records, "country"))
    parts.append(countries)
    row_country = countries["country_code"]
    effective = row_country.fillna(settings["default_country"])

    def run(fn, *args, **kwargs):  # noqa: ANN001, ANN202 - in the pool when there is one
        if executor is None:
            return fn(*args, **kwargs)
        return executor.submit(_without_gc, fn, *args, **kwargs)

    parts.append(run(normalize_emails, _column(records, "email")))
    parts.append(run(normalize_phones, _column(records, "phone"), row_country,
                     settings["default_country"], prefix="phone"))
    parts.append(normalize_phones(_column(records, "phone_2"), row_country,
                                  settings["default_country"], prefix="phone_2"))
    parts.append(normalize_addresses(records, effective))
    parts.append(parse_dates_by_source(_column(records, "date_of_birth"),
                                       settings["date_format"], rules.min_birth_year, today))
    parts.append(normalize_tax_ids(_column(records, "tax_id"), effective))
    parts.append(normalize_companies(_column(records, "company")))
    if pending_names is not None:
        parts.append(_collect_names(pending_names, records))
    elif include_names:
        parts.append(normalize_name_part(records))
    if attribute_specs:
        attrs, _ = normalize_attributes(records, attribute_specs, vocabularies)
        parts.append(attrs)
    frames = [p.result() if isinstance(p, Future) else p for p in parts]
    del parts
    for i, part in enumerate(frames):
        part.index = index
        frames[i] = part.drop(columns=[c for c in part.columns if c in records.columns])
    # one concat without intermediate copies: a million rows × ~80 columns is GBs
    return pd.concat([records, *frames], axis=1, copy=False)


# ---------------------------------------------------------------------------
# attributes
# ---------------------------------------------------------------------------


def parse_numbers(values: pd.Series, decimal: str = ".") -> pd.Series:
    """Numbers as exported: "1.234,56" (decimal comma), "1,234.56", "1 234,56 €" -> float.

    With ``decimal=","`` dots and spaces are thousands separators; with ``"."``
    commas and spaces are. Unparsable text becomes NaN (reported as invalid by
    quality metrics through ``attr_norm`` missing where raw is present).
    """
    raw = clean_strings(values)
    s = raw.str.replace(r"[\s\u00a0'€$£₽]|руб\.?|EUR|USD|MXN|RUB|GBP", "", regex=True)
    s = s.str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # accounting negatives
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        s = s.str.replace(",", "", regex=False)
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _parse_attribute(values: pd.Series, spec: Mapping[str, Any],
                     vocabularies: Vocabularies | Mapping | None) -> tuple[pd.Series, pd.Series]:
    """(parsed, unmapped/unparsed flag) for one attribute of one source."""
    kind = spec.get("type", "string")
    raw = clean_strings(values)
    if spec.get("vocabulary"):
        if vocabularies is None:
            raise ValueError(f"attribute needs vocabulary {spec['vocabulary']!r} but none loaded")
        mapped, unmapped = map_vocabulary(values, spec["vocabulary"], vocabularies)
        return mapped.astype(object), unmapped
    if kind == "number":
        parsed = parse_numbers(values, spec.get("decimal", "."))
    elif kind == "integer":
        num = parse_numbers(values, spec.get("decimal", "."))
        whole = num.notna() & (num == np.floor(num))
        parsed = num.where(whole).astype("Int64")
    elif kind == "date":
        parsed = parse_date_column(values, spec.get("date_format"))
    elif kind == "boolean":
        parsed = raw.str.lower().map(
            {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        )
    else:
        parsed = raw
    failed = raw.notna() & pd.Series(parsed, index=raw.index).isna()
    return parsed.astype(object), failed.astype(bool)


def normalize_attributes(
    records: pd.DataFrame,
    attribute_specs: Mapping[str, Mapping[str, Mapping[str, Any]]],
    vocabularies: Vocabularies | Mapping | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed/vocabulary attributes per source -> ``attr_norm.<name>`` columns.

    Returns ``(frame, report)``; ``report`` has one row per source × attribute
    with ``present``, ``unmapped`` (count of non-empty raw values that did not
    parse or map) and ``unmapped_distinct`` — counts only, never the values,
    so it can go into logs and the audit report. Raw ``attr.<name>`` columns
    are left untouched.
    """
    src = _column(records, "source").astype(object)
    out: dict[str, pd.Series] = {}
    report = []
    for source, specs in attribute_specs.items():
        rows = src == source
        if not rows.any():
            continue
        for name, spec in specs.items():
            col = f"{ATTRIBUTE_PREFIX}{name}"
            if col not in records.columns:
                continue
            target = f"{NORMALIZED_ATTRIBUTE_PREFIX}{name}"
            if target not in out:
                out[target] = pd.Series(None, index=records.index, dtype=object)
            values = records.loc[rows, col]
            parsed, failed = _parse_attribute(values, dict(spec), vocabularies)
            out[target].loc[rows] = parsed.to_numpy()
            raw = clean_strings(values)
            report.append(
                {
                    "source": source,
                    "attribute": name,
                    "present": int(raw.notna().sum()),
                    "unmapped": int(failed.sum()),
                    "unmapped_distinct": int(raw[failed].nunique()),
                }
            )
    frame = pd.DataFrame(out, index=records.index)
    for col in frame.columns:
        frame[col] = frame[col].infer_objects()
    report_df = pd.DataFrame(
        report, columns=["source", "attribute", "present", "unmapped", "unmapped_distinct"]
    )
    if len(report_df) and report_df["unmapped"].sum():
        for row in report_df[report_df["unmapped"] > 0].itertuples():
            log.warning("attribute %s.%s: %d unmapped values (%d distinct)",
                        row.source, row.attribute, row.unmapped, row.unmapped_distinct)
    return frame, report_df
