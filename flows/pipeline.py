"""The crm-golden Prefect flow: coarse tasks around the plain stages in ``flows.stages``.

Tasks are per stage (ingest, normalize, link, survive, publish), never per record or
pair; they pass DataFrames in memory and are not cached (``NO_CACHE``) because hashing
hundreds of thousands of rows buys nothing for a nightly batch. Parameters are folder
paths, ids and flags: no personal data ever reaches Prefect's database or UI. Results are
counts only (``persist_result=False``): a failed run resumes from the stage results it
wrote under its own run folder (``flows.checkpoints``), with or without Prefect.

The I/O stages (ingest reads network shares, publish writes the output disk) retry
after a delay; the computing stages do not (they would fail the same way again).
A flow run is named ``crm-golden-<run_id>`` and each task run by its stage.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast
from uuid import UUID

from prefect import Task, flow, get_run_logger
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows import privacy, stages
from flows.checkpoints import Checkpoints, ResumeError, RunRecord
from flows.engine import open_engine
from transforms.partitions import Partitioning

FailOn = Literal["never", "warnings", "errors"]

# Ingest and publish touch shared disks: retry twice, after 10 s and then 60 s.
IO_RETRIES = 2
IO_RETRY_DELAYS = [10, 60]

# Stages whose results are kept for a resume, in run order (publish is the last step).
CHECKPOINTED = ["ingest", "normalize", "decisions", "link", "survive"]
PROGRESS = {"load_rules": 5, "ingest": 15, "normalize": 35, "decisions": 40, "link": 75,
            "survive": 85, "publish": 100}

# Environment: a URL prefix under which OUTPUT is served, for the report link artifact
# (default: a file:// link to the report on the worker).
REPORT_URL_ENV = "CRM_GOLDEN_REPORT_BASE_URL"

log = logging.getLogger("crm_golden.pipeline")


class DataQualityGateFailed(RuntimeError):
    """The run published, but its warnings trip ``--fail-on``: downstream jobs should stop."""

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        super().__init__(message)
        self.summary = summary


def _stage_task(fn: Callable[..., Any], name: str, retries: int = 0,
                delays: list[int] | None = None) -> Task[..., Any]:
    """One coarse task per stage, named by the stage in the run view (no numeric suffix)."""
    return Task(fn, name=name, task_run_name=name, cache_policy=NO_CACHE,
                persist_result=False, log_prints=False, retries=retries,
                retry_delay_seconds=list(delays) if delays else 0)


STAGE_TASKS: dict[str, Task[..., Any]] = {
    "load_rules": _stage_task(stages.stage_load_rules, "load rules"),
    "ingest": _stage_task(stages.stage_ingest, "ingest exports", IO_RETRIES, IO_RETRY_DELAYS),
    "normalize": _stage_task(stages.stage_normalize, "normalize and validate"),
    "link": _stage_task(stages.stage_link, "link records"),
    "survive": _stage_task(stages.stage_survive, "golden profiles"),
    "publish": _stage_task(stages.stage_publish, "publish run", IO_RETRIES, IO_RETRY_DELAYS),
}


def _as_task(name: str) -> Callable[..., Any]:
    """Call the stage's task with its arguments wrapped in ``quote``.

    ``quote`` stops Prefect from walking the arguments looking for futures: they are
    DataFrames and config objects, and walking them costs time and trips on models
    with fields such as ``keys``. The task is looked up at call time, so a test can swap
    it (``STAGE_TASKS[name].with_options(...)``).
    """
    def call(*args: Any, **kwargs: Any) -> Any:
        return STAGE_TASKS[name](*(quote(a) for a in args),
                                 **{k: quote(v) for k, v in kwargs.items()})

    return call


TASKS: dict[str, Callable[..., Any]] = {name: _as_task(name) for name in STAGE_TASKS}

DIRECT: dict[str, Callable[..., Any]] = {
    "load_rules": stages.stage_load_rules,
    "ingest": stages.stage_ingest,
    "normalize": stages.stage_normalize,
    "link": stages.stage_link,
    "survive": stages.stage_survive,
    "publish": stages.stage_publish,
}


# --------------------------------------------------------------------------- the run


# which stage a progress step belongs to (for the flow run's progress artifact)
STEP_STAGE = {"ingest": "ingest", "normalize": "normalize", "compare": "link",
              "score": "link"}


class StepProgress:
    """Progress within a stage (rows or pairs done, and the rate), counts only.

    Logged at INFO (``crm-golden -v run``) at most every ``every`` seconds per step and
    when a step ends, and handed to ``on_step`` (the flow run's progress artifact).
    """

    def __init__(self, logger: logging.Logger | Any,
                 on_step: Callable[[str, str, float], None] | None = None,
                 every: float = 2.0) -> None:
        self.logger, self.on_step, self.every = logger, on_step, every
        self.started: dict[str, float] = {}
        self.shown: dict[str, float] = {}

    def __call__(self, step: str, done: int, total: int, unit: str) -> None:
        now = time.monotonic()
        if done == 0 or step not in self.started:
            self.started[step] = now
            self.shown[step] = now
            if done == 0:
                return
        finished = total > 0 and done >= total
        if not finished and now - self.shown[step] < self.every:
            return
        self.shown[step] = now
        rate = done / max(now - self.started[step], 1e-6)
        share = f" ({done / total:.0%})" if total else ""
        of = f"/{total:,}" if total else ""
        message = f"{step}: {done:,}{of} {unit}{share}, {rate:,.0f} {unit}/s"
        self.logger.info(message)
        if self.on_step is not None:
            self.on_step(STEP_STAGE.get(step, step), message,
                         min(done / total, 1.0) if total else 0.0)


def _resumed_context(record: RunRecord) -> stages.RunContext:
    return stages.RunContext(
        rules_dir=Path(record.rules_dir), output_dir=Path(record.output_dir),
        run_id=record.run_id, started=datetime.fromisoformat(record.started),
        today=datetime.fromisoformat(record.today).date(),
        stage_seconds=dict(record.stage_seconds))


def quality_gate(audit: dict[str, Any], fail_on: FailOn) -> str | None:
    """The one-line reason the run fails ``fail_on``, or None when it passes."""
    items = (audit.get("warnings") or {}).get("items") or []
    errors = [w for w in items if w.get("severity") == "error"]
    warnings = [w for w in items if w.get("severity") == "warning"]
    tripped = errors if fail_on == "errors" else errors + warnings if fail_on == "warnings" \
        else []
    if not tripped:
        return None
    return (f"data-quality gate --fail-on {fail_on}: {len(errors)} error(s), "
            f"{len(warnings)} warning(s); first: {tripped[0].get('message')}")


def orchestrate(rules_dir: str | Path, output_dir: str | Path, retrain_model: bool,
                steps: dict[str, Callable[..., Any]], logger: logging.Logger | Any,
                run_id: str | None = None, resume: bool = False, fail_on: FailOn = "never",
                on_progress: Callable[[str, float], None] | None = None,
                on_published: Callable[[dict[str, Any], dict[str, Any], str], None] | None
                = None, dask: str | None = None, partitioning: Partitioning | None = None,
                on_step: Callable[[str, str, float], None] | None = None) -> dict[str, Any]:
    """The one sequence of stages, shared by the Prefect flow and the direct path.

    ``resume``: continue run ``run_id`` from its last completed stage (its folders, start
    time, "today" and retrain flag are the recorded ones). Raises
    :class:`DataQualityGateFailed` after publishing when ``fail_on`` trips.
    ``dask``: ``local:N`` or a scheduler address to compute partitions on (default: here);
    ``partitioning``: partition sizes. ``on_step`` gets progress within a stage
    (stage, message, fraction done).
    """
    progress = on_progress or (lambda stage, pct: None)
    if resume:
        if not run_id:
            raise ResumeError("--resume needs a run id")
        ckpt = Checkpoints(Path(output_dir).resolve(), run_id)
        record = ckpt.record()
        ctx = _resumed_context(record)
        retrain_model = record.retrain_model
        logger.info("run %s resumed after stage(s): %s", run_id,
                    ", ".join(record.completed) or "none")
    else:
        ctx = stages.new_run_context(Path(rules_dir), Path(output_dir), run_id=run_id)
        ckpt = Checkpoints(ctx.output_dir, ctx.run_id)
        logger.info("run %s started (rules %s, output %s)", ctx.run_id, ctx.rules_dir,
                    ctx.output_dir)
    stages.committed_state(ctx)  # recovers what a killed run or verb left, under the lock
    ctx.report = StepProgress(logger, on_step)
    ctx.engine = open_engine(dask, partitioning)
    try:
        return _run_stages(ctx, ckpt, steps, logger, retrain_model, resume,
                           None if not resume else record, fail_on, progress, on_published)
    finally:
        ctx.engine.close()


def _run_stages(ctx: stages.RunContext, ckpt: Checkpoints, steps: dict[str, Callable[..., Any]],
                logger: logging.Logger | Any, retrain_model: bool, resume: bool,
                record: RunRecord | None, fail_on: FailOn,
                progress: Callable[[str, float], None],
                on_published: Callable[[dict[str, Any], dict[str, Any], str], None] | None
                ) -> dict[str, Any]:
    rules = steps["load_rules"](ctx)
    # before reading any export: a suppression list without its key stops the run here
    privacy.run_suppression(ctx.output_dir, stages.committed_state(ctx), rules)
    rules_hash = rules.files_hash()
    if resume:
        assert record is not None
        if record.rules_hash != rules_hash:
            raise ResumeError(f"run {ctx.run_id}: the rules in {ctx.rules_dir} changed since "
                              "it started; start a new run")
    else:
        ckpt.start(RunRecord(ctx.run_id, str(ctx.rules_dir), str(ctx.output_dir),
                             ctx.started.isoformat(), ctx.today.isoformat(), rules_hash,
                             retrain_model))
    logger.debug("rules %s: %d sources, hash %s", ctx.rules_dir, len(rules.sources),
                 rules_hash[:12])
    progress("load_rules", PROGRESS["load_rules"])
    reusing = resume

    def stage(name: str, compute: Callable[[], Any]) -> Any:
        nonlocal reusing
        if reusing and ckpt.has(name):
            logger.info("stage %s: reusing its result from the failed attempt", name)
            progress(name, PROGRESS[name])
            return ckpt.load(name)
        reusing = False  # every stage after a recomputed one is recomputed too
        result = compute()
        with stages.timed(ctx, "checkpoints"):
            ckpt.save(name, result, ctx.stage_seconds)
        logger.info("stage %s done in %.1f s", name, ctx.stage_seconds.get(name, 0.0))
        progress(name, PROGRESS[name])
        return result

    ingested = stage("ingest", lambda: steps["ingest"](ctx, rules))
    logger.info("ingested %d rows from %d sources", sum(ingested.rows_read.values()),
                len(ingested.rows_read))
    for info in ingested.files:
        logger.debug("source %s: %s (%s, encoding %s, delimiter %r): %s rows",
                     info.get("source"), info.get("file"), info.get("format"),
                     info.get("encoding"), info.get("delimiter"), info.get("rows"))
    normalized = stage("normalize", lambda: steps["normalize"](ctx, rules, ingested.records,
                                                               ingested.quarantine))
    if len(normalized.suppressed):
        # Suppressed rows leave ingest's result too (and its saved copy, kept for a resume).
        before = len(ingested.records) + len(ingested.quarantine)
        ingested = stages.drop_suppressed(ingested, normalized)
        if len(ingested.records) + len(ingested.quarantine) < before:
            ckpt.save("ingest", ingested, ctx.stage_seconds)
    accounting = stages.account_rows(ctx, ingested, normalized)
    logger.info("clean %d, quarantined %d", len(normalized.clean),
                int(accounting["quarantined"].sum()))
    for row in accounting.to_dict("records"):
        logger.debug("accounting %s: %s read = %s clean + %s quarantined + %s suppressed",
                     row.get("source"), row.get("rows_read"), row.get("clean"),
                     row.get("quarantined"), row.get("suppressed"))
    decisions = stage("decisions", lambda: stages.load_decisions(ctx, normalized.clean))
    logger.debug("steward decisions: %d applied, %d stale", decisions.applied, decisions.stale)
    linked = stage("link", lambda: steps["link"](
        ctx, rules, normalized.clean, retrain=retrain_model, must_link=decisions.must_link,
        cannot_link=decisions.cannot_link))
    logger.info("scored %d candidate pairs, %d clusters", len(linked.pairs),
                int(linked.clusters["cluster_id"].nunique()))
    metrics = linked.metrics or {}
    logger.debug("model %s; bands %s; pairs per band %s", metrics.get("model_source"),
                 {k: v for k, v in (metrics.get("bands") or {}).items()
                  if k.endswith("_weight")}, metrics.get("pairs_per_band"))
    golden = stage("survive", lambda: steps["survive"](ctx, rules, normalized.clean,
                                                       linked.clusters))
    logger.info("golden profiles %d (ids: %s)", len(golden.golden), golden.churn)
    summary = steps["publish"](ctx, rules, ingested, normalized, accounting, linked, golden,
                               decisions)
    progress("publish", PROGRESS["publish"])
    markdown = str(summary.pop("artifact_markdown", ""))
    audit = json.loads((Path(summary["run_dir"]) / "audit.json").read_text(encoding="utf-8"))
    items = audit.get("warnings", {}).get("items", [])
    summary["warnings"] = sum(1 for w in items if w.get("severity") == "warning")
    summary["errors"] = sum(1 for w in items if w.get("severity") == "error")
    if resume:
        summary["resumed"] = True
    summary["engine"] = ctx.engine.describe()
    logger.info("published run %s: %d golden profiles, %d warning(s), %d error(s) -> %s",
                ctx.run_id, summary["golden_customers"], summary["warnings"],
                summary["errors"], summary["run_dir"])
    logger.debug("stage seconds %s", summary.get("stage_seconds"))
    if on_published is not None:
        on_published(summary, audit, markdown)
    gate = quality_gate(audit, fail_on)
    if gate:
        raise DataQualityGateFailed(gate, summary)
    return summary


def partitioning_of(pairs_per_partition: int | None,
                    rows_per_chunk: int | None) -> Partitioning:
    """Partition sizes from the run's options (None: the default)."""
    default = Partitioning()
    return Partitioning(pairs=pairs_per_partition or default.pairs,
                        rows=rows_per_chunk or default.rows)


def run_pipeline(rules_dir: str | Path = "rules", output_dir: str | Path = "output",
                 retrain_model: bool = False, run_id: str | None = None,
                 resume: bool = False, fail_on: FailOn = "never", dask: str | None = None,
                 pairs_per_partition: int | None = None,
                 rows_per_chunk: int | None = None) -> dict[str, Any]:
    """The whole pipeline without Prefect (same stages, same outputs)."""
    return orchestrate(rules_dir, output_dir, retrain_model, DIRECT, log, run_id=run_id,
                       resume=resume, fail_on=fail_on, dask=dask,
                       partitioning=partitioning_of(pairs_per_partition, rows_per_chunk))


# --------------------------------------------------------------------------- Prefect


def flow_run_id_for(parameters: dict[str, Any]) -> str:
    """The run id of this flow run: the one passed in, the one resumed, or one derived
    from the flow run itself (scheduled runs), the same for its name and its body."""
    given = parameters.get("resume_run_id") or parameters.get("run_id")
    if given:
        return str(given)
    scheduled = flow_run.scheduled_start_time
    started = scheduled.astimezone(UTC) if scheduled else datetime.now(UTC)
    return stages.new_run_id(started.replace(microsecond=0), str(flow_run.id))


FLOW_RUN_PREFIX = "crm-golden-"


def _flow_run_name() -> str:
    return FLOW_RUN_PREFIX + flow_run_id_for(flow_run.parameters)


def report_link(run_dir: Path) -> str:
    """Where a person opens the report: under $CRM_GOLDEN_REPORT_BASE_URL, else the file."""
    base = os.environ.get(REPORT_URL_ENV, "").strip()
    if base:
        return f"{base.rstrip('/')}/runs/{run_dir.name}/audit_report.html"
    return (run_dir / "audit_report.html").resolve().as_uri()


def accounting_table(audit: dict[str, Any]) -> list[dict[str, Any]]:
    """Row accounting per source, for the table artifact (counts only)."""
    return [{k: s.get(k) for k in ("source", "rows_read", "clean", "quarantined",
                                   "suppressed", "balanced")}
            for s in audit["inputs"]["sources"]]


def quality_table(audit: dict[str, Any]) -> list[dict[str, Any]]:
    """Per source and field: completeness, validity and invalid rate (rates only)."""
    return [{"source": c["source"], "field": c["field"], "present": c.get("present"),
             "completeness": c.get("completeness"), "validity": c.get("validity"),
             "invalid_rate": c.get("invalid_rate")}
            for c in audit["quality"]["fields"]]


def _publish_artifacts(summary: dict[str, Any], audit: dict[str, Any], markdown: str) -> None:
    run_dir = Path(summary["run_dir"])
    create_markdown_artifact(key="crm-golden-run", markdown=markdown,
                             description="crm-golden run headline numbers")
    create_table_artifact(accounting_table(audit), key="crm-golden-row-accounting",
                          description="Rows in = clean + quarantined + suppressed, per source")
    create_table_artifact(quality_table(audit), key="crm-golden-quality",
                          description="Completeness and validity per source and field")
    create_link_artifact(report_link(run_dir), link_text=f"audit report {run_dir.name}",
                         key="crm-golden-report",
                         description="The run's audit report (HTML)")


@flow(name="crm-golden", flow_run_name=_flow_run_name, log_prints=False,
      validate_parameters=True)
def crm_golden_pipeline(rules_dir: str = "rules", output_dir: str = "output",
                        retrain_model: bool = False, run_id: str | None = None,
                        resume_run_id: str | None = None,
                        fail_on: FailOn = "never", dask_address: str | None = None,
                        pairs_per_partition: int | None = None,
                        rows_per_chunk: int | None = None) -> dict[str, Any]:
    """Ingest, normalize, link, survive and publish; returns counts only (no personal data).

    ``resume_run_id`` continues a failed run from its last completed stage; ``fail_on``
    fails the flow run after publishing when the audit has warnings or errors.
    ``dask_address``: a Dask scheduler (``tcp://host:8786``) or ``local:N`` to normalize,
    compare and score on (through prefect-dask); None runs every partition in the flow
    run's process. ``pairs_per_partition`` / ``rows_per_chunk``: partition sizes.
    """
    logger = get_run_logger()
    # the id the flow run's name carries (set before this body runs)
    name = str(flow_run.name or "")
    rid = resume_run_id or run_id or (name.removeprefix(FLOW_RUN_PREFIX)
                                      if name.startswith(FLOW_RUN_PREFIX)
                                      else flow_run_id_for({}))
    progress_id = cast(UUID, create_progress_artifact(
        0.0, key="crm-golden-progress", description=f"run {rid}: stages completed"))

    def on_progress(stage: str, pct: float) -> None:
        update_progress_artifact(progress_id, pct, description=f"run {rid}: {stage} done")

    def on_step(stage: str, message: str, fraction: float) -> None:
        update_progress_artifact(progress_id, stage_percent(stage, fraction),
                                 description=f"run {rid}: {message}")

    return orchestrate(rules_dir, output_dir, retrain_model, TASKS, logger, run_id=rid,
                       resume=resume_run_id is not None, fail_on=fail_on,
                       on_progress=on_progress, on_published=_publish_artifacts,
                       dask=dask_address, on_step=on_step,
                       partitioning=partitioning_of(pairs_per_partition, rows_per_chunk))


def stage_percent(stage: str, fraction: float) -> float:
    """The run's percent done when ``stage`` is ``fraction`` done (between the percent of
    the stage before it and its own in ``PROGRESS``)."""
    names = list(PROGRESS)
    if stage not in PROGRESS:
        return 0.0
    i = names.index(stage)
    before = PROGRESS[names[i - 1]] if i else 0
    return round(before + (PROGRESS[stage] - before) * max(0.0, min(fraction, 1.0)), 1)
