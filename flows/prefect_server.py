"""A temporary Prefect server that dies with the CLI, and flow runs a kill left RUNNING.

Why: without ``PREFECT_API_URL`` Prefect starts its own server as a child process and stops
it when the interpreter exits normally. A SIGTERM or ``kill -9`` of the CLI skips that, so
the server is orphaned (and keeps its port and database), and after ``kill -9`` the flow
run stays RUNNING for good. So the CLI starts that server itself: the kernel sends it
SIGTERM when the CLI dies, however it dies (``PR_SET_PDEATHSIG``); it is stopped on every
normal exit; each flow run is tagged with the CLI's ``pid@host``, and the next start marks
RUNNING runs whose process is gone as Crashed. With ``PREFECT_API_URL`` set (a worker of a
real server) none of this applies and nothing is started.
"""

from __future__ import annotations

import ctypes
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager

import httpx
import prefect
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings
from prefect.states import Crashed

log = logging.getLogger("crm_golden.prefect")

PR_SET_PDEATHSIG = 1  # linux/prctl.h
RUN_TAG_PREFIX = "crm-golden-pid:"


def _die_with(parent: int) -> Callable[[], None]:
    """``preexec_fn``: ask the kernel for SIGTERM when the parent dies (Linux only)."""

    def setup() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, 15, 0, 0, 0)  # 15 = SIGTERM
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return setup


def spawn_guarded(args: Sequence[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a child process that the kernel terminates when this process dies."""
    guard = _die_with(os.getpid()) if sys.platform.startswith("linux") else None
    return subprocess.Popen(list(args), env=env, preexec_fn=guard)


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited ({proc.returncode})")
            try:
                if client.get(f"{url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"the temporary Prefect server did not start within {timeout:.0f} s "
                       "(set PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")


@contextmanager
def temporary_server(timeout: float | None = None) -> Iterator[str | None]:
    """The API URL of a server living as long as this process; None when one is configured."""
    if PREFECT_API_URL.value():
        yield None
        return
    settings = get_current_settings()
    timeout = timeout or max(float(settings.server.ephemeral.startup_timeout_seconds), 120.0)
    port = _free_port()
    env = {**os.environ, **settings.to_environment_variables(exclude_unset=True),
           "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1"}
    log.info("starting a temporary Prefect server on 127.0.0.1:%d", port)
    proc = spawn_guarded([sys.executable, "-m", "uvicorn", "--app-dir",
                          str(prefect.__module_path__.parent), "--factory",
                          "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                          "--port", str(port), "--log-level", "error", "--lifespan", "on"], env)
    try:
        url = f"http://127.0.0.1:{port}/api"
        _wait_healthy(url, proc, timeout)
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_tag(pid: int | None = None) -> str:
    """The tag naming the process that runs a flow (no personal data: pid and host)."""
    return f"{RUN_TAG_PREFIX}{pid or os.getpid()}@{socket.gethostname()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_abandoned_runs_crashed(flow_name: str) -> int:
    """Mark RUNNING/PENDING runs of ``flow_name`` whose tagged process is gone as Crashed."""
    host = socket.gethostname()
    marked = 0
    try:
        marked = _mark(flow_name, host)
    except (httpx.HTTPError, ObjectNotFound, ValueError) as exc:  # never blocks the run
        log.warning("could not check for abandoned flow runs (%s)", type(exc).__name__)
    if marked:
        log.warning("marked %d flow run(s) left RUNNING by a killed process as Crashed", marked)
    return marked


def _mark(flow_name: str, host: str) -> int:
    marked = 0
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING]))))
        for run in runs:
            for tag in run.tags or []:
                pid, _, tag_host = tag.removeprefix(RUN_TAG_PREFIX).partition("@")
                if (tag.startswith(RUN_TAG_PREFIX) and tag_host == host and pid.isdigit()
                        and not _alive(int(pid))):
                    client.set_flow_run_state(run.id, Crashed(
                        message="the process running this flow was killed"), force=True)
                    marked += 1
    return marked
