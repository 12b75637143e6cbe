"""``crm-golden undo DECISION_ID``: revert a steward decision through the ledger.

The ledger is append-only (it is the audit trail, and a decision's id is what makes a
retried verb idempotent), so an undo is a decision of its own, ``kind: undo``, naming the
decision it reverts in ``undoes``. Replaying the ledger skips both
(:func:`transforms.decisions.in_force`), so the reverted constraints stop applying in
this republish and in every later run; the profiles the reverted decision named are
rebuilt by the model with every other decision still in force, and published through the
same path as the other verbs (:func:`flows.steward.republish`). Undoing a merge, a split,
a not-same or one review row (one sheet row is one decision) works the same way.
"""

from __future__ import annotations

from pathlib import Path

from flows import state
from flows.state import StateSnapshot
from flows.steward import Latest, Outcome, StewardError, _decision, load_latest, republish
from transforms import decisions as dec


def plan_undo(latest: Latest, snap: StateSnapshot, ledger: list[dict], target_id: str,
              reason: str | None, by: str | None) -> tuple[list[dict], set[str]]:
    """An ``undo`` decision for ``target_id`` and the profiles it rebuilds.

    The undo's id derives from the target alone, so a retry after a crash finds the same
    decision (and publishes it if it is still pending), while undoing again once it is
    published is refused.
    """
    target_id = str(target_id).strip()
    try:
        target = dec.undo_target(ledger, target_id)
    except ValueError as exc:
        raise StewardError(str(exc)) from None
    done = dec.undone_ids(ledger).get(target_id)
    if done is not None and done in snap.published:
        raise StewardError(f"decision {target_id} was already undone by {done} (published "
                           f"in run {snap.published[done]})")
    records = dec.undo_records(target)
    affected = {latest.golden_of(k) for k in records if k in latest.by_key.index}
    why = (reason or "").strip() or f"undo of {target_id}"
    decision = _decision("undo", records, sorted(affected), why, by, latest, basis=target_id,
                         key=[target_id], undoes=target_id, undone_kind=target.get("kind"))
    return [decision], affected


def undo(output_dir: Path | str, decision_id: str, reason: str | None = None,
         by: str | None = None, rules_dir: Path | str | None = None,
         dry_run: bool = False) -> Outcome:
    """Revert a decision: its constraints stop applying and the profiles it named are
    rebuilt by the model (with every other decision still in force)."""
    output_dir = Path(output_dir)
    with state.locked(output_dir):
        latest = load_latest(output_dir)
        snap = state.read_state(output_dir)
        ledger = state.read_ledger(state.state_dir(output_dir))
        new, affected = plan_undo(latest, snap, ledger, decision_id, reason, by)
        return republish(output_dir, latest, snap, ledger, new, affected, rules_dir,
                         dry_run=dry_run)
