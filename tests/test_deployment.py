"""prefect.yaml: its pull steps work from a worker's temporary folder with CRM_GOLDEN_HOME
unset (the checkout) or set, and fail in one line when it points nowhere; its parameters
match the flow's; its Prefect version is the installed one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import prefect
import pytest
import yaml
from prefect.deployments.steps import core
from prefect.deployments.steps.core import StepExecutionError, run_steps

from flows.deployment import HOME_ENV
from flows.pipeline import crm_golden_pipeline

ROOT = Path(__file__).resolve().parents[1]
SPEC = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))


async def unchanged(inputs: dict) -> dict:
    return inputs


def pull(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run prefect.yaml's pull steps the way a worker does, from a temporary folder.

    Prefect's templating of ``{{ $VAR }}`` runs for real; block and variable look-ups
    (none in our steps) are skipped, since they would start a server to ask.
    """
    monkeypatch.setattr(core, "resolve_variables", unchanged)
    monkeypatch.setattr(core, "resolve_block_document_references", unchanged)
    monkeypatch.chdir(tmp_path)
    asyncio.run(run_steps(SPEC["pull"], print_function=lambda *a: None))
    return Path.cwd()


def test_unset_home_runs_from_the_checkout(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    assert pull(tmp_path, monkeypatch) == ROOT


def test_home_is_used_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "srv"
    home.mkdir()
    monkeypatch.setenv(HOME_ENV, str(home))
    assert pull(tmp_path, monkeypatch) == home


def test_a_home_that_is_not_there_fails_in_one_line(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "missing"))
    with pytest.raises(StepExecutionError) as err:
        pull(tmp_path, monkeypatch)
    message = str(err.value.__cause__ or err.value)
    assert f"{HOME_ENV}={tmp_path / 'missing'} is not a folder" in message
    assert "\n" not in message


def test_deployments_match_the_flow_and_the_installed_prefect() -> None:
    assert SPEC["prefect-version"] == prefect.__version__
    flow_params = set(crm_golden_pipeline.parameters.properties)
    for dep in SPEC["deployments"]:
        if dep["entrypoint"] == "flows/pipeline.py:crm_golden_pipeline":
            assert set(dep["parameters"]) <= flow_params, dep["name"]
        path, _, func = dep["entrypoint"].partition(":")
        assert (ROOT / path).is_file() and f"def {func}(" in (ROOT / path).read_text()
