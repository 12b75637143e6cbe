"""End-to-end: the stages on generated exports, the CLI, and the Prefect flow once."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.cli import main as cli_main
from flows.pipeline import run_pipeline
from transforms.publish import OUTPUT_TABLES, latest_run_dir

CONTRACT_FILES = [f"{t}.parquet" for t in OUTPUT_TABLES] + [
    "audit_report.html", "audit.json", "model.json"]


def test_every_contract_output_exists_and_latest_points_at_run(first_run) -> None:
    out, summary = first_run
    run_dir = latest_run_dir(out)
    assert run_dir.name == summary["run_id"]
    for name in CONTRACT_FILES:
        assert (run_dir / name).is_file(), name
    assert not list((out / "runs").glob("*.partial"))


def test_rows_in_equal_clean_plus_quarantined(first_run, exports: Path) -> None:
    out, summary = first_run
    run_dir = latest_run_dir(out)
    truth = pd.read_csv(exports / "truth.csv", dtype=str)
    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    quarantine = pd.read_parquet(run_dir / "quarantine.parquet")
    assert len(truth) == summary["rows_read"] == len(clean) + len(quarantine)
    audit = json.loads((run_dir / "audit.json").read_text())
    assert audit["inputs"]["invariant_passed"] is True


def test_crosswalk_covers_every_clean_record_once(first_run) -> None:
    run_dir = latest_run_dir(first_run[0])
    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    xwalk = pd.read_parquet(run_dir / "crosswalk.parquet")
    golden = pd.read_parquet(run_dir / "golden_customers.parquet")
    assert len(xwalk) == len(clean)
    assert not xwalk.duplicated(["source", "source_record_id"]).any()
    assert set(xwalk["golden_id"]) == set(golden["golden_id"])
    assert golden["golden_id"].is_unique


def test_rerun_same_inputs_gives_identical_golden_table(first_run, exports: Path) -> None:
    out, summary = first_run
    first = latest_run_dir(out)
    second_summary = run_pipeline(exports / "rules", out)
    second = latest_run_dir(out)
    assert second.name == second_summary["run_id"] != summary["run_id"]
    for table in ("golden_customers", "crosswalk", "id_redirects"):
        a = (first / f"{table}.parquet").read_bytes()
        b = (second / f"{table}.parquet").read_bytes()
        assert a == b, table
    assert second_summary["id_churn"]["created"] == 0
    assert second_summary["id_churn"]["kept"] == summary["golden_customers"]


def test_cli_evaluate_prints_metrics_and_baseline(first_run, exports: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    out, _ = first_run
    assert cli_main(["evaluate", "--truth", str(exports / "truth.csv"),
                     "--output", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("model", "exact_key_baseline"):
        assert 0.0 <= report[key]["precision"] <= 1.0
        assert report[key]["true_pairs"] > 0
    assert 0 < report["difficulty"]["true_pairs_without_shared_strong_identifier"] < 1


def test_cli_config_error_is_reported_with_file_and_key(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    rules = tmp_path / "rules"
    (rules / "sources").mkdir(parents=True)
    (rules / "sources" / "x.yaml").write_text("name: x\npath: x.csv\nformat: csv\n"
                                              "columns: {emial: e}\n")
    assert cli_main(["run", "--no-prefect", "--rules", str(rules),
                     "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "x.yaml" in err and "columns" in err


@pytest.mark.flow
def test_prefect_flow_runs_the_pipeline(prefect_harness, exports: Path, tmp_path: Path) -> None:
    from flows.pipeline import crm_golden_pipeline

    summary = crm_golden_pipeline(rules_dir=str(exports / "rules"), output_dir=str(tmp_path))
    run_dir = latest_run_dir(tmp_path)
    assert summary["run_id"] == run_dir.name
    assert summary["golden_customers"] == len(pd.read_parquet(run_dir /
                                                              "golden_customers.parquet"))
    # Results carry counts only: no personal data from the exports.
    text = json.dumps(summary)
    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    for value in clean["email_norm"].dropna().head(50):
        assert value not in text


def test_decision_recorded_during_a_run_is_reported(exports: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import pipeline, stages
    from flows.ledger import append_decisions, ledger_lock

    real_link = stages.stage_link

    def link_then_steward_acts(ctx, *args, **kwargs):
        result = real_link(ctx, *args, **kwargs)
        with ledger_lock(ctx.state_dir):  # a steward's verb lands while we compute
            append_decisions(ctx.state_dir, [{"decision_id": "Dx", "kind": "not_same",
                                              "records": ["a:1", "b:2"], "reason": "r"}])
        return result

    monkeypatch.setitem(pipeline.DIRECT, "link", link_then_steward_acts)
    summary = run_pipeline(exports / "rules", tmp_path)
    assert summary["decisions_arrived_during_run"] == 1
