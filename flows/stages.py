"""The pipeline's stages as plain functions: load config, call transforms, count.

``flows/pipeline.py`` wraps each stage as one coarse Prefect task; the CLI's
``--no-prefect`` path and the tests call the same functions directly. Stages
return DataFrames and JSON-safe counts only; nothing here logs personal data.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from crm_golden import __version__
from crm_golden.config.rules import Rules, load_rules
from crm_golden.schema import ATTRIBUTE_PREFIX, LINEAGE_COLUMNS, RAW_ATTRIBUTE_PREFIX
from flows.ledger import ledger_lock, read_ledger
from transforms import ingest as ingest_mod
from transforms.audit import build_audit, headline_markdown, invalid_samples
from transforms.decisions import constraints_for_run, drop_decided_pairs
from transforms.golden_ids import (
    REGISTRY_FILES,
    GoldenIdRegistry,
    assign_golden_ids,
    build_membership,
)
from transforms.link import LinkResult, build_review_queue, link_records
from transforms.model import FSModel
from transforms.normalize import (
    NORMALIZED_ATTRIBUTE_PREFIX,
    normalize_attributes,
    normalize_records,
)
from transforms.publish import previous_run_dir, publish_run, write_parquet
from transforms.report_html import render_report
from transforms.review_age import previous_queue, with_queued_since
from transforms.survive import attach_golden_ids, golden_arrow_schema, survive
from transforms.validate import quality_metrics, split_quarantine

log = logging.getLogger("crm_golden.stages")


@dataclass
class RunContext:
    """What one run knows about itself: ids, folders, timings and the audit it builds."""

    rules_dir: Path
    output_dir: Path
    run_id: str
    started: datetime
    today: date
    audit: dict[str, Any] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def state_dir(self) -> Path:
        return self.output_dir / "state"


def new_run_id(started: datetime, salt: str) -> str:
    """``YYYYMMDDTHHMMSSZ-xxxxxx``: sorts by start time; ``salt`` separates runs that start
    in the same second (the rules folder, or the Prefect flow run id)."""
    suffix = hashlib.sha256(f"{started.isoformat()}{salt}".encode()).hexdigest()[:6]
    return f"{started.strftime('%Y%m%dT%H%M%S')}Z-{suffix}"


def new_run_context(rules_dir: Path, output_dir: Path, today: date | None = None,
                    run_id: str | None = None) -> RunContext:
    started = datetime.now(UTC)
    return RunContext(Path(rules_dir).resolve(), Path(output_dir).resolve(),
                      run_id or new_run_id(started, str(rules_dir)), started,
                      today or started.date())


class timed:
    """Context manager adding a stage's wall time to ``ctx.stage_seconds``."""

    def __init__(self, ctx: RunContext, stage: str) -> None:
        self.ctx, self.stage = ctx, stage

    def __enter__(self) -> timed:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.t0
        self.ctx.stage_seconds[self.stage] = round(
            self.ctx.stage_seconds.get(self.stage, 0.0) + elapsed, 3)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- stages


def stage_load_rules(ctx: RunContext) -> Rules:
    with timed(ctx, "load_rules"):
        return load_rules(ctx.rules_dir)


def stage_ingest(ctx: RunContext, rules: Rules) -> ingest_mod.IngestResult:
    """Read every export; record file hashes and row counts for the audit."""
    with timed(ctx, "ingest"):
        result = ingest_mod.ingest_sources(rules.sources)
        for info in result.files:
            info["sha256"] = file_sha256(Path(info["path"]))
        return result


def source_defaults(rules: Rules) -> dict[str, dict[str, Any]]:
    """Per source: default country, date format, decimal separator and attribute specs."""
    return {
        s.name: {
            "default_country": s.default_country,
            "date_format": s.date_format,
            "decimal": s.decimal,
            "attributes": {
                name: {"type": spec.type, "vocabulary": spec.vocabulary,
                       "date_format": s.date_format, "decimal": s.decimal}
                for name, spec in s.attributes.items()
            },
        }
        for s in rules.sources
    }


@dataclass
class NormalizeResult:
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    quality: pd.DataFrame
    unmapped: pd.DataFrame


def stage_normalize(ctx: RunContext, rules: Rules, records: pd.DataFrame) -> NormalizeResult:
    """Normalize and validate every identity field; unusable rows go to quarantine.

    Typed attributes replace their raw text under ``attr_<name>`` (numbers, dates, booleans,
    vocabulary terms); the text as exported stays in ``raw_attr_<name>``.
    """

    with timed(ctx, "normalize"):
        defaults = source_defaults(rules)
        specs = {name: conf["attributes"] for name, conf in defaults.items()}
        normalized = normalize_records(records, defaults, rules.validation, rules.vocabularies,
                                       ctx.today)
        typed, unmapped = normalize_attributes(records, specs, rules.vocabularies)
        normalized = _swap_typed_attributes(normalized, typed)
        clean, rejected = split_quarantine(normalized, rules.validation)
        quality = quality_metrics(normalized)
    quarantine = validation_quarantine(rejected)
    clean = clean.reset_index(drop=True)
    return NormalizeResult(clean, quarantine, quality, pd.DataFrame(unmapped))


def _swap_typed_attributes(normalized: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:

    out = normalized.copy()
    for col in typed.columns:
        name = col[len(NORMALIZED_ATTRIBUTE_PREFIX):]
        raw_col = f"{ATTRIBUTE_PREFIX}{name}"
        if raw_col in out.columns:
            out[f"{RAW_ATTRIBUTE_PREFIX}{name}"] = out.pop(raw_col)
        out[raw_col] = typed[col].to_numpy()
    return out


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


def package_version() -> str:
    return __version__


# --------------------------------------------------------------------------- linking


def _matching_hash(rules: Rules) -> str:
    return hashlib.sha256((rules.folder / "matching.yaml").read_bytes()).hexdigest()


def load_saved_model(ctx: RunContext, rules: Rules) -> FSModel | None:
    """The model trained by an earlier run with the same matching rules, if any."""

    path = ctx.state_dir / "model.json"
    stamp = ctx.state_dir / "model.rules.sha256"
    if not path.is_file() or not stamp.is_file():
        return None
    if stamp.read_text().strip() != _matching_hash(rules):
        return None  # matching rules changed since training: retrain
    return FSModel.from_json(path.read_text(encoding="utf-8"))


def save_model(ctx: RunContext, rules: Rules, model: FSModel) -> None:
    ctx.state_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(ctx.state_dir / "model.json", model.to_json())
    atomic_write_text(ctx.state_dir / "model.rules.sha256", _matching_hash(rules))


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def stage_link(ctx: RunContext, rules: Rules, clean: pd.DataFrame, retrain: bool = False,
               must_link: pd.DataFrame | None = None,
               cannot_link: pd.DataFrame | None = None) -> LinkResult:
    """Block, compare, score with the (re)trained model and cluster without chaining."""

    with timed(ctx, "link"):
        model = None if retrain else load_saved_model(ctx, rules)
        result = link_records(clean, rules.matching, model=model, retrain=model is None,
                              must_link=must_link, cannot_link=cannot_link)
    return result


# --------------------------------------------------------------------------- golden profiles


def load_registry(ctx: RunContext) -> GoldenIdRegistry | None:
    """The golden id registry from ``OUTPUT/state/``; None on a first run or lost state."""

    paths = {k: ctx.state_dir / v for k, v in REGISTRY_FILES.items()}
    if not all(p.is_file() for p in paths.values()):
        return None
    return GoldenIdRegistry(**{k: pd.read_parquet(p) for k, p in paths.items()})


def save_registry(ctx: RunContext, registry: GoldenIdRegistry) -> None:
    """Replace each registry file atomically (write .tmp, then rename)."""

    ctx.state_dir.mkdir(parents=True, exist_ok=True)
    for key, name in REGISTRY_FILES.items():
        target = ctx.state_dir / name
        tmp = target.with_name(name + ".tmp")
        write_parquet(getattr(registry, key), tmp)
        tmp.replace(target)


@dataclass
class GoldenResult:
    golden: pd.DataFrame
    crosswalk: pd.DataFrame
    redirects: pd.DataFrame
    churn: dict[str, int]
    registry: GoldenIdRegistry
    schema: pa.Schema | None = None


def stage_survive(ctx: RunContext, rules: Rules, clean: pd.DataFrame,
                  clusters: pd.DataFrame) -> GoldenResult:
    """Survivorship per cluster, then stable golden ids from the registry in ``state/``."""

    with timed(ctx, "survive"):
        golden = survive(clean, clusters, rules.survivorship, rules.trust)
    with timed(ctx, "golden_ids"):
        ids = assign_golden_ids(build_membership(clean, clusters), load_registry(ctx),
                                ctx.run_id)
        golden = attach_golden_ids(golden, ids.ids)
        crosswalk = ids.crosswalk.sort_values(["source", "source_record_id"], kind="mergesort")
    return GoldenResult(golden, crosswalk.reset_index(drop=True), ids.redirects, ids.churn,
                        ids.registry, golden_arrow_schema(golden, rules.survivorship))


@dataclass
class Decisions:
    """Steward decisions turned into constraints for this run (empty until any exist).

    ``applied``/``stale`` go to the audit's changes section; ``stale_ids`` name decisions
    whose records are no longer delivered (ids only, no personal data). ``ledger`` is the
    decisions themselves, for ``transforms.decisions.drop_decided_pairs`` on the review queue.
    """

    must_link: pd.DataFrame | None = None
    cannot_link: pd.DataFrame | None = None
    applied: int = 0
    stale: int = 0
    stale_ids: list[str] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)


def load_decisions(ctx: RunContext, clean: pd.DataFrame) -> Decisions:
    """Constraints from the decisions ledger under ``state/`` (see ``transforms.decisions``).

    The ledger is read under its lock so a half-written decision is never seen. The rules
    folder of this run is remembered in ``state/rules_dir.txt``: the steward verbs rebuild
    profiles with the same survivorship and clustering rules without being told where
    they are (they still check the rules' hash against the latest audit).
    """

    ctx.state_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(ctx.state_dir / "rules_dir.txt", str(ctx.rules_dir))
    with ledger_lock(ctx.state_dir):
        ledger = read_ledger(ctx.state_dir)
    if not ledger:
        return Decisions()
    cons = constraints_for_run(ledger, clean)
    return Decisions(cons.must_link, cons.cannot_link, cons.applied, cons.stale,
                     cons.stale_ids, ledger)


def account_rows(ctx: RunContext, ingested: ingest_mod.IngestResult,
                 normalized: NormalizeResult) -> pd.DataFrame:
    """Rows in = clean + quarantined per source, checked on every run (raises when not)."""
    quarantine = pd.concat([ingested.quarantine, normalized.quarantine], ignore_index=True)
    table = ingest_mod.row_accounting(ingested.rows_read, normalized.clean, quarantine)
    ingest_mod.check_row_accounting(table)
    return table


def stage_publish(ctx: RunContext, rules: Rules, ingested: ingest_mod.IngestResult,
                  normalized: NormalizeResult, accounting: pd.DataFrame, linked: LinkResult,
                  golden: GoldenResult, decisions: Decisions) -> dict[str, Any]:
    """Write every output of the contract, then move ``latest``; persist state after."""

    with timed(ctx, "publish"):
        previous = previous_run_dir(ctx.output_dir)
        quarantine = pd.concat([ingested.quarantine, normalized.quarantine], ignore_index=True)
        quarantine = quarantine.sort_values(["source", "source_row"], kind="mergesort")
        # Pairs a steward already decided never come back to the queue.
        review = drop_decided_pairs(build_review_queue(linked.pairs, normalized.clean),
                                    decisions.ledger)
        review = with_queued_since(review, previous_queue(previous), ctx.today)  # queue age
        links = linked.pairs
        tables = {
            "golden_customers": (golden.golden, golden.schema),
            "crosswalk": golden.crosswalk,
            "clean_records": normalized.clean,
            "links": links,
            "review_queue": review,
            "quarantine": quarantine.reset_index(drop=True),
            "id_redirects": golden.redirects,
        }
    ctx.stage_seconds["total"] = round(sum(ctx.stage_seconds.values()), 3)
    # Report build time is recorded for the run summary (the audit is built from the rest).
    with timed(ctx, "report"):
        audit = build_audit(
            ctx=ctx, rules=rules, files=ingested.files, accounting=accounting,
            quarantine=quarantine, quality=normalized.quality, unmapped=normalized.unmapped,
            link_metrics=linked.metrics, golden=golden.golden, churn=golden.churn,
            review=review, decisions={"applied": decisions.applied, "stale": decisions.stale},
            previous_run=previous.name if previous else None, version=package_version(),
            samples=invalid_samples(normalized.clean), crosswalk=golden.crosswalk,
            links=linked.pairs, clean=normalized.clean,
        )
        html = render_report(audit)
    # Publish and save state under the ledger lock, so a steward verb never interleaves with
    # it. A decision recorded while this run was computing is not reflected in this run's
    # tables (it stays in the ledger and applies on the next run): say so, loudly.

    with ledger_lock(ctx.state_dir):
        arrived = len(read_ledger(ctx.state_dir)) - len(decisions.ledger)
        run_dir = publish_run(ctx.output_dir, ctx.run_id, tables, {
            "audit.json": audit,
            "audit_report.html": html,
            "model.json": linked.model.to_json(),
        })
        save_registry(ctx, golden.registry)
        save_model(ctx, rules, linked.model)
    if arrived > 0:
        log.warning("%d steward decision(s) arrived during this run; they apply from the "
                    "next run (re-run now to reflect them)", arrived)
    summary = {
        "run_id": ctx.run_id,
        "run_dir": str(run_dir),
        "rows_read": int(accounting["rows_read"].sum()),
        "clean_records": int(len(normalized.clean)),
        "quarantined": int(accounting["quarantined"].sum()),
        "golden_customers": int(len(golden.golden)),
        "review_pairs": int(len(review)),
        "id_churn": golden.churn,
        "decisions_arrived_during_run": max(arrived, 0),
        "stage_seconds": ctx.stage_seconds,
    }
    summary["artifact_markdown"] = headline_markdown(audit, run_dir)
    return summary
