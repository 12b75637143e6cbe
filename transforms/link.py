"""One entry point for probabilistic linking: block -> compare -> train/score -> bands -> cluster.

``link_records`` is what the pipeline calls; each stage is also usable on its own. The
returned metrics are JSON-serializable and carry only counts, probabilities and timings,
never personal data, so they can go straight into ``audit.json``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_golden.config.matching import MatchingRules
from transforms.bands import BAND_NAMES, BandChoice, assign_bands, choose_bands, household_only
from transforms.block import block_records, within_block_pairs
from transforms.cluster import ClusterResult, _as_pairs, cluster_pairs
from transforms.compare import (
    ComparisonResult,
    compare_in_partitions,
    compare_pairs,
    record_columns,
)
from transforms.compare_columns import RecordColumns
from transforms.constraints import Constraints
from transforms.model import FSModel, pair_weights, score_pairs, train_model, weight_histogram
from transforms.partitions import (
    Mapper,
    Partitioning,
    StepReport,
    bounds,
    serial_map,
    step_progress,
)

# Identity columns shown side by side in the review queue (those present are used).
REVIEW_COLUMNS = [
    "source",
    "source_record_id",
    "name_given",
    "name_middle",
    "name_family",
    "email_norm",
    "phone_e164",
    "date_of_birth_norm",
    "street_norm",
    "postal_code_norm",
    "city_norm",
    "country_code",
    "tax_id_norm",
    "company_norm",
]


@dataclass
class LinkResult:
    """Scored pairs (>= review threshold), the model used, clusters, and metrics."""

    pairs: pd.DataFrame
    model: FSModel
    clusters: pd.DataFrame  # record_id, cluster_id
    metrics: dict = field(default_factory=dict)


def link_records(
    clean: pd.DataFrame,
    rules: MatchingRules,
    model: FSModel | None = None,
    retrain: bool = False,
    must_link: object = None,
    cannot_link: object = None,
    partitioning: Partitioning | None = None,
    mapper: Mapper = serial_map,
    report: StepReport | None = None,
) -> LinkResult:
    """Link clean normalized records into clusters.

    ``model``: a previously trained model to reuse (train once, score many); it is
    retrained when ``retrain`` is true, when none is given, or when it does not fit the
    comparisons computable on this data (the metrics say which happened).
    ``must_link`` / ``cannot_link``: steward decisions as record_id pairs.
    Candidate pairs are compared and scored in partitions of ``partitioning.pairs``
    (compared by ``mapper``: here or on a cluster), so memory follows the partition size;
    the result is the same for any partition size. ``report`` gets progress per step.
    """
    parts = partitioning or Partitioning()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # Internally record_id must be dense 0..n-1 (pairs are encoded as left * n + right);
    # after quarantine it may have gaps, so remap and map back at the end.
    clean = clean.sort_values("record_id", kind="stable").reset_index(drop=True)
    orig_ids = clean["record_id"].to_numpy(dtype=np.int64)
    dense = bool(np.array_equal(orig_ids, np.arange(len(clean))))
    if not dense:
        clean = clean.assign(record_id=np.arange(len(clean), dtype=np.int64))
    blocks = block_records(clean, rules.blocking_rules, rules.link_type, rules.max_block_size)
    timings["block"] = time.perf_counter() - t0

    t = time.perf_counter()
    # coded once, shared by the partitions compared here, training and clustering
    columns = record_columns(clean, rules.comparisons)
    comp = compare_in_partitions(clean, blocks.left, blocks.right, rules.comparisons,
                                 parts.pairs, mapper, report, columns)
    timings["compare"] = time.perf_counter() - t

    t = time.perf_counter()
    model_source = "reused"
    if model is None or retrain or not model.matches(comp):
        model_source = (
            "trained" if model is None else ("retrained" if retrain else "retrained_mismatch")
        )
        model = train_model(
            clean, comp, rules.comparisons, rules.model, blocks.total_comparisons,
            rules.link_type, blocks.rule_pairs, pairs=(blocks.left, blocks.right),
            cache=columns,
        )
    timings["train"] = time.perf_counter() - t

    t = time.perf_counter()
    weights = match_weights(comp, model, parts.pairs)
    bands = choose_bands(weights, rules.bands)
    pairs, band_counts, ambiguous = kept_pairs(comp, model, blocks.left, blocks.right, bands,
                                               rules, parts.pairs, report)
    timings["score"] = time.perf_counter() - t

    if not dense:
        clean = clean.assign(record_id=orig_ids)
        for col in ("left_record_id", "right_record_id"):
            pairs[col] = orig_ids[pairs[col].to_numpy()]
    t = time.perf_counter()
    clus = cluster_records(clean, pairs, rules, model, must_link, cannot_link, columns)
    del columns
    timings["cluster"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    clusters = clus.clusters
    metrics = {
        "records": int(len(clean)),
        "link_type": rules.link_type,
        "blocking": blocks.metrics(),
        "comparison_notes": comp.notes,
        "model_source": model_source,
        "model": {
            "prior": model.prior,
            "prior_weight": model.prior_weight,
            "lambda_candidates": model.lambda_candidates,
            "training": model.training,
            "parameters": model.parameters_table(),
        },
        "weight_histogram": weight_histogram(weights),
        "pairs_per_band": {str(k): int(v) for k, v in band_counts.items()},
        "bands": {**bands.to_dict(), "household_only_to_review": ambiguous},
        "clusters": clus.report,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return LinkResult(pairs=pairs, model=model, clusters=clusters, metrics=metrics)


def match_weights(comp: ComparisonResult, model: FSModel, pairs_per_partition: int
                  ) -> np.ndarray:
    """Every pair's ``match_weight`` (float32, as in ``score_pairs``), partition by
    partition: only the weights of all pairs are needed to choose the bands."""
    if not model.matches(comp):
        raise ValueError("model was trained on other comparisons/levels; retrain it")
    out = np.empty(comp.levels.shape[0], dtype=np.float32)
    for a, b in bounds(comp.levels.shape[0], pairs_per_partition):
        bayes, _ = pair_weights(_slice(comp, a, b), model)
        out[a:b] = (bayes + model.prior_weight).astype(np.float32)
    return out


def _slice(comp: ComparisonResult, a: int, b: int) -> ComparisonResult:
    return ComparisonResult(levels=comp.levels[a:b], tf={k: v[a:b] for k, v in comp.tf.items()},
                            comparisons=comp.comparisons, notes=comp.notes)


def kept_pairs(comp: ComparisonResult, model: FSModel, left: np.ndarray, right: np.ndarray,
               bands: BandChoice, rules: MatchingRules, pairs_per_partition: int,
               report: StepReport | None = None) -> tuple[pd.DataFrame, dict[Any, int], int]:
    """Scored pairs at or above the review band, partition by partition (the full scored
    frame of every candidate pair is never built): (pairs, pairs per band, household-only
    pairs sent to review)."""
    levels = {c.name: c.level_names for c in model.comparisons}
    band_codes = np.empty(comp.levels.shape[0], dtype=np.int8)
    ambiguous = 0
    frames = []
    cuts = bounds(comp.levels.shape[0], pairs_per_partition)
    progress = step_progress(report, "score", int(comp.levels.shape[0]), "pairs")
    for a, b in cuts:
        scored = score_pairs(_slice(comp, a, b), model, left[a:b], right[a:b])
        weights = scored["match_weight"].to_numpy()
        scored["band"] = assign_bands(weights, bands)
        # Supported only by household values, with no personal identifier: review, not auto.
        amb = household_only(scored, levels, rules.ambiguity) & \
            (scored["band"] == "auto_match").to_numpy()
        scored.loc[amb, "band"] = "review"
        ambiguous += int(amb.sum())
        band_codes[a:b] = scored["band"].cat.codes.to_numpy()
        frames.append(scored[scored["band"] != "no_match"])
        del scored
        if progress is not None:
            progress(b - a)
    pairs = pd.concat(frames, ignore_index=True) if len(frames) > 1 else \
        frames[0].reset_index(drop=True)
    counts = pd.Series(pd.Categorical.from_codes(band_codes, categories=BAND_NAMES))
    return pairs, counts.value_counts().to_dict(), ambiguous


def score_candidates(clean: pd.DataFrame, rules: MatchingRules,
                     model: FSModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every candidate pair scored with ``model`` (no band filter), and the records with the
    dense ``record_id`` the pairs refer to. For evaluation: the reliability of
    ``match_probability`` is measured over all candidates, not only the kept ones."""
    clean = clean.sort_values("record_id", kind="stable").reset_index(drop=True)
    clean = clean.assign(record_id=np.arange(len(clean), dtype=np.int64))
    blocks = block_records(clean, rules.blocking_rules, rules.link_type, rules.max_block_size)
    comp = compare_pairs(clean, blocks.left, blocks.right, rules.comparisons)
    return score_pairs(comp, model, blocks.left, blocks.right), clean


def cluster_records(records: pd.DataFrame, pairs: pd.DataFrame, rules: MatchingRules,
                    model: FSModel, must_link: object = None,
                    cannot_link: object = None,
                    columns: RecordColumns | None = None) -> ClusterResult:
    """``cluster_pairs`` over records with any ids (a whole run, or a steward's subset),
    under the cannot-links ``model`` learned (``transforms.constraints``).

    The one place where record ids are made dense for clustering and clusters are labelled:
    ids come back as given, each cluster labelled by its smallest record id (the dense
    mapping keeps order, so the smallest dense id is the smallest record id). Pairs and
    constraints naming records outside ``records`` are ignored. The report is dense-labelled.
    ``columns``: the coded columns of exactly these records, when the caller has them.
    """
    settings = rules.cluster
    records = records.sort_values("record_id", kind="stable").reset_index(drop=True)
    orig = records["record_id"].to_numpy(dtype=np.int64)
    if np.array_equal(orig, np.arange(len(orig))):
        constraints = Constraints.from_model(records, model, rules.comparisons, settings,
                                             columns)
        return cluster_pairs(records, pairs, settings, constraints, must_link, cannot_link)
    ends = _dense_positions(pairs, orig, keep_all=True)
    known = (ends >= 0).all(axis=1)
    dense = pairs[known].copy()
    dense["left_record_id"], dense["right_record_id"] = ends[known, 0], ends[known, 1]
    dense_records = records.assign(record_id=np.arange(len(orig), dtype=np.int64))
    constraints = Constraints.from_model(dense_records, model, rules.comparisons, settings,
                                         columns)
    result = cluster_pairs(dense_records, dense.reset_index(drop=True), settings, constraints,
                           _to_dense_pairs(must_link, orig), _to_dense_pairs(cannot_link, orig))
    cl = result.clusters
    return ClusterResult(pd.DataFrame({
        "record_id": orig[cl["record_id"].to_numpy()],
        "cluster_id": orig[cl["cluster_id"].to_numpy()],
    }), result.report)


def _to_dense_pairs(pairs: object, orig_ids: np.ndarray) -> np.ndarray | None:
    """Optional constraint pairs in original record_ids -> dense positions (None stays)."""
    return None if pairs is None else _dense_positions(pairs, orig_ids)


def _dense_positions(pairs: object, orig_ids: np.ndarray,
                     keep_all: bool = False) -> np.ndarray:
    """Pairs given in original record_ids -> dense positions in sorted ``orig_ids``.

    Pairs naming an unknown id are dropped, or with ``keep_all`` kept as -1 (row-aligned).
    """
    a, b = _as_pairs(pairs)
    if orig_ids.size == 0:
        return np.full((len(a), 2), -1, np.int64) if keep_all else np.empty((0, 2), np.int64)
    pa = np.searchsorted(orig_ids, a)
    pb = np.searchsorted(orig_ids, b)
    pa_c, pb_c = np.minimum(pa, orig_ids.size - 1), np.minimum(pb, orig_ids.size - 1)
    ok = (pa < orig_ids.size) & (pb < orig_ids.size)
    ok &= (orig_ids[pa_c] == a) & (orig_ids[pb_c] == b)
    if keep_all:
        return np.where(ok[:, None], np.column_stack([pa_c, pb_c]), -1).astype(np.int64)
    return np.column_stack([pa[ok], pb[ok]]).astype(np.int64)


def build_review_queue(pairs: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """Review-band pairs side by side (``l_<col>`` / ``r_<col>``), best first.

    This frame holds personal data by design (it is for stewards); it is written to
    ``review_queue.parquet`` only, never logged.
    """
    rev = pairs[pairs["band"] == "review"]
    cols = [c for c in REVIEW_COLUMNS if c in clean.columns]
    rec = clean.set_index("record_id")[cols]
    out = rev[["left_record_id", "right_record_id", "match_weight", "match_probability"]]
    out = out.reset_index(drop=True)
    left = rec.reindex(out["left_record_id"].to_numpy()).reset_index(drop=True)
    right = rec.reindex(out["right_record_id"].to_numpy()).reset_index(drop=True)
    wcols = [c for c in rev.columns if c.startswith("w_")]
    parts = [out, left.add_prefix("l_"), right.add_prefix("r_"),
             rev[wcols].reset_index(drop=True)]
    res = pd.concat(parts, axis=1)
    return res.sort_values(
        ["match_weight", "left_record_id", "right_record_id"], ascending=[False, True, True]
    ).reset_index(drop=True)


def pairs_from_clusters(clusters: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """All within-cluster record pairs (left < right), e.g. for pairwise evaluation."""

    rid = clusters["record_id"].to_numpy(dtype=np.int64)
    cid = clusters["cluster_id"].to_numpy(dtype=np.int64)
    a, b, _, _ = within_block_pairs(rid, cid, None)
    return np.minimum(a, b), np.maximum(a, b)
