"""Steward verbs: merge, split, not-same, review export/import and history.

Every verb that records a decision follows the same path, under the ledger lock
(:func:`flows.ledger.ledger_lock`) so that two stewards acting at once are serialized
and neither decision is lost:

1. read the latest published run (only the columns needed: a merge on 100k customers must
   not read every table in full) and validate the request against it; an invalid request
   raises :class:`StewardError` before anything is written;
2. rebuild only the affected profiles: their records are reclustered from their own
   auto-match links plus every ledger constraint restricted to them (other records keep
   their cluster), survivorship re-runs on those clusters only, and golden ids go through
   the same registry as a full run (so the oldest id survives a merge and retired ids
   redirect);
3. append the decision(s) to the ledger, publish a new run (new run id, atomic, ``latest``
   moves; unchanged tables are copied byte for byte) and save the id registry.

Messages and summaries carry golden ids, record keys and counts, never personal data;
the ``reason`` free text goes to the ledger only.
"""

from __future__ import annotations

import getpass
import io
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crm_golden.config.matching import MatchingRules
from crm_golden.config.rules import load_rules
from flows.ledger import append_decisions, ledger_lock, read_ledger
from flows.stages import load_registry, new_run_context, save_registry
from transforms import audit as aud
from transforms import decisions as dec
from transforms.cluster import cluster_pairs
from transforms.constraints import Constraints
from transforms.golden_ids import assign_golden_ids
from transforms.link import build_review_queue
from transforms.mask import mask_free_text, mask_name
from transforms.model import FSModel
from transforms.publish import latest_run_dir, publish_run
from transforms.report_html import render_report
from transforms.survive import attach_golden_ids, survive

RULES_POINTER = "rules_dir.txt"  # written by each full run: the rules folder it used
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


def resolve_rules_dir(output_dir: Path, rules_dir: Path | str | None) -> Path:
    """The rules folder given, else the one the last full run recorded, else ``rules``."""
    if rules_dir is None:
        pointer = Path(output_dir) / "state" / RULES_POINTER
        rules_dir = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else "rules"
    return Path(rules_dir)


def load_rules_checked(rules_dir: Path, audit: dict) -> Any:
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
              by: str | None, latest: Latest, **extra: Any) -> dict[str, Any]:
    return {
        "decision_id": "D" + uuid.uuid4().hex[:12],
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
    return [_decision("merge", records, resolved, reason, by, latest)], set(resolved)


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

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["rejected_rows"] = [{"row": r, "problem": p} for r, p in self.rejected_rows]
        return out


def _dense_cluster(records: pd.DataFrame, pairs: pd.DataFrame, matching: MatchingRules,
                   model: FSModel, must: pd.DataFrame, cannot: pd.DataFrame) -> pd.Series:
    """``cluster_pairs`` on a subset: record ids made dense, cluster id = smallest record id."""

    records = records.sort_values("record_id", kind="mergesort").reset_index(drop=True)
    orig = records["record_id"].to_numpy(dtype=np.int64)

    def dense(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for col in ("left_record_id", "right_record_id"):
            out[col] = np.searchsorted(orig, frame[col].to_numpy(dtype=np.int64))
        return out

    dense_records = records.assign(record_id=np.arange(len(orig), dtype=np.int64))
    constraints = Constraints.from_model(dense_records, model, matching.comparisons,
                                         matching.cluster)
    result = cluster_pairs(dense_records, dense(pairs), matching.cluster, constraints,
                           must_link=dense(must), cannot_link=dense(cannot))
    cl = result.clusters
    return pd.Series(orig[cl["cluster_id"].to_numpy()], index=orig[cl["record_id"].to_numpy()])


def _arrow_bytes(table: pa.Table) -> bytes:
    """Parquet bytes with the same settings as ``transforms.publish.write_parquet``."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=True)
    return buf.getvalue()


def republish(output_dir: Path, latest: Latest, ledger_before: list[dict],
              new: list[dict], affected: set[str], rules_dir: Path | str | None) -> Outcome:
    """Append ``new`` decisions and publish a new run that rebuilds only ``affected`` profiles.

    Call with the ledger lock held. The new run is computed in memory first; the ledger is
    appended just before publishing, and the id registry saved just after (as a full run).
    """

    t0 = time.perf_counter()
    run_dir = latest.run_dir
    rules = load_rules_checked(resolve_rules_dir(output_dir, rules_dir),
                               latest.audit)
    ctx = new_run_context(rules.folder, output_dir)
    registry = load_registry(ctx)
    if registry is None:
        raise StewardError("no golden id registry under state/; run the pipeline first")
    ledger = ledger_before + new
    index = latest.index
    cons = dec.constraints_for_run(ledger, index)

    # affected records: the named profiles, closed over forced groups reaching outside them
    gids = set(affected)
    while True:
        rec = index.loc[index["golden_id"].isin(gids), "record_id"]
        inside = cons.must_link["left_record_id"].isin(rec) ^ cons.must_link[
            "right_record_id"].isin(rec)
        if not inside.any():
            break
        ends = cons.must_link.loc[inside, ["left_record_id", "right_record_id"]].to_numpy()
        more = set(index.loc[index["record_id"].isin(ends.ravel()), "golden_id"])
        if more <= gids:
            break
        gids |= more
    sub_ids = index.loc[index["golden_id"].isin(gids), "record_id"].to_numpy(dtype=np.int64)

    # new clusters for the affected records; the others keep theirs (smallest record id)
    cluster_of = index.groupby("golden_id")["record_id"].transform("min")
    cluster_of.index = index["record_id"].to_numpy()
    clean_sub = pd.DataFrame()
    if len(sub_ids):
        clean_sub = pq.read_table(run_dir / "clean_records.parquet",
                                  filters=[("record_id", "in", sub_ids.tolist())]).to_pandas()
        links = pd.read_parquet(run_dir / "links.parquet", columns=LINK_COLUMNS,
                                filters=[("left_record_id", "in", sub_ids.tolist())])
        links = dec.restrict_pairs(links, sub_ids)
        model = FSModel.from_json((run_dir / "model.json").read_text(encoding="utf-8"))
        new_cl = _dense_cluster(clean_sub, links, rules.matching, model,
                                dec.restrict_pairs(cons.must_link, sub_ids),
                                dec.restrict_pairs(cons.cannot_link, sub_ids))
        cluster_of.loc[new_cl.index] = new_cl.to_numpy()
    membership = pd.DataFrame({
        "source": index["source"].to_numpy(), "source_record_id": index["source_record_id"],
        "cluster_id": cluster_of.loc[index["record_id"].to_numpy()].to_numpy(),
    })
    ids = assign_golden_ids(membership, registry, ctx.run_id)

    # unaffected profiles must come out unchanged, or the splice below would be wrong
    new_gid = ids.crosswalk.set_index(["source", "source_record_id"])["golden_id"]
    old_gid = index.set_index(["source", "source_record_id"])["golden_id"]
    now = new_gid.reindex(old_gid.index)
    untouched = ~old_gid.isin(gids)
    if (now[untouched] != old_gid[untouched]).any():
        raise StewardError("the state registry does not match the latest run (was a run "
                           "interrupted?); run the pipeline again, then retry")

    # golden rows: affected profiles re-survived, every other row copied as published
    old_golden = pq.read_table(run_dir / "golden_customers.parquet")
    keep = pc.invert(pc.is_in(old_golden["golden_id"], value_set=pa.array(sorted(gids),
                                                                          pa.string())))
    parts = [old_golden.filter(keep)]
    if len(sub_ids):
        sub_clusters = pd.DataFrame({"record_id": clean_sub["record_id"].to_numpy(),
                                     "cluster_id": cluster_of.loc[
                                         clean_sub["record_id"].to_numpy()].to_numpy()})
        rows = survive(clean_sub, sub_clusters, rules.survivorship, rules.trust)
        rows = attach_golden_ids(rows, ids.ids)
        parts.append(pa.Table.from_pandas(rows[old_golden.schema.names],
                                          schema=old_golden.schema, preserve_index=False))
    golden = pa.concat_tables(parts).sort_by("golden_id")

    crosswalk = ids.crosswalk.sort_values(["source", "source_record_id"], kind="mergesort")
    crosswalk = crosswalk.reset_index(drop=True)
    review_old = pd.read_parquet(run_dir / "review_queue.parquet")
    review = dec.drop_decided_pairs(review_old, ledger)

    # outcome, in golden ids and counts only
    old_ids = set(index.loc[index["golden_id"].isin(gids), "golden_id"])
    new_ids = set(new_gid[new_gid.index.isin(old_gid[old_gid.isin(gids)].index)])
    red = ids.redirects.set_index("retired_id")["current_id"]
    moved = int((now[~untouched] != old_gid[~untouched]).sum())
    outcome = Outcome(
        run_id=ctx.run_id, previous_run=run_dir.name,
        decisions=[{"decision_id": d["decision_id"], "kind": d["kind"]} for d in new],
        kept=sorted(old_ids & new_ids), created=sorted(new_ids - old_ids),
        retired={g: str(red.get(g, "")) for g in sorted(old_ids - new_ids)},
        records_moved=moved, profiles_before=int(index["golden_id"].nunique()),
        profiles_after=int(golden.num_rows),
        review_pairs_removed=int(len(review_old) - len(review)),
        decisions_applied=cons.applied, decisions_stale=cons.stale,
    )

    audit = _updated_audit(latest, ctx, golden, crosswalk, membership, review, ids.churn,
                           cons, outcome, rules)
    outcome.seconds = round(time.perf_counter() - t0, 3)
    audit["run"]["stage_seconds"] = {"steward": outcome.seconds}
    html = render_report(audit)

    append_decisions(ctx.state_dir, [{**d, "published_run": ctx.run_id} for d in new])
    copy = {f"{t}.parquet": (run_dir / f"{t}.parquet").read_bytes()
            for t in ("clean_records", "links", "quarantine")}
    publish_run(output_dir, ctx.run_id, {
        "crosswalk": crosswalk,
        "review_queue": review,
        "id_redirects": ids.redirects,
    }, {
        **copy,
        "golden_customers.parquet": _arrow_bytes(golden),
        "audit.json": audit,
        "audit_report.html": html,
        "model.json": (run_dir / "model.json").read_bytes(),
    })
    save_registry(ctx, ids.registry)
    outcome.seconds = round(time.perf_counter() - t0, 3)
    return outcome


def _updated_audit(latest: Latest, ctx: Any, golden: pa.Table, crosswalk: pd.DataFrame,
                   membership: pd.DataFrame, review: pd.DataFrame, churn: dict,
                   cons: dec.Constraints, outcome: Outcome, rules: Any) -> dict:
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
    cols = [n for n, t in zip(golden.schema.names, golden.schema.types, strict=True)
            if not pa.types.is_list(t) or n == "sources"]
    g = golden.select(cols).to_pandas()
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
    return aud._clean(audit)


# --------------------------------------------------------------------------- verbs


def _apply(output_dir: Path, planner: Any, targets: list[str], reason: str, by: str | None,
           rules_dir: Path | str | None) -> Outcome:
    output_dir = Path(output_dir)
    with ledger_lock(output_dir / "state"):
        latest = load_latest(output_dir)
        ledger = read_ledger(output_dir / "state")
        new, affected = planner(latest, ledger, list(targets), reason, by)
        return republish(output_dir, latest, ledger, new, affected, rules_dir)


def merge(output_dir: Path, golden_ids: list[str], reason: str, by: str | None = None,
          rules_dir: Path | str | None = None) -> Outcome:
    """One profile from several; the oldest id survives and the others redirect to it."""
    return _apply(output_dir, plan_merge, golden_ids, reason, by, rules_dir)


def split(output_dir: Path, records: list[str], reason: str, by: str | None = None,
          rules_dir: Path | str | None = None) -> Outcome:
    """Move records out of their profile into a new one (a single record: its own)."""
    return _apply(output_dir, plan_split, records, reason, by, rules_dir)


def not_same(output_dir: Path, records: list[str], reason: str, by: str | None = None,
             rules_dir: Path | str | None = None) -> Outcome:
    """Two records are different people: clustering must never put them together again."""
    return _apply(output_dir, plan_not_same, records, reason, by, rules_dir)


def review_export(output_dir: Path, file: Path, band: str = "review") -> int:
    """Write the review queue (or another band of links) as a CSV for a steward; rows out."""

    latest = load_latest(Path(output_dir))
    if band == "review":
        queue = pd.read_parquet(latest.run_dir / "review_queue.parquet")
    else:
        links = pd.read_parquet(latest.run_dir / "links.parquet")
        if band != "all":
            links = links[links["band"] == band]
        clean = pd.read_parquet(latest.run_dir / "clean_records.parquet")
        queue = build_review_queue(links.assign(band="review"), clean)
    queue = dec.drop_decided_pairs(queue, read_ledger(Path(output_dir) / "state"))
    sheet = dec.review_sheet(queue, latest.by_key["golden_id"])
    Path(file).parent.mkdir(parents=True, exist_ok=True)
    sheet.to_csv(file, index=False, encoding="utf-8-sig")
    return len(sheet)


def review_import(output_dir: Path, file: Path, reason: str | None = None,
                  by: str | None = None, rules_dir: Path | str | None = None) -> Outcome:
    """Record each answered row (accept -> merge of the pair, reject -> not-same).

    Rows left blank are ignored; rows with a bad value, unknown records, or a reject of a
    pair a decision already merged are rejected by row number and not recorded. Rows
    without a reason get ``reason`` or a default naming the file.
    """
    output_dir = Path(output_dir)
    sheet = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    try:
        parsed = dec.parse_review_sheet(sheet)
    except ValueError as exc:
        raise StewardError(str(exc)) from None
    with ledger_lock(output_dir / "state"):
        latest = load_latest(output_dir)
        ledger = read_ledger(output_dir / "state")
        new: list[dict] = []
        affected: set[str] = set()
        rejected = list(parsed.rejected)
        for ans in parsed.answers:
            why = ans.reason or (reason or "").strip() or \
                f"review queue {ans.decision} ({Path(file).name})"
            try:
                a, b = _check_keys(latest, [ans.left, ans.right])
                if a == b:
                    raise StewardError("a record cannot be paired with itself")
                ga, gb = latest.golden_of(a), latest.golden_of(b)
                extra = {"pair_id": dec.pair_id(a, b), "sheet_row": ans.row, "via": "review"}
                if ans.decision == "accept":
                    d = _decision("merge", sorted([a, b]), sorted({ga, gb}), why, by, latest,
                                  **extra)
                    if ga != gb:
                        affected |= {ga, gb}
                else:
                    dec.check_not_same(ledger + new, a, b)
                    d = _decision("not_same", [a, b], sorted({ga, gb}), why, by, latest,
                                  **extra)
                    if ga == gb:
                        affected.add(ga)
            except ValueError as exc:
                rejected.append((ans.row, str(exc)))
                continue
            new.append(d)
        if not new:
            outcome = Outcome(run_id=None, previous_run=latest.run_dir.name)
        else:
            outcome = republish(output_dir, latest, ledger, new, affected, rules_dir)
    outcome.rejected_rows = sorted(rejected)
    outcome.ignored_rows = parsed.ignored
    return outcome


# --------------------------------------------------------------------------- history


def _run_order(run_dir: Path) -> str:
    try:
        audit = json.loads((run_dir / "audit.json").read_text(encoding="utf-8"))
        return str(audit["run"]["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return run_dir.name


def history(output_dir: Path, golden_id: str) -> dict[str, Any]:
    """A profile's membership per run and the decisions that touched it, names masked.

    Follows every id that redirects (directly or not) to ``golden_id``'s current profile,
    so a merged-away id shows its past too.
    """

    output_dir = Path(output_dir)
    latest = load_latest(output_dir)
    gid = str(golden_id).strip()
    known = set(latest.index["golden_id"]) | set(latest.redirects["retired_id"])
    if gid not in known:
        raise StewardError(f"unknown golden id {golden_id!r}")
    current = latest.resolve(gid)
    family = {current} | set(latest.redirects.loc[latest.redirects["current_id"] == current,
                                                  "retired_id"])
    runs = sorted((p for p in (output_dir / "runs").iterdir()
                   if p.is_dir() and not p.name.endswith(".partial")
                   and (p / "crosswalk.parquet").is_file()), key=_run_order)
    timeline = []
    seen_keys: set[str] = set()
    previous: set[str] | None = None
    for run in runs:
        xw = pd.read_parquet(run / "crosswalk.parquet")
        rows = xw[xw["golden_id"].isin(family)]
        if rows.empty and previous is None:
            continue
        keys = rows["source"].astype(str) + ":" + rows["source_record_id"].astype(str)
        names = _masked_names(run, rows, mask_name)
        members = [{"record": k, "golden_id": str(g), "name": names.get(k)}
                   for k, g in sorted(zip(keys, rows["golden_id"], strict=True))]
        now = set(keys)
        timeline.append({
            "run_id": run.name, "golden_ids": sorted(set(rows["golden_id"].astype(str))),
            "members": members,
            "added": sorted(now - previous) if previous is not None else sorted(now),
            "removed": sorted(previous - now) if previous is not None else [],
        })
        gone = set(timeline[-1]["removed"])
        all_keys = xw["source"].astype(str) + ":" + xw["source_record_id"].astype(str)
        timeline[-1]["moved_to"] = dict(zip(all_keys[all_keys.isin(gone)],
                                            xw.loc[all_keys.isin(gone), "golden_id"].astype(str),
                                            strict=True))
        seen_keys |= now
        previous = now
    touched = []
    for d in read_ledger(output_dir / "state"):
        if set(d.get("golden_ids", [])) & family or set(d.get("records", [])) & seen_keys:
            touched.append({k: d.get(k) for k in ("decision_id", "kind", "at", "by", "run_id",
                                                  "published_run", "records", "golden_ids")}
                           | {"reason": mask_free_text(d.get("reason"))})
    return {"golden_id": gid, "current_id": current, "ids": sorted(family),
            "runs": timeline, "decisions": touched}


def _masked_names(run: Path, rows: pd.DataFrame, mask: Any) -> dict[str, str | None]:
    cols = ["source", "source_record_id", "name_given", "name_family"]
    try:
        clean = pd.read_parquet(run / "clean_records.parquet", columns=cols)
    except (OSError, ValueError, KeyError):
        return {}
    keys = set(rows["source"].astype(str) + ":" + rows["source_record_id"].astype(str))
    ck = clean["source"].astype(str) + ":" + clean["source_record_id"].astype(str)
    clean = clean[ck.isin(keys)]
    out = {}
    for rec in clean.to_dict("records"):
        parts = [str(rec[c]) for c in ("name_given", "name_family")
                 if rec.get(c) is not None and not pd.isna(rec[c])]
        out[f"{rec['source']}:{rec['source_record_id']}"] = mask(" ".join(parts)) or None
    return out


def format_outcome(outcome: Outcome) -> str:
    """A short human summary of what a verb changed (ids and counts only)."""
    if outcome.run_id is None:
        lines = [f"nothing recorded; latest stays {outcome.previous_run}"]
    else:
        lines = [f"published run {outcome.run_id} (was {outcome.previous_run}) in "
                 f"{outcome.seconds:.2f} s"]
        for d in outcome.decisions:
            lines.append(f"  decision {d['decision_id']} ({d['kind']}) recorded")
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


def format_history(hist: dict[str, Any]) -> str:
    """The history as text: per run, members (masked names) and changes; then decisions."""
    lines = [f"golden id {hist['golden_id']} -> current profile {hist['current_id']}"
             f" (ids: {', '.join(hist['ids'])})"]
    for run in hist["runs"]:
        lines.append(f"run {run['run_id']}: {len(run['members'])} records under "
                     f"{', '.join(run['golden_ids']) or '(none)'}")
        for m in run["members"]:
            mark = "+" if m["record"] in run["added"] else " "
            lines.append(f"  {mark} {m['record']:<28} {m['golden_id']}  {m['name'] or ''}")
        for k in run["removed"]:
            lines.append(f"  - {k:<28} now {run['moved_to'].get(k) or 'not delivered'}")
    lines.append(f"decisions ({len(hist['decisions'])}):")
    for d in hist["decisions"]:
        lines.append(f"  {d['at']} {d['decision_id']} {d['kind']} by {d['by']}: "
                     f"{', '.join(d['records'][:6])}{' ...' if len(d['records']) > 6 else ''}"
                     f" | reason: {d['reason']}")
    return "\n".join(lines)
