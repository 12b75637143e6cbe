"""Pairwise and cluster quality of a run against a ground-truth file.

Pair counts come from the contingency table of (predicted cluster, true entity),
so evaluation is O(records), never O(pairs). Records that never reached a
cluster (quarantined) count as singletons: a pair lost to quarantine is a
missed match, not something to leave out of recall.
"""

from __future__ import annotations

import pandas as pd

from transforms.baseline import exact_key_clusters

TRUTH_COLUMNS = ["source", "source_record_id", "entity_id"]


def _pairs(sizes: pd.Series) -> int:
    s = sizes.astype("int64")
    return int((s * (s - 1) // 2).sum())


def pairwise_metrics(crosswalk: pd.DataFrame, truth: pd.DataFrame,
                     cluster_column: str = "golden_id") -> dict[str, float | int]:
    """Precision/recall/F1 over record pairs, plus over-merged and split entity counts.

    ``crosswalk``: source, source_record_id, <cluster_column>; ``truth``: source,
    source_record_id, entity_id (every input row).
    """
    missing = set(TRUTH_COLUMNS) - set(truth.columns)
    if missing:
        raise ValueError(f"truth file lacks columns {sorted(missing)}")
    key = ["source", "source_record_id"]
    t = truth[TRUTH_COLUMNS].astype("string")
    c = crosswalk[key + [cluster_column]].astype("string")
    merged = t.merge(c, on=key, how="left")
    unclustered = merged[cluster_column].isna()
    # A record with no cluster is its own singleton.
    merged.loc[unclustered, cluster_column] = (
        "__single__" + merged.loc[unclustered, "source"] + ":" +
        merged.loc[unclustered, "source_record_id"])
    both = merged.groupby([cluster_column, "entity_id"], observed=True).size()
    tp = _pairs(both)
    predicted = _pairs(merged.groupby(cluster_column, observed=True).size())
    actual = _pairs(merged.groupby("entity_id", observed=True).size())
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    entities_per_cluster = both.groupby(level=0).size()
    clusters_per_entity = both.groupby(level=1).size()
    return {
        "records": int(len(merged)),
        "records_unclustered": int(unclustered.sum()),
        "true_pairs": actual,
        "predicted_pairs": predicted,
        "true_positive_pairs": tp,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "entities": int(t["entity_id"].nunique()),
        "clusters": int(merged[cluster_column].nunique()),
        "over_merged_clusters": int((entities_per_cluster > 1).sum()),
        "split_entities": int((clusters_per_entity > 1).sum()),
    }


def difficulty_profile(clean: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """How hard the data is: DESIGN.md asks for these next to every quality table.

    - share of true pairs that share no strong identifier (email key, phone, valid tax id);
    - share of records that belong to a namesake or family group (same name key, or same
      family name with the same phone or street, held by two or more different entities).
    """
    key = ["source", "source_record_id"]
    df = clean.astype({"source": "string", "source_record_id": "string"}).merge(
        truth[TRUTH_COLUMNS].astype("string"), on=key, how="inner")
    out: dict[str, float] = {}
    strong = [c for c in ("email_key", "phone_e164", "phone_2_e164", "tax_id_norm")
              if c in df.columns]
    total_pairs = 0
    linked_pairs = 0
    if strong:
        # Pairs inside an entity that share some strong key = sum over entity of pairs in the
        # union-by-key components; computed with the exact-key baseline restricted per entity.

        sub = df.reset_index(drop=True).copy()
        sub["record_id"] = range(len(sub))
        comp = exact_key_clusters(sub)
        sub["component"] = comp["cluster_id"].to_numpy()
        total_pairs = _pairs(sub.groupby("entity_id").size())
        linked_pairs = _pairs(sub.groupby(["entity_id", "component"]).size())
    # Pairs of the same entity that are not joined by any chain of shared strong keys.
    out["true_pairs_without_shared_strong_identifier"] = (
        round(1 - linked_pairs / total_pairs, 4) if total_pairs else 0.0)
    groups = pd.Series(False, index=df.index)
    name_cols = [c for c in ("given_key", "family_1_key") if c in df.columns]
    if len(name_cols) == 2:
        name = df["given_key"].fillna("") + "|" + df["family_1_key"].fillna("")
        name = name.where(df["given_key"].notna() & df["family_1_key"].notna())
        ents = df.groupby(name)["entity_id"].transform("nunique")
        groups |= ents.fillna(0) > 1
    if "family_1_key" in df.columns:
        for ctx in ("phone_e164", "phone_2_e164", "street_key"):
            if ctx in df.columns:
                k = df["family_1_key"] + "|" + df[ctx]
                ents = df.groupby(k)["entity_id"].transform("nunique")
                groups |= ents.fillna(0) > 1
    out["records_in_namesake_or_family_groups"] = round(float(groups.mean()), 4) if len(df) else 0
    return out
