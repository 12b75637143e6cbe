"""The crm-golden Prefect flow: coarse tasks around the plain stages in ``flows.stages``.

Tasks are per stage (ingest, normalize, link, survive, publish), never per record or
pair; they pass DataFrames in memory and are not cached (``NO_CACHE``) because hashing
hundreds of thousands of rows buys nothing for a nightly batch. Parameters are folder
paths and a flag: no personal data ever reaches Prefect's database or UI. Results are
counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows import stages


def _as_task(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """One coarse task per stage, called with its arguments wrapped in ``quote``.

    ``quote`` stops Prefect from walking the arguments looking for futures: they are
    DataFrames and config objects, and walking them costs time and trips on models
    with fields such as ``keys``.
    """
    stage_task = task(fn, name=name, cache_policy=NO_CACHE, persist_result=False,
                      log_prints=False)

    def call(*args: Any, **kwargs: Any) -> Any:
        return stage_task(*(quote(a) for a in args),
                          **{k: quote(v) for k, v in kwargs.items()})

    return call


TASKS: dict[str, Callable[..., Any]] = {
    "load_rules": _as_task(stages.stage_load_rules, "load rules"),
    "ingest": _as_task(stages.stage_ingest, "ingest exports"),
    "normalize": _as_task(stages.stage_normalize, "normalize and validate"),
    "link": _as_task(stages.stage_link, "link records"),
    "survive": _as_task(stages.stage_survive, "golden profiles"),
    "publish": _as_task(stages.stage_publish, "publish run"),
}

DIRECT: dict[str, Callable[..., Any]] = {
    "load_rules": stages.stage_load_rules,
    "ingest": stages.stage_ingest,
    "normalize": stages.stage_normalize,
    "link": stages.stage_link,
    "survive": stages.stage_survive,
    "publish": stages.stage_publish,
}


def orchestrate(rules_dir: str | Path, output_dir: str | Path, retrain_model: bool,
                steps: dict[str, Callable[..., Any]], logger: logging.Logger | Any) -> dict:
    """The one sequence of stages, shared by the Prefect flow and the direct path."""
    ctx = stages.new_run_context(Path(rules_dir), Path(output_dir))
    logger.info("run %s started", ctx.run_id)
    stages.committed_state(ctx)  # recovers what a killed run or verb left, under the lock
    rules = steps["load_rules"](ctx)
    ingested = steps["ingest"](ctx, rules)
    logger.info("ingested %d rows from %d sources", sum(ingested.rows_read.values()),
                len(ingested.rows_read))
    normalized = steps["normalize"](ctx, rules, ingested.records)
    accounting = stages.account_rows(ctx, ingested, normalized)
    logger.info("clean %d, quarantined %d", len(normalized.clean),
                int(accounting["quarantined"].sum()))
    decisions = stages.load_decisions(ctx, normalized.clean)
    linked = steps["link"](ctx, rules, normalized.clean, retrain=retrain_model,
                           must_link=decisions.must_link, cannot_link=decisions.cannot_link)
    logger.info("scored %d candidate pairs, %d clusters", len(linked.pairs),
                int(linked.clusters["cluster_id"].nunique()))
    golden = steps["survive"](ctx, rules, normalized.clean, linked.clusters)
    logger.info("golden profiles %d (ids: %s)", len(golden.golden), golden.churn)
    summary = steps["publish"](ctx, rules, ingested, normalized, accounting, linked, golden,
                               decisions)
    logger.info("published run %s", ctx.run_id)
    return summary


def run_pipeline(rules_dir: str | Path = "rules", output_dir: str | Path = "output",
                 retrain_model: bool = False) -> dict:
    """The whole pipeline without Prefect (same stages, same outputs)."""
    return orchestrate(rules_dir, output_dir, retrain_model, DIRECT,
                       logging.getLogger("crm_golden.pipeline"))


@flow(name="crm-golden", log_prints=False, validate_parameters=True)
def crm_golden_pipeline(rules_dir: str = "rules", output_dir: str = "output",
                        retrain_model: bool = False) -> dict:
    """Ingest, normalize, link, survive and publish; returns counts only (no personal data)."""
    summary = orchestrate(rules_dir, output_dir, retrain_model, TASKS, get_run_logger())
    create_markdown_artifact(key="crm-golden-run", markdown=summary.pop("artifact_markdown", ""),
                             description="crm-golden run headline numbers")
    return summary
