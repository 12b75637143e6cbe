"""Steward verbs end to end on a small generated dataset, then full re-runs that keep them."""

from __future__ import annotations

import csv
import json
import multiprocessing as mp
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flows import history, review_sheets, steward
from flows.cli import main as cli_main
from flows.pipeline import run_pipeline
from flows.state import LEDGER_FILE, ledger_lock, read_ledger
from synth.generate import generate
from tests.steward_pairs import mergeable
from tests.steward_worker import act
from transforms.publish import latest_run_dir


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(rules folder, output folder) after one pipeline run on ~150 generated customers."""
    folder = tmp_path_factory.mktemp("steward")
    generate(150, folder / "data", seed=11)
    run_pipeline(folder / "data" / "rules", folder / "out")
    return folder / "data" / "rules", folder / "out"


@pytest.fixture()
def out(base: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the base output (each test records its own decisions)."""
    target = tmp_path / "out"
    shutil.copytree(base[1], target, symlinks=True)
    return target


def xwalk(out: Path) -> pd.Series:
    x = pd.read_parquet(latest_run_dir(out) / "crosswalk.parquet")
    return pd.Series(x["golden_id"].to_numpy(),
                     index=(x["source"] + ":" + x["source_record_id"]).to_numpy())


def profiles(out: Path) -> dict[str, list[str]]:
    x = xwalk(out)
    return {g: sorted(k) for g, k in x.groupby(x).groups.items()}


def by_size(out: Path, n: int) -> list[str]:
    return sorted(g for g, keys in profiles(out).items() if len(keys) == n)


def test_merge_republishes_only_the_merged_profiles(base, out: Path) -> None:
    before = latest_run_dir(out)
    g1, g2 = mergeable(out, by_size(out, 1))
    old_golden = pd.read_parquet(before / "golden_customers.parquet")
    res = steward.merge(out, [g1, g2], "same customer, confirmed by phone", by="ana")
    after = latest_run_dir(out)
    assert after.name == res.run_id != before.name
    x = xwalk(out)
    members = sorted(profiles(out)[res.kept[0]])
    assert len(members) == 2 and x[members[0]] == x[members[1]]
    survivor, retired = res.kept[0], next(iter(res.retired))
    assert {survivor, retired} == {g1, g2} and res.retired[retired] == survivor
    redirects = pd.read_parquet(after / "id_redirects.parquet")
    assert redirects.set_index("retired_id").at[retired, "current_id"] == survivor
    golden = pd.read_parquet(after / "golden_customers.parquet")
    assert len(golden) == len(old_golden) - 1
    assert golden.set_index("golden_id").at[survivor, "record_count"] == 2
    # every other profile is the row published before, unchanged
    others = old_golden[~old_golden["golden_id"].isin([g1, g2])].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        golden[~golden["golden_id"].isin([g1, g2])].reset_index(drop=True), others)
    (d,) = read_ledger(out / "state")
    assert d["kind"] == "merge" and d["by"] == "ana" and d["run_id"] == before.name
    assert "forced" not in d
    assert d["golden_ids"] == sorted([g1, g2]) and d["records"] == members
    audit = json.loads((after / "audit.json").read_text())
    assert audit["changes"]["decisions"]["applied"] == 1
    assert audit["changes"]["steward"]["retired"] == {retired: survivor}
    assert (after / "audit_report.html").stat().st_size > 1000


def linked_directly(out: Path, keys: list[str]) -> bool:
    """Whether the records ``SOURCE:ID`` keys[0] and keys[1] share an auto-match link (the
    profile then stays whole when a third record leaves it)."""
    run = latest_run_dir(out)
    clean = pd.read_parquet(run / "clean_records.parquet",
                            columns=["record_id", "source", "source_record_id"])
    rid = dict(zip(clean["source"] + ":" + clean["source_record_id"], clean["record_id"],
                   strict=True))
    a, b = sorted((rid[keys[0]], rid[keys[1]]))
    links = pd.read_parquet(run / "links.parquet",
                            columns=["left_record_id", "right_record_id", "band"])
    return bool(((links["left_record_id"] == a) & (links["right_record_id"] == b)
                 & (links["band"] == "auto_match")).any())


def test_split_moves_a_record_into_a_new_profile(base, out: Path, capsys) -> None:
    gid = next(g for g in by_size(out, 3) if linked_directly(out, profiles(out)[g]))
    members = profiles(out)[gid]
    moved = members[-1]
    code = cli_main(["split", moved, "--reason", "different person", "--output", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "created" in printed and "records that changed profile: 1" in printed
    x = xwalk(out)
    assert x[moved] != x[members[0]] and x[members[0]] == x[members[1]] == gid
    (d,) = read_ledger(out / "state")
    assert d["kind"] == "split" and d["profile_records"] == members


def test_not_same_separates_two_records(base, out: Path) -> None:
    gid = by_size(out, 2)[0]
    a, b = profiles(out)[gid]
    res = steward.not_same(out, [a, b], "twins")
    x = xwalk(out)
    assert x[a] != x[b] and res.records_moved == 1
    assert res.decisions_applied == 1


def test_not_a_match_is_the_design_name_of_not_same(base, out: Path) -> None:
    a, b = profiles(out)[by_size(out, 2)[0]]
    assert cli_main(["not-a-match", a, b, "--reason", "twins", "--output", str(out)]) == 0
    x = xwalk(out)
    assert x[a] != x[b]


def test_full_rerun_keeps_merge_split_and_not_same(base, out: Path) -> None:
    g1, g2 = mergeable(out, by_size(out, 1))
    merge = steward.merge(out, [g1, g2], "dup")
    survivor = merge.kept[0]
    merged = profiles(out)[survivor]
    split_gid = by_size(out, 3)[0]
    split_members = profiles(out)[split_gid]
    steward.split(out, [split_members[-1]], "other person")
    a, b = profiles(out)[by_size(out, 2)[1]]
    steward.not_same(out, [a, b], "twins")
    summary = run_pipeline(base[0], out)
    x = xwalk(out)
    assert x[merged[0]] == x[merged[1]] == survivor
    assert x[split_members[-1]] != x[split_members[0]] == split_gid
    assert x[a] != x[b]
    assert summary["id_churn"]["created"] == 0 and summary["id_churn"]["retired"] == 0
    audit = json.loads((latest_run_dir(out) / "audit.json").read_text())
    assert audit["changes"]["decisions"] == {"applied": 3, "stale": 0}


def test_history_masks_names_and_lists_decisions(base, out: Path, capsys) -> None:
    gid = by_size(out, 3)[0]
    members = profiles(out)[gid]
    clean = pd.read_parquet(latest_run_dir(out) / "clean_records.parquet")
    mine = clean[(clean["source"] + ":" + clean["source_record_id"]).isin(members)]
    family = mine["name_family"].dropna().iloc[0]
    steward.split(out, [members[0]], f"wrong person: {family.upper()} is the brother")
    assert cli_main(["history", gid, "--output", str(out)]) == 0
    text = capsys.readouterr().out
    names = clean["name_family"].dropna().astype(str)
    assert not any(n.lower() in text.lower() for n in names if len(n) > 3)
    assert "split" in text and members[0] in text and "*" in text
    assert "reason: wrong person: " in text and " is the brother" in text  # the name masked
    hist = history.history(out, gid)
    assert len(hist["runs"]) == 2 and hist["runs"][-1]["removed"] == [members[0]]


def test_review_export_import_round_trip(base, out: Path) -> None:
    # inject a formula into the published review queue's data
    run = latest_run_dir(out)
    queue = pd.read_parquet(run / "review_queue.parquet")
    queue.loc[0, "l_name_given"] = '=HYPERLINK("http://x","y")'
    queue.to_parquet(run / "review_queue.parquet", index=False)
    sheet_file = out / "review.csv"
    assert cli_main(["review", "export", str(sheet_file), "--output", str(out)]) == 0
    with open(sheet_file, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(queue)
    assert rows[0]["left_given_name"] == '\'=HYPERLINK("http://x","y")'
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    x = xwalk(out)
    # accept a pair in different profiles, reject a pair ... and one bad value
    accept = next(i for i, r in enumerate(rows) if x[r["left_record"]] != x[r["right_record"]])
    reject = next(i for i, r in enumerate(rows) if i != accept
                  and {r["left_record"], r["right_record"]}.isdisjoint(
                      {rows[accept]["left_record"], rows[accept]["right_record"]}))
    bad = next(i for i in range(len(rows)) if i not in (accept, reject))
    rows[accept].update(decision="accept", reason="'=SUM(A1) same email")
    rows[reject].update(decision="Reject")
    rows[bad].update(decision="perhaps")
    with open(sheet_file, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    res = review_sheets.review_import(out, sheet_file)
    assert res.rejected_rows == [(bad + 2, "decision must be accept, reject or blank")]
    assert len(res.ignored_rows) == len(rows) - 3
    ledger = read_ledger(out / "state")
    assert [d["kind"] for d in ledger] == ["merge", "not_same"]
    assert ledger[0]["reason"] == "=SUM(A1) same email"
    assert ledger[0]["sheet_row"] == accept + 2
    x = xwalk(out)
    assert x[rows[accept]["left_record"]] == x[rows[accept]["right_record"]]
    assert x[rows[reject]["left_record"]] != x[rows[reject]["right_record"]]
    left = pd.read_parquet(latest_run_dir(out) / "review_queue.parquet")
    pairs = set(zip(left["l_source"] + ":" + left["l_source_record_id"],
                    left["r_source"] + ":" + left["r_source_record_id"], strict=True))
    for i in (accept, reject):
        assert (rows[i]["left_record"], rows[i]["right_record"]) not in pairs
    assert len(left) == len(queue) - 2
    # A full re-run keeps both answers and does not put the decided pairs back in the queue.
    run_pipeline(base[0], out)
    x = xwalk(out)
    assert x[rows[accept]["left_record"]] == x[rows[accept]["right_record"]]
    assert x[rows[reject]["left_record"]] != x[rows[reject]["right_record"]]
    again = pd.read_parquet(latest_run_dir(out) / "review_queue.parquet")
    pairs = set(zip(again["l_source"] + ":" + again["l_source_record_id"],
                    again["r_source"] + ":" + again["r_source_record_id"], strict=True))
    for i in (accept, reject):
        assert (rows[i]["left_record"], rows[i]["right_record"]) not in pairs


def test_two_stewards_at_once_keep_both_decisions(base, out: Path) -> None:
    g1, g2 = by_size(out, 1)[:2]
    a, b = profiles(out)[by_size(out, 2)[0]]
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=act, args=("merge", str(out), [g1, g2], start)),
             ctx.Process(target=act, args=("not_same", str(out), [a, b], start))]
    for p in procs:
        p.start()
    with ledger_lock(out / "state"):  # both block on the lock while we hold it
        start.set()
        import time
        time.sleep(1.5)
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    ledger = read_ledger(out / "state")
    assert sorted(d["kind"] for d in ledger) == ["merge", "not_same"]
    x = xwalk(out)
    merged = [k for k, g in x.items() if g in (g1, g2)]
    assert len(merged) == 2 and x[merged[0]] == x[merged[1]]
    assert x[a] != x[b]
    runs = [json.loads((p / "audit.json").read_text())["run"]
            for p in (out / "runs").iterdir()]
    assert len(runs) == 3  # base + one republish per steward, the second on top of the first


def test_invalid_requests_change_nothing(base, out: Path, capsys) -> None:
    g1, g2 = by_size(out, 1)[:2]
    steward.merge(out, [g1, g2], "dup", force=True)
    ledger_bytes = (out / "state" / LEDGER_FILE).read_bytes()
    latest = latest_run_dir(out)
    merged = sorted(k for k, g in xwalk(out).items() if g in (g1, g2))
    other = by_size(out, 2)[0]
    cases = [
        (steward.merge, [g1, "G000000000000"], "x", "unknown golden id"),
        (steward.merge, [other, other], "x", "merged with itself"),
        (steward.merge, [g1, g2], "x", "merged with itself"),  # g2 or g1 now redirects
        (steward.merge, [other, g1], "   ", "reason is required"),
        (steward.not_same, merged, "x", "merged by an earlier decision"),
        (steward.not_same, [merged[0], merged[0]], "x", "itself"),
        (steward.split, ["nosuch:1"], "x", "unknown record"),
        (steward.split, ["no-colon"], "x", "SOURCE:RECORD_ID"),
        (steward.split, merged, "x", "nothing to split"),
    ]
    for fn, targets, reason, message in cases:
        with pytest.raises(steward.StewardError, match=message):
            fn(out, targets, reason)
    assert cli_main(["merge", other, other, "--reason", "x", "--output", str(out)]) == 2
    assert "nothing was recorded" in capsys.readouterr().err
    assert (out / "state" / LEDGER_FILE).read_bytes() == ledger_bytes
    assert latest_run_dir(out) == latest
    assert len(list((out / "runs").iterdir())) == 2


def test_prefect_flow_entry_point_and_deployment(base, out: Path) -> None:
    import yaml

    from flows.decisions import apply_decision, steward_decision

    g1, g2 = mergeable(out, by_size(out, 1))
    result = apply_decision("merge", [g1, g2], "dup", "ops", str(out))
    json.dumps(result)  # JSON-safe: ids and counts only
    assert result["run_id"] == latest_run_dir(out).name and "dup" not in json.dumps(result)
    params = set(steward_decision.parameters.properties)
    assert {"action", "targets", "reason_file", "by", "output_dir", "file"} <= params
    assert "reason" not in params  # free text never becomes a flow parameter
    spec = yaml.safe_load(Path("prefect.yaml").read_text())
    names = [d["name"] for d in spec["deployments"]]
    assert names == ["nightly", "ad-hoc", "ops-decision"]


@pytest.mark.prefect_server
def test_the_decision_flow_keeps_the_reason_out_of_prefect(prefect_server: str, base,
                                                          out: Path, tmp_path: Path) -> None:
    """The reason reaches the ledger through a file; the flow run's parameters (stored and
    shown by Prefect) and its result hold only the file's path, ids and counts."""
    from prefect.client.orchestration import get_client

    from flows.decisions import steward_decision

    g1, g2 = by_size(out, 1)[:2]
    reason = "same person: María López called from maria.lopez@gmail.com"
    reason_file = tmp_path / "reason.txt"
    reason_file.write_text(reason, encoding="utf-8")
    done = steward_decision(action="merge", targets=[g1, g2], reason_file=str(reason_file),
                            by="ana", output_dir=str(out), return_state=True)
    assert done.is_completed()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(done.state_details.flow_run_id)
    stored = json.dumps(run.parameters, ensure_ascii=False) + json.dumps(done.result())
    assert run.parameters["reason_file"] == str(reason_file)
    for word in ("María", "López", "maria.lopez", "called"):
        assert word not in stored
    assert read_ledger(out / "state")[-1]["reason"] == reason
