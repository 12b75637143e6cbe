"""Golden id stability: first-run determinism, continuation, merges, splits, redirects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from transforms.golden_ids import (
    ERASED,
    GoldenIdRegistry,
    assign_golden_ids,
    build_membership,
    content_id,
    redirects_table,
    retire_erased,
)


def members(groups: dict[int, list[str]], source: str = "crm") -> pd.DataFrame:
    """Membership from {cluster_id: [source_record_id, ...]}."""
    rows = [(source, rid, cid) for cid, rids in groups.items() for rid in rids]
    return pd.DataFrame(rows, columns=["source", "source_record_id", "cluster_id"])


def id_of(result, record: str, source: str = "crm") -> str:
    xw = result.crosswalk
    hit = xw[(xw["source"] == source) & (xw["source_record_id"] == record)]
    assert len(hit) == 1
    return hit["golden_id"].iloc[0]


def test_first_run_ids_are_content_derived_and_order_independent() -> None:
    m = members({1: ["a1", "a2"], 2: ["b1"], 3: ["c2", "c1"]})
    first = assign_golden_ids(m, None, "r1")
    shuffled = m.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled["cluster_id"] = shuffled["cluster_id"].map({1: 30, 2: 10, 3: 20})
    second = assign_golden_ids(shuffled, None, "r1")

    assert id_of(first, "a2") == content_id("crm\x1fa1")
    assert id_of(first, "c2") == content_id("crm\x1fc1")
    pd.testing.assert_frame_equal(first.crosswalk, second.crosswalk)
    pd.testing.assert_frame_equal(first.registry.ids, second.registry.ids)
    assert first.churn["created"] == 3 and first.churn["kept"] == 0
    assert first.redirects.empty


def test_same_inputs_twice_keep_every_id() -> None:
    m = members({1: ["a1", "a2"], 2: ["b1"], 3: ["c1", "c2", "c3"]})
    run1 = assign_golden_ids(m, None, "r1")
    renumbered = m.assign(cluster_id=m["cluster_id"] + 100)
    run2 = assign_golden_ids(renumbered, run1.registry, "r2")
    pd.testing.assert_frame_equal(run1.crosswalk, run2.crosswalk)
    assert run2.churn["kept"] == 3
    assert run2.churn["created"] == run2.churn["retired"] == run2.churn["split"] == 0


def test_lost_state_reproduces_first_run_ids() -> None:
    m = members({1: ["a1", "a2"], 2: ["b1"]})
    run1 = assign_golden_ids(m, None, "r1")
    again = assign_golden_ids(m, GoldenIdRegistry.empty(), "r9")
    pd.testing.assert_frame_equal(run1.crosswalk, again.crosswalk)


def test_adding_ten_percent_new_records_keeps_unaffected_ids() -> None:
    groups = {i: [f"r{i}a", f"r{i}b"] for i in range(50)}
    run1 = assign_golden_ids(members(groups), None, "r1")
    grown = dict(groups)
    grown[3] = grown[3] + ["new-joins-3"]  # a new record joining an existing customer
    for j in range(9):  # brand-new customers
        grown[100 + j] = [f"n{j}"]
    run2 = assign_golden_ids(members(grown), run1.registry, "r2")
    for i in range(50):
        assert id_of(run2, f"r{i}a") == id_of(run1, f"r{i}a")
    assert id_of(run2, "new-joins-3") == id_of(run1, "r3a")
    assert run2.churn == {"created": 9, "kept": 50, "merged": 0, "split": 0, "retired": 0,
                          "absent": 0, "active": 59}


def test_merge_keeps_older_id_and_redirects_the_other() -> None:
    run1 = assign_golden_ids(members({1: ["a1", "a2"]}), None, "r1")
    older = id_of(run1, "a1")
    # a second customer appears later, then the two turn out to be one person
    run2 = assign_golden_ids(members({1: ["a1", "a2"], 2: ["b1", "b2", "b3"]}),
                             run1.registry, "r2")
    newer = id_of(run2, "b1")
    run3 = assign_golden_ids(members({7: ["a1", "a2", "b1", "b2", "b3"]}), run2.registry, "r3")

    assert id_of(run3, "b1") == older  # older survives even with the smaller overlap
    assert run3.churn["merged"] == 1 and run3.churn["retired"] == 1
    red = run3.redirects
    assert red.to_dict("records") == [
        {"retired_id": newer, "current_id": older, "retired_run": "r3", "reason": "merged"}
    ]
    ids = run3.registry.ids.set_index("golden_id")
    assert ids.loc[newer, "status"] == "retired" and ids.loc[older, "status"] == "active"


def test_split_keeps_id_on_largest_part_and_creates_new_id() -> None:
    run1 = assign_golden_ids(members({1: ["a1", "a2", "a3", "a4", "a5"]}), None, "r1")
    old = id_of(run1, "a1")
    # the smallest key (a1) goes to the small part: the id must follow the larger part
    run2 = assign_golden_ids(members({1: ["a1", "a2"], 2: ["a3", "a4", "a5"]}),
                             run1.registry, "r2")
    assert id_of(run2, "a3") == old
    new = id_of(run2, "a1")
    assert new != old
    # the new part's natural content id (hash of a1) is the old id: a variant is derived
    assert content_id("crm\x1fa1") == old
    assert new == content_id("crm\x1fa1", 1)
    assert run2.churn["split"] == 1 and run2.churn["kept"] == 1
    assert run2.churn["retired"] == 0 and run2.redirects.empty


def test_split_and_merge_redirects_with_reason_split() -> None:
    run1 = assign_golden_ids(members({1: ["a1", "a2", "a3"]}), None, "r1")
    run2 = assign_golden_ids(members({1: ["a1", "a2", "a3"], 2: ["b1", "b2", "b3", "b4"]}),
                             run1.registry, "r2")
    a_id, b_id = id_of(run2, "a1"), id_of(run2, "b1")
    # B splits: most of it merges into A (older), one record becomes its own customer
    run3 = assign_golden_ids(
        members({1: ["a1", "a2", "a3", "b1", "b2", "b3"], 2: ["b4"]}), run2.registry, "r3"
    )
    assert id_of(run3, "b1") == a_id
    assert id_of(run3, "b4") not in (a_id, b_id)
    red = run3.redirects.set_index("retired_id")
    assert red.loc[b_id, "current_id"] == a_id and red.loc[b_id, "reason"] == "split"


def test_redirect_chains_resolve_to_an_active_id() -> None:
    run1 = assign_golden_ids(members({1: ["a1"]}), None, "r1")
    run2 = assign_golden_ids(members({1: ["a1"], 2: ["b1"]}), run1.registry, "r2")
    run3 = assign_golden_ids(members({1: ["a1"], 2: ["b1"], 3: ["c1"]}), run2.registry, "r3")
    a, b, c = id_of(run3, "a1"), id_of(run3, "b1"), id_of(run3, "c1")
    # b absorbs c (b older), then a absorbs b: c's redirect must follow to a
    run4 = assign_golden_ids(members({1: ["a1"], 2: ["b1", "c1"]}), run3.registry, "r4")
    assert run4.redirects.set_index("retired_id").loc[c, "current_id"] == b
    run5 = assign_golden_ids(members({1: ["a1", "b1", "c1"]}), run4.registry, "r5")
    red = run5.redirects.set_index("retired_id")["current_id"]
    assert red.to_dict() == {b: a, c: a}
    active = set(run5.registry.ids.loc[run5.registry.ids["status"] == "active", "golden_id"])
    assert set(red) <= active


def test_moved_record_does_not_steal_ids() -> None:
    run1 = assign_golden_ids(members({1: ["a1", "a2"], 2: ["b1", "b2", "b3"]}), None, "r1")
    a, b = id_of(run1, "a2"), id_of(run1, "b1")
    run2 = assign_golden_ids(members({1: ["a2"], 2: ["a1", "b1", "b2", "b3"]}),
                             run1.registry, "r2")
    assert id_of(run2, "a2") == a and id_of(run2, "b1") == b
    assert run2.churn["kept"] == 2 and run2.churn["retired"] == 0


def test_absent_records_keep_their_id_and_reclaim_it() -> None:
    run1 = assign_golden_ids(
        members({1: ["a1"]}, source="sales").pipe(
            lambda s: pd.concat([s, members({2: ["x1"]}, source="support")])
        ),
        None,
        "r1",
    )
    x = id_of(run1, "x1", source="support")
    run2 = assign_golden_ids(members({1: ["a1"]}, source="sales"), run1.registry, "r2")
    assert run2.churn["absent"] == 1 and run2.churn["retired"] == 0
    back = pd.concat([members({1: ["a1"]}, source="sales"), members({5: ["x1"]}, "support")])
    run3 = assign_golden_ids(back, run2.registry, "r3")
    assert id_of(run3, "x1", source="support") == x


def test_id_assignment_is_vectorized_enough() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    m = pd.DataFrame({"source": "crm", "source_record_id": [f"r{i}" for i in range(n)],
                      "cluster_id": rng.integers(0, n // 2, n)})
    run1 = assign_golden_ids(m, None, "r1")
    m2 = m.copy()
    m2.loc[rng.choice(n, n // 20, replace=False), "cluster_id"] = rng.integers(0, n // 2, n // 20)
    run2 = assign_golden_ids(m2, run1.registry, "r2")
    assert run2.churn["kept"] > 0.9 * m2["cluster_id"].nunique()
    # every record maps to exactly one id, every retired id resolves to an active one
    assert run2.crosswalk["golden_id"].notna().all()
    active = set(run2.registry.ids.loc[run2.registry.ids["status"] == "active", "golden_id"])
    assert set(run2.redirects["current_id"]) <= active


def test_build_membership_and_bad_input() -> None:
    clean = pd.DataFrame({"record_id": [0, 1], "source": ["s", "s"],
                          "source_record_id": ["1", "2"]})
    m = build_membership(clean, pd.DataFrame({"record_id": [0, 1], "cluster_id": [4, 4]}))
    assert m["cluster_id"].tolist() == [4, 4]
    with pytest.raises(ValueError, match="no cluster_id"):
        build_membership(clean, pd.DataFrame({"record_id": [0], "cluster_id": [4]}))
    with pytest.raises(ValueError, match="twice"):
        assign_golden_ids(pd.concat([m, m]), None, "r1")


def test_registry_survives_a_parquet_round_trip(tmp_path) -> None:
    run1 = assign_golden_ids(members({1: ["a1"], 2: ["b1"]}), None, "r1")
    run2 = assign_golden_ids(members({1: ["a1", "b1"]}), run1.registry, "r2")  # one retired
    for name, table in (("members", run2.registry.members), ("ids", run2.registry.ids)):
        table.to_parquet(tmp_path / f"{name}.parquet", index=False)
    run2.redirects.to_parquet(tmp_path / "id_redirects.parquet", index=False)
    loaded = GoldenIdRegistry(members=pd.read_parquet(tmp_path / "members.parquet"),
                              ids=pd.read_parquet(tmp_path / "ids.parquet"))
    run3 = assign_golden_ids(members({9: ["a1", "b1"], 8: ["c1"]}), loaded, "r3")
    assert id_of(run3, "b1") == id_of(run2, "b1")
    assert run3.churn["kept"] == 1 and run3.churn["created"] == 1
    pd.testing.assert_frame_equal(run3.redirects, run2.redirects)


def test_an_erased_profile_is_retired_without_redirect_and_its_ids_never_return() -> None:
    first = assign_golden_ids(members({1: ["a", "b"], 2: ["c"], 3: ["d"]}), None, "r1")
    ga, gc = id_of(first, "a"), id_of(first, "c")
    second = assign_golden_ids(members({1: ["a", "b", "c"], 3: ["d"]}), first.registry, "r2")
    assert id_of(second, "c") == ga  # c's id was merged into a's profile
    reg = retire_erased(second.registry, {ga}, {"crm:a", "crm:b", "crm:c"}, "r3")
    ids = reg.ids.set_index("golden_id")
    assert ids.at[ga, "status"] == "retired" and ids.at[ga, "retired_reason"] == ERASED
    assert ids.at[ga, "retired_run"] == "r3" and pd.isna(ids.at[ga, "redirect_to"])
    assert ids.at[gc, "retired_reason"] == ERASED and pd.isna(ids.at[gc, "redirect_to"])
    assert sorted(reg.members["source_record_id"]) == ["d"]
    red = redirects_table(reg.ids).set_index("retired_id")
    assert red.loc[[ga, gc], "current_id"].isna().all()
    # the same records delivered again get new ids, never the erased ones
    third = assign_golden_ids(members({1: ["a", "b"], 3: ["d"]}), reg, "r4")
    assert id_of(third, "a") not in (ga, gc) and third.churn["created"] == 1
