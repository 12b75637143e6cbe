"""Clustering auto-match pairs into customers without chaining strangers together.

Plain connected components over pairwise links chain namesakes who share a family phone
or a mailbox into clusters of hundreds. Here:

1. Edges are the auto-match pairs plus steward ``must_link`` pairs (these always win).
2. Cannot-link constraints: two records with different valid tax ids, clearly different
   valid dates of birth (not a day/month swap nor a one-digit typo), or different given
   names that are neither nickname-equal (same canonical key), fuzzy-equal nor compound
   parts of each other, unless the pair shares a personal id or the full birth date and
   surname; plus steward ``cannot_link`` pairs. An edge that itself violates one is dropped.
3. Connected components are computed with scipy. A component is *easy* when it has two
   records, or when no constraint attribute has two distinct values in it, all its edges
   are strong (weight >= ``bridge_weight``) and it is within ``max_cluster_size``.
   Easy components are accepted as they are (vectorized, the vast majority).
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
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crm_golden.config.matching import ClusterSettings
from transforms.block import unique_sorted, within_block_pairs
from transforms.name_matching import given_tokens_compatible

_OK_STATUSES = ("valid", "fixed")
_CHECKSUM_TAX_TYPES = ("es_dni", "es_nie", "es_cif", "ru_inn")
_COMPANY_TAX_TYPES = ("es_cif", "company")


@dataclass
class ClusterResult:
    """cluster_id per record_id, and a report without personal data."""

    clusters: pd.DataFrame  # record_id, cluster_id
    report: dict = field(default_factory=dict)


class _Attrs:
    """Per-record constraint attributes, integer-coded, aligned with record_id."""

    def __init__(self, records: pd.DataFrame, settings: ClusterSettings) -> None:
        rec = records.sort_values("record_id").reset_index(drop=True)
        n = len(rec)
        self.n = n
        active = set(settings.constraints)
        self.min_sim = settings.given_name_min_similarity

        def valid(field_name: str, col: str) -> pd.Series | None:
            if col not in rec.columns:
                return None
            s = rec[col]
            st = f"{field_name}_status"
            if st in rec.columns:
                s = s.where(rec[st].isin(_OK_STATUSES))
            return s

        self.tax = np.full(n, -1, dtype=np.int64)
        if "tax_id" in active:
            s = valid("tax_id", "tax_id_norm")
            if s is not None and "tax_id_type" in rec.columns:
                # Only ids with a check digit are hard evidence: two different ids of a
                # shape-only type (RFC, foreign numbers) may be one id with a typo.
                s = s.where(rec["tax_id_type"].isin(_CHECKSUM_TAX_TYPES))
            if s is not None:
                self.tax = pd.factorize(s.astype("string"), use_na_sentinel=True)[0]
        self.dob_days = np.full(n, -1, dtype=np.int64)
        self.dob_str = np.full(n, "", dtype=object)
        self.dob_swap = np.full(n, -1, dtype=np.int64)
        if "date_of_birth" in active:
            s = valid("date_of_birth", "date_of_birth_norm")
            if s is not None:
                d = pd.to_datetime(s, errors="coerce")
                ok = d.notna().to_numpy()
                # Days since 1700-01-01, so that every real birth date is >= 0 and -1 can
                # mean missing (days since 1970 made everyone born before 1970 "missing").
                days = (d.to_numpy(dtype="datetime64[D]") - np.datetime64("1700-01-01", "D"))
                self.dob_days = np.where(ok, days.astype(np.int64), -1)
                self.dob_str = np.where(ok, d.dt.strftime("%Y%m%d").to_numpy(dtype=object), "")
                sw = d.dt.year * 10000 + d.dt.day * 100 + d.dt.month
                self.dob_swap = np.where(ok, sw.fillna(-1).to_numpy(), -1).astype(np.int64)
                ymd = d.dt.year * 10000 + d.dt.month * 100 + d.dt.day
                self.dob_ymd = np.where(ok, ymd.fillna(-1).to_numpy(), -1).astype(np.int64)
        if not hasattr(self, "dob_ymd"):
            self.dob_ymd = np.full(n, -1, dtype=np.int64)
        self.given = np.full(n, -1, dtype=np.int64)
        self.given_key = np.full(n, "", dtype=object)
        self.family_key = np.full(n, "", dtype=object)
        if "family_key" in rec.columns:
            self.family_key = rec["family_key"].astype("string").fillna("").to_numpy(object)
        # Any recorded tax id (whatever its validation status): sharing one exempts a
        # pair from the given-name constraint (a renamed or mistyped first name).
        self.tax_any = np.full(n, "", dtype=object)
        if "tax_id_norm" in rec.columns:
            t = rec["tax_id_norm"].astype("string")
            if "tax_id_type" in rec.columns:  # a company id is shared by its employees
                t = t.where(~rec["tax_id_type"].isin(_COMPANY_TAX_TYPES))
            t = t.where(t.str.len() >= 6)
            self.tax_any = t.fillna("").to_numpy(dtype=object)
        if "given_name" in active:
            canon = rec["given_canon"] if "given_canon" in rec.columns else None
            key = rec["given_key"] if "given_key" in rec.columns else canon
            if canon is None:
                canon = key
            if canon is not None:
                canon = canon.astype("string")
                canon = canon.where(canon.str.len() > 1)  # initials never conflict
                self.given = pd.factorize(canon, use_na_sentinel=True)[0]
                self.given_key = key.astype("string").fillna("").to_numpy(dtype=object)

    def shares_personal_id(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Same personal tax id (any status) up to one typo, two for ids of 7+ characters:
        outweighs DOB/name conflicts.

        A re-typed birth date or a changed first name happens; two strangers sharing a
        personal id (not a company's) almost never. Records copied from a mistyped copy
        collect two typos against the original (1762210 -> 1762120 -> 1762102); among
        records already linked automatically, two strangers' 7+ character ids two edits
        apart are far rarer than that.
        """
        ta, tb = self.tax_any[a], self.tax_any[b]
        both = (ta != "") & (tb != "")
        out = np.zeros(a.size, dtype=bool)
        if both.any():
            idx = np.flatnonzero(both)
            d = process.cpdist(ta[idx], tb[idx], scorer=DamerauLevenshtein.distance)
            long_ids = np.minimum(_lengths(ta[idx]), _lengths(tb[idx])) >= 7
            out[idx] = d <= np.where(long_ids, 2, 1)
        return out

    def same_birth_and_family(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Same full date of birth and a typo-close surname: outweighs a given-name conflict.

        A given name replaced by another one (a middle name used as first name, a data
        entry slip, FEBRL's value swaps) is more common than two people of one family born
        the same day who also link automatically. Twins need a steward's not-same decision.
        """
        da, db = self.dob_days[a], self.dob_days[b]
        fa, fb = self.family_key[a], self.family_key[b]
        cand = (da >= 0) & (da == db) & (fa != "") & (fb != "")
        out = np.zeros(a.size, dtype=bool)
        if cand.any():
            idx = np.flatnonzero(cand)
            out[idx] = process.cpdist(fa[idx], fb[idx], scorer=JaroWinkler.similarity) >= 0.9
        return out

    def conflict_masks(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bit masks (TAX_ID, DATE_OF_BIRTH, GIVEN_NAME) of each pair: the values that
        differ (``raw``), and the constraints violated once the exemptions are applied
        (a shared personal id exempts birth date and given name, the same birth date and
        surname exempt the given name).

        Every constraint is tested, not only the first that fails, so that a group can
        waive one constraint alone (``group_conflict``).
        """
        raw = np.zeros(a.size, dtype=np.int8)
        tx = (self.tax[a] >= 0) & (self.tax[b] >= 0) & (self.tax[a] != self.tax[b])
        raw[tx] |= TAX_ID
        da, db = self.dob_days[a], self.dob_days[b]
        cand = (da >= 0) & (db >= 0) & (da != db) & (self.dob_swap[a] != self.dob_ymd[b])
        if cand.any():
            idx = np.flatnonzero(cand)
            dist = process.cpdist(
                self.dob_str[a[idx]], self.dob_str[b[idx]], scorer=DamerauLevenshtein.distance
            )
            raw[idx[dist > 1]] |= DATE_OF_BIRTH
        ga, gb = self.given[a], self.given[b]
        cand = (ga >= 0) & (gb >= 0) & (ga != gb)
        if cand.any():
            idx = np.flatnonzero(cand)
            ka, kb = self.given_key[a[idx]], self.given_key[b[idx]]
            sim = process.cpdist(ka, kb, scorer=JaroWinkler.similarity)
            # Given and family name swapped between the records is not a conflict (a side
            # without a surname only has its given name to compare).
            fa, fb = self.family_key[a[idx]], self.family_key[b[idx]]
            sw_ab = process.cpdist(ka, fb, scorer=JaroWinkler.similarity)
            sw_ba = process.cpdist(fa, kb, scorer=JaroWinkler.similarity)
            sw = np.minimum(np.where(fa == "", 1.0, sw_ba), np.where(fb == "", 1.0, sw_ab))
            sw[(fa == "") & (fb == "")] = 0.0
            differ = (sim < self.min_sim) & (sw < self.min_sim)
            if differ.any():  # "Pilar" / "María Pilar", "Pepe" / "José Antonio"
                differ[differ] = ~given_tokens_compatible(ka[differ], kb[differ])
            raw[idx[differ]] |= GIVEN_NAME
        out = raw.copy()
        check = (raw & (DATE_OF_BIRTH | GIVEN_NAME)) != 0
        if check.any():
            idx = np.flatnonzero(check)
            pid = self.shares_personal_id(a[idx], b[idx])
            out[idx[pid]] &= ~(DATE_OF_BIRTH | GIVEN_NAME)
            name = (out[idx] & GIVEN_NAME) != 0
            if name.any():
                sub = idx[name]
                out[sub[self.same_birth_and_family(a[sub], b[sub])]] &= ~GIVEN_NAME
        return raw, out

    def conflict_mask(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The constraints each pair violates, as a bit mask (exemptions applied)."""
        return self.conflict_masks(a, b)[1]

    def conflict(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Reason code per pair: 0 none, 1 tax id, 2 date of birth, 3 given name (the first
        constraint violated, in that order)."""
        return _first_reason(self.conflict_mask(a, b))

    def group_conflict(self, ma: list[int], mb: list[int]) -> int:
        """Reason code of the first constraint that keeps groups ``ma`` and ``mb`` apart,
        0 if none.

        A conflict on constraint k between x of one group and y of the other is waived
        when the groups already explain it: some z in x's group is compatible with y on k
        and either
        - z and y differ on k but are exempt (z vouches for y: the same personal id, or
          the same birth date and surname for a given name), or
        - z differs from x on k, a difference x's group has already accepted as one
          person's (two birth dates of a person merged through a shared tax id; a given
          name replaced by another, y's being a typo of z's);
        or the same with the groups' roles swapped. Without such a z the conflict holds:
        "Pilar" does not join {"María Pilar", "Pilar"} as "María" (those two names were
        never a conflict), nor a junior his father's group through a record that has no
        birth date. (Steward cannot-links are checked by the caller, never waived.)
        """
        xs, ys = np.asarray(ma, dtype=np.int64), np.asarray(mb, dtype=np.int64)
        raw_xy, eff_xy = self._mask_matrices(xs, ys)
        if not eff_xy.any():
            return 0
        raw_xx = self._mask_matrices(xs, xs)[0]  # [z, x]: differences group A accepted
        raw_yy = self._mask_matrices(ys, ys)[0]  # [w, y]: differences group B accepted
        left = eff_xy.copy()
        for bit in (TAX_ID, DATE_OF_BIRTH, GIVEN_NAME):
            hit = (eff_xy & bit) != 0
            if not hit.any():
                continue
            ok = ~hit  # compatible across the groups on this constraint
            vouched = ok & ((raw_xy & bit) != 0)
            acc_x, acc_y = (raw_xx & bit) != 0, (raw_yy & bit) != 0
            # z in A explains (x, y): ok[z, y] and (raw[z, y] or raw[z, x]); axes (z, x, y)
            by_a = vouched[:, None, :] | (ok[:, None, :] & acc_x[:, :, None])
            # w in B explains (x, y): ok[x, w] and (raw[x, w] or raw[w, y]); axes (x, w, y)
            by_b = vouched[:, :, None] | (ok[:, :, None] & acc_y[None, :, :])
            left[hit & (by_a.any(axis=0) | by_b.any(axis=1))] &= ~bit
        why = _first_reason(left.ravel())
        return int(why[why > 0][0]) if why.any() else 0

    def _mask_matrices(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``conflict_masks`` of every (x, y), as two len(xs) x len(ys) matrices."""
        raw, eff = self.conflict_masks(np.repeat(xs, ys.size), np.tile(ys, xs.size))
        return raw.reshape(xs.size, ys.size), eff.reshape(xs.size, ys.size)


TAX_ID, DATE_OF_BIRTH, GIVEN_NAME, CANNOT_LINK = 1, 2, 4, 8


def _first_reason(mask: np.ndarray) -> np.ndarray:
    """Reason code of a conflict mask: 1 tax id, 2 date of birth, 3 given name, 4 steward."""
    out = np.zeros(mask.size, dtype=np.int8)
    for code, bit in ((4, CANNOT_LINK), (3, GIVEN_NAME), (2, DATE_OF_BIRTH), (1, TAX_ID)):
        out[(mask & bit) != 0] = code
    return out


def _lengths(values: np.ndarray) -> np.ndarray:
    return np.fromiter((len(v) for v in values), dtype=np.int64, count=values.size)


_PRECOMPUTE_MAX = 300  # hard components up to this size get all pair conflicts precomputed
_REASONS = {1: "tax_id", 2: "date_of_birth", 3: "given_name", 4: "cannot_link"}


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
    must_link: object = None,
    cannot_link: object = None,
) -> ClusterResult:
    """Cluster records from auto-match ``pairs`` (columns left_record_id, right_record_id,
    match_weight, band) under cannot-link constraints and weak-bridge cutting.

    ``must_link`` / ``cannot_link``: steward decisions as record_id pairs; they outrank the
    model (a must-link always merges, a cannot-link is never merged across).
    """
    n = len(records)
    attrs = _Attrs(records, settings)
    auto = pairs[pairs["band"] == "auto_match"] if "band" in pairs.columns else pairs
    ea = auto["left_record_id"].to_numpy(dtype=np.int64)
    eb = auto["right_record_id"].to_numpy(dtype=np.int64)
    ew = auto["match_weight"].to_numpy(dtype=np.float64)
    ml_a, ml_b = _as_pairs(must_link)
    cl_a, cl_b = _as_pairs(cannot_link)
    cl_codes = unique_sorted(_pair_codes(cl_a, cl_b, n))

    blocked = {name: 0 for name in _REASONS.values()}
    # 2. Edges that themselves violate a constraint are dropped.
    reason = attrs.conflict(ea, eb)
    if cl_codes.size:
        reason[(reason == 0) & _in_sorted(_pair_codes(ea, eb, n), cl_codes)] = 4
    for code, name in _REASONS.items():
        blocked[name] += int((reason == code).sum())
    keep = reason == 0
    ea, eb, ew = ea[keep], eb[keep], ew[keep]
    # must-link edges carry infinite weight so they are merged first.
    ea = np.concatenate([ml_a, ea])
    eb = np.concatenate([ml_b, eb])
    ew = np.concatenate([np.full(ml_a.size, np.inf), ew])

    # 3. Components; classify easy vs hard.
    graph = coo_matrix((np.ones(ea.size), (ea, eb)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    size = np.bincount(comp, minlength=comp.max() + 1 if n else 0)
    hard = np.zeros(size.size, dtype=bool)
    for arr in (attrs.tax, attrs.dob_days, attrs.given):
        ok = arr >= 0
        if ok.any():
            uniq = unique_sorted(comp[ok].astype(np.int64) * (arr.max() + 1) + arr[ok])
            distinct = np.bincount(uniq // (arr.max() + 1), minlength=size.size)
            hard |= distinct > 1
    weak = ew < settings.bridge_weight
    hard[comp[ea[weak]]] = True
    hard |= size > settings.max_cluster_size
    if cl_codes.size:
        same = comp[cl_a] == comp[cl_b]
        hard[comp[cl_a[same]]] = True
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
        # Conflicts of every within-component pair of the (small) hard components, in one
        # vectorized batch; the union-find loop below then only does set look-ups.
        small = hard_rec & (size[comp] <= _PRECOMPUTE_MAX)
        sa, sb, _, _ = within_block_pairs(np.flatnonzero(small), comp[small], None)
        why_all = attrs.conflict_mask(sa, sb)
        codes_all = _pair_codes(sa, sb, n)
        if cl_codes.size:
            why_all[_in_sorted(codes_all, cl_codes)] |= CANNOT_LINK
        bad = why_all > 0
        conflicts = dict(zip(codes_all[bad].tolist(), why_all[bad].tolist(), strict=True))
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
            """Reason code of the first constraint that keeps groups ra and rb apart."""
            ma, mb = members[ra], members[rb]
            if small_comp:
                found = [r for x in ma for y in mb
                         if (r := conflicts.get(x * n + y if x < y else y * n + x))]
                if not found:
                    return 0
                if any(r & CANNOT_LINK for r in found):
                    return 4
            elif cl_codes.size:
                ca = np.repeat(np.asarray(ma), len(mb))
                cb = np.tile(np.asarray(mb), len(ma))
                if _in_sorted(_pair_codes(ca, cb, n), cl_codes).any():
                    return 4
            return attrs.group_conflict(ma, mb)

        for a, b, w in zip(ha.tolist(), hb.tolist(), hw.tolist(), strict=True):
            ra, rb = find(a), find(b)
            if ra == rb:
                continue
            if w != np.inf:
                why = first_conflict(ra, rb, is_small[a])
                if why:
                    blocked[_REASONS[why]] += 1
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
