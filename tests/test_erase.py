"""``crm-golden erase`` end to end: by each kind of KEY, then a search of every file under
OUTPUT/ finds none of the person's values; later runs keep them out; kills are finished
by the next command; an erasure during a run stops that run from bringing them back."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flows import erase, history, privacy, review_sheets, state, steward
from flows.cli import main as cli_main
from flows.pipeline import run_pipeline
from flows.privacy import PrivacyError
from synth.generate import generate
from tests.test_state import killed_at, recovered
from transforms.golden_ids import ERASED
from transforms.publish import latest_run_dir

KEY = "erase-test-hmac-key-0123456789"
PERSON_COLUMNS = ["email", "email_norm", "phone", "phone_2", "phone_e164", "phone_2_e164",
                  "full_name", "given_name", "family_name", "name_family", "tax_id"]


@pytest.fixture(autouse=True)
def hmac_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(privacy.KEY_ENV, KEY)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(rules, output) after two runs on 40 generated customers (a kept run and latest;
    retention keeps 3)."""
    root = tmp_path_factory.mktemp("erase")
    generate(40, root / "data", seed=5)
    rules = root / "data" / "rules" / "privacy.yaml"  # fewer kept runs: fewer to rewrite
    rules.write_text(rules.read_text().replace("keep_runs: 7", "keep_runs: 3"))
    for _ in range(2):
        run_pipeline(root / "data" / "rules", root / "base")
    return root / "data" / "rules", root / "base"


@pytest.fixture()
def out(world: tuple[Path, Path], tmp_path: Path) -> Path:
    target = tmp_path / "out"
    shutil.copytree(world[1], target, symlinks=True)
    return target


def people(out: Path, n: int) -> list[dict]:
    """``n`` people (golden profiles) with an e-mail and a phone whose values, family name
    included, appear in no other profile's records: a search for them finds only them."""
    run = latest_run_dir(out)
    clean = pd.read_parquet(run / "clean_records.parquet")
    xw = pd.read_parquet(run / "crosswalk.parquet")
    clean = clean.merge(xw, on=["source", "source_record_id"])
    cells = clean[PERSON_COLUMNS].astype("string").fillna("")
    rows_text = cells.iloc[:, 0].str.lower()
    for col in PERSON_COLUMNS[1:]:
        rows_text = rows_text + "\x1f" + cells[col].str.lower()
    found = []
    for gid, rows in clean.groupby("golden_id"):
        if rows["email_key"].isna().all() or rows["phone_e164"].isna().all():
            continue
        needles = {str(v) for c in PERSON_COLUMNS for v in rows[c].dropna() if len(str(v)) > 3}
        others = "\n".join(rows_text[(clean["golden_id"] != gid).to_numpy()])
        if any(w.lower() in others for w in needles):
            continue
        found.append({"golden_id": gid, "needles": sorted(needles),
                      "records": sorted(rows["source"] + ":" + rows["source_record_id"]),
                      "email": rows["email"].dropna().iloc[0],
                      "phone": rows["phone"].dropna().iloc[0] if rows["phone"].notna().any()
                      else rows["phone_e164"].dropna().iloc[0]})
        if len(found) == n:
            return found
    raise AssertionError(f"only {len(found)} distinctive people")


def test_erase_leaves_nothing_in_any_file_and_later_runs_keep_them_out(
        world: tuple[Path, Path], out: Path) -> None:
    """By golden id and by a re-typed e-mail here; by record key and phone below."""
    a, b = people(out, 2)
    # the person is also in a review sheet under OUTPUT, a decision's reason, a failed
    # run's stage results and the kept older run
    review_sheets.review_export(out, out / "sheets" / "review.csv", band="all")
    other = next(k for k in steward.load_latest(out).index["key"] if k not in a["records"])
    steward.not_same(out, [a["records"][0], other], f"not {a['email']}, says the customer")
    stages = out / "runs" / "20991231T000000Z-failed.partial" / "stages" / "normalize"
    stages.mkdir(parents=True)
    shutil.copy(latest_run_dir(out) / "clean_records.parquet", stages / "clean.parquet")
    needles = a["needles"] + b["needles"]
    before = privacy.find_occurrences(out, needles)
    assert {"sheets/review.csv", "state/decisions.jsonl"} < set(before) and len(before) > 8
    done = [erase.erase(out, a["golden_id"], "gdpr_art17"),
            erase.erase(out, b["email"].upper(), "consent_withdrawn")]
    assert [o.golden_ids_retired for o in done] == [[a["golden_id"]], [b["golden_id"]]]
    assert [o.records_erased for o in done] == [len(a["records"]), len(b["records"])]
    assert done[0].stage_results_deleted == ["20991231T000000Z-failed.partial"]
    assert done[0].sheets_rewritten == [str(Path("sheets") / "review.csv")]
    assert done[0].decisions_scrubbed == 1 and len(done[0].runs_rewritten) == 2
    assert privacy.find_occurrences(out, needles) == {}
    assert state.verify(out) == []
    snap = state.read_state(out)
    ids = snap.registry.ids.set_index("golden_id")
    for p in (a, b):
        assert ids.at[p["golden_id"], "retired_reason"] == ERASED
        assert pd.isna(ids.at[p["golden_id"], "redirect_to"])
    listed = (state.state_dir(out) / f"gen-{snap.generation:06d}" / "suppression.json")
    assert all(re.fullmatch("[0-9a-f]{64}", h) for h in json.loads(listed.read_text())["hashes"])
    tombstones = [t for t in state.read_ledger(state.state_dir(out)) if t["kind"] == "erase"]
    assert [t["reason_code"] for t in tombstones] == ["gdpr_art17", "consent_withdrawn"]
    assert set(tombstones[0]) == {"decision_id", "kind", "subject", "hashes", "reason_code",
                                  "by", "at", "run_id", "records_erased", "profiles_erased"}
    with pytest.raises(steward.StewardError, match="was erased"):
        history.history(out, a["golden_id"])
    assert erase.erase(out, b["email"], "gdpr_art17").already_erased  # repeating is harmless

    # the same exports again: suppressed and counted; retention prunes beyond 3 runs
    runs = sorted(p.name for p in (out / "runs").iterdir())
    summary = run_pipeline(world[0], out)
    assert summary["suppressed"] == len(a["records"]) + len(b["records"])
    assert sorted(p.name for p in (out / "runs").iterdir()) == [*runs[-2:], summary["run_id"]]
    audit = json.loads((latest_run_dir(out) / "audit.json").read_text())
    assert audit["inputs"]["invariant_passed"] and audit["inputs"]["totals"]["suppressed"] == \
        summary["suppressed"]
    assert audit["privacy"]["runs_pruned"] == runs[:-2]
    assert audit["privacy"]["erasures"] == {"total": 2, "applied": 0, "by_reason": {
        "consent_withdrawn": 1, "gdpr_art17": 1}}
    assert audit["privacy"]["suppressed_total"] == summary["suppressed"]
    assert 'id="privacy"' in (latest_run_dir(out) / "audit_report.html").read_text()
    assert privacy.find_occurrences(out, needles) == {}
    assert state.verify(out) == []


@pytest.mark.parametrize("point", ["erase.sweeping", "erase.ledger_rewritten"])
def test_a_killed_erasure_is_finished_by_the_next_command(world: tuple[Path, Path], out: Path,
                                                         point: str) -> None:
    (p,) = people(out, 1)
    key = p["records"][-1] if point == "erase.sweeping" else p["phone"]  # record key, phone
    killed_at(point, erase.erase, out, key, "gdpr_art17")
    recovered(out)
    assert state.verify(out) == []
    if point == "erase.sweeping":  # nothing recorded yet: the steward repeats the command
        assert erase.erase(out, key, "gdpr_art17").golden_ids_retired == [p["golden_id"]]
    else:  # recorded: verbs wait for it, and the next run publishes it
        with pytest.raises(steward.StewardError, match="erasure was interrupted"):
            steward.split(out, [p["records"][0]], "x")
        summary = run_pipeline(world[0], out)
        assert summary["suppressed"] == len(p["records"])
        ids = state.read_state(out).registry.ids.set_index("golden_id")
        assert ids.at[p["golden_id"], "retired_reason"] == ERASED
    assert privacy.find_occurrences(out, p["needles"]) == {}
    assert state.verify(out) == []


def test_an_erasure_while_a_run_computes_stops_the_run(world: tuple[Path, Path],
                                                       out: Path) -> None:
    (p,) = people(out, 1)
    done: list[erase.ErasureOutcome] = []

    def steward_erases(point: str) -> None:
        if point == "run.computed" and not done:
            done.append(erase.erase(out, p["golden_id"], "consent_withdrawn"))

    with state.on_point(steward_erases), pytest.raises(PrivacyError, match="run again"):
        run_pipeline(world[0], out)
    assert latest_run_dir(out).name == done[0].run_id
    assert privacy.find_occurrences(out, p["needles"]) == {} and state.verify(out) == []


def test_the_cli_refuses_without_a_key_a_reason_code_or_a_match(
        world: tuple[Path, Path], out: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    (p,) = people(out, 1)
    latest = latest_run_dir(out)

    def run(*args: str) -> tuple[int, str]:
        code = cli_main(["erase", *args, "--output", str(out)])
        return code, capsys.readouterr().err

    code, err = run(p["email"], "--reason", "customer asked by phone")
    assert code == 2 and "must be one of the reason codes" in err
    code, err = run("nobody.at.all@gmail.com", "--reason", "gdpr_art17")
    assert code == 2 and "no record of the latest run" in err and "nobody" not in err
    code, err = run("not a key", "--reason", "gdpr_art17")
    assert code == 2 and "KEY must be a golden id" in err
    monkeypatch.delenv(privacy.KEY_ENV)
    code, err = run(p["email"], "--reason", "gdpr_art17")
    assert code == 2 and err.count("\n") == 1 and privacy.KEY_ENV in err
    assert latest_run_dir(out) == latest and not state.read_ledger(state.state_dir(out))
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    assert cli_main(["erase", p["records"][0], "--reason", "gdpr_art17", "--output", str(out),
                     "--verify"]) == 0
    printed = capsys.readouterr().out
    assert "verify: 0 occurrence(s)" in printed and p["email"] not in printed
    for key in ("another-key-0123456789abcdef", ""):  # a run under another key, or none
        monkeypatch.setenv(privacy.KEY_ENV, key)
        code = cli_main(["run", "--rules", str(world[0]), "--output", str(out), "--no-prefect"])
        err = capsys.readouterr().err
        assert code == 2 and "HMAC key" in err and err.count("\n") == 1
        assert not key or key not in err
    assert not list((out / "runs").glob("*.partial"))  # stopped before reading any export
