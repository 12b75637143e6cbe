"""Stable golden ids: every downstream table keys on ``golden_id``, so ids must not churn.

How ids are assigned, and why:

* **First run (or lost state).** A cluster's id is derived from its content only:
  ``"G" + sha256(smallest "source\\x1fsource_record_id")[:12]``. It does not depend on
  row order or on the clustering's run-local ``cluster_id`` numbers, so losing
  ``OUTPUT/state/`` and re-running on the same inputs reproduces the same ids.
* **Later runs.** Each cluster is matched to a previous id by record overlap with
  the registry's membership table (merge + groupby, no loop over clusters):

  - an old id claims the cluster holding most of its records (largest overlap,
    then higher Jaccard, then the cluster with the smaller smallest key), so when
    a cluster **splits the largest part keeps the id**;
  - a cluster claimed by several old ids keeps the **oldest** (smaller
    ``created_seq``, then larger overlap, then smaller id), so when clusters
    **merge the older id survives**.

  Clusters left without an id get a new content id (``split`` when they hold
  records seen before, ``created`` otherwise). Old ids left without a cluster are
  **retired** and redirect to the id now holding most of their records
  (reason ``merged``, or ``split`` when their records went to several clusters).
* **Erasure** (:func:`retire_erased`) retires a person's ids with reason ``erased`` and
  no redirect target, and forgets their records: nothing resolves to an erased person.
* **No id is ever reissued.** A new content id that collides with any id ever
  issued (or another new id) is re-derived from ``key + "#n"`` until free.
* **Redirect chains are resolved**: every retired id points directly at an active id.
* Records absent from a run (a source not delivered tonight) keep their last id in
  the registry, so they reclaim it when they come back; their id stays active.

The registry is two tables the lead persists under ``OUTPUT/state/``
(:data:`REGISTRY_FILES`): ``members`` (source, source_record_id, golden_id: last known
id of every record ever seen) and ``ids`` (one row per id ever issued).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ID_PREFIX = "G"
ID_HEX_LENGTH = 12
KEY_SEPARATOR = "\x1f"

REGISTRY_FILES = {"members": "golden_id_members.parquet", "ids": "golden_ids.parquet"}

MEMBER_COLUMNS = ["source", "source_record_id", "golden_id"]
ID_COLUMNS = [
    "golden_id",
    "status",  # active | retired
    "created_run",
    "created_seq",  # generation counter: order of creation across runs (run ids need not sort)
    "last_seen_run",
    "retired_run",
    "retired_reason",  # merged | split | erased | <NA>
    "redirect_to",  # active id a retired id resolves to (<NA> for an erased profile)
]
ERASED = "erased"
REDIRECT_COLUMNS = ["retired_id", "current_id", "retired_run", "reason"]
CHURN_KEYS = ["created", "kept", "merged", "split", "retired", "absent", "active"]


@dataclass(frozen=True)
class GoldenIdRegistry:
    """Persistent id state: record membership and metadata for every id ever issued."""

    members: pd.DataFrame
    ids: pd.DataFrame

    @classmethod
    def empty(cls) -> GoldenIdRegistry:
        """A registry with no history (first run, or state lost)."""
        return cls(_empty_members(), _empty_ids())


@dataclass(frozen=True)
class GoldenIdResult:
    """What one run's id assignment produced.

    ``ids``: cluster_id, golden_id, event (kept | created | split), one row per cluster.
    ``crosswalk``: source, source_record_id, golden_id for every record of this run.
    ``registry``: the new state to persist. ``redirects``: every retired id ever, with
    the active id it resolves to (retired_id, current_id, retired_run, reason).
    ``churn``: counts for this run, keys :data:`CHURN_KEYS`.
    """

    ids: pd.DataFrame
    crosswalk: pd.DataFrame
    registry: GoldenIdRegistry
    redirects: pd.DataFrame
    churn: dict[str, int] = field(default_factory=dict)


def build_membership(clean: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """(source, source_record_id, cluster_id) for every clean record: the id assigner's input."""
    cid = clean["record_id"].map(clusters.set_index("record_id")["cluster_id"])
    if cid.isna().any():
        raise ValueError(f"{int(cid.isna().sum())} clean records have no cluster_id")
    return pd.DataFrame({
        "source": clean["source"].astype(str).to_numpy(),
        "source_record_id": clean["source_record_id"].astype(str).to_numpy(),
        "cluster_id": cid.to_numpy(),
    })


def content_id(key: str, variant: int = 0) -> str:
    """Deterministic id from a cluster's smallest record key; variants avoid collisions."""
    text = key if variant == 0 else f"{key}#{variant}"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ID_PREFIX + digest[:ID_HEX_LENGTH]


def assign_golden_ids(
    membership: pd.DataFrame,
    registry: GoldenIdRegistry | None,
    run_id: str,
) -> GoldenIdResult:
    """Give every cluster a golden id, continuing the registry's ids where clusters continue.

    ``membership`` has source, source_record_id, cluster_id (one row per record).
    ``registry`` is the previous run's state, or None on a first run / lost state.
    """
    mem = _validate_membership(membership)
    reg = registry if registry is not None else GoldenIdRegistry.empty()
    reg_ids = _validate_ids(reg.ids)
    seq = int(reg_ids["created_seq"].max()) + 1 if len(reg_ids) else 0

    # clusters, identified by their smallest record key (independent of cluster numbering)
    mem["key"] = mem["source"] + KEY_SEPARATOR + mem["source_record_id"]
    mem = mem.sort_values("key", kind="mergesort").reset_index(drop=True)
    clusters = mem.drop_duplicates("cluster_id")[["cluster_id", "key"]].reset_index(drop=True)
    clusters["key_rank"] = np.arange(len(clusters), dtype=np.int64)  # already in key order
    clusters["size"] = clusters["cluster_id"].map(mem["cluster_id"].value_counts())

    # previous membership, resolved to active ids
    resolve = _redirect_map(reg_ids)
    prev = reg.members[MEMBER_COLUMNS].copy()
    prev["golden_id"] = prev["golden_id"].map(resolve).fillna(prev["golden_id"])
    unknown = ~prev["golden_id"].isin(reg_ids["golden_id"])
    if unknown.any():
        raise ValueError(f"registry members reference {int(unknown.sum())} unknown golden ids")
    old_size = prev["golden_id"].value_counts()

    # one hash lookup of this run's records in the previous membership
    prev_key = prev["source"].astype(str) + KEY_SEPARATOR + prev["source_record_id"].astype(str)
    prev_index = pd.Index(prev_key.to_numpy(dtype=object))
    if not prev_index.is_unique:
        raise ValueError("registry members list some (source, source_record_id) twice")
    hit = prev_index.get_indexer(mem["key"].to_numpy(dtype=object))
    found = hit >= 0
    pairs = (
        pd.DataFrame({
            "cluster_id": mem["cluster_id"].to_numpy()[found],
            "golden_id": prev["golden_id"].to_numpy(dtype=object)[hit[found]],
        })
        .groupby(["cluster_id", "golden_id"], sort=False)
        .size()
        .rename("overlap")
        .reset_index()
    )
    still_here = np.zeros(len(prev), dtype=bool)
    still_here[hit[found]] = True
    holder_of, reason_of, target_cluster_of = _match(pairs, clusters, reg_ids, old_size)

    # ids per cluster: kept, or new content ids
    clusters["golden_id"] = clusters["cluster_id"].map(holder_of).astype(object)
    clusters["event"] = np.where(clusters["golden_id"].notna(), "kept", "created")
    seen_before = clusters["cluster_id"].isin(pairs["cluster_id"])
    clusters.loc[clusters["golden_id"].isna() & seen_before, "event"] = "split"
    new = clusters["golden_id"].isna()
    clusters.loc[new, "golden_id"] = _new_ids(
        clusters.loc[new, "key"], set(reg_ids["golden_id"])
    )
    cluster_gid = clusters.set_index("cluster_id")["golden_id"]

    # retirements of this run
    retired = pd.DataFrame({"golden_id": list(reason_of.keys())})
    retired["reason"] = retired["golden_id"].map(reason_of)
    retired["redirect_to"] = retired["golden_id"].map(target_cluster_of).map(cluster_gid)

    new_ids = _update_ids(reg_ids, clusters, retired, run_id, seq)
    final = _redirect_map(new_ids)

    # mem is sorted by key, i.e. by (source, source_record_id): no re-sort needed
    crosswalk = mem[["source", "source_record_id"]].copy()
    crosswalk["golden_id"] = mem["cluster_id"].map(cluster_gid).to_numpy(dtype=object)

    absent = prev.loc[~still_here, MEMBER_COLUMNS].copy()
    absent["golden_id"] = absent["golden_id"].map(final).fillna(absent["golden_id"])
    members = crosswalk
    if len(absent):
        members = (
            pd.concat([crosswalk, absent], ignore_index=True)
            .sort_values(["source", "source_record_id"], kind="mergesort")
            .reset_index(drop=True)
        )

    active_now = set(clusters["golden_id"])
    active_all = new_ids["status"] == "active"
    churn = {
        "created": int((clusters["event"] == "created").sum()),
        "kept": int((clusters["event"] == "kept").sum()),
        "merged": int((retired["reason"] == "merged").sum()),
        "split": int((clusters["event"] == "split").sum()),
        "retired": len(retired),
        "absent": int((active_all & ~new_ids["golden_id"].isin(active_now)).sum()),
        "active": int(active_all.sum()),
    }
    ids = (
        clusters[["cluster_id", "golden_id", "event"]]
        .sort_values("cluster_id", kind="mergesort")
        .reset_index(drop=True)
    )
    return GoldenIdResult(
        ids=ids,
        crosswalk=crosswalk,
        registry=GoldenIdRegistry(members=members, ids=new_ids),
        redirects=redirects_table(new_ids),
        churn=churn,
    )


def redirects_table(ids: pd.DataFrame) -> pd.DataFrame:
    """Every retired id with the active id it resolves to (``id_redirects.parquet``)."""
    retired = ids[ids["status"] == "retired"]
    return pd.DataFrame({
        "retired_id": retired["golden_id"].to_numpy(dtype=object),
        "current_id": retired["redirect_to"].to_numpy(dtype=object),
        "retired_run": retired["retired_run"].to_numpy(dtype=object),
        "reason": retired["retired_reason"].to_numpy(dtype=object),
    }).sort_values("retired_id", kind="mergesort").reset_index(drop=True)


def retire_erased(registry: GoldenIdRegistry, golden_ids: set[str], record_keys: set[str],
                  run_id: str) -> GoldenIdRegistry:
    """The registry without an erased person: ``golden_ids`` are retired (reason
    ``erased``, no redirect), ids that redirected to them lose their target too, and the
    records of ``record_keys`` (``source:source_record_id``) and of those ids are forgotten.

    The ids stay in the id table, so they are never issued again.
    """
    ids = _validate_ids(registry.ids)
    ids = ids.astype({c: object for c in ID_COLUMNS if c != "created_seq"})
    erased = ids["golden_id"].isin(list(golden_ids))
    before = (ids["retired_reason"] == ERASED).fillna(False).astype(bool)
    ids.loc[erased & ~before, "retired_run"] = run_id
    ids.loc[erased, "status"] = "retired"
    ids.loc[erased, "retired_reason"] = ERASED
    ids.loc[erased, "redirect_to"] = None
    orphans = ids["redirect_to"].isin(list(golden_ids)) & ~erased
    ids.loc[orphans, "retired_reason"] = ERASED
    ids.loc[orphans, "redirect_to"] = None
    members = registry.members
    key = members["source"].astype(str) + ":" + members["source_record_id"].astype(str)
    gone = key.isin(list(record_keys)) | members["golden_id"].isin(
        list(set(golden_ids) | set(ids.loc[orphans, "golden_id"])))
    kept = members.loc[~gone.to_numpy()].reset_index(drop=True)
    return GoldenIdRegistry(members=kept, ids=ids.reset_index(drop=True))


# ------------------------------------------------------------------------------ internals


def _empty_members() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in MEMBER_COLUMNS})


def _empty_ids() -> pd.DataFrame:
    cols = {c: pd.Series(dtype=object) for c in ID_COLUMNS}
    cols["created_seq"] = pd.Series(dtype=np.int64)
    return pd.DataFrame(cols)


def _validate_membership(membership: pd.DataFrame) -> pd.DataFrame:
    for col in ("source", "source_record_id", "cluster_id"):
        if col not in membership.columns:
            raise ValueError(f"membership lacks required column {col!r}")
    mem = pd.DataFrame({
        "source": membership["source"].astype(str).to_numpy(dtype=object),
        "source_record_id": membership["source_record_id"].astype(str).to_numpy(dtype=object),
        "cluster_id": membership["cluster_id"].to_numpy(),
    })
    dup = mem.duplicated(["source", "source_record_id"])
    if dup.any():
        raise ValueError(f"membership lists {int(dup.sum())} (source, source_record_id) twice")
    return mem


def _validate_ids(ids: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ID_COLUMNS if c not in ids.columns]
    if missing:
        raise ValueError(f"registry id table lacks columns {missing}")
    out = ids[ID_COLUMNS].copy()
    out["created_seq"] = out["created_seq"].astype(np.int64)
    return out


def _redirect_map(ids: pd.DataFrame) -> pd.Series:
    """retired id -> active id, following chains (pointer jumping, a few rounds at most)."""
    retired = ids[ids["status"] == "retired"]
    target = pd.Series(retired["redirect_to"].to_numpy(dtype=object),
                       index=retired["golden_id"].to_numpy(dtype=object))
    for _ in range(64):
        nxt = target.map(target)
        moved = nxt.notna()
        if not moved.any():
            return target
        target = nxt.where(moved, target)
    raise ValueError("registry redirects contain a cycle")


def _match(
    pairs: pd.DataFrame,
    clusters: pd.DataFrame,
    ids: pd.DataFrame,
    old_size: pd.Series,
) -> tuple[pd.Series, dict[str, str], dict[str, object]]:
    """Match old ids to clusters: each old id claims the cluster holding most of its records.

    When several old ids claim one cluster (a merge) the oldest wins; the others are
    retired and redirect there. An old id never continues on a minor part of itself
    (that part gets a new id), so an id always follows the bulk of its records.

    Returns cluster_id -> kept old id, retired old id -> reason, and retired old id ->
    cluster_id it redirects to (its first choice, which always ends up held).
    """
    if pairs.empty:
        return pd.Series(dtype=object), {}, {}
    p = pairs.copy()
    p["o"], old_names = pd.factorize(p["golden_id"], sort=True)  # sorted: code order = id order
    p["c"], cluster_ids = pd.factorize(p["cluster_id"])
    info = clusters.set_index("cluster_id")
    size = p["cluster_id"].map(info["size"]).to_numpy(dtype=np.int64)
    key_rank = p["cluster_id"].map(info["key_rank"]).to_numpy(dtype=np.int64)
    osize = p["golden_id"].map(old_size).to_numpy(dtype=np.int64)
    overlap = p["overlap"].to_numpy(dtype=np.int64)
    jaccard = overlap / (osize + size - overlap)
    created = p["golden_id"].map(ids.set_index("golden_id")["created_seq"]).to_numpy(np.int64)
    o, c = p["o"].to_numpy(np.int64), p["c"].to_numpy(np.int64)
    n_old, n_cl = len(old_names), len(cluster_ids)

    # old id's preference list, laid out contiguously: option j of old o at start[o] + j
    by_old = np.lexsort([key_rank, -jaccard, -overlap, o])
    o_s, c_s = o[by_old], c[by_old]
    n_opts = np.bincount(o_s, minlength=n_old)
    start = np.concatenate([[0], np.cumsum(n_opts)[:-1]])
    # cluster's ranking of old ids (lower = preferred): oldest, then overlap, then id
    by_cl = np.lexsort([o, -overlap, created, c])
    cl_pref = np.empty(len(p), dtype=np.int64)
    cl_pref[by_cl] = np.arange(len(p))
    cl_pref_s = cl_pref[by_old]

    # an old id only continues on its first choice; each cluster keeps its preferred claimant
    first_slot = start[n_opts > 0]
    claim_o, claim_c, claim_pref = o_s[first_slot], c_s[first_slot], cl_pref_s[first_slot]
    order = np.lexsort([claim_pref, claim_c])
    win = np.ones(len(order), dtype=bool)
    win[1:] = claim_c[order][1:] != claim_c[order][:-1]
    winners = order[win]
    holder = np.full(n_cl, -1, dtype=np.int64)
    holder[claim_c[winners]] = claim_o[winners]
    held_by = np.full(n_old, -1, dtype=np.int64)
    held_by[claim_o[winners]] = claim_c[winners]

    held = np.flatnonzero(holder >= 0)
    holder_of = pd.Series(np.asarray(old_names, dtype=object)[holder[held]],
                          index=np.asarray(cluster_ids)[held])
    lost = np.flatnonzero((held_by < 0) & (n_opts > 0))
    lost_names = np.asarray(old_names, dtype=object)[lost]
    reasons = np.where(n_opts[lost] > 1, "split", "merged")
    targets = np.asarray(cluster_ids)[c_s[start[lost]]]
    return (
        holder_of,
        dict(zip(lost_names.tolist(), reasons.tolist(), strict=True)),
        dict(zip(lost_names.tolist(), targets.tolist(), strict=True)),
    )


def _new_ids(keys: pd.Series, taken: set[str]) -> np.ndarray:
    """Content ids for new clusters, re-derived until none collides with an issued id.

    ``keys`` are in key order, so within-run collisions favour the smaller key: the
    result is independent of row order.
    """
    keys_arr = keys.to_numpy(dtype=object)
    variant = np.zeros(len(keys_arr), dtype=np.int64)
    ids = np.array([content_id(k) for k in keys_arr], dtype=object)
    taken_arr = np.array(sorted(taken), dtype=object)
    for _ in range(1000):
        clash = pd.Series(ids).isin(taken_arr).to_numpy() | pd.Series(ids).duplicated().to_numpy()
        if not clash.any():
            return ids
        variant[clash] += 1
        ids[clash] = [content_id(k, int(v)) for k, v in
                      zip(keys_arr[clash], variant[clash], strict=True)]
    raise ValueError("could not derive a collision-free golden id")


def _update_ids(
    ids: pd.DataFrame,
    clusters: pd.DataFrame,
    retired: pd.DataFrame,
    run_id: str,
    seq: int,
) -> pd.DataFrame:
    """The id table after this run: seen ids touched, retirements recorded, new ids added."""
    out = ids.copy()
    seen = out["golden_id"].isin(clusters["golden_id"])
    out.loc[seen, "last_seen_run"] = run_id
    gone = out["golden_id"].isin(retired["golden_id"])
    rmap = retired.set_index("golden_id")
    out.loc[gone, "status"] = "retired"
    out.loc[gone, "retired_run"] = run_id
    out.loc[gone, "retired_reason"] = out.loc[gone, "golden_id"].map(rmap["reason"])
    out.loc[gone, "redirect_to"] = out.loc[gone, "golden_id"].map(rmap["redirect_to"])

    fresh = clusters.loc[clusters["event"] != "kept", "golden_id"].to_numpy(dtype=object)
    added = pd.DataFrame({
        "golden_id": fresh,
        "status": "active",
        "created_run": run_id,
        "created_seq": np.int64(seq),
        "last_seen_run": run_id,
        "retired_run": None,
        "retired_reason": None,
        "redirect_to": None,
    })
    out = pd.concat([out, added], ignore_index=True) if len(out) else added
    out = out.astype({c: object for c in ID_COLUMNS if c != "created_seq"})
    out["created_seq"] = out["created_seq"].astype(np.int64)

    # resolve chains: ids retired earlier pointing at an id retired now
    final = _redirect_map(out)
    is_retired = out["status"] == "retired"
    out.loc[is_retired, "redirect_to"] = out.loc[is_retired, "golden_id"].map(final)
    return out.sort_values("golden_id", kind="mergesort").reset_index(drop=True)
