"""Clustering: learned constraints, no chaining through weak bridges, steward decisions,
determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import transforms.cluster as cluster_module
from crm_golden.config.matching import ClusterSettings, Comparison, Level
from transforms.cluster import cluster_pairs
from transforms.compare import compare_pairs
from transforms.constraints import Constraints, constraint_levels
from transforms.model import ComparisonParams, FSModel

SETTINGS = ClusterSettings(bridge_weight=12.0, min_bridge_support=2, max_cluster_size=50)

# Comparisons as a model would learn them on carefully keyed data: a clearly different
# birth date or given name is overwhelming (below -10 bits), the same full birth date or
# personal id overwhelmingly agrees (above +10 bits), the rest is ordinary evidence.
COMPARISONS = [
    Comparison(name="date_of_birth", columns=["date_of_birth_norm"], levels=[
        Level(name="exact", kind="exact"), Level(name="swapped", kind="dob_swapped"),
        Level(name="one_typo", kind="damerau", threshold=1)]),
    Comparison(name="given_name", columns=["given_key", "given_canon"], levels=[
        Level(name="exact", kind="exact", columns=["given_canon"]),
        Level(name="swapped", kind="swapped", columns=["given_key", "family_key"]),
        Level(name="compound", kind="given_tokens_compatible", columns=["given_key"]),
        Level(name="jw_85", kind="jaro_winkler", columns=["given_key"], threshold=0.85)]),
    Comparison(name="tax_id", columns=["tax_id_norm"], levels=[
        Level(name="exact", kind="exact"), Level(name="one_typo", kind="damerau", threshold=1)]),
]
WEIGHTS = {"date_of_birth": [14.0, 8.0, 4.0, -13.0], "given_name": [7.0, 5.0, 3.0, 3.0, -11.0],
           "tax_id": [20.0, 17.0, -8.0]}


def _model(weights: dict[str, list[float]]) -> FSModel:
    params = [ComparisonParams(name=c.name, level_names=[*[lv.name for lv in c.levels], "else"],
                               m=[0.5] * len(weights[c.name]), u=[0.5] * len(weights[c.name]),
                               tf_levels=[False] * len(weights[c.name]),
                               fixed_weights=list(weights[c.name])) for c in COMPARISONS]
    return FSModel(comparisons=params, prior=1e-4, lambda_candidates=0.0)


def cluster(rec: pd.DataFrame, pairs: pd.DataFrame, settings: ClusterSettings = SETTINGS,
            weights: dict[str, list[float]] | None = None, **steward: object):
    """``cluster_pairs`` with the constraints a model with ``weights`` implies."""
    rec = rec.copy()
    for col in ("family_key", "tax_id_norm", "date_of_birth_norm"):
        if col not in rec.columns:
            rec[col] = None
    constraints = Constraints.from_model(rec, _model(weights or WEIGHTS), COMPARISONS, settings)
    return cluster_pairs(rec, pairs, settings, constraints, **steward)


def _pairs(edges: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "left_record_id": [e[0] for e in edges],
            "right_record_id": [e[1] for e in edges],
            "match_weight": [e[2] for e in edges],
            "band": "auto_match",
        }
    )


def _records(given: list, dob: list | None = None, tax: list | None = None) -> pd.DataFrame:
    n = len(given)
    df = pd.DataFrame({"record_id": np.arange(n), "given_key": given, "given_canon": given})
    df["date_of_birth_norm"] = pd.to_datetime(dob if dob else [None] * n)
    df["date_of_birth_status"] = np.where(df["date_of_birth_norm"].notna(), "valid", "missing")
    df["tax_id_norm"] = tax if tax else [None] * n
    df["tax_id_status"] = np.where(df["tax_id_norm"].notna(), "valid", "missing")
    return df


def _groups(res) -> list[set[int]]:
    g = res.clusters.groupby("cluster_id")["record_id"].apply(lambda s: set(s.tolist()))
    return sorted(g.tolist(), key=min)


def test_namesake_chain_through_family_phone_is_not_merged() -> None:
    # Five "Juan Garcia" namesakes, each a 2-record person (strong internal edge);
    # consecutive people are linked only by one weak edge (shared family phone).
    n_people = 5
    rec = _records(["juan"] * (2 * n_people))
    edges = [(2 * i, 2 * i + 1, 20.0) for i in range(n_people)]
    edges += [(2 * i + 1, 2 * i + 2, 7.0) for i in range(n_people - 1)]
    res = cluster(rec, _pairs(edges), SETTINGS)
    assert _groups(res) == [{2 * i, 2 * i + 1} for i in range(n_people)]
    assert res.report["bridges_cut"] == n_people - 1
    assert res.report["size_distribution"] == {"2": n_people}


def test_weak_edge_with_support_and_singleton_attachment_merge() -> None:
    rec = _records(["ana"] * 5)
    edges = [(0, 1, 20.0), (2, 3, 20.0), (0, 2, 7.0), (1, 3, 7.5), (3, 4, 7.0)]
    res = cluster(rec, _pairs(edges), SETTINGS)
    assert _groups(res) == [{0, 1, 2, 3, 4}]  # two cross edges; record 4 joins alone


def test_cannot_link_constraints_block_merges() -> None:
    rec = _records(
        ["maria", "maria", "maria", "pedro", "maria", "maria"],
        dob=["1980-01-02", None, "1975-06-07", None, "1980-02-01", None],
        tax=[None, "12345678Z", None, None, None, "87654321X"],
    )
    # 0-1-2: 0 and 2 have clearly different DOBs -> cannot be one cluster.
    # 3 is a different given name. 4 has a day/month swap of 0's DOB (allowed).
    # 1 and 5 have different valid tax ids.
    edges = [(0, 1, 30.0), (1, 2, 25.0), (0, 3, 30.0), (0, 4, 28.0), (1, 5, 26.0)]
    res = cluster(rec, _pairs(edges), SETTINGS)
    groups = _groups(res)
    assert {0, 1, 4} in groups
    assert {2} in groups and {3} in groups and {5} in groups
    blocked = res.report["merges_blocked"]
    assert blocked["given_name"] == 1 and blocked["valid_tax_ids_differ"] == 1
    assert blocked["date_of_birth"] == 1


def test_nickname_equal_given_names_do_not_conflict() -> None:
    rec = _records(["jose", "pepe"])
    rec["given_canon"] = ["jose", "jose"]
    res = cluster(rec, _pairs([(0, 1, 20.0)]), SETTINGS)
    assert _groups(res) == [{0, 1}]


def test_compound_given_name_parts_do_not_conflict() -> None:
    """"Pilar" / "María Pilar" is one person; "Pilar" / "Lucía" are two."""
    rec = _records(["pilar", "maria pilar", "pilar", "lucia"])
    res = cluster(rec, _pairs([(0, 1, 20.0), (2, 3, 20.0)]), SETTINGS)
    assert _groups(res) == [{0, 1}, {2}, {3}]


def test_steward_decisions_outrank_the_model() -> None:
    rec = _records(["ana", "ana", "luis", "ana"])
    edges = [(0, 1, 30.0)]
    res = cluster(rec, _pairs(edges), SETTINGS,
                  must_link=[(2, 3)], cannot_link=pd.DataFrame(
                      {"left_record_id": [1], "right_record_id": [0]}))
    assert _groups(res) == [{0}, {1}, {2, 3}]
    assert res.report["merges_blocked"]["cannot_link"] == 1


def test_cluster_ids_are_min_record_id_and_deterministic() -> None:
    rec = _records(["eva"] * 6)
    edges = [(5, 3, 20.0), (3, 4, 19.0), (1, 2, 18.0)]
    a = cluster(rec, _pairs(edges), SETTINGS)
    b = cluster(rec, _pairs(edges[::-1]), SETTINGS)
    assert a.clusters.equals(b.clusters)
    assert a.clusters["cluster_id"].tolist() == [0, 1, 1, 3, 3, 3]
    assert a.report["largest_clusters"][0] == {"cluster_id": 3, "size": 3}


def test_max_cluster_size_is_respected() -> None:
    rec = _records(["x"] * 8)
    edges = [(i, i + 1, 30.0) for i in range(7)]
    res = cluster(rec, _pairs(edges), ClusterSettings(max_cluster_size=4))
    assert max(len(g) for g in _groups(res)) <= 4
    assert res.report["merges_blocked_by_size_cap"] >= 1


def test_birth_dates_before_1970_conflict_too() -> None:
    """Regression: days since 1970 are negative before 1970 and were read as missing."""
    rec = _records(["ana", "ana"], dob=["1950-03-01", "1962-08-09"])
    res = cluster(rec, _pairs([(0, 1, 20.0)]), SETTINGS)
    assert _groups(res) == [{0}, {1}]


def test_same_birth_date_and_surname_outweigh_a_replaced_given_name() -> None:
    rec = _records(["chelsea", "natalie", "chelsea"],
                   dob=["1961-02-20", "1961-02-20", "1961-02-20"])
    rec["family_key"] = ["colquhoun", "colquhoun", "colquhoun"]
    res = cluster(rec, _pairs([(0, 1, 20.0), (1, 2, 20.0)]), SETTINGS)
    assert _groups(res) == [{0, 1, 2}]
    rec["date_of_birth_norm"] = pd.to_datetime(["1961-02-20", "1988-05-02", "1961-02-20"])
    assert {1} in _groups(cluster(rec, _pairs([(0, 1, 20.0), (1, 2, 20.0)]), SETTINGS))


def test_given_name_in_the_other_records_surname_is_no_conflict() -> None:
    """"Cameron" with no surname vs "Jesup Cameron": columns swapped, not two people."""
    rec = _records(["cameron", "jesup", "lucia"])
    rec["family_key"] = ["", "cameron", ""]
    res = cluster(rec, _pairs([(0, 1, 20.0), (1, 2, 20.0)]), SETTINGS)
    assert {0, 1} in _groups(res) and {2} in _groups(res)


def test_personal_ids_one_typo_apart_outweigh_a_birth_date_conflict() -> None:
    rec = _records(["jesica"] * 3, dob=["1919-12-17", "1956-11-22", "1956-11-22"])
    rec["tax_id_norm"] = ["1762210", "1762120", "1762102"]
    rec["tax_id_type"] = "other"
    res = cluster(rec, _pairs([(0, 1, 30.0), (1, 2, 20.0)]), SETTINGS)
    assert _groups(res) == [{0, 1, 2}]
    # Records 0 and 2 are two typos apart (no level vouches for that) and born on
    # different days, with nothing in between to vouch for them.
    rec["tax_id_norm"] = ["123456", "123465", "123645"]
    assert _groups(cluster(rec, _pairs([(0, 2, 30.0)]), SETTINGS)) == [{0}, {1}, {2}]


@pytest.fixture(params=["precomputed", "on_the_fly"])
def conflict_path(request, monkeypatch) -> str:
    """Run a test through both ways the hard pass finds conflicts: precomputed for small
    components, computed per merge for components above _PRECOMPUTE_MAX."""
    if request.param == "on_the_fly":
        monkeypatch.setattr(cluster_module, "_PRECOMPUTE_MAX", 0)
    return request.param


def test_a_value_the_group_already_accepted_is_no_conflict(conflict_path: str) -> None:
    # One person, FEBRL-style: records 0 and 1 share a tax id, so their two birth dates
    # are accepted as this person's; record 2 (no tax id) has the second date and links
    # strongly to record 1 only. Its conflict with record 0 is explained by the group.
    rec = _records(["ann", "ann", "ann"], dob=["1937-11-21", "1962-09-15", "1962-09-15"])
    rec["tax_id_norm"] = ["3101161", "3101161", None]
    rec["tax_id_type"] = "other"
    res = cluster(rec, _pairs([(0, 1, 30.0), (1, 2, 20.0)]), SETTINGS)
    assert _groups(res) == [{0, 1, 2}]
    # Without the shared id nothing vouches for the two dates: 0 stays apart.
    rec["tax_id_norm"] = [None, None, None]
    res = cluster(rec, _pairs([(0, 1, 30.0), (1, 2, 20.0), (0, 2, 25.0)]), SETTINGS)
    assert _groups(res) == [{0}, {1, 2}]
    assert res.report["merges_blocked"]["date_of_birth"] >= 1


def test_a_given_name_accepted_through_birth_date_and_surname_is_no_conflict(conflict_path: str) -> None:
    # "Holi Gren" and "Mathew Gren", same birth date: one person whose given name was
    # replaced. A third "Mathew Gren" record without a birth date joins them; a "Peter
    # Gren" without one does not (his name is in neither group).
    rec = _records(["holi", "mathew", "mathew", "peter"],
                   dob=["1941-01-14", "1941-01-14", None, None])
    rec["family_key"] = "gren"
    pairs = _pairs([(0, 1, 30.0), (1, 2, 20.0), (0, 2, 19.0), (1, 3, 18.0)])
    assert _groups(cluster(rec, pairs, SETTINGS)) == [{0, 1, 2}, {3}]


def test_a_member_that_vouches_for_a_record_waives_its_conflicts_with_the_group(conflict_path: str) -> None:
    # Mathew Gren twice (one without a birth date); "Holi Gren" born the same day as the
    # first is the same person with a replaced given name, so its name clash with the
    # record that has no birth date is explained by the group.
    rec = _records(["holi", "mathew", "mathew"], dob=["1941-01-14", "1941-01-14", None])
    rec["family_key"] = "gren"
    pairs = _pairs([(1, 2, 30.0), (0, 2, 25.0), (0, 1, 20.0)])
    assert _groups(cluster(rec, pairs, SETTINGS)) == [{0, 1, 2}]
    # A typo of one of the two names the group has accepted is explained too.
    rec = _records(["holi", "mathew", "mathw"], dob=["1941-01-14", "1941-01-14", None])
    rec["family_key"] = "gren"
    assert _groups(cluster(rec, _pairs([(0, 1, 30.0), (1, 2, 25.0)]), SETTINGS)) == [
        {0, 1, 2}]
    # Without the same birth date nothing vouches for "Holi": the clash stands.
    rec = _records(["holi", "mathew", "mathew"], dob=["1941-01-14", "1950-01-14", None])
    rec["family_key"] = "gren"
    pairs = _pairs([(1, 2, 30.0), (0, 2, 25.0), (0, 1, 20.0)])
    assert _groups(cluster(rec, pairs, SETTINGS)) == [{0}, {1, 2}]


def test_compatible_compound_names_accept_no_conflict_for_a_third_name(conflict_path: str) -> None:
    # Mother "María Pilar" and "Pilar" are one person without any conflict between them;
    # the daughter "María" (no birth date) matches the first and clashes with the second:
    # nothing in the group explains that clash.
    rec = _records(["maria pilar", "pilar", "maria"], dob=["1960-03-02", None, None])
    rec["family_key"] = "lopez"
    pairs = _pairs([(0, 1, 30.0), (0, 2, 25.0), (1, 2, 20.0)])
    assert _groups(cluster(rec, pairs, SETTINGS)) == [{0, 1}, {2}]


def test_no_cluster_ever_holds_two_valid_tax_ids_whatever_the_edges() -> None:
    """The group waivers only accept differences a group already holds; a group never
    holds two valid checksum tax ids (nothing exempts them), so no chain of edges, birth
    dates or names can put two of them in one cluster."""
    rng = np.random.default_rng(5)
    blocked = merged_records = 0
    for _ in range(40):
        n = int(rng.integers(4, 14))
        given = rng.choice(["ana", "ann", "luis", "maria", "maria pilar", "pilar"], n).tolist()
        dob = rng.choice(["1960-01-02", "1960-02-01", "1990-05-05", None], n).tolist()
        rec = _records(given, dob=dob)
        rec["family_key"] = rng.choice(["garcia", "garcia lopez", "lopez"], n)
        tax = rng.choice(["12345678Z", "87654321X", None, None], n)
        rec["tax_id_norm"] = tax
        rec["tax_id_status"] = np.where(pd.notna(tax), "valid", "missing")
        rec["tax_id_type"] = "es_dni"
        m = int(rng.integers(n, 3 * n))
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = a != b
        edges = [(int(min(x, y)), int(max(x, y)), float(w)) for x, y, w in
                 zip(a[keep], b[keep], rng.uniform(8, 40, int(keep.sum())), strict=True)]
        if not edges:
            continue
        res = cluster(rec, _pairs(edges), SETTINGS)
        merged = rec.assign(cluster_id=res.clusters["cluster_id"].to_numpy())
        per_cluster = merged.dropna(subset=["tax_id_norm"]).groupby("cluster_id")
        assert (per_cluster["tax_id_norm"].nunique() <= 1).all()
        blocked += res.report["merges_blocked"]["valid_tax_ids_differ"]
        merged_records += int((merged["cluster_id"] != merged["record_id"]).sum())
    assert blocked > 0 and merged_records > 0  # the constraint was exercised, merges happened


def test_a_level_is_a_constraint_only_when_its_learned_weight_is_below_the_bound() -> None:
    """The same two records, born years apart: with a birth-date disagreement learned at
    -13 bits they are two people; at -8 bits (dates full of typos) it is ordinary evidence
    and the strong edge between them stands."""
    rec = _records(["ana", "ana"], dob=["1950-03-01", "1962-08-09"])
    careful = cluster(rec, _pairs([(0, 1, 20.0)]))
    assert _groups(careful) == [{0}, {1}]
    assert careful.report["merges_blocked"]["date_of_birth"] == 1
    noisy = dict(WEIGHTS, date_of_birth=[14.0, 8.0, 4.0, -8.0])
    assert _groups(cluster(rec, _pairs([(0, 1, 20.0)]), weights=noisy)) == [{0, 1}]
    levels = constraint_levels(_model(noisy), COMPARISONS, SETTINGS.cannot_link_bits)
    by_name = {lv.comparison.name: lv for lv in levels}
    assert not by_name["date_of_birth"].cannot_link.any()  # only vouches (exact: +14)
    assert by_name["given_name"].cannot_link.tolist() == [False, False, False, False, True]
    # a tighter bound makes the -8 bit disagreement a constraint again (and +7 for the
    # same given name still vouches for nothing)
    strict = ClusterSettings(cannot_link_bits=7.5)
    assert _groups(cluster(rec, _pairs([(0, 1, 20.0)]), strict, weights=noisy)) == [{0}, {1}]


def test_constraints_read_the_same_levels_as_the_comparisons() -> None:
    """Conflict masks come from the configured comparison levels on any pair, blocked or
    not: a day/month swap is a level above 'else', so it is no conflict."""
    rec = _records(["ana"] * 3, dob=["1980-01-02", "1980-02-01", "1991-07-07"])
    rec["family_key"] = None
    constraints = Constraints.from_model(rec, _model(WEIGHTS), COMPARISONS, SETTINGS)
    levels = compare_pairs(rec, np.array([0, 0]), np.array([1, 2]), COMPARISONS[:1]).levels
    assert levels[:, 0].tolist() == [1, 3]  # swapped, else
    raw, eff = constraints.conflict_masks(np.array([0, 0]), np.array([1, 2]))
    bit = 1 << (constraints.reasons.index("date_of_birth"))
    assert [(r & bit) != 0 for r in raw] == [False, True]
    assert (eff == raw).all()
