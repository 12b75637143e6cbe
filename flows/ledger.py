"""The stewards' decisions ledger: an append-only JSON Lines file under ``OUTPUT/state/``.

Every verb (merge, split, not-same, review import) holds an exclusive ``flock`` on
``decisions.lock`` from reading the latest outputs until its new run is published, so two
people acting at the same time are serialized: the second sees the first's decision and
republishes on top of it, and neither decision is lost. Lines are written with a single
``write`` + ``fsync``; a line is never rewritten.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LEDGER_FILE = "decisions.jsonl"
LOCK_FILE = "decisions.lock"


@contextmanager
def ledger_lock(state_dir: Path, timeout_note: str = "") -> Iterator[None]:
    """Exclusive lock on the decisions ledger (blocks until the other steward is done)."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_ledger(state_dir: Path) -> list[dict[str, Any]]:
    """All decisions in the order they were made (empty when there is no ledger)."""
    path = Path(state_dir) / LEDGER_FILE
    if not path.is_file():
        return []
    decisions = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                decisions.append(json.loads(line))
            except json.JSONDecodeError:
                raise ValueError(f"{path}: line {number}: not a JSON decision") from None
    return decisions


def append_decisions(state_dir: Path, decisions: list[dict[str, Any]]) -> None:
    """Append decisions durably; call only while holding :func:`ledger_lock`."""
    if not decisions:
        return
    path = Path(state_dir) / LEDGER_FILE
    payload = "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n"
                      for d in decisions)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
