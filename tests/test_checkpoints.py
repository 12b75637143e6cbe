"""Resumable runs: a failed run continues from its last completed stage, reusing the stage
results kept under its .partial folder, and publishes what an uninterrupted run publishes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows import pipeline
from flows.checkpoints import Checkpoints, ResumeError, resumable_runs, stages_dir
from flows.cli import main as cli_main
from transforms.publish import latest_run_dir

SAME_BYTES = ["golden_customers", "crosswalk", "clean_records", "links", "review_queue",
              "quarantine", "id_redirects"]


class Boom(RuntimeError):
    pass


def failing(monkeypatch: pytest.MonkeyPatch, stage: str) -> list[str]:
    """Make ``stage`` fail once; returns the list of stages actually computed."""
    calls: list[str] = []
    failed: list[str] = []
    for name, fn in list(pipeline.DIRECT.items()):
        def wrapped(*a, _name=name, _fn=fn, **k):
            calls.append(_name)
            if _name == stage and not failed:
                failed.append(_name)
                raise Boom(f"{_name} failed")
            return _fn(*a, **k)
        monkeypatch.setitem(pipeline.DIRECT, name, wrapped)
    return calls


def test_a_failed_run_resumes_from_its_last_stage_and_publishes_the_same(
        exports: Path, first_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = failing(monkeypatch, "survive")
    with pytest.raises(Boom):
        pipeline.run_pipeline(exports / "rules", tmp_path, run_id="20250101T000000Z-aaaaaa")
    assert resumable_runs(tmp_path) == ["20250101T000000Z-aaaaaa"]
    record = Checkpoints(tmp_path, "20250101T000000Z-aaaaaa").record()
    assert record.completed == ["ingest", "normalize", "decisions", "link"]
    calls.clear()

    summary = pipeline.run_pipeline(tmp_path / "elsewhere", tmp_path,  # recorded rules win
                                    run_id="20250101T000000Z-aaaaaa", resume=True)
    assert calls == ["load_rules", "survive", "publish"]  # nothing before survive re-ran
    run_dir = latest_run_dir(tmp_path)
    assert run_dir.name == summary["run_id"] == "20250101T000000Z-aaaaaa" and summary["resumed"]
    assert not stages_dir(tmp_path, summary["run_id"]).exists()  # not published, removed
    reference = Path(first_run[1]["run_dir"])
    for table in SAME_BYTES:
        assert (run_dir / f"{table}.parquet").read_bytes() == \
            (reference / f"{table}.parquet").read_bytes(), table
    ours, theirs = (json.loads((d / "audit.json").read_text()) for d in (run_dir, reference))
    for section in ("inputs", "quality", "clusters"):
        assert ours[section] == theirs[section], section
    ours["matching"].pop("timings_s"), theirs["matching"].pop("timings_s")
    assert ours["matching"] == theirs["matching"]


def test_resume_refuses_changed_rules_unknown_and_published_runs(
        exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(exports, tmp_path / "data")  # the rules point at ../<export>
    rules = tmp_path / "data" / "rules"
    failing(monkeypatch, "normalize")
    with pytest.raises(Boom):
        pipeline.run_pipeline(rules, tmp_path / "out", run_id="20250101T000000Z-bbbbbb")
    (rules / "matching.yaml").write_text((rules / "matching.yaml").read_text() + "\n# edit\n")
    with pytest.raises(ResumeError, match="rules .* changed"):
        pipeline.run_pipeline(rules, tmp_path / "out", run_id="20250101T000000Z-bbbbbb",
                              resume=True)
    with pytest.raises(ResumeError, match="resumable: 20250101T000000Z-bbbbbb"):
        pipeline.run_pipeline(rules, tmp_path / "out", run_id="20250101T000000Z-nope",
                              resume=True)


def test_cli_resume_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = cli_main(["run", "--no-prefect", "--resume", "20250101T000000Z-cccccc",
                     "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no stage results" in err
    assert "Traceback" not in err


def test_cli_failed_run_says_how_to_resume(exports: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture) -> None:
    failing(monkeypatch, "normalize")
    code = cli_main(["run", "--no-prefect", "--rules", str(exports / "rules"),
                     "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "Boom: normalize failed" in err and "crm-golden run --resume 20" in err
