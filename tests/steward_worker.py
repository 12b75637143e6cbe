"""A steward acting from another process (spawned; kept free of Prefect imports so it starts fast)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows import steward


def act(kind: str, out: str, targets: list[str], start: Any) -> None:
    """Wait for the starting gun, then record one decision."""
    start.wait()
    if kind == "merge":
        steward.merge(Path(out), targets, "duplicate", by="p1", force=True)
    else:
        steward.not_same(Path(out), targets, "namesakes", by="p2")
