"""Exact-key linking: the floor every probabilistic result is compared against.

Two records are linked when they share a normalized email key, an E.164 phone or
a tax id; clusters are the connected components. This is what a team gets with
a SQL ``GROUP BY email``, and it is what DESIGN.md asks every quality table to
report next to the real model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

DEFAULT_KEYS = ("email_key", "phone_e164", "phone_2_e164", "tax_id_norm")


def components_from_edges(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label per node 0..n-1, labelled by the smallest member."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Relabel each component by its smallest record index so labels don't depend on scipy.
    smallest = pd.Series(np.arange(n)).groupby(labels).transform("min").to_numpy()
    return smallest.astype(np.int64)


def key_edges(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Star edges linking every record to the first record holding the same non-null key."""
    pos = pd.Series(np.arange(len(values)), index=values.index)
    present = values.notna() & (values.astype("string").str.len() > 0)
    keyed = pos[present]
    first = keyed.groupby(values[present].to_numpy()).transform("min")
    return first.to_numpy(), keyed.to_numpy()


def exact_key_clusters(clean: pd.DataFrame, keys: tuple[str, ...] = DEFAULT_KEYS,
                       exclude_flags: tuple[str, ...] = ("email_is_role",
                                                         "email_is_placeholder")) -> pd.DataFrame:
    """``record_id, cluster_id`` from shared exact keys; role/placeholder emails are not keys."""
    n = len(clean)
    lefts, rights = [np.arange(n)], [np.arange(n)]
    for key in keys:
        if key not in clean.columns:
            continue
        values = clean[key].astype("string")
        unusable = pd.Series(False, index=clean.index)
        if key.startswith("email"):
            for flag in exclude_flags:
                if flag in clean.columns:
                    unusable |= clean[flag].fillna(False).astype(bool)
            if "email_status" in clean.columns:
                unusable |= clean["email_status"].eq("invalid").fillna(False)
        if key == "tax_id_norm" and "tax_id_status" in clean.columns:
            unusable |= ~clean["tax_id_status"].isin(["valid", "fixed"])
        left, right = key_edges(values.mask(unusable))
        lefts.append(left)
        rights.append(right)
    labels = components_from_edges(n, np.concatenate(lefts), np.concatenate(rights))
    record_ids = clean["record_id"].to_numpy()
    return pd.DataFrame({"record_id": record_ids, "cluster_id": record_ids[labels]})
