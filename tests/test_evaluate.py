"""Pairwise metrics from the contingency table, and the exact-key baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms.baseline import exact_key_clusters
from transforms.evaluate import pairwise_metrics


def frame(rows: list[tuple[str, str, str]], col: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source", "source_record_id", col])


def test_pairwise_metrics_counts_pairs_and_errors() -> None:
    truth = frame([("a", "1", "E1"), ("a", "2", "E1"), ("b", "1", "E1"),
                   ("b", "2", "E2"), ("b", "3", "E3")], "entity_id")
    # E1's three records split 2+1, and E2 wrongly merged into the pair.
    pred = frame([("a", "1", "G1"), ("a", "2", "G1"), ("b", "2", "G1"),
                  ("b", "1", "G2"), ("b", "3", "G3")], "golden_id")
    m = pairwise_metrics(pred, truth)
    # true pairs: 3 (E1); predicted: 3 (G1); tp: 1 (a1-a2)
    assert (m["true_pairs"], m["predicted_pairs"], m["true_positive_pairs"]) == (3, 3, 1)
    assert m["precision"] == pytest.approx(1 / 3, abs=1e-6)
    assert m["recall"] == pytest.approx(1 / 3, abs=1e-6)
    assert m["over_merged_clusters"] == 1 and m["split_entities"] == 1


def test_quarantined_records_count_as_missed() -> None:
    truth = frame([("a", "1", "E1"), ("a", "2", "E1")], "entity_id")
    pred = frame([("a", "1", "G1")], "golden_id")  # a:2 was quarantined
    m = pairwise_metrics(pred, truth)
    assert m["recall"] == 0.0 and m["records_unclustered"] == 1


def test_exact_key_baseline_links_shared_keys_but_not_role_mailboxes() -> None:
    clean = pd.DataFrame({
        "record_id": [0, 1, 2, 3, 4],
        "email_key": ["ana@x.es", "ana@x.es", "info@acme.com", "info@acme.com", None],
        "email_is_role": [False, False, True, True, False],
        "email_is_placeholder": [False] * 5,
        "email_status": ["valid"] * 4 + ["missing"],
        "phone_e164": [None, "+34612345678", None, None, "+34612345678"],
        "tax_id_norm": [None, None, "12345678Z", "12345678Z", None],
        "tax_id_status": ["missing", "missing", "invalid", "invalid", "missing"],
    })
    clusters = exact_key_clusters(clean)
    assert list(clusters["cluster_id"]) == [0, 0, 2, 3, 0]
