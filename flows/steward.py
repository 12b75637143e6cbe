"""Steward verbs: merge, split, not-same, undo and history (review export/import, which
build on these, are in :mod:`flows.review_sheets`).

Every verb that records a decision follows the same path, under the state lock
(:func:`flows.state.locked`, which first recovers anything a killed process left) so that
two stewards, or a steward and a run, never interleave and no decision is lost:

1. read the latest published run (only the columns needed: a merge on 100k customers must
   not read every table in full) and validate the request against it; an invalid request
   raises :class:`StewardError` before anything is written;
2. give each decision an id derived from its content (the verb, its targets and the run it
   was made against; a review row: its pair, answer and sheet), so a retried verb or a
   re-imported sheet records nothing twice;
3. rebuild the affected profiles with the pipeline's own stages
   (:func:`flows.stages.rebuild_profiles`, :func:`flows.stages.assign_ids`): their records
   are reclustered from their links plus every ledger constraint, decisions still pending
   from a killed verb included; golden ids go through the same registry as a full run;
4. append the new decisions to the ledger, then commit the new run and state generation
   through the same path as a run (:func:`flows.stages.stage_commit`). A decision counts
   once that commit is done; unchanged tables are copied byte for byte.

A verb that would force records with a hard conflict into one profile (two valid tax ids,
a difference the model learned is never one person's) refuses unless forced, and then
says so in the ledger (``forced``); ``dry_run`` stops before step 4 and returns what would
change. ``undo`` reverts a decision by appending an ``undo`` decision: the ledger is never
rewritten.

Messages and summaries carry golden ids, record keys and counts, never personal data;
the ``reason`` free text goes to the ledger only.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crm_golden.config.rules import Rules, load_rules
from flows import stages, state
from flows.state import StateSnapshot
from transforms import audit as aud
from transforms import decisions as dec
from transforms.audit_values import json_safe
from transforms.decision_conflicts import DecisionConflicts, decision_conflicts
from transforms.model import FSModel
from transforms.publish import latest_run_dir
from transforms.report_html import render_report

LINK_COLUMNS = ["left_record_id", "right_record_id", "match_weight", "band"]


class StewardError(ValueError):
    """An invalid steward request; nothing was recorded or published."""


# --------------------------------------------------------------------------- latest run


@dataclass
class Latest:
    """The parts of the latest run a verb needs, indexed by record key and golden id."""

    output_dir: Path
    run_dir: Path
    index: pd.DataFrame  # record_id, source, source_record_id, key, golden_id
    redirects: pd.DataFrame
    audit: dict[str, Any]
    _by_key: pd.DataFrame | None = None

    @property
    def by_key(self) -> pd.DataFrame:
        if self._by_key is None:
            self._by_key = self.index.set_index("key")
        return self._by_key

    def resolve(self, golden_id: str) -> str:
        """An active golden id of this run (retired ids follow their redirect)."""
        gid = str(golden_id).strip()
        red = self.redirects
        hit = red.loc[red["retired_id"] == gid, "current_id"]
        if len(hit):
            if not isinstance(hit.iloc[0], str):  # retired by an erasure: no target
                raise StewardError(f"golden id {golden_id!r} was erased")
            gid = str(hit.iloc[0])
        if not (self.index["golden_id"] == gid).any():
            raise StewardError(f"unknown golden id {golden_id!r} in run {self.run_dir.name}")
        return gid

    def members(self, golden_ids: list[str]) -> list[str]:
        """Record keys of the given profiles, sorted."""
        return sorted(self.index.loc[self.index["golden_id"].isin(golden_ids), "key"])

    def golden_of(self, key: str) -> str:
        if key not in self.by_key.index:
            raise StewardError(f"unknown record {key!r}: not a clean record of run "
                               f"{self.run_dir.name}")
        return str(self.by_key.at[key, "golden_id"])


def load_latest(output_dir: Path) -> Latest:
    """Read the latest run's record index (clean record ids joined to the crosswalk)."""

    try:
        run_dir = latest_run_dir(output_dir)
    except FileNotFoundError as exc:
        raise StewardError(str(exc)) from None
    clean = pd.read_parquet(run_dir / "clean_records.parquet",
                            columns=["record_id", "source", "source_record_id"])
    xwalk = pd.read_parquet(run_dir / "crosswalk.parquet")
    clean["source"] = clean["source"].astype(str)
    clean["source_record_id"] = clean["source_record_id"].astype(str)
    index = clean.merge(xwalk.astype({"source": str, "source_record_id": str}),
                        on=["source", "source_record_id"], how="left", validate="1:1")
    if index["golden_id"].isna().any():
        raise StewardError("latest run's crosswalk does not cover every clean record")
    index["key"] = index["source"] + ":" + index["source_record_id"]
    redirects = pd.read_parquet(run_dir / "id_redirects.parquet")
    audit = json.loads((run_dir / "audit.json").read_text(encoding="utf-8"))
    return Latest(Path(output_dir), run_dir, index, redirects, audit)


def resolve_rules_dir(snap: StateSnapshot, rules_dir: Path | str | None) -> Path:
    """The rules folder given, else the one the committed state records, else ``rules``."""
    return Path(rules_dir if rules_dir is not None else snap.rules_dir or "rules")


def load_rules_checked(rules_dir: Path, audit: dict) -> Rules:
    """Load the rules, refusing rules that changed since the latest run.

    Survivorship and clustering settings must be those the published profiles were built
    with, or a partial republish would mix two rule sets in one table.
    """

    if not rules_dir.is_dir():
        raise StewardError(f"rules folder {rules_dir} not found; pass --rules DIR (the folder "
                           "the latest run used)")
    rules = load_rules(rules_dir)
    expected = (audit.get("run") or {}).get("rules_hash")
    if expected and rules.files_hash() != expected:
        raise StewardError(f"rules in {rules_dir} differ from those the latest run used; "
                           "run the pipeline first, or pass --rules with that run's folder")
    return rules


# --------------------------------------------------------------------------- decisions


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _who(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return "unknown"


def _check_reason(reason: str | None) -> str:
    if reason is None or not str(reason).strip():
        raise StewardError("a reason is required (--reason TEXT): say why, for the audit trail")
    return str(reason).strip()


def _decision(kind: str, records: list[str], golden_ids: list[str], reason: str,
              by: str | None, latest: Latest, basis: str | None = None,
              key: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A ledger entry whose id derives from ``kind``, ``basis`` and ``key`` (idempotent).

    ``basis`` defaults to the run the verb read and ``key`` to the records.
    """
    return {
        "decision_id": dec.decision_id(kind, basis or latest.run_dir.name, key or records),
        "kind": kind,
        "records": records,
        "golden_ids": golden_ids,
        "reason": reason,
        "by": _who(by),
        "at": _now(),
        "run_id": latest.run_dir.name,
        **extra,
    }


def _check_keys(latest: Latest, refs: list[str]) -> list[str]:
    keys = []
    for ref in refs:
        try:
            source, rid = dec.parse_record_ref(str(ref).strip())
        except ValueError as exc:
            raise StewardError(str(exc)) from None
        key = dec.record_key(source, rid)
        latest.golden_of(key)  # raises on unknown
        keys.append(key)
    return keys


def plan_merge(latest: Latest, ledger: list[dict], golden_ids: list[str], reason: str,
               by: str | None) -> tuple[list[dict], set[str]]:
    """One merge decision over every record of the named profiles."""
    reason = _check_reason(reason)
    if len(golden_ids) < 2:
        raise StewardError("merge needs at least two golden ids")
    resolved = [latest.resolve(g) for g in golden_ids]
    if len(set(resolved)) != len(resolved):
        raise StewardError("a profile cannot be merged with itself (the same golden id, or ids "
                           "that redirect to the same profile, were given twice)")
    records = latest.members(resolved)
    return [_decision("merge", records, resolved, reason, by, latest,
                      key=resolved)], set(resolved)


def plan_split(latest: Latest, ledger: list[dict], refs: list[str], reason: str,
               by: str | None) -> tuple[list[dict], set[str]]:
    """Move records out of their profile; the rest of the profile is remembered."""
    reason = _check_reason(reason)
    if not refs:
        raise StewardError("split needs at least one SOURCE:RECORD_ID")
    keys = _check_keys(latest, refs)
    if len(set(keys)) != len(keys):
        raise StewardError("the same record was given twice")
    profiles = {latest.golden_of(k) for k in keys}
    if len(profiles) != 1:
        raise StewardError("split records must all belong to one profile (they come from "
                           f"{len(profiles)}: {', '.join(sorted(profiles))})")
    gid = profiles.pop()
    profile = latest.members([gid])
    if set(profile) <= set(keys):
        raise StewardError(f"nothing to split: these are all the records of {gid}")
    return [_decision("split", sorted(keys), [gid], reason, by, latest,
                      profile_records=profile)], {gid}


def plan_not_same(latest: Latest, ledger: list[dict], refs: list[str], reason: str,
                  by: str | None) -> tuple[list[dict], set[str]]:
    """A cannot-link between two records; reclusters their profile when they share one."""
    reason = _check_reason(reason)
    if len(refs) != 2:
        raise StewardError("not-same takes exactly two SOURCE:RECORD_ID")
    a, b = _check_keys(latest, refs)
    try:
        dec.check_not_same(ledger, a, b)
    except ValueError as exc:
        raise StewardError(str(exc)) from None
    ga, gb = latest.golden_of(a), latest.golden_of(b)
    affected = {ga} if ga == gb else set()
    return [_decision("not_same", [a, b], sorted({ga, gb}), reason, by, latest)], affected


# --------------------------------------------------------------------------- republish


@dataclass
class Outcome:
    """What a verb changed, without personal data (printed and returned by the flow)."""

    run_id: str | None
    previous_run: str
    decisions: list[dict[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    retired: dict[str, str] = field(default_factory=dict)  # retired id -> surviving id
    records_moved: int = 0
    profiles_before: int = 0
    profiles_after: int = 0
    review_pairs_removed: int = 0
    decisions_applied: int = 0
    decisions_stale: int = 0
    seconds: float = 0.0
    rejected_rows: list[tuple[int, str]] = field(default_factory=list)
    ignored_rows: list[int] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # decision ids recorded before
    pending_applied: list[str] = field(default_factory=list)  # left by an interrupted verb
    dry_run: bool = False  # computed only: nothing was recorded or published
    # decision id -> what the records it joins contradict (DecisionConflicts.as_dict)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["rejected_rows"] = [{"row": r, "problem": p} for r, p in self.rejected_rows]
        return out


def _base_profiles(latest: Latest) -> tuple[stages.Profiles, pd.Series]:
    """The latest run as the stages' ``Profiles`` (a cluster per golden id, labelled by its
    smallest record id) and the golden id -> cluster label map."""
    index = latest.index
    label = index.groupby("golden_id")["record_id"].min()
    membership = pd.DataFrame({
        "record_id": index["record_id"].to_numpy(dtype=np.int64),
        "source": index["source"].to_numpy(), "source_record_id": index["source_record_id"],
        "cluster_id": index["golden_id"].map(label).to_numpy(dtype=np.int64),
    })
    table = pq.read_table(latest.run_dir / "golden_customers.parquet")
    rows = table.to_pandas()
    rows.insert(0, "cluster_id", rows.pop("golden_id").map(label).to_numpy(dtype=np.int64))
    rows = rows.sort_values("cluster_id", kind="mergesort").reset_index(drop=True)
    return stages.Profiles(membership, rows, table.schema), label


def _readers(run_dir: Path) -> tuple[Callable[[np.ndarray], pd.DataFrame],
                                      Callable[[np.ndarray], pd.DataFrame]]:
    """Read only the given records' clean rows and links from a published run."""
    def clean(ids: np.ndarray) -> pd.DataFrame:
        return pq.read_table(run_dir / "clean_records.parquet",
                             filters=[("record_id", "in", ids.tolist())]).to_pandas()

    def links(ids: np.ndarray) -> pd.DataFrame:
        return pd.read_parquet(run_dir / "links.parquet", columns=LINK_COLUMNS,
                               filters=[("left_record_id", "in", ids.tolist())])
    return clean, links


def republish(output_dir: Path, latest: Latest, snap: StateSnapshot,
              ledger_before: list[dict], new: list[dict], affected: set[str],
              rules_dir: Path | str | None, dry_run: bool = False,
              rules: Rules | None = None) -> Outcome:
    """Record ``new`` decisions and publish a run rebuilding only the affected profiles.

    Call under :func:`flows.state.locked`. Decisions the ledger already holds are not
    recorded again; decisions still pending (a verb killed before publishing) are applied
    too. The run is computed in memory, then the ledger appended, then committed;
    ``dry_run`` returns the outcome computed in memory and writes nothing. ``rules``:
    already loaded (and checked) from ``rules_dir``.
    """
    t0 = time.perf_counter()
    known = {str(d["decision_id"]) for d in ledger_before}
    fresh: list[dict] = []
    repeated: list[str] = []
    for d in new:
        did = str(d["decision_id"])
        if did in known:
            repeated.append(did)
        else:
            known.add(did)
            fresh.append(d)
    pending = snap.pending(ledger_before)
    if any(d.get("kind") == dec.TOMBSTONE for d in pending):
        raise StewardError("an erasure was interrupted before it was published: repeat the "
                           "crm-golden erase command (or run the pipeline) first")
    if not fresh and not pending:
        return Outcome(run_id=None, previous_run=latest.run_dir.name, already=repeated,
                       dry_run=dry_run)
    if snap.registry is None:
        raise StewardError("no golden id registry under state/; run the pipeline first")
    run_dir = latest.run_dir
    rules = rules or load_rules_checked(resolve_rules_dir(snap, rules_dir), latest.audit)
    ctx = stages.new_run_context(rules.folder, output_dir)
    ctx.state = snap
    ledger = ledger_before + fresh
    index = latest.index
    cons = dec.constraints_for_run(ledger, index)
    base, label = _base_profiles(latest)
    group_of = base.group_of()
    clusters = {int(label[g]) for g in affected}
    for d in pending:
        clusters |= dec.affected_groups(d, group_of)
    read_clean, read_links = _readers(run_dir)
    model = FSModel.from_json((run_dir / "model.json").read_text(encoding="utf-8"))
    profiles = stages.rebuild_profiles(ctx, rules, model, base, cons, clusters, read_clean,
                                       read_links)
    golden = stages.assign_ids(ctx, rules, profiles, snap.registry)

    # Unaffected profiles keep their ids: the committed registry is the latest run's.
    rebuilt = index["record_id"].isin(profiles.rebuilt).to_numpy()
    new_gid = golden.crosswalk.set_index(["source", "source_record_id"])["golden_id"]
    old_gid = index.set_index(["source", "source_record_id"])["golden_id"]
    now = new_gid.reindex(old_gid.index)
    if (now[~rebuilt] != old_gid[~rebuilt]).any():
        raise StewardError("the state registry does not match the latest run; run the "
                           "pipeline again, then retry")
    review_old = pd.read_parquet(run_dir / "review_queue.parquet")
    review = dec.drop_decided_pairs(review_old, ledger)

    # outcome, in golden ids and counts only
    old_ids = set(old_gid[rebuilt])
    new_ids = set(now[rebuilt])
    red = golden.redirects.set_index("retired_id")["current_id"]
    outcome = Outcome(
        run_id=ctx.run_id, previous_run=run_dir.name,
        decisions=[{"decision_id": d["decision_id"], "kind": d["kind"],
                    **{k: d[k] for k in ("undoes", "forced") if k in d}} for d in fresh],
        kept=sorted(old_ids & new_ids), created=sorted(new_ids - old_ids),
        retired={g: str(red.get(g, "")) for g in sorted(old_ids - new_ids)},
        records_moved=int((now[rebuilt] != old_gid[rebuilt]).sum()),
        profiles_before=int(index["golden_id"].nunique()),
        profiles_after=int(len(golden.golden)),
        review_pairs_removed=int(len(review_old) - len(review)),
        decisions_applied=cons.applied, decisions_stale=cons.stale,
        already=repeated, pending_applied=[str(d["decision_id"]) for d in pending],
    )
    if dry_run:
        outcome.run_id, outcome.dry_run = None, True
        outcome.seconds = round(time.perf_counter() - t0, 3)
        return outcome
    # the clusters section needs no list column but ``sources`` (and converting them is slow)
    flat = [n for n, t in zip(golden.schema.names, golden.schema.types, strict=True)
            if not pa.types.is_list(t) or n == "sources"] if golden.schema else None
    audit = _updated_audit(latest, ctx, golden.golden[flat] if flat else golden.golden,
                           golden.crosswalk, profiles.membership, review, golden.churn, cons,
                           outcome)
    outcome.seconds = round(time.perf_counter() - t0, 3)
    audit["run"]["stage_seconds"] = {"steward": outcome.seconds}
    html = render_report(audit)
    copies = {f"{t}.parquet": (run_dir / f"{t}.parquet").read_bytes()
              for t in ("clean_records", "links", "quarantine")}
    state.append_decisions(ctx.state_dir, fresh)
    state.crash_point("ledger.appended")
    stages.stage_commit(ctx, {
        "golden_customers": (golden.golden, golden.schema),
        "crosswalk": golden.crosswalk,
        "review_queue": review,
        "id_redirects": golden.redirects,
    }, {
        **copies,
        "audit.json": audit,
        "audit_report.html": html,
        "model.json": (run_dir / "model.json").read_bytes(),
    }, state.StateUpdate(
        registry=golden.registry, model_json=snap.model_json,
        model_rules_hash=snap.model_rules_hash, rules_dir=snap.rules_dir or str(rules.folder),
        published=stages.published_after(snap, ledger, ctx.run_id)))
    outcome.seconds = round(time.perf_counter() - t0, 3)
    return outcome


def _updated_audit(latest: Latest, ctx: Any, golden: pd.DataFrame, crosswalk: pd.DataFrame,
                   membership: pd.DataFrame, review: pd.DataFrame, churn: dict,
                   cons: dec.Constraints, outcome: Outcome) -> dict:
    """The latest audit with the run, clusters and changes sections brought up to date.

    Inputs, quality and matching are unchanged: a decision re-links nothing.
    """
    previous = latest.audit
    audit = json.loads(json.dumps(previous))
    finished = datetime.now(UTC)
    audit["run"].update({
        "run_id": ctx.run_id, "started": ctx.started.isoformat(),
        "finished": finished.isoformat(),
        "duration_s": round((finished - ctx.started).total_seconds(), 3),
        "previous_run": latest.run_dir.name, "kind": "steward_decision",
        "takeaway": (f"Steward decision republished run {latest.run_dir.name} as "
                     f"{ctx.run_id}; only the affected profiles were rebuilt."),
    })
    g = golden.reset_index(drop=True)
    sizes = membership.groupby("cluster_id").size()
    prev_cl = previous.get("clusters") or {}
    conflicts = dict(prev_cl.get("conflicts") or {})
    link_clusters = {
        **conflicts,
        "clusters": int(len(sizes)),
        "size_distribution": {str(int(k)): int(v)
                              for k, v in sizes.value_counts().sort_index().items()},
        "largest_clusters": [{"cluster_id": int(c), "size": int(s)} for c, s in
                             sizes.sort_values(ascending=False, kind="mergesort")
                             .head(10).items() if s > 1],
    }
    audit["clusters"] = aud._clusters_section({"clusters": link_clusters}, g, crosswalk)
    counts = {"applied": cons.applied, "stale": cons.stale, "new": len(outcome.decisions)}
    audit["changes"] = aud._changes_section(churn, counts, review, ctx.today, audit, previous,
                                            latest.run_dir.name)
    audit["changes"]["steward"] = {
        "decisions": outcome.decisions, "stale_decision_ids": cons.stale_ids,
        "kept": outcome.kept, "created": outcome.created, "retired": outcome.retired,
        "records_moved": outcome.records_moved,
        "review_pairs_removed": outcome.review_pairs_removed,
    }
    return json_safe(audit)


# --------------------------------------------------------------------------- verbs


def _apply(output_dir: Path | str, planner: Any, targets: list[str], reason: str, by: str | None,
           rules_dir: Path | str | None, force: bool = False,
           dry_run: bool = False) -> Outcome:
    output_dir = Path(output_dir)
    with state.locked(output_dir):
        latest = load_latest(output_dir)
        snap = state.read_state(output_dir)
        ledger = state.read_ledger(state.state_dir(output_dir))
        new, affected = planner(latest, ledger, list(targets), reason, by)
        check = ConflictCheck(latest, snap, rules_dir)
        conflicts = {}
        known = {str(d["decision_id"]) for d in ledger}
        for d in new:
            found = check(ledger, d) if str(d["decision_id"]) not in known else None
            if found is None:
                continue
            conflicts[str(d["decision_id"])] = found.as_dict()
            if found.refuses and force:
                d.update(forced=True, forced_over=list(found.hard))
            elif found.refuses and not dry_run:
                raise StewardError(refusal(str(d["kind"]), found))
        outcome = republish(output_dir, latest, snap, ledger, new, affected, rules_dir,
                            dry_run=dry_run, rules=check.rules)
    outcome.conflicts = conflicts
    return outcome


def refusal(kind: str, found: DecisionConflicts) -> str:
    """The one line a refused verb prints: comparison names and counts, no values."""
    verb = kind.replace("_", "-")
    return (f"{verb} refused: it would put records with a hard conflict into one profile: "
            f"{found.describe()}; --dry-run shows the outcome, --force records it anyway")


def merge(output_dir: Path | str, golden_ids: list[str], reason: str, by: str | None = None,
          rules_dir: Path | str | None = None, force: bool = False,
          dry_run: bool = False) -> Outcome:
    """One profile from several; the oldest id survives and the others redirect to it."""
    return _apply(output_dir, plan_merge, golden_ids, reason, by, rules_dir, force, dry_run)


def split(output_dir: Path | str, records: list[str], reason: str, by: str | None = None,
          rules_dir: Path | str | None = None, force: bool = False,
          dry_run: bool = False) -> Outcome:
    """Move records out of their profile into a new one (a single record: its own)."""
    return _apply(output_dir, plan_split, records, reason, by, rules_dir, force, dry_run)


def not_same(output_dir: Path | str, records: list[str], reason: str, by: str | None = None,
             rules_dir: Path | str | None = None, dry_run: bool = False) -> Outcome:
    """Two records are different people: clustering must never put them together again.

    It joins nothing, so it never meets a hard conflict (there is no ``force``)."""
    return _apply(output_dir, plan_not_same, records, reason, by, rules_dir, dry_run=dry_run)


# --------------------------------------------------------------------------- hard conflicts


class ConflictCheck:
    """What a decision's joined records contradict, under the latest run's model.json and
    clean records (:mod:`transforms.decision_conflicts`); the rules are loaded, and clean
    rows read, only when a decision joins anything."""

    def __init__(self, latest: Latest, snap: StateSnapshot,
                 rules_dir: Path | str | None) -> None:
        self.latest, self.snap, self.rules_dir = latest, snap, rules_dir
        self._basis: tuple[Rules, FSModel] | None = None
        self._clean: list[pd.DataFrame] = []
        self._read: set[int] = set()

    @property
    def rules(self) -> Rules | None:
        """The rules, once a check needed them (then republish need not load them again)."""
        return self._basis[0] if self._basis else None

    def warm(self, keys: list[str]) -> None:
        """Read the clean rows of ``keys`` not read yet (one Parquet read for many rows)."""
        rid = self.latest.by_key["record_id"]
        ids = {int(rid[k]) for k in keys if k in rid.index} - self._read
        if ids:
            rows = pq.read_table(self.latest.run_dir / "clean_records.parquet",
                                 filters=[("record_id", "in", sorted(ids))]).to_pandas()
            self._clean = [pd.concat([*self._clean, rows], ignore_index=True)]
            self._read |= ids

    def __call__(self, ledger: list[dict], decision: dict) -> DecisionConflicts | None:
        """None when ``decision`` joins nothing that was apart (a not-same, a confirmation)."""
        sides = dec.joined_sides(ledger, decision, self.latest.by_key["golden_id"])
        if len(sides) < 2:
            return None
        if self._basis is None:
            rules = load_rules_checked(resolve_rules_dir(self.snap, self.rules_dir),
                                       self.latest.audit)
            self._basis = rules, FSModel.from_json(
                (self.latest.run_dir / "model.json").read_text(encoding="utf-8"))
        rules, model = self._basis
        self.warm([k for side in sides for k in side])
        rid = self.latest.by_key["record_id"]
        id_sides = [[int(rid[k]) for k in side] for side in sides]
        clean = self._clean[0]
        rows = clean[clean["record_id"].isin({i for side in id_sides for i in side})]
        return decision_conflicts(rows, id_sides, model, rules.matching)


def format_outcome(outcome: Outcome) -> str:
    """A short human summary of what a verb changed (ids and counts only)."""
    if outcome.dry_run:
        return format_dry_run(outcome)
    if outcome.run_id is None:
        lines = [f"nothing recorded; latest stays {outcome.previous_run}"]
        if outcome.already:
            lines.append(f"  {len(outcome.already)} decision(s) were recorded and published "
                         f"before: {', '.join(outcome.already[:6])}"
                         f"{' ...' if len(outcome.already) > 6 else ''}")
    else:
        lines = [f"published run {outcome.run_id} (was {outcome.previous_run}) in "
                 f"{outcome.seconds:.2f} s"]
        for d in outcome.decisions:
            lines.append(f"  decision {d['decision_id']} ({kind_text(d)}) recorded"
                         + _forced_text(outcome, d))
            lines += _conflict_lines(outcome.conflicts.get(str(d["decision_id"])) or {})
        for did in outcome.already:
            lines.append(f"  decision {did} was recorded before (not recorded again)")
        for did in outcome.pending_applied:
            lines.append(f"  decision {did} (left unpublished by an interrupted verb) applied")
        for g in outcome.kept:
            lines.append(f"  kept     {g}")
        for old, new in outcome.retired.items():
            lines.append(f"  retired  {old} -> redirects to {new}")
        for g in outcome.created:
            lines.append(f"  created  {g}")
        lines.append(f"  records that changed profile: {outcome.records_moved}; profiles "
                     f"{outcome.profiles_before} -> {outcome.profiles_after}; review pairs "
                     f"removed: {outcome.review_pairs_removed}")
        lines.append(f"  decisions in ledger applied: {outcome.decisions_applied}, "
                     f"stale: {outcome.decisions_stale}")
    if outcome.ignored_rows:
        lines.append(f"  rows left blank (ignored): {len(outcome.ignored_rows)}")
    for row, problem in outcome.rejected_rows:
        lines.append(f"  row {row} rejected: {problem}")
    return "\n".join(lines)


def kind_text(d: dict[str, Any]) -> str:
    return f"undo of {d['undoes']}" if d.get("kind") == "undo" else str(d.get("kind"))


def _forced_text(outcome: Outcome, d: dict[str, Any]) -> str:
    found = outcome.conflicts.get(str(d["decision_id"])) or {}
    if not d.get("forced") or not found.get("hard"):
        return ""
    return f", forced over a hard conflict: {', '.join(found['hard'])}"


def _conflict_lines(found: dict[str, Any]) -> list[str]:
    """What a decision joins despite: hard, waived and soft conflicts as comparison names
    and record-pair counts (no values), so a merge over differing data is never silent."""
    lines = []
    for which, label in (("hard", "hard conflicts"), ("waived", "conflicts waived (another "
                         "comparison vouches)"), ("soft", "values that differ")):
        if found.get(which):
            counts = ", ".join(f"{name} {n}" for name, n in found[which].items())
            lines.append(f"    {label}, record pairs of {found['pairs']}: {counts}")
    return lines


def format_dry_run(outcome: Outcome) -> str:
    """What a verb would change, and what its decisions contradict; nothing was written."""
    lines = [f"dry run: nothing recorded or published; latest stays {outcome.previous_run}"]
    for did in outcome.already:
        lines.append(f"  decision {did} was recorded before (would not be recorded again)")
    for d in outcome.decisions:
        found = outcome.conflicts.get(str(d["decision_id"])) or {}
        refused = bool(found.get("hard")) and not d.get("forced")
        lines.append(f"  would record decision {d['decision_id']} ({kind_text(d)})"
                     + (": REFUSED without --force" if refused else _forced_text(outcome, d)))
        lines += _conflict_lines(found)
    for did in outcome.pending_applied:
        lines.append(f"  decision {did} (left unpublished by an interrupted verb) would be "
                     "applied")
    for g in outcome.kept:
        lines.append(f"  would keep    {g}")
    for old, new in outcome.retired.items():
        lines.append(f"  would retire  {old} -> redirects to {new}")
    for g in outcome.created:
        lines.append(f"  would create  {g}")
    if outcome.decisions or outcome.pending_applied:
        lines.append(f"  records that would change profile: {outcome.records_moved}; "
                     f"profiles {outcome.profiles_before} -> {outcome.profiles_after}; "
                     f"review pairs removed: {outcome.review_pairs_removed}")
    if outcome.ignored_rows:
        lines.append(f"  rows left blank (ignored): {len(outcome.ignored_rows)}")
    for row, problem in outcome.rejected_rows:
        lines.append(f"  row {row} would be rejected: {problem}")
    return "\n".join(lines)
