"""The state owner: generations, ledger, commit protocol, recovery, and kills at every point.

Kills are real: a forked child sets ``$CRM_GOLDEN_CRASH_AT`` and dies by SIGKILL exactly at
the named point (forking skips re-importing pandas and Prefect, so each kill costs only the
work before the point). After each kill the next writer's recovery must leave ``latest``
and the state agreeing (:func:`flows.state.verify`), and the next verb and run must work.
"""

from __future__ import annotations

import functools
import json
import multiprocessing as mp
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from flows import review_sheets, stages, state, steward
from flows.pipeline import run_pipeline
from synth.generate import generate
from transforms.golden_ids import GoldenIdRegistry
from transforms.publish import latest_run_dir

COMMIT_POINTS = ["state.generation_half", "state.generation_written", "run.half_written",
                 "run.renamed", "latest.switched", "current.switched"]
ROLLED_FORWARD = {"run.renamed", "latest.switched", "current.switched"}


def killed_at(point: str, fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` in a forked child that is SIGKILLed at ``point``."""

    def child() -> None:
        os.environ[state.CRASH_ENV] = point
        fn(*args)
        os._exit(0)  # not killed: the point was never reached

    proc = mp.get_context("fork").Process(target=child)
    proc.start()
    proc.join(300)
    assert proc.exitcode == -signal.SIGKILL, f"not killed at {point} (exit {proc.exitcode})"


def recovered(out: Path) -> list[str]:
    with state.locked(out) as notes:
        return notes


# --------------------------------------------------------------------------- unit: the protocol


def registry(n: int) -> GoldenIdRegistry:
    members = pd.DataFrame({"source": ["a"] * n, "source_record_id": [str(i) for i in range(n)],
                            "golden_id": [f"G{i:012d}" for i in range(n)]})
    ids = pd.DataFrame({"golden_id": members["golden_id"], "status": "active",
                        "created_run": "r", "created_seq": 0, "last_seen_run": "r",
                        "retired_run": None, "retired_reason": None, "redirect_to": None})
    return GoldenIdRegistry(members, ids.astype({"created_seq": "int64"}))


def commit_run(out: Path, run_id: str, n: int) -> None:
    reg = registry(n)
    crosswalk = reg.members.copy()
    with state.locked(out):
        state.commit(out, run_id, {"crosswalk": crosswalk, "golden_customers": crosswalk},
                     {"audit.json": {"run": {"run_id": run_id}}},
                     state.StateUpdate(reg, "{}", "h", "/rules", {"D1": run_id}))


def only_stage_results(out: Path) -> bool:
    """Nothing half-written remains but killed runs' stage results (for --resume)."""
    return all([p.name for p in partial.iterdir()] == ["stages"]
               for partial in out.rglob("*.partial"))


def test_commit_writes_a_generation_and_moves_both_pointers(tmp_path: Path) -> None:
    state.append_decisions(state.state_dir(tmp_path), [{"decision_id": "D1", "kind": "merge"}])
    for i in range(5):
        commit_run(tmp_path, f"r{i}", i + 1)
    snap = state.read_state(tmp_path)
    assert snap.generation == 5 and len(snap.registry.members) == 5
    assert snap.rules_dir == "/rules" and snap.published == {"D1": "r4"}
    assert latest_run_dir(tmp_path).name == "r4"
    assert state.run_generation(latest_run_dir(tmp_path)) == 5
    gens = sorted(p.name for p in state.state_dir(tmp_path).glob("gen-*"))
    assert gens == ["gen-000003", "gen-000004", "gen-000005"]  # older ones pruned
    assert state.verify(tmp_path) == []


@pytest.mark.parametrize("point", COMMIT_POINTS)
def test_a_commit_killed_at_any_point_leaves_the_old_pair_or_the_new(tmp_path: Path,
                                                                    point: str) -> None:
    state.append_decisions(state.state_dir(tmp_path), [{"decision_id": "D1", "kind": "merge"}])
    commit_run(tmp_path, "old", 2)
    killed_at(point, commit_run, tmp_path, "new", 3)
    # readers never see a half-written run, even before anyone recovers
    assert latest_run_dir(tmp_path).name in ("old", "new")
    assert (latest_run_dir(tmp_path) / "crosswalk.parquet").is_file()
    notes = recovered(tmp_path)
    assert state.verify(tmp_path) == []
    expected = "new" if point in ROLLED_FORWARD else "old"
    assert latest_run_dir(tmp_path).name == expected
    assert len(state.read_state(tmp_path).registry.members) == (3 if expected == "new" else 2)
    assert bool(notes) == (point not in ("current.switched",))
    assert not list(tmp_path.rglob("*.partial"))
    commit_run(tmp_path, "next", 4)  # the next commit works on either
    assert state.verify(tmp_path) == [] and state.read_state(tmp_path).generation >= 2


def test_flat_state_of_earlier_versions_is_read_then_replaced(tmp_path: Path) -> None:
    sd = state.state_dir(tmp_path)
    sd.mkdir()
    reg = registry(2)
    reg.members.to_parquet(sd / "golden_id_members.parquet")
    reg.ids.to_parquet(sd / "golden_ids.parquet")
    (sd / "rules_dir.txt").write_text("/old/rules")
    (tmp_path / "runs" / "r0").mkdir(parents=True)
    state.append_decisions(sd, [{"decision_id": "D1", "kind": "merge", "published_run": "r0"},
                                {"decision_id": "D2", "kind": "merge", "published_run": "gone"}])
    snap = state.read_state(tmp_path)
    assert snap.generation == 0 and snap.rules_dir == "/old/rules"
    assert snap.published == {"D1": "r0"}  # D2's run was never published: pending
    assert len(snap.registry.members) == 2
    commit_run(tmp_path, "r1", 3)
    assert not (sd / "golden_ids.parquet").exists() and not (sd / "rules_dir.txt").exists()
    assert state.read_state(tmp_path).generation == 1


def test_ledger_appends_each_decision_once_and_ignores_a_torn_line(tmp_path: Path) -> None:
    d1, d2 = {"decision_id": "D1", "kind": "merge"}, {"decision_id": "D2", "kind": "split"}
    assert state.append_decisions(tmp_path, [d1]) == [d1]
    assert state.append_decisions(tmp_path, [d1, d2, d2]) == [d2]
    with open(tmp_path / state.LEDGER_FILE, "ab") as fh:
        fh.write(b'{"decision_id": "D3", "ki')  # a write cut short by a crash
    assert [d["decision_id"] for d in state.read_ledger(tmp_path)] == ["D1", "D2"]
    state.append_decisions(tmp_path, [{"decision_id": "D4", "kind": "merge"}])
    lines = (tmp_path / state.LEDGER_FILE).read_text().splitlines()
    assert [json.loads(x)["decision_id"] for x in lines] == ["D1", "D2", "D4"]


def test_crash_points_are_inert_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(state.CRASH_ENV, raising=False)
    for point in state.CRASH_POINTS:
        state.crash_point(point)  # still alive
    monkeypatch.setenv(state.CRASH_ENV, "run.renamed")
    state.crash_point("latest.switched")
    with pytest.raises(ValueError, match="unknown crash point"):
        state.crash_point("nowhere")


# --------------------------------------------------------------------------- runs and verbs


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two generated datasets (B larger, with edited rules) and an output run once on A."""
    root = tmp_path_factory.mktemp("state")
    generate(40, root / "a", seed=5)
    generate(60, root / "b", seed=6)
    surv = root / "b" / "rules" / "survivorship.yaml"
    surv.write_text(surv.read_text() + "\n# edited: a different rule set\n")
    run_pipeline(root / "a" / "rules", root / "base")
    return {"a": root / "a" / "rules", "b": root / "b" / "rules", "base": root / "base"}


@pytest.fixture()
def out(world: dict[str, Path], tmp_path: Path) -> Path:
    target = tmp_path / "out"
    shutil.copytree(world["base"], target, symlinks=True)
    return target


# random singletons often differ on something the model rules out (another address):
# these tests are about crashes and locks, so their merges are forced
merge = functools.partial(steward.merge, force=True)


def singles(out: Path) -> list[str]:
    x = pd.read_parquet(latest_run_dir(out) / "crosswalk.parquet")
    sizes = x["golden_id"].value_counts()
    return sorted(sizes[sizes == 1].index)


def merges_in_ledger(out: Path) -> int:
    return sum(d["kind"] == "merge" for d in state.read_ledger(state.state_dir(out)))


def test_merges_killed_then_retried_record_each_decision_once(out: Path) -> None:
    """Killed before the switch: the retry publishes the same decision (same id) once.
    Killed after it: the merge is published (rolled forward) and a retry is refused."""
    ids = singles(out)
    for n, point in enumerate(["ledger.appended", "state.generation_written",
                               "latest.switched"]):
        g1, g2 = ids[2 * n: 2 * n + 2]
        before = latest_run_dir(out).name
        killed_at(point, merge, out, [g1, g2], "same person")
        recovered(out)
        assert state.verify(out) == []
        if point in ROLLED_FORWARD:
            assert latest_run_dir(out).name != before
            with pytest.raises(steward.StewardError, match="merged with itself"):
                merge(out, [g1, g2], "same person")
        else:
            assert latest_run_dir(out).name == before
            (did,) = [d["decision_id"] for d in state.read_state(out).pending(
                state.read_ledger(state.state_dir(out)))]
            res = merge(out, [g1, g2], "same person")  # the same decision, now out
            assert res.already == res.pending_applied == [did] and not res.decisions
            assert res.run_id == latest_run_dir(out).name
        assert merges_in_ledger(out) == n + 1
        x = pd.read_parquet(latest_run_dir(out) / "crosswalk.parquet")
        assert x.loc[x["golden_id"].isin([g1, g2]), "golden_id"].nunique() == 1
        ledger = state.read_ledger(state.state_dir(out))
        assert state.read_state(out).pending(ledger) == []


def test_runs_killed_at_each_point_then_verbs_and_the_next_run_work(
        world: dict[str, Path], out: Path) -> None:
    """A killed merge leaves a pending decision; then runs on a larger export with edited
    rules are killed at each point, each one after recovering from the one before.
    Registry, rules pointer and run folders stay coherent throughout; the run that
    completes publishes the pending decision; a merge and a last run work."""
    g1, g2 = singles(out)[:2]
    killed_at("ledger.appended", merge, out, [g1, g2], "same person")
    (pending,) = state.read_ledger(state.state_dir(out))
    for point in ["run.computed", "state.generation_half", "run.half_written",
                  "latest.switched"]:
        killed_at(point, run_pipeline, world["b"], out)
        if point == "run.half_written":
            assert list((out / "runs").glob("*.partial"))  # debris until the next writer
        recovered(out)
        assert state.verify(out) == []
        assert only_stage_results(out)  # a killed run keeps them for --resume
        rules = world["b"] if point in ROLLED_FORWARD else world["a"]
        assert Path(state.read_state(out).rules_dir) == rules.resolve()
        assert (pending["decision_id"] in state.read_state(out).published) == (
            point in ROLLED_FORWARD)
    g3, g4 = singles(out)[:2]
    merge(out, [g3, g4], "same person")  # no "rules differ", no registry error
    run_pipeline(world["b"], out)
    assert state.verify(out) == []


def test_a_merge_while_a_run_computes_is_kept_by_the_run(world: dict[str, Path],
                                                         out: Path) -> None:
    g1, g2 = singles(out)[:2]
    merged: list[steward.Outcome] = []

    def steward_acts(point: str) -> None:
        if point == "run.computed" and not merged:
            merged.append(merge(out, [g1, g2], "same person"))

    with state.on_point(steward_acts):
        summary = run_pipeline(world["a"], out)
    (outcome,) = merged
    assert summary["decisions_arrived_during_run"] == 1
    run = latest_run_dir(out)
    assert run.name == summary["run_id"]
    x = pd.read_parquet(run / "crosswalk.parquet")
    survivor, (retired,) = outcome.kept[0], outcome.retired
    assert set(x.loc[x["golden_id"].isin([g1, g2]), "golden_id"]) == {survivor}
    redirects = pd.read_parquet(run / "id_redirects.parquet").set_index("retired_id")
    assert redirects.at[retired, "current_id"] == survivor
    assert state.verify(out) == []


def test_importing_a_review_sheet_twice_records_nothing_new(out: Path) -> None:
    sheet = out / "review.csv"
    assert review_sheets.review_export(out, sheet, band="all") > 1
    rows = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert (rows["exported_from"] == latest_run_dir(out).name).all()
    rows.loc[0, "decision"] = "reject"
    rows.to_csv(sheet, index=False, encoding="utf-8-sig")
    first = review_sheets.review_import(out, sheet)
    assert first.run_id and len(first.decisions) == 1
    latest, ledger = latest_run_dir(out), state.read_ledger(state.state_dir(out))
    again = review_sheets.review_import(out, sheet)
    assert again.run_id is None and again.already == [first.decisions[0]["decision_id"]]
    assert latest_run_dir(out) == latest
    assert state.read_ledger(state.state_dir(out)) == ledger
    assert "recorded and published before" in steward.format_outcome(again)


def test_stages_read_the_committed_state_once(world: dict[str, Path], out: Path) -> None:
    ctx = stages.new_run_context(world["a"], out)
    snap = stages.committed_state(ctx)
    assert snap is stages.committed_state(ctx) and snap.generation == 1
    assert snap.registry is not None and snap.model_json
