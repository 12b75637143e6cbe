"""The temporary Prefect server dies with the CLI; runs a kill left RUNNING get Crashed."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.states import Running

from flows.prefect_server import mark_abandoned_runs_crashed, run_tag, spawn_guarded


def gone(pid: int) -> bool:
    """No such process, or a zombie nobody reaped yet (it no longer runs)."""
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" in status.read_text()
    except FileNotFoundError:
        return True


def test_a_guarded_child_dies_when_its_parent_is_killed() -> None:
    reader, writer = os.pipe()

    def parent() -> None:
        child = spawn_guarded(["sleep", "60"])
        os.write(writer, f"{child.pid}\n".encode())
        time.sleep(60)

    proc = mp.get_context("fork").Process(target=parent)
    proc.start()
    pid = int(os.read(reader, 32).decode().strip())
    assert not gone(pid)
    os.kill(proc.pid, signal.SIGKILL)  # kill -9: no cleanup code runs in the parent
    proc.join(10)
    deadline = time.monotonic() + 10
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid), "the server-like child outlived its killed parent"


@pytest.mark.flow
def test_runs_left_running_by_a_dead_process_are_marked_crashed(prefect_harness) -> None:
    @flow(name="crm-golden-abandoned-test")
    def noop() -> None:
        return None

    dead = subprocess.Popen(["true"])
    dead.wait()
    with get_client(sync_client=True) as client:
        abandoned = client.create_flow_run(noop, tags=[run_tag(dead.pid)], state=Running())
        live = client.create_flow_run(noop, tags=[run_tag()], state=Running())
    assert mark_abandoned_runs_crashed("crm-golden-abandoned-test") == 1
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(abandoned.id).state.type == StateType.CRASHED
        assert client.read_flow_run(live.id).state.type == StateType.RUNNING
