"""Clustering auto-match pairs into customers without chaining strangers together.

Plain connected components over pairwise links chain namesakes who share a family phone
or a mailbox into clusters of hundreds. Here:

1. Edges are the auto-match pairs plus steward ``must_link`` pairs (these always win).
2. Cannot-link constraints come from the learned model (``transforms.constraints``): a
   comparison level whose weight is overwhelming on this data, waived for a pair that
   agrees overwhelmingly on another comparison; two different valid tax ids with a check
   digit; steward ``cannot_link`` pairs. An edge that itself violates one is dropped.
3. Connected components are computed with scipy. A component is *easy* when it has two
   records, or when no pair inside it conflicts, all its edges are strong (weight >=
   ``bridge_weight``) and it is within ``max_cluster_size``. Easy components are accepted
   as they are (vectorized, the vast majority).
4. Hard components are rebuilt by constrained union-find over their edges in descending
   weight order: two groups merge only if no member of one conflicts with any member of
   the other, the result stays within ``max_cluster_size``, and, for a weak edge between
   two groups of 2+ records, if at least ``min_bridge_support`` auto edges join them (a
   single weak bridge is cut). This is the only per-edge Python loop and it only visits
   edges of hard components, each check being a small vectorized cartesian test.
   A conflict between two groups is waived when the groups already explain it: a member
   vouches for the newcomer (same personal id; same birth date and surname for a given
   name), or the group has accepted the two values as one person's (two birth dates of
   a person merged through a shared tax id) and the newcomer carries the other one.

Cluster ids are the smallest record_id in the cluster, so they are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crm_golden.config.matching import ClusterSettings
from transforms.block import unique_sorted, within_block_pairs
from transforms.constraints import STEWARD_REASON, Constraints


@dataclass
class ClusterResult:
    """cluster_id per record_id, and a report without personal data."""

    clusters: pd.DataFrame  # record_id, cluster_id
    report: dict = field(default_factory=dict)


_PRECOMPUTE_MAX = 300  # components up to this size get all pair conflicts precomputed


def _pair_codes(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


def _in_sorted(values: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    """Membership in a sorted array by binary search: O(k log m), not O(m) like np.isin."""
    if sorted_codes.size == 0:
        return np.zeros(values.size, dtype=bool)
    j = np.minimum(np.searchsorted(sorted_codes, values), sorted_codes.size - 1)
    return sorted_codes[j] == values


def _as_pairs(pairs: object) -> tuple[np.ndarray, np.ndarray]:
    """Accept a DataFrame (left/right_record_id or first two columns) or an (k, 2) array."""
    if pairs is None:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if isinstance(pairs, pd.DataFrame):
        if {"left_record_id", "right_record_id"} <= set(pairs.columns):
            arr = pairs[["left_record_id", "right_record_id"]].to_numpy(dtype=np.int64)
        else:
            arr = pairs.iloc[:, :2].to_numpy(dtype=np.int64)
    else:
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def cluster_pairs(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    settings: ClusterSettings,
    constraints: Constraints | None = None,
    must_link: object = None,
    cannot_link: object = None,
) -> ClusterResult:
    """Cluster records from auto-match ``pairs`` (columns left_record_id, right_record_id,
    match_weight, band) under cannot-link ``constraints`` and weak-bridge cutting.

    ``must_link`` / ``cannot_link``: steward decisions as record_id pairs; they outrank the
    model (a must-link always merges, a cannot-link is never merged across).
    """
    n = len(records)
    if constraints is None:
        constraints = Constraints(records, [])
    reasons = [*constraints.reasons, STEWARD_REASON]
    steward_bit = 1 << (len(reasons) - 1)
    auto = pairs[pairs["band"] == "auto_match"] if "band" in pairs.columns else pairs
    ea = auto["left_record_id"].to_numpy(dtype=np.int64)
    eb = auto["right_record_id"].to_numpy(dtype=np.int64)
    ew = auto["match_weight"].to_numpy(dtype=np.float64)
    ml_a, ml_b = _as_pairs(must_link)
    cl_a, cl_b = _as_pairs(cannot_link)
    cl_codes = unique_sorted(_pair_codes(cl_a, cl_b, n))

    def masks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Effective conflicts of pairs, steward cannot-links included."""
        mask = constraints.conflict_mask(a, b)
        if cl_codes.size:
            mask[_in_sorted(_pair_codes(a, b, n), cl_codes)] |= steward_bit
        return mask

    def first_reason(mask: np.ndarray) -> np.ndarray:
        out = np.full(mask.size, -1, dtype=np.int64)
        for bit in range(len(reasons) - 1, -1, -1):
            out[(mask & (1 << bit)) != 0] = bit
        return out

    blocked = {name: 0 for name in reasons}
    # 2. Edges that themselves violate a constraint are dropped.
    reason = first_reason(masks(ea, eb))
    for code, name in enumerate(reasons):
        blocked[name] += int((reason == code).sum())
    keep = reason < 0
    ea, eb, ew = ea[keep], eb[keep], ew[keep]
    # must-link edges carry infinite weight so they are merged first.
    ea = np.concatenate([ml_a, ea])
    eb = np.concatenate([ml_b, eb])
    ew = np.concatenate([np.full(ml_a.size, np.inf), ew])

    # 3. Components; classify easy vs hard.
    graph = coo_matrix((np.ones(ea.size), (ea, eb)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    size = np.bincount(comp, minlength=comp.max() + 1 if n else 0)
    # Conflicts of every within-component pair of the components of 3 to _PRECOMPUTE_MAX
    # records, in one vectorized batch: they tell hard components from easy ones, and the
    # union-find loop below then only does set look-ups.
    small = (size[comp] > 2) & (size[comp] <= _PRECOMPUTE_MAX)
    sa, sb, _, _ = within_block_pairs(np.flatnonzero(small), comp[small], None)
    why_all = masks(sa, sb) if sa.size else np.zeros(0, dtype=np.int64)
    bad = why_all != 0
    hard = np.zeros(size.size, dtype=bool)
    hard[comp[sa[bad]]] = True
    hard |= size > _PRECOMPUTE_MAX
    weak = ew < settings.bridge_weight
    hard[comp[ea[weak]]] = True
    hard |= size > settings.max_cluster_size
    hard &= size > 2
    # must-link components are never split by the model: but constraints between model
    # edges inside them are still checked in the hard pass (must-link edges merge first).

    parent = comp.copy()  # easy components keep their component label
    hard_rec = hard[comp]
    bridges_cut = 0
    size_capped = 0
    n_hard_edges = 0
    if hard_rec.any():
        hard_nodes = np.flatnonzero(hard_rec)
        he = hard_rec[ea]
        ha, hb, hw = ea[he], eb[he], ew[he]
        order = np.lexsort((hb, ha, -hw))
        ha, hb, hw = ha[order], hb[order], hw[order]
        n_hard_edges = int(ha.size)
        edge_set = set(_pair_codes(ha, hb, n).tolist())
        codes_all = _pair_codes(sa[bad], sb[bad], n)
        conflicts = dict(zip(codes_all.tolist(), why_all[bad].tolist(), strict=True))
        uf = {int(x): int(x) for x in hard_nodes}
        members: dict[int, list[int]] = {int(x): [int(x)] for x in hard_nodes}
        is_small = dict(zip(hard_nodes.tolist(), small[hard_nodes].tolist(), strict=True))

        def find(x: int) -> int:
            root = x
            while uf[root] != root:
                root = uf[root]
            while uf[x] != root:
                uf[x], x = root, uf[x]
            return root

        def first_conflict(ra: int, rb: int, small_comp: bool) -> int:
            """Index of the first reason that keeps groups ra and rb apart, -1 if none."""
            ma, mb = members[ra], members[rb]
            if small_comp:
                found = [r for x in ma for y in mb
                         if (r := conflicts.get(x * n + y if x < y else y * n + x))]
                if not found:
                    return -1
                if any(r & steward_bit for r in found):
                    return len(reasons) - 1
            elif cl_codes.size:
                ca = np.repeat(np.asarray(ma), len(mb))
                cb = np.tile(np.asarray(mb), len(ma))
                if _in_sorted(_pair_codes(ca, cb, n), cl_codes).any():
                    return len(reasons) - 1
            return constraints.group_conflict(ma, mb)

        for a, b, w in zip(ha.tolist(), hb.tolist(), hw.tolist(), strict=True):
            ra, rb = find(a), find(b)
            if ra == rb:
                continue
            if w != np.inf:
                why = first_conflict(ra, rb, is_small[a])
                if why >= 0:
                    blocked[reasons[why]] += 1
                    continue
                ma, mb = members[ra], members[rb]
                if len(ma) + len(mb) > settings.max_cluster_size:
                    size_capped += 1
                    continue
                if w < settings.bridge_weight and len(ma) >= 2 and len(mb) >= 2:
                    support = sum(
                        (x * n + y if x < y else y * n + x) in edge_set for x in ma for y in mb
                    )
                    if support < settings.min_bridge_support:
                        bridges_cut += 1
                        continue
            if len(members[ra]) < len(members[rb]):
                ra, rb = rb, ra
            uf[rb] = ra
            members[ra].extend(members.pop(rb))
        roots = np.array([find(int(x)) for x in hard_nodes], dtype=np.int64)
        parent[hard_nodes] = comp.max() + 1 + roots  # fresh labels, disjoint from comp ids

    # Deterministic cluster id = smallest record_id in the cluster.
    labels, inv = np.unique(parent, return_inverse=True)
    min_id = np.full(labels.size, n, dtype=np.int64)
    np.minimum.at(min_id, inv, np.arange(n))
    cluster_id = min_id[inv]
    clusters = pd.DataFrame({"record_id": np.arange(n, dtype=np.int64), "cluster_id": cluster_id})
    csize = np.bincount(inv)
    dist = pd.Series(csize).value_counts().sort_index()
    top = np.argsort(-csize, kind="stable")[:10]
    report = {
        "clusters": int(labels.size),
        "records": int(n),
        "auto_edges": int(len(auto)),
        "must_link_edges": int(ml_a.size),
        "cannot_link_pairs": int(cl_codes.size),
        "size_distribution": {str(int(k)): int(v) for k, v in dist.items()},
        "largest_clusters": [
            {"cluster_id": int(min_id[i]), "size": int(csize[i])} for i in top if csize[i] > 1
        ],
        "merges_blocked": blocked,
        "bridges_cut": int(bridges_cut),
        "merges_blocked_by_size_cap": int(size_capped),
        "hard_components": int(hard.sum()),
        "hard_component_edges": n_hard_edges,
    }
    return ClusterResult(clusters=clusters, report=report)
