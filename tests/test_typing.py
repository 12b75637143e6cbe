"""The tooling gate: ruff and mypy over the packages, as part of the test command.

Why tests and not a separate CI step: the README's one test command is what CI runs and
what a contributor runs, so a type error or a lint finding fails the same way a broken
behaviour does. mypy's settings (packages, plugins) are in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    done = _run("ruff", "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_no_type_error(tmp_path: Path) -> None:
    done = _run("mypy", "--cache-dir", str(tmp_path / "mypy_cache"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout
