"""End-to-end: the stages on generated exports, the CLI, and the Prefect flow once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from prefect import get_client
from prefect.client.schemas.filters import ArtifactFilter, FlowRunFilter

from flows import privacy
from flows.cli import main as cli_main
from flows.pipeline import run_pipeline
from tests.conftest import _drain_prefect_workers
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


def prefect_run_view(flow_run_id) -> tuple[str, list[tuple[str, int, str]], list]:
    """The flow run's name, its task runs (name, run count, state) and its artifacts."""
    with get_client(sync_client=True) as client:
        name = client.read_flow_run(flow_run_id).name
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [flow_run_id]}))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id={"any_": [flow_run_id]}))
    return (name, sorted((t.name, t.run_count, t.state_type.value) for t in tasks),
            artifacts)


@pytest.mark.flow
@pytest.mark.prefect_server
def test_prefect_flow_retries_io_fails_resumes_and_reports(
        prefect_server: str, exports: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On a real Prefect server: ingest fails once and is retried; survive fails, so the
    flow run fails with its stage results kept; a second flow run resumes it from survive
    and publishes, with stage-named tasks, a run-id flow name and the artifacts."""
    from flows import pipeline, stages
    from transforms import ingest

    assert pipeline.STAGE_TASKS["publish"].retries == 2
    assert pipeline.STAGE_TASKS["publish"].retry_delay_seconds == [10, 60]
    monkeypatch.setitem(pipeline.STAGE_TASKS, "ingest", pipeline.STAGE_TASKS["ingest"]
                        .with_options(retry_delay_seconds=0))  # keep the test fast
    flaky = {"ingest": 1, "survive": 1}

    def fail_once(stage: str, real):
        def call(*args, **kwargs):
            if flaky[stage]:
                flaky[stage] -= 1
                raise OSError(f"{stage}: share unavailable")
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(ingest, "ingest_sources", fail_once("ingest", ingest.ingest_sources))
    monkeypatch.setattr(stages, "survive", fail_once("survive", stages.survive))
    run_id = "20250102T030405Z-abcdef"
    failed = pipeline.crm_golden_pipeline(rules_dir=str(exports / "rules"),
                                          output_dir=str(tmp_path), run_id=run_id,
                                          return_state=True)
    assert failed.is_failed()
    name, tasks, _ = prefect_run_view(failed.state_details.flow_run_id)
    assert name == f"crm-golden-{run_id}"
    assert ("ingest exports", 2, "COMPLETED") in tasks  # retried once, then fine
    assert ("golden profiles", 1, "FAILED") in tasks  # computing stages do not retry
    assert not (tmp_path / "latest").exists()

    resumed = pipeline.crm_golden_pipeline(rules_dir="ignored", output_dir=str(tmp_path),
                                           resume_run_id=run_id, fail_on="errors",
                                           return_state=True)
    summary = resumed.result()
    name, tasks, artifacts = prefect_run_view(resumed.state_details.flow_run_id)
    assert name == f"crm-golden-{run_id}" and summary["run_id"] == run_id
    assert [t[0] for t in tasks] == ["golden profiles", "load rules", "publish run"]
    run_dir = latest_run_dir(tmp_path)
    assert run_dir.name == run_id and summary["resumed"]
    by_key = {a.key: a for a in artifacts}
    assert {k: a.type for k, a in by_key.items()} == {
        "crm-golden-run": "markdown", "crm-golden-row-accounting": "table",
        "crm-golden-quality": "table", "crm-golden-report": "markdown",
        "crm-golden-progress": "progress"}
    accounting = json.loads(by_key["crm-golden-row-accounting"].data)
    assert sum(r["rows_read"] for r in accounting) == summary["rows_read"]
    assert (run_dir / "audit_report.html").as_uri() in by_key["crm-golden-report"].data
    assert by_key["crm-golden-progress"].data == 100
    # Parameters, results and artifacts carry counts, ids and paths: no personal data.
    text = json.dumps(summary) + "".join(str(a.data) for a in artifacts)
    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    for value in clean["email_norm"].dropna().head(50):
        assert value not in text
    # ... and neither does the server's database (runs, tasks, logs, events, artifacts)
    _drain_prefect_workers()
    values = [*clean["email_norm"].dropna(), *clean["full_name"].dropna(),
              *clean["phone_e164"].dropna()]
    server_home = Path(os.environ["PREFECT_HOME"]).parent
    assert list(server_home.glob("*.db"))
    assert privacy.find_occurrences(server_home, [v for v in values if len(v) > 5]) == {}


def test_decision_recorded_during_a_run_is_reported(exports: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import pipeline, stages
    from flows.state import append_decisions, ledger_lock

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
