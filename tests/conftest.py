"""Shared fixtures: generated exports and one pipeline run per session, and one real
Prefect server on loopback for the tests marked ``prefect_server`` (``-m prefect_server``
selects them, ``-m "not prefect_server"`` skips the ~20 s server start).
"""

from __future__ import annotations

import inspect
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings
from prefect.utilities.asyncutils import run_coro_as_sync

from flows.pipeline import run_pipeline
from synth.generate import generate

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT = 120.0


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 generated customers' department exports, their rules and truth.csv."""
    folder = tmp_path_factory.mktemp("exports")
    generate(150, folder, seed=7)
    return folder


@pytest.fixture(scope="session")
def first_run(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One direct (no Prefect) run on ``exports``: (output folder, summary).

    Tests that read its files use ``summary["run_dir"]``: later tests may publish more runs
    into the same output folder.
    """
    out = tmp_path_factory.mktemp("out")
    summary = run_pipeline(exports / "rules", out)
    return out, summary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _drain_prefect_workers() -> None:
    """Send buffered run logs and events now: after the server stops they would be
    retried at interpreter exit for a minute and more (as prefect_test_harness does)."""

    async def drain() -> None:
        try:
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:
            pass
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``prefect server start`` on 127.0.0.1, once per session; yields its API URL.

    The server gets its own home (SQLite database) under a temporary folder; every test
    process talks to it through PREFECT_API_URL. It is stopped by its process group id at
    teardown, never by name.
    """
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": "",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_LOGGING_LEVEL": "WARNING"}
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    try:
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (home / "server.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"prefect server did not start on {url}:\n{tail}")
            time.sleep(0.5)
        saved = {k: os.environ.get(k) for k in ("PREFECT_API_URL", "PREFECT_HOME")}
        os.environ["PREFECT_API_URL"] = url
        os.environ["PREFECT_HOME"] = str(home / "client")
        with temporary_settings({PREFECT_API_URL: url, PREFECT_HOME: home / "client"}):
            yield url
            _drain_prefect_workers()  # logs and events reach the server before it stops
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def prefect_harness(prefect_server: str) -> str:
    """Kept for tests written against the old ``prefect_test_harness``: the same server."""
    return prefect_server
