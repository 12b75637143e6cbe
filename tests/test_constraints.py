"""constraints.txt pins exactly what this environment runs for crm-golden and its test
extra, and pyproject's prefect range admits the pinned Prefect."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from tools.constraints import closure, main, project_requirements

ROOT = Path(__file__).resolve().parents[1]


def test_constraints_match_this_environment() -> None:
    assert main(["--check"]) == 0, "constraints.txt is stale: python tools/constraints.py"


def test_pinned_versions_satisfy_pyproject_ranges() -> None:
    pins = closure(project_requirements())
    for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        req = Requirement(spec)
        assert req.specifier.contains(pins[req.name.lower()], prereleases=True), spec
