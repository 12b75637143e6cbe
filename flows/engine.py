"""Where a run's partitions compute: in this process (the default) or on a Dask cluster.

The default run stays embedded: no cluster, no server, and Dask is never imported (it is
an optional extra, ``pip install -e ".[dask]"``). ``--dask local:N`` starts a
LocalCluster of N worker processes, ``--dask tcp://host:8786`` uses a running scheduler;
only then is ``flows.dask_engine`` imported. Both engines run the same pure functions on
the same partitions and concatenate the results in partition order, so the outputs are
byte-identical.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from transforms.partitions import Partitioning, Progress, serial_map

log = logging.getLogger("crm_golden.engine")

LOCAL_RE = re.compile(r"^local:(?P<n>\d+)$")
ADDRESS_RE = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://\S+$")
DEFAULT_WORKER_MEMORY = "4GB"  # per Dask worker of --dask local:N
WORKER_MEMORY_ENV = "CRM_GOLDEN_DASK_WORKER_MEMORY"  # overrides it (e.g. "6GB")


class EngineError(ValueError):
    """A ``--dask`` value that is neither ``local:N`` nor a scheduler address, or Dask
    missing (the ``dask`` extra is not installed)."""


def check_dask_spec(spec: str) -> str:
    """``spec`` when it is ``local:N`` (N >= 1) or a scheduler address, else EngineError."""
    m = LOCAL_RE.match(spec)
    if (m and int(m.group("n")) >= 1) or ADDRESS_RE.match(spec):
        return spec
    raise EngineError(f"--dask {spec!r}: expected local:N (N >= 1 workers) or a scheduler "
                      "address such as tcp://host:8786")


@dataclass
class Engine:
    """The embedded engine: every partition in this process, one after the other."""

    partitioning: Partitioning = field(default_factory=Partitioning)
    name: str = "embedded"

    def map(self, fn: Callable[..., Any], items: Sequence[tuple[Any, ...]], *,
            shared: tuple[Any, ...] = (), sizes: Sequence[int] | None = None,
            progress: Progress | None = None,
            cleanup: Callable[[], Any] | None = None) -> list[Any]:
        return serial_map(fn, items, shared=shared, sizes=sizes, progress=progress,
                          cleanup=cleanup)

    @property
    def distributed(self) -> bool:
        return False

    def describe(self) -> dict[str, Any]:
        """What the run used, for the run summary (no personal data)."""
        return {"engine": self.name, "pairs_per_partition": self.partitioning.pairs,
                "rows_per_chunk": self.partitioning.rows}

    def close(self) -> None:
        pass


def open_engine(dask: str | None, partitioning: Partitioning | None = None,
                worker_memory: str | None = None) -> Engine:
    """The embedded engine, or (``dask`` given) a Dask one; close it when the run ends.

    ``worker_memory``: each ``local:N`` worker's limit (default $CRM_GOLDEN_DASK_WORKER_MEMORY,
    else 4GB); a worker past it is restarted by its nanny, and spills to disk from 60%.
    """
    parts = partitioning or Partitioning()
    worker_memory = worker_memory or os.environ.get(WORKER_MEMORY_ENV) or DEFAULT_WORKER_MEMORY
    if not dask:
        return Engine(parts)
    check_dask_spec(dask)
    try:
        module = importlib.import_module("flows.dask_engine")  # only the Dask path loads it
    except ImportError as exc:
        raise EngineError(f"--dask needs the dask extra (pip install -e \".[dask]\"): "
                          f"{exc}") from None
    t0 = time.perf_counter()
    engine: Engine = module.DaskEngine.start(dask, parts, worker_memory)
    log.info("dask engine %s ready in %.1f s", engine.describe().get("workers"),
             time.perf_counter() - t0)
    return engine
