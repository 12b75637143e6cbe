"""Normalize canonical records: every identity field and typed attribute.

``normalize_records`` is the single entry point the flow calls. It adds, per
identity field, the normalized values, match keys and ``<field>_status`` /
``<field>_reason`` (see ``crm_golden.schema.NORMALIZED_COLUMNS``), and keeps
every input column untouched (lineage and raw values stay for stewards).

Rows are independent, so the function can run on chunks of rows (Dask) and
give the same result as on the whole frame. Each field normalizer works per
distinct value, which is where the speed comes from.

Big runs use both cores: above ``PARALLEL_MIN_DISTINCT`` rows, phones (in row
slices), names (in chunks of distinct name combinations) and e-mails are queued,
in that order, to a pool of worker processes while this process normalizes
everything else; when it is done it takes back, last queued first, the jobs no
worker has started, so no core idles while the other has work. Freed memory is
handed back to the OS between steps, so the peak RSS is the live frames, not
earlier steps' garbage. Every
normalizer is a pure function of its row's values, so the result is identical
to the serial path (``tests/test_normalize.py`` checks it).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crm_golden.config.validation import ValidationRules
from crm_golden.schema import ATTRIBUTE_PREFIX, RAW_ATTRIBUTE_PREFIX
from transforms.addresses import normalize_addresses, normalize_countries
from transforms.companies import normalize_companies
from transforms.dates import parse_date_column, parse_dates_by_source
from transforms.emails import normalize_emails
from transforms.names import normalize_names
from transforms.partitions import lean_spawn
from transforms.phones import normalize_phones
from transforms.tax_ids import normalize_tax_ids
from transforms.vocab import Vocabularies, clean_strings, factorize_cells, map_vocabulary

log = logging.getLogger(__name__)

NORMALIZED_ATTRIBUTE_PREFIX = "attr_norm."
# Below this many rows (or distinct name combinations) everything stays in one process:
# starting workers costs about a second, more than small runs and tests take.
PARALLEL_MIN_DISTINCT = 50_000
PARALLEL_WORKERS = 2
NAME_CHUNKS_PER_WORKER = 6  # small chunks balance the workers and the main process
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
    # a handful of sources: settle each distinct source once, then take per row
    codes, sources = factorize_cells(_column(records, "source").astype(object))
    out = pd.DataFrame(index=records.index)
    for key in ("default_country", "date_format"):
        values = {s: (conf or {}).get(key) for s, conf in mapping.items()}
        per_source = [values.get(s) for s in sources] + [None]  # code -1 (<NA>) -> None
        column = pd.Series(per_source, dtype=object)
        column = column.where(column.notna(), None)
        if key == "default_country":
            column = column.astype("string").str.upper()
        out[key] = column.array.take(codes, allow_fill=False) if len(codes) else column[:0].array
    return out


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


def _name_chunks(records: pd.DataFrame, chunks: int, threshold: int
                 ) -> tuple[list[pd.DataFrame], np.ndarray] | None:
    """Distinct name combinations in ``chunks`` slices, and row -> combination code.

    None when names should run inline: too few combinations for worker processes to
    pay off.
    """
    distinct, codes = _distinct_name_rows(records)
    if len(distinct) <= threshold:
        return None
    size = -(-len(distinct) // chunks)
    return [distinct.iloc[i:i + size] for i in range(0, len(distinct), size)], codes


def _names_of(per_combination: list[pd.DataFrame], codes: np.ndarray,
              records: pd.DataFrame) -> pd.DataFrame:
    """Name columns per row from the per-combination results (input columns left out).

    Built one column at a time, each chunk's column released once used: most names
    are distinct, so the per-combination table is nearly as big as the result and
    concatenating, selecting and taking it whole held three copies at once.
    """
    columns = [c for c in per_combination[0].columns if c not in records.columns]
    out = {}
    for col in columns:
        whole = pd.concat([chunk.pop(col) for chunk in per_combination], ignore_index=True)
        out[col] = whole.array.take(codes)
        del whole
    per_combination.clear()
    return pd.DataFrame(out, index=records.index, copy=False)


def normalize_name_part(records: pd.DataFrame) -> pd.DataFrame:
    """Name columns from ``transforms.names.normalize_names``, without the input columns."""
    names = normalize_names(records)
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


def _load_malloc_trim():  # noqa: ANN202 - glibc's malloc_trim, or None elsewhere
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_MALLOC_TRIM = _load_malloc_trim()


def _release_memory() -> None:
    """Give freed heap and Arrow-pool memory back to the OS between big steps.

    Each step frees hundreds of megabytes of million-row temporaries; glibc keeps
    freed 8 MB arrays in its heap (its mmap threshold grows after the first free) and
    Arrow's pool keeps its buffers, so without this the process's peak RSS counts
    earlier steps' garbage on top of the live frames. A few milliseconds a call.
    """
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class _Packed:
    """A DataFrame with its few-valued text columns as integer codes, for the trip back.

    Pickling a million-row column of statuses costs a pickle-memo lookup per row;
    codes and the handful of distinct values cost a memory copy. ``unpack`` gives
    back the same values, dtypes and missing markers (<NA>).
    """

    # below MIN_ROWS hashing the column costs more than its pickle-memo lookups
    SAMPLE, MAX_DISTINCT, MIN_ROWS = 2_000, 256, 200_000

    def __init__(self, frame: pd.DataFrame) -> None:
        self.index = frame.index
        self.columns = list(frame.columns)
        self.data = [self._pack(frame[name]) for name in self.columns]

    @classmethod
    def _pack(cls, column: pd.Series) -> tuple | pd.Series:
        string = isinstance(column.dtype, pd.StringDtype)
        if not (string or column.dtype == object) or len(column) < cls.MIN_ROWS:
            return column
        if column.iloc[:cls.SAMPLE].nunique(dropna=False) > cls.MAX_DISTINCT // 2:
            return column  # many distinct values: codes would not pay
        codes, uniques = pd.factorize(column.array if string else column.to_numpy(),
                                      use_na_sentinel=True)
        if len(uniques) > cls.MAX_DISTINCT:
            return column
        if not string and not (all(isinstance(u, str) for u in uniques)
                               and all(v is pd.NA for v in column.to_numpy()[codes < 0])):
            return column  # only str and <NA> are sure to come back as they were
        return string, codes.astype(np.int16), uniques

    def unpack(self) -> pd.DataFrame:
        out = {}
        for name, item in zip(self.columns, self.data, strict=True):
            if isinstance(item, tuple):
                string, codes, uniques = item
                if string:
                    item = uniques.take(codes, allow_fill=True)
                else:
                    item = np.append(np.asarray(uniques, dtype=object), pd.NA)[codes]
            out[name] = item
        self.data = []
        return pd.DataFrame(out, index=self.index, copy=False)


def _pool_job(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    """A pool job: ``fn`` with the cycle collector paused, memory released after, and a
    DataFrame result packed for the trip back (see ``_Packed``)."""
    try:
        result = _without_gc(fn, *args, **kwargs)
        if isinstance(result, pd.DataFrame):
            result = _Packed(result)
    finally:
        _release_memory()
    return result


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
    with contextlib.ExitStack() as stack:
        pool = _Pool(None)
        if parallel:
            stack.enter_context(lean_spawn())  # workers start at the first submit, below
            pool = _Pool(stack.enter_context(_executor(workers)))
        return _without_gc(_normalize_records, records, source_defaults, rules, vocabularies,
                           today, attribute_specs, include_names, pool, parallel_threshold,
                           workers)


def normalize_chunk(source_defaults: pd.DataFrame | Mapping, rules: ValidationRules,
                    vocabularies: Vocabularies | Mapping[str, Any] | None, today: date,
                    chunk: pd.DataFrame) -> pd.DataFrame:
    """``normalize_records`` on one chunk of rows, in this process only: a cluster worker
    runs one chunk per task (it may not start worker processes of its own)."""
    return normalize_records(chunk, source_defaults, rules, vocabularies, today, workers=1)


def _normalize_records(
    records: pd.DataFrame,
    source_defaults: pd.DataFrame | Mapping,
    rules: ValidationRules,
    vocabularies: Vocabularies | Mapping[str, Any] | None,
    today: date,
    attribute_specs: Mapping[str, Mapping[str, Mapping[str, Any]]] | None,
    include_names: bool,
    pool: _Pool,
    threshold: int,
    workers: int,
) -> pd.DataFrame:
    index = records.index
    # Pool jobs are queued longest first (phones, then names in chunks) and the main
    # process does the rest meanwhile; when it is done it takes back, last queued
    # first, the jobs no worker has started (e-mails, queued last, usually: no result
    # to pickle for those), so the two cores stay busy whatever the machine's load.
    settings = source_settings(records, source_defaults)
    countries = normalize_countries(_column(records, "country"))
    row_country = countries["country_code"]
    # phones in row slices: a result per row, so the slices concatenate to the whole
    phones = [pool.submit(normalize_phones, _column(records, "phone").iloc[rows],
                          row_country.iloc[rows], settings["default_country"].iloc[rows],
                          prefix="phone")
              for rows in _row_slices(len(records), workers if pool.executor else 1)]
    names = None
    if include_names and pool.executor is not None:
        chunked = _name_chunks(records, workers * NAME_CHUNKS_PER_WORKER, threshold)
        if chunked is not None:
            names = ([pool.submit(normalize_names, chunk) for chunk in chunked[0]], chunked[1])
    emails = pool.submit(normalize_emails, _column(records, "email"))
    effective = row_country.fillna(settings["default_country"])
    parts: list[pd.DataFrame | _Job] = [countries, emails, _Concat(phones)]
    pool.checkpoint()
    parts.append(normalize_phones(_column(records, "phone_2"), row_country,
                                  settings["default_country"], prefix="phone_2"))
    parts.append(normalize_addresses(records, effective))
    pool.checkpoint()
    parts.append(parse_dates_by_source(_column(records, "date_of_birth"),
                                       settings["date_format"], rules.min_birth_year, today))
    pool.checkpoint()
    parts.append(normalize_tax_ids(_column(records, "tax_id"), effective))
    pool.checkpoint()
    parts.append(normalize_companies(_column(records, "company")))
    attributes = (normalize_attributes(records, attribute_specs, vocabularies)[0]
                  if attribute_specs else None)
    del settings, countries, row_country, effective
    pool.checkpoint()
    pool.run_queued_here()
    pool.fetch_all()
    if names is not None:
        parts.append(_names_of([job.result() for job in names[0]], names[1], records))
    elif include_names:
        parts.append(normalize_name_part(records))
    if attributes is not None:
        parts.append(attributes)
        del attributes
    _release_memory()
    frames = []
    while parts:  # collected one by one so each pool result is released once placed
        part = parts.pop(0)
        part = part.result() if isinstance(part, _Job | _Concat) else part
        part.index = index
        overlap = [c for c in part.columns if c in records.columns]
        frames.append(part.drop(columns=overlap) if overlap else part)
    # one concat without intermediate copies: a million rows × ~80 columns is GBs
    return pd.concat([records, *frames], axis=1, copy=False)


def _row_slices(n: int, parts: int) -> list[slice]:
    size = max(-(-n // max(parts, 1)), 1)
    return [slice(i, min(i + size, n)) for i in range(0, n, size)] or [slice(0, 0)]


class _Concat:
    """Row slices computed as separate jobs, concatenated back in order."""

    def __init__(self, jobs: list[_Job]) -> None:
        self.jobs = jobs

    def result(self) -> pd.DataFrame:
        frames = [job.result() for job in self.jobs]
        self.jobs = []
        if len(frames) == 1:
            return frames[0]
        # column by column: pd.concat would turn <NA> into NaN in a slice whose column
        # is all missing (it treats all-NA blocks as "no dtype")
        columns = {}
        for name in frames[0].columns:
            parts = [frame[name].array for frame in frames]
            columns[name] = type(parts[0])._concat_same_type(parts)
        index = frames[0].index.append([frame.index for frame in frames[1:]])
        return pd.DataFrame(columns, index=index, copy=False)


class _Job:
    """A call that runs in the pool, or here when no worker has started it yet."""

    def __init__(self, future: Future | None, fn, args: tuple, kwargs: dict) -> None:  # noqa: ANN001
        self.future, self.fn, self.args, self.kwargs = future, fn, args, kwargs
        self._value: Any = None
        self._done = future is None
        if future is None:
            self._value = fn(*args, **kwargs)

    def take_back(self) -> bool:
        """Run here if the pool has not started it (True when it ran here)."""
        if self._done or self.future is None or not self.future.cancel():
            return False
        self._value, self._done = self.fn(*self.args, **self.kwargs), True
        self.args, self.kwargs = (), {}  # release the inputs
        return True

    def fetch(self) -> None:
        """Wait for the pool's result and load it (a no-op once done)."""
        if not self._done:
            assert self.future is not None  # not done means submitted to the pool
            self._value, self._done = self.future.result(), True
            if isinstance(self._value, _Packed):
                self._value = self._value.unpack()
            self.args, self.kwargs = (), {}

    def ready(self) -> bool:
        return self._done or (self.future is not None and self.future.done())

    def result(self) -> Any:
        self.fetch()
        self.future = None
        value, self._value = self._value, None
        return value


class _Pool:
    """Submits jobs to ``executor`` (or runs them inline without one) and can take them back."""

    def __init__(self, executor: Executor | None) -> None:
        self.executor = executor
        self.jobs: list[_Job] = []

    def submit(self, fn, *args, **kwargs) -> _Job:  # noqa: ANN001
        future = None
        if self.executor is not None:
            future = self.executor.submit(_pool_job, fn, *args, **kwargs)
        job = _Job(future, fn, args, kwargs)
        self.jobs.append(job)
        return job

    def checkpoint(self) -> None:
        """Between two steps here: free memory and load the results workers have finished.

        Loading them while the workers are still busy keeps that work off the end of
        the run, when the workers would wait for the main process.
        """
        _release_memory()
        for job in self.jobs:
            if job.ready():
                job.fetch()

    def run_queued_here(self) -> None:
        """Run here, last queued first, every job no worker has started yet."""
        for job in reversed(self.jobs):
            if job.take_back():
                self.checkpoint()

    def fetch_all(self) -> None:
        """Load every result, in the order the workers finish them."""
        pending = {job.future: job for job in self.jobs
                   if job.future is not None and not job.ready()}
        for job in self.jobs:
            if job.ready():
                job.fetch()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending.pop(future).fetch()
        self.jobs = []


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
    so it can go into logs and the audit report. Raw ``attr_<name>`` columns
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
            # every parser reads the cells as strings and is a function of one cell, so
            # each distinct cell is parsed once (a few values repeated a million times)
            codes, uniques = pd.factorize(records.loc[rows, col].astype("string"),
                                          use_na_sentinel=True)
            codes = np.where(codes < 0, len(uniques), codes)
            distinct = pd.Series(pd.array([*uniques, pd.NA], dtype="string"))
            parsed, failed = _parse_attribute(distinct, dict(spec), vocabularies)
            out[target].loc[rows] = parsed.to_numpy()[codes]
            raw = clean_strings(distinct)
            counts = np.bincount(codes, minlength=len(distinct))
            failed = failed.to_numpy(dtype=bool)
            report.append(
                {
                    "source": source,
                    "attribute": name,
                    "present": int(counts[raw.notna().to_numpy()].sum()),
                    "unmapped": int(counts[failed].sum()),
                    "unmapped_distinct": int(raw[failed & (counts > 0)].nunique()),
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


def swap_typed_attributes(normalized: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """Typed attributes (``normalize_attributes``) replace their raw text under
    ``attr_<name>``; the text as exported stays in ``raw_attr_<name>``."""
    out = normalized.copy()
    for col in typed.columns:
        name = col[len(NORMALIZED_ATTRIBUTE_PREFIX):]
        raw_col = f"{ATTRIBUTE_PREFIX}{name}"
        if raw_col in out.columns:
            out[f"{RAW_ATTRIBUTE_PREFIX}{name}"] = out.pop(raw_col)
        out[raw_col] = typed[col].to_numpy()
    return out
