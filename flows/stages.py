"""The pipeline's stages as plain functions: load config, call transforms, count.

``flows/pipeline.py`` wraps each stage as one coarse Prefect task; the CLI's
``--no-prefect`` path and the tests call the same functions directly. Stages
return DataFrames and JSON-safe counts only; nothing here logs personal data.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crm_golden import __version__
from crm_golden.config.privacy import load_privacy_rules
from crm_golden.config.rules import Rules, load_rules
from flows import privacy, state
from flows.engine import Engine
from flows.privacy import PrivacyError
from flows.state import StateSnapshot, StateUpdate
from transforms import decisions as dec
from transforms import ingest as ingest_mod
from transforms.audit import build_audit, invalid_samples
from transforms.audit_text import headline_markdown
from transforms.decisions import drop_decided_pairs
from transforms.golden_ids import GoldenIdRegistry, assign_golden_ids
from transforms.link import LinkResult, build_review_queue, cluster_records, link_records
from transforms.model import FSModel
from transforms.normalize import (
    normalize_attributes,
    normalize_chunk,
    normalize_records,
    swap_typed_attributes,
)
from transforms.partitions import StepReport, bounds, concat_rows, step_progress
from transforms.publish import previous_run_dir
from transforms.report_html import render_report
from transforms.review_age import previous_queue, with_queued_since
from transforms.survive import attach_golden_ids, golden_arrow_schema, survive
from transforms.validate import (
    quality_metrics,
    split_quarantine,
    thin_evidence,
    validation_quarantine,
)

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
    state: StateSnapshot | None = None  # the committed state this run builds on
    pruned: list[str] = field(default_factory=list)  # run folders retention deleted
    # where partitions compute (embedded, or a Dask cluster) and their sizes
    engine: Engine = field(default_factory=Engine)
    # progress within a stage: (step, done, total, unit); counts only
    report: StepReport | None = None

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
        result = ingest_mod.ingest_sources(rules.sources, report=ctx.report)
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


SUPPRESSED_COLUMNS = ["source", "source_row", "stage", "why"]


def empty_suppressed() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "source_row" else "string")
                         for c in SUPPRESSED_COLUMNS})


@dataclass
class NormalizeResult:
    """``suppressed``: one row per suppressed export row (source, row, stage, why: erased
    or opt_out), no values; ``suppression_hashes``: the list the run suppressed with."""

    clean: pd.DataFrame
    quarantine: pd.DataFrame
    quality: pd.DataFrame
    unmapped: pd.DataFrame
    suppressed: pd.DataFrame = field(default_factory=empty_suppressed)
    suppression_hashes: list[str] = field(default_factory=list)


def stage_normalize(ctx: RunContext, rules: Rules, records: pd.DataFrame,
                    quarantine: pd.DataFrame | None = None) -> NormalizeResult:
    """Normalize and validate every identity field; unusable rows go to quarantine.

    Typed attributes replace their raw text under ``attr_<name>`` (numbers, dates, booleans,
    vocabulary terms); the text as exported stays in ``raw_attr_<name>``. Rows of erased
    people (and opt-outs, when a rule says so) are suppressed once normalization has made
    their keys, before validation: they reach neither clean records nor the quarantine.
    ``quarantine`` (ingest's) is checked too; its suppressed rows are listed in
    ``suppressed`` (stage ``ingest``) for :func:`drop_suppressed`.
    """

    supp = privacy.run_suppression(ctx.output_dir, committed_state(ctx), rules)
    with timed(ctx, "normalize"):
        defaults = source_defaults(rules)
        specs = {name: conf["attributes"] for name, conf in defaults.items()}
        normalized = _normalize(ctx, rules, records, defaults)
        typed, unmapped = normalize_attributes(records, specs, rules.vocabularies)
        normalized = swap_typed_attributes(normalized, typed)
        suppressed = empty_suppressed()
        if supp is not None:
            normalized, suppressed = _suppress(normalized, quarantine, supp)
        clean, rejected = split_quarantine(normalized, rules.validation)
        quality = quality_metrics(normalized)
    quarantine = validation_quarantine(rejected)
    clean = clean.reset_index(drop=True)
    # kept by a name part and one other attribute only: linkable, but say how many
    clean["thin_evidence"] = thin_evidence(clean, rules.validation).to_numpy()
    return NormalizeResult(clean, quarantine, quality, pd.DataFrame(unmapped), suppressed,
                           sorted(supp.hashes) if supp is not None else [])


def _suppress(normalized: pd.DataFrame, quarantine: pd.DataFrame | None,
              supp: privacy.RunSuppression) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalized rows without the suppressed ones, and the list of what was suppressed."""
    erased, opt_out = privacy.suppressed_rows(normalized, supp)
    gone = erased | opt_out
    parts = [pd.DataFrame({"source": normalized.loc[gone, "source"].astype("string"),
                           "source_row": normalized.loc[gone, "source_row"].astype("int64"),
                           "stage": "normalize",
                           "why": np.where(erased[gone], "erased", "opt_out")})]
    if quarantine is not None and len(quarantine):
        q = privacy.suppressed_quarantine(quarantine, supp)
        parts.append(pd.DataFrame({"source": quarantine.loc[q, "source"].astype("string"),
                                   "source_row": quarantine.loc[q, "source_row"]
                                   .astype("int64"), "stage": "ingest", "why": "erased"}))
    listed = pd.concat(parts, ignore_index=True).astype(
        {"source": "string", "stage": "string", "why": "string"})
    if gone.any():
        log.info("suppressed %d row(s): %d of erased people, %d opted out",
                 int(gone.sum()), int(erased.sum()), int(opt_out.sum()))
    return normalized.loc[~gone].reset_index(drop=True), listed


def drop_suppressed(ingested: ingest_mod.IngestResult, normalized: NormalizeResult
                    ) -> ingest_mod.IngestResult:
    """Ingest's result without the rows normalization suppressed (records and quarantine),
    so nothing of an erased person is kept for a resume or published as quarantine."""
    s = normalized.suppressed
    if s.empty:
        return ingested
    def rows(stage: str) -> pd.MultiIndex:
        part = s[s["stage"] == stage]
        return pd.MultiIndex.from_arrays([part["source"].astype(str).to_numpy(),
                                          part["source_row"].astype("int64").to_numpy()])

    def without(frame: pd.DataFrame, gone: pd.MultiIndex) -> pd.DataFrame:
        if frame.empty or not len(gone):
            return frame
        here = pd.MultiIndex.from_arrays([frame["source"].astype(str).to_numpy(),
                                          frame["source_row"].astype("int64").to_numpy()])
        return frame[~here.isin(gone)].reset_index(drop=True)

    return ingest_mod.IngestResult(without(ingested.records, rows("normalize")),
                                   without(ingested.quarantine, rows("ingest")),
                                   ingested.rows_read, ingested.files)


def _normalize(ctx: RunContext, rules: Rules, records: pd.DataFrame,
               defaults: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Normalized records: here (worker processes for the big fields), or on a cluster by
    chunks of ``ctx.engine.partitioning.rows`` rows, concatenated in row order (each
    normalizer works per distinct value of its row's fields, so the chunked result is the
    same as the whole-frame one)."""
    progress = step_progress(ctx.report, "normalize", len(records), "rows")
    if not ctx.engine.distributed:
        out = normalize_records(records, defaults, rules.validation, rules.vocabularies,
                                ctx.today)
        if progress is not None:
            progress(len(records))
        return out
    cuts = bounds(len(records), ctx.engine.partitioning.rows)
    parts = ctx.engine.map(normalize_chunk, [(records.iloc[a:b],) for a, b in cuts],
                           shared=(defaults, rules.validation, rules.vocabularies, ctx.today),
                           sizes=[b - a for a, b in cuts], progress=progress)
    return concat_rows(parts)


def package_version() -> str:
    return __version__


# --------------------------------------------------------------------------- linking


def matching_hash(rules: Rules) -> str:
    """Hash of ``matching.yaml``: a saved model is reused only with the rules it was trained on."""
    return hashlib.sha256((rules.folder / "matching.yaml").read_bytes()).hexdigest()


def committed_state(ctx: RunContext) -> StateSnapshot:
    """The state this run builds on: read under the lock (after recovery) once, then kept."""
    if ctx.state is None:
        with state.locked(ctx.output_dir):
            ctx.state = state.read_state(ctx.output_dir)
    return ctx.state


def load_saved_model(ctx: RunContext, rules: Rules) -> FSModel | None:
    """The model trained by an earlier run with the same matching rules, if any."""
    snap = committed_state(ctx)
    if snap.model_json is None or snap.model_rules_hash != matching_hash(rules):
        return None  # no model yet, or matching rules changed since training: retrain
    return FSModel.from_json(snap.model_json)


def stage_link(ctx: RunContext, rules: Rules, clean: pd.DataFrame, retrain: bool = False,
               must_link: pd.DataFrame | None = None,
               cannot_link: pd.DataFrame | None = None) -> LinkResult:
    """Block, compare, score with the (re)trained model and cluster without chaining."""

    with timed(ctx, "link"):
        model = None if retrain else load_saved_model(ctx, rules)
        result = link_records(clean, rules.matching, model=model, retrain=model is None,
                              must_link=must_link, cannot_link=cannot_link,
                              partitioning=ctx.engine.partitioning, mapper=ctx.engine.map,
                              report=ctx.report)
    return result


# --------------------------------------------------------------------------- golden profiles


@dataclass
class Profiles:
    """Clusters and their survived rows before golden ids: what a run and a verb rebuild.

    ``membership``: record_id, source, source_record_id, cluster_id for every clean record
    (a cluster is labelled by its smallest record id); ``rows``: one survived row per
    cluster_id; ``schema``: the golden table's Arrow schema.
    """

    membership: pd.DataFrame
    rows: pd.DataFrame
    schema: pa.Schema | None = None
    rebuilt: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def group_of(self) -> pd.Series:
        """Record key (``source:source_record_id``) -> cluster_id."""
        keys = self.membership["source"].astype(str) + ":" + \
            self.membership["source_record_id"].astype(str)
        return pd.Series(self.membership["cluster_id"].to_numpy(), index=keys.to_numpy())


@dataclass
class GoldenResult:
    golden: pd.DataFrame
    crosswalk: pd.DataFrame
    redirects: pd.DataFrame
    churn: dict[str, int]
    registry: GoldenIdRegistry
    schema: pa.Schema | None = None
    profiles: Profiles | None = None


def membership_of(clean: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    cid = clean["record_id"].map(clusters.set_index("record_id")["cluster_id"])
    if cid.isna().any():
        raise ValueError(f"{int(cid.isna().sum())} clean records have no cluster_id")
    return pd.DataFrame({
        "record_id": clean["record_id"].to_numpy(dtype=np.int64),
        "source": clean["source"].astype(str).to_numpy(),
        "source_record_id": clean["source_record_id"].astype(str).to_numpy(),
        "cluster_id": cid.to_numpy(dtype=np.int64),
    })


def stage_survive(ctx: RunContext, rules: Rules, clean: pd.DataFrame,
                  clusters: pd.DataFrame) -> GoldenResult:
    """Survivorship per cluster, then stable golden ids from the committed registry."""

    with timed(ctx, "survive"):
        rows = survive(clean, clusters, rules.survivorship, rules.trust)
        profiles = Profiles(membership_of(clean, clusters), rows)
    return assign_ids(ctx, rules, profiles, committed_state(ctx).registry)


def assign_ids(ctx: RunContext, rules: Rules, profiles: Profiles,
               registry: GoldenIdRegistry | None) -> GoldenResult:
    """Golden ids for every cluster against ``registry``; the golden table keyed by them."""
    with timed(ctx, "golden_ids"):
        ids = assign_golden_ids(profiles.membership[["source", "source_record_id",
                                                     "cluster_id"]], registry, ctx.run_id)
        golden = attach_golden_ids(profiles.rows, ids.ids)
        crosswalk = ids.crosswalk.sort_values(["source", "source_record_id"], kind="mergesort")
    schema = profiles.schema or golden_arrow_schema(golden, rules.survivorship)
    return GoldenResult(golden, crosswalk.reset_index(drop=True), ids.redirects, ids.churn,
                        ids.registry, schema, profiles)


def affected_records(membership: pd.DataFrame, must_link: pd.DataFrame,
                     clusters: set[int]) -> np.ndarray:
    """Record ids of ``clusters``, closed over forced groups that reach outside them."""
    cl = set(clusters)
    while True:
        rec = membership.loc[membership["cluster_id"].isin(cl), "record_id"]
        crossing = must_link["left_record_id"].isin(rec) ^ must_link["right_record_id"].isin(rec)
        if not crossing.any():
            break
        ends = must_link.loc[crossing, ["left_record_id", "right_record_id"]].to_numpy().ravel()
        more = set(membership.loc[membership["record_id"].isin(ends), "cluster_id"])
        if more <= cl:
            break
        cl |= more
    return np.sort(membership.loc[membership["cluster_id"].isin(cl), "record_id"]
                   .to_numpy(dtype=np.int64))


def rebuild_profiles(ctx: RunContext, rules: Rules, model: FSModel, base: Profiles,
                     cons: dec.Constraints, clusters: set[int],
                     read_clean: Callable[[np.ndarray], pd.DataFrame],
                     read_pairs: Callable[[np.ndarray], pd.DataFrame]) -> Profiles:
    """Recluster and re-survive only the records of ``clusters`` (and forced groups reaching
    out of them) under ``cons`` and the cannot-links ``model`` learned; every other cluster
    and its row is kept as it is.

    Used by a run for decisions that arrived while it computed and by every steward verb:
    ``read_clean``/``read_pairs`` give the clean records and scored pairs of record ids.
    """
    with timed(ctx, "decisions"):
        sub = affected_records(base.membership, cons.must_link, clusters)
        if not len(sub):
            return base
        clean_sub = read_clean(sub)
        pairs = dec.restrict_pairs(read_pairs(sub), sub)
        result = cluster_records(clean_sub, pairs, rules.matching, model,
                                 dec.restrict_pairs(cons.must_link, sub),
                                 dec.restrict_pairs(cons.cannot_link, sub))
        new_of = result.clusters.set_index("record_id")["cluster_id"]
        membership = base.membership.copy()
        moved = membership["record_id"].isin(sub).to_numpy()
        old_clusters = set(membership.loc[moved, "cluster_id"])
        membership.loc[moved, "cluster_id"] = (
            membership.loc[moved, "record_id"].map(new_of).to_numpy(dtype=np.int64))
        rows = survive(clean_sub, result.clusters, rules.survivorship, rules.trust)
        kept = base.rows[~base.rows["cluster_id"].isin(old_clusters)]
        rows = pd.concat([kept, rows[kept.columns]], ignore_index=True)
        rows = rows.sort_values("cluster_id", kind="mergesort").reset_index(drop=True)
    return Profiles(membership, rows, base.schema, sub)


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


def decisions_for(ledger: list[dict[str, Any]], clean: pd.DataFrame) -> Decisions:
    if not ledger:
        return Decisions()
    cons = dec.constraints_for_run(ledger, clean)
    return Decisions(cons.must_link, cons.cannot_link, cons.applied, cons.stale,
                     cons.stale_ids, ledger)


def load_decisions(ctx: RunContext, clean: pd.DataFrame) -> Decisions:
    """Constraints from the decisions ledger (see ``transforms.decisions``), pending included.

    Ledger and state are read together under the lock, after recovery: the run builds on
    this state generation, and decisions recorded later are applied at commit time.
    """
    with state.locked(ctx.output_dir):
        ctx.state = state.read_state(ctx.output_dir)
        ledger = state.read_ledger(ctx.state_dir)
    return decisions_for(ledger, clean)


def account_rows(ctx: RunContext, ingested: ingest_mod.IngestResult,
                 normalized: NormalizeResult) -> pd.DataFrame:
    """Rows in = clean + quarantined + suppressed per source, checked on every run
    (raises when not). ``ingested`` must be :func:`drop_suppressed`'s."""
    quarantine = pd.concat([ingested.quarantine, normalized.quarantine], ignore_index=True)
    table = ingest_mod.row_accounting(ingested.rows_read, normalized.clean, quarantine,
                                      normalized.suppressed)
    ingest_mod.check_row_accounting(table)
    if "thin_evidence" in normalized.clean.columns:
        thin = normalized.clean.groupby("source")["thin_evidence"].sum()
        table["thin_evidence"] = table["source"].map(thin).fillna(0).astype("int64")
    return table


# --------------------------------------------------------------------------- publish


def published_after(snap: StateSnapshot, ledger: list[dict[str, Any]],
                    run_id: str) -> dict[str, str]:
    """The decision -> publishing run map once ``run_id`` (which applies them all) is out."""
    published = dict(snap.published)
    for d in ledger:
        published.setdefault(str(d["decision_id"]), run_id)
    return published


def stage_commit(ctx: RunContext, tables: Mapping[str, Any], documents: Mapping[str, Any],
                 update: StateUpdate) -> Path:
    """Publish a run folder and its state generation as one switch (hold the state lock),
    then delete the run folders the retention policy of ``ctx.rules_dir`` no longer keeps
    (runs and verbs alike)."""
    run_dir = state.commit(ctx.output_dir, ctx.run_id, tables, documents, update)
    policy = load_privacy_rules(ctx.rules_dir).retention
    ctx.pruned = privacy.prune_runs(ctx.output_dir,
                                    privacy.retention_plan(ctx.output_dir, policy))
    return run_dir


@dataclass
class _Outputs:
    tables: dict[str, Any]
    documents: dict[str, Any]
    review: pd.DataFrame


def _assemble(ctx: RunContext, rules: Rules, ingested: ingest_mod.IngestResult,
              normalized: NormalizeResult, accounting: pd.DataFrame, linked: LinkResult,
              golden: GoldenResult, decisions: Decisions) -> _Outputs:
    """Every table and document of the run (the audit reads ``latest`` as the previous run)."""
    with timed(ctx, "publish"):
        previous = previous_run_dir(ctx.output_dir)
        quarantine = pd.concat([ingested.quarantine, normalized.quarantine], ignore_index=True)
        quarantine = quarantine.sort_values(["source", "source_row"], kind="mergesort")
        # Pairs a steward already decided never come back to the queue.
        review = drop_decided_pairs(build_review_queue(linked.pairs, normalized.clean),
                                    decisions.ledger)
        review = with_queued_since(review, previous_queue(previous), ctx.today)  # queue age
        tables = {
            "golden_customers": (golden.golden, golden.schema),
            "crosswalk": golden.crosswalk,
            "clean_records": normalized.clean,
            "links": linked.pairs,
            "review_queue": review,
            "quarantine": quarantine.reset_index(drop=True),
            "id_redirects": golden.redirects,
        }
    ctx.stage_seconds["total"] = round(sum(v for k, v in ctx.stage_seconds.items()
                                           if k not in ("total", "report")), 3)
    plan = privacy.retention_plan(ctx.output_dir, rules.privacy.retention, adding=ctx.run_id)
    figures = privacy.privacy_figures(committed_state(ctx), state.read_ledger(ctx.state_dir),
                                      ctx.run_id, normalized.suppressed,
                                      rules.privacy.retention, [p.name for p in plan])
    # Report build time is recorded for the run summary (the audit is built from the rest).
    with timed(ctx, "report"):
        audit = build_audit(
            ctx=ctx, rules=rules, files=ingested.files, accounting=accounting,
            quarantine=quarantine, quality=normalized.quality, unmapped=normalized.unmapped,
            link_metrics=linked.metrics, golden=golden.golden, churn=golden.churn,
            review=review, decisions={"applied": decisions.applied, "stale": decisions.stale},
            previous_run=previous.name if previous else None, version=package_version(),
            samples=invalid_samples(normalized.clean), crosswalk=golden.crosswalk,
            links=linked.pairs, clean=normalized.clean, privacy=figures,
        )
        html = render_report(audit)
    documents = {"audit.json": audit, "audit_report.html": html,
                 "model.json": linked.model.to_json()}
    return _Outputs(tables, documents, review)


def stage_publish(ctx: RunContext, rules: Rules, ingested: ingest_mod.IngestResult,
                  normalized: NormalizeResult, accounting: pd.DataFrame, linked: LinkResult,
                  golden: GoldenResult, decisions: Decisions) -> dict[str, Any]:
    """Write every output of the contract and the state it leaves, as one commit.

    The outputs are built first, without the lock. Then, under the lock: when a steward
    recorded decisions or anything was published while this run computed, the decisions
    are applied (only the profiles they touch are rebuilt) and golden ids are assigned
    again against the registry committed meanwhile, so nothing published since this run
    started is undone. Only then are the run folder and the next state generation committed.
    """
    out = _assemble(ctx, rules, ingested, normalized, accounting, linked, golden, decisions)
    state.crash_point("run.computed")
    start = committed_state(ctx)
    seen = {str(d["decision_id"]) for d in decisions.ledger}
    with state.locked(ctx.output_dir):
        snap = state.read_state(ctx.output_dir)
        ledger = state.read_ledger(ctx.state_dir)
        _check_no_erasure_since(ctx, rules, snap, normalized, ingested)
        arrived = [d for d in ledger if str(d["decision_id"]) not in seen]
        if arrived or snap.generation != start.generation:
            golden, decisions = _reconcile(ctx, rules, normalized.clean, linked, golden,
                                           ledger, arrived, snap)
            out = _assemble(ctx, rules, ingested, normalized, accounting, linked, golden,
                            decisions)
        registry, suppression, tombstones = golden.registry, None, \
            privacy.pending_tombstones(snap, ledger)
        if tombstones:  # an erase killed before its commit: this run publishes it
            hasher = privacy.require_hasher(rules.privacy, snap.suppression, "this run")
            registry = privacy.apply_pending_erasures(registry, tombstones, hasher, rules,
                                                      golden.crosswalk, ctx.run_id)
            suppression = snap.suppression.adding(state.tombstone_hashes(tombstones),
                                                  hasher.key_check())
        with timed(ctx, "write"):  # the Parquet files and state, after the audit was built
            run_dir = stage_commit(ctx, out.tables, out.documents, StateUpdate(
                registry=registry, model_json=linked.model.to_json(),
                model_rules_hash=matching_hash(rules), rules_dir=str(ctx.rules_dir),
                published=published_after(snap, ledger, ctx.run_id), suppression=suppression,
                erasure=bool(tombstones)))
        if tombstones:  # and takes the person out of the runs it kept
            privacy.sweep(ctx.output_dir, privacy.state_matcher(
                state.read_state(ctx.output_dir), rules, hasher), rules, skip={ctx.run_id})
    if arrived:
        log.info("%d steward decision(s) recorded during this run were applied before "
                 "publishing", len(arrived))
    summary = {
        "run_id": ctx.run_id,
        "run_dir": str(run_dir),
        "rows_read": int(accounting["rows_read"].sum()),
        "clean_records": int(len(normalized.clean)),
        "quarantined": int(accounting["quarantined"].sum()),
        "golden_customers": int(len(golden.golden)),
        "review_pairs": int(len(out.review)),
        "id_churn": golden.churn,
        "decisions_arrived_during_run": len(arrived),
        "suppressed": int(accounting["suppressed"].sum()),
        "runs_pruned": len(ctx.pruned),
        "stage_seconds": ctx.stage_seconds,
    }
    summary["artifact_markdown"] = headline_markdown(out.documents["audit.json"], run_dir)
    return summary


def _check_no_erasure_since(ctx: RunContext, rules: Rules, snap: StateSnapshot,
                            normalized: NormalizeResult,
                            ingested: ingest_mod.IngestResult) -> None:
    """Refuse to publish records of a person erased while this run computed.

    The run suppressed with the list it started with; when the list grew since and the
    new hashes match its records, publishing would bring the person back. The run must
    start again (its stage results are deleted: they hold the person).
    """
    found = privacy.new_hashes_match(normalized.clean, normalized.suppression_hashes, snap,
                                     rules, ctx.output_dir)
    if not found and len(ingested.quarantine):
        found = privacy.new_hashes_match(ingested.quarantine, normalized.suppression_hashes,
                                         snap, rules, ctx.output_dir)
    if found:
        partial = ctx.output_dir / "runs" / f"{ctx.run_id}.partial"
        if partial.is_dir():
            shutil.rmtree(partial)
        raise PrivacyError(f"run {ctx.run_id}: {found} of its records belong to a person "
                           "erased while it computed; nothing was published, run again")


def _reconcile(ctx: RunContext, rules: Rules, clean: pd.DataFrame, linked: LinkResult,
               golden: GoldenResult, ledger: list[dict[str, Any]],
               arrived: list[dict[str, Any]], snap: StateSnapshot,
               ) -> tuple[GoldenResult, Decisions]:
    """Apply decisions recorded during the run and re-assign ids on the newest registry."""
    assert golden.profiles is not None
    profiles = golden.profiles
    decisions = decisions_for(ledger, clean)
    if arrived:
        group_of = profiles.group_of()
        touched: set[int] = set()
        for d in arrived:
            touched |= dec.affected_groups(d, group_of)
        cons = dec.constraints_for_run(ledger, clean)
        by_id = clean.set_index("record_id", drop=False)
        pairs = linked.pairs
        profiles = rebuild_profiles(
            ctx, rules, linked.model, profiles, cons, touched,
            read_clean=lambda ids: by_id.loc[ids].reset_index(drop=True),
            read_pairs=lambda ids: pairs[pairs["left_record_id"].isin(ids)])
    ctx.state = snap
    return assign_ids(ctx, rules, profiles, snap.registry), decisions
