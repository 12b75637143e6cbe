"""The console script: version, help for every option, validate, dictionary, logging
(-v, JSON lines), the --fail-on gate and one-line errors for bad input."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crm_golden import __version__
from flows.cli import build_parser
from flows.cli import main as cli_main
from flows.logs import ConsoleFilter, JsonFormatter
from flows.pipeline import quality_gate
from synth.generate import generate

ROOT = Path(__file__).resolve().parents[1]


def crm_golden(*args: str, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, importing this checkout's code."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True,
                          text=True, env=full_env, cwd=ROOT, timeout=timeout)


def all_actions(parser: argparse.ArgumentParser, path: str = "crm-golden"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_actions(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli_main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"crm-golden {__version__} (prefect 3.")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{__version__}"' in pyproject


def test_every_option_and_argument_has_help() -> None:
    missing = [f"{path}: {a.option_strings or a.dest}" for path, a in all_actions(build_parser())
               if not (a.help or "").strip()]
    assert not missing, missing


def test_validate_accepts_the_bundled_rules(capsys: pytest.CaptureFixture) -> None:
    assert cli_main(["validate", "--rules", str(ROOT / "rules")]) == 0
    out = capsys.readouterr().out
    assert "ok    marketing: marketing.csv (csv utf-8-sig ';')" in out


def test_validate_names_wrong_encoding_delimiter_and_missing_columns(
        exports: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "data"
    shutil.copytree(exports, data)
    sources = data / "rules" / "sources"
    sales = (sources / "sales.yaml").read_text()
    (sources / "sales.yaml").write_text(sales.replace("encoding: cp1252", "encoding: utf-8"))
    marketing = (sources / "marketing.yaml").read_text()
    (sources / "marketing.yaml").write_text(marketing.replace('delimiter: ";"',
                                                              'delimiter: ","'))
    support = (sources / "support.yaml").read_text()
    (sources / "support.yaml").write_text(support.replace("email: email", "email: correo"))
    assert cli_main(["validate", "--rules", str(data / "rules")]) == 2
    captured = capsys.readouterr()
    assert "sales: csv.encoding: utf-8 cannot decode byte" in captured.out
    assert "it decodes as cp1252" in captured.out
    assert "marketing: csv.delimiter: the header does not split on ','" in captured.out
    assert "support: columns.email: column 'correo' not in the export" in captured.out
    assert "ok    finance" in captured.out
    assert captured.err.strip() == "crm-golden: 3 of 4 exports do not fit their rules"


@pytest.mark.parametrize("args,message", [
    (["generate", "--customers", "-5", "--output", "{tmp}"], "--customers must be >= 1"),
    (["run", "--no-prefect", "--rules", "{tmp}/none"], "rules folder not found"),
    (["evaluate", "--truth", "{tmp}/t.csv", "--output", "{tmp}"], "no published run"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], message: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture) -> None:
    assert cli_main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # "configuration error:" + the reason


def test_quality_gate() -> None:
    audit = {"warnings": {"items": [{"severity": "info", "message": "i"},
                                    {"severity": "warning", "message": "Invalid email"}]}}
    assert quality_gate(audit, "never") is None
    assert quality_gate(audit, "errors") is None
    assert "1 warning(s); first: Invalid email" in (quality_gate(audit, "warnings") or "")


def test_run_logs_json_lines_at_vv_and_gates_on_warnings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(60, data, seed=11)  # small: the subprocess's imports dominate anyway
    validation = data / "rules" / "validation.yaml"  # any invalid value is now a warning
    validation.write_text(validation.read_text().replace("invalid_rate_warning: 0.05",
                                                         "invalid_rate_warning: 0.0"))
    proc = crm_golden("-vv", "--log-format", "json", "run", "--no-prefect", "--rules",
                      str(data / "rules"), "--output", str(tmp_path / "out"), "--fail-on",
                      "warnings")
    assert proc.returncode == 3, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    records = [json.loads(ln) for ln in lines if ln.startswith("{")]
    messages = [r["message"] for r in records]
    assert all(set(r) >= {"ts", "level", "logger", "message"} for r in records)
    assert any(m.startswith("stage link done in") for m in messages)  # -v: progress
    assert any(m.startswith("source sales: sales.csv (csv, encoding") for m in messages)  # -vv
    assert any(r["level"] == "DEBUG" for r in records)
    summary = json.loads(proc.stdout[:proc.stdout.rindex("}") + 1])
    assert summary["warnings"] > 0  # published first, then the gate
    non_json = [ln for ln in lines if not ln.startswith("{")]
    assert len(non_json) == 1 and non_json[0].startswith(
        f"crm-golden: data-quality gate --fail-on warnings: 0 error(s), "
        f"{summary['warnings']} warning(s); first: Invalid ")
    assert summary["run_id"] in proc.stderr
    clean = pd.read_parquet(Path(summary["run_dir"]) / "clean_records.parquet")
    for value in clean["email_norm"].dropna().head(100):
        assert value not in proc.stderr  # counts, ids and paths only


def test_console_filter_is_quiet_by_default_and_json_lines_parse() -> None:
    def record(name: str, level: int) -> logging.LogRecord:
        try:
            raise ValueError("boom")
        except ValueError:
            return logging.LogRecord(name, level, __file__, 1, "stage %s done", ("link",),
                                     sys.exc_info())
    quiet, loud = ConsoleFilter(0), ConsoleFilter(2)
    assert not quiet.filter(record("prefect.flow_runs", logging.ERROR))  # CLI says it once
    kept = record("crm_golden.pipeline", logging.WARNING)
    assert quiet.filter(kept) and kept.exc_info is None  # no traceback below -vv
    assert loud.filter(rec := record("prefect.flow_runs", logging.INFO)) and rec.exc_info
    line = json.loads(JsonFormatter().format(record("crm_golden.pipeline", logging.INFO)))
    assert line["message"] == "stage link done" and line["level"] == "INFO"
