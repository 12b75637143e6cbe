"""The steward-decision Prefect flow: the same code as the CLI verbs, as a deployment.

Parameters are an action, ids (golden ids, ``SOURCE:RECORD_ID`` keys, or the decision id to
undo: not personal data), the steward's name and the output folder; ``reason`` is the
steward's free text and is never logged (it goes to the ledger only). The flow returns ids
and counts only.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow, get_run_logger

from flows import review_sheets, steward, undo

Action = Literal["merge", "split", "not_same", "review_import", "undo"]


def apply_decision(action: Action, targets: list[str], reason: str, by: str | None,
                   output_dir: str, file: str | None = None,
                   rules_dir: str | None = None) -> dict[str, Any]:
    """Dispatch one steward action; raises ``StewardError`` on an invalid request."""
    if action == "merge":
        out = steward.merge(output_dir, targets, reason, by, rules_dir)
    elif action == "split":
        out = steward.split(output_dir, targets, reason, by, rules_dir)
    elif action == "not_same":
        out = steward.not_same(output_dir, targets, reason, by, rules_dir)
    elif action == "review_import":
        if not file:
            raise steward.StewardError("review_import needs the file parameter")
        out = review_sheets.review_import(output_dir, file, reason or None, by, rules_dir)
    elif action == "undo":
        if len(targets) != 1:
            raise steward.StewardError("undo takes exactly one decision id")
        out = undo.undo(output_dir, targets[0], reason or None, by, rules_dir)
    else:
        raise steward.StewardError(f"unknown action {action!r}")
    return out.as_dict()


@flow(name="crm-golden-steward-decision", log_prints=False, validate_parameters=True)
def steward_decision(action: Action, targets: list[str] | None = None, reason: str = "",
                     by: str = "", output_dir: str = "output", file: str | None = None,
                     rules_dir: str | None = None) -> dict[str, Any]:
    """Record a merge / split / not-same / review import / undo and republish; ids and
    counts out."""
    logger = get_run_logger()
    logger.info("steward action %s on %d target(s)", action, len(targets or []))
    result = apply_decision(action, list(targets or []), reason, by or None, output_dir, file,
                            rules_dir)
    if result["run_id"] is None:
        logger.info("nothing recorded (%d decision(s) were recorded before)",
                    len(result["already"]))
        return result
    logger.info("published run %s: kept %d, created %d, retired %d, records moved %d",
                result["run_id"], len(result["kept"]), len(result["created"]),
                len(result["retired"]), result["records_moved"])
    return result
