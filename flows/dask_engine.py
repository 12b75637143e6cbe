"""The Dask engine: a run's partitions on a Dask cluster (only ``--dask`` imports this).

Why Dask: it fits this stack (pandas and pyarrow on the workers, Prefect through
prefect-dask). The cluster is opened through prefect-dask's ``DaskTaskRunner``: it starts
a ``LocalCluster`` for ``local:N`` (N worker processes, one thread each, a memory limit
per worker) or connects to a running scheduler for ``tcp://host:port``.

Partitions are submitted in order, at most ``2 x workers`` at a time (so the workers
never hold the whole input), each item's DataFrames and arrays are scattered to the
workers instead of riding in the task graph, arguments every item needs are sent to
each worker once, and results come back into their item's slot: the caller concatenates
them in partition order, so the output does not depend on which worker finished first.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import distributed
import numpy as np
import pandas as pd
from prefect_dask import DaskTaskRunner

from flows.engine import LOCAL_RE, Engine
from transforms.partitions import Partitioning, Progress, lean_spawn

log = logging.getLogger("crm_golden.engine")

_SEQ = itertools.count()


def _scatter_worthy(value: Any) -> bool:
    return isinstance(value, pd.DataFrame | pd.Series | np.ndarray)


class DaskEngine(Engine):
    """Partitions on the workers of a Dask cluster (see the module docstring)."""

    def __init__(self, runner: DaskTaskRunner, spec: str, partitioning: Partitioning) -> None:
        super().__init__(partitioning, "dask")
        self.runner = runner
        self.spec = spec
        self.client: distributed.Client = runner.client

    @classmethod
    def start(cls, spec: str, partitioning: Partitioning, worker_memory: str) -> DaskEngine:
        m = LOCAL_RE.match(spec)
        if m:
            runner = DaskTaskRunner(cluster_kwargs={
                "n_workers": int(m.group("n")), "threads_per_worker": 1, "processes": True,
                "memory_limit": worker_memory, "dashboard_address": "127.0.0.1:0"})
        else:
            runner = DaskTaskRunner(address=spec)
        for name in ("distributed", "prefect.task_runner.dask"):
            if logging.getLogger(name).getEffectiveLevel() > logging.DEBUG:
                logging.getLogger(name).setLevel(logging.WARNING)  # -vv shows them
        runner.__enter__()
        try:
            with lean_spawn():  # worker processes need our modules, not the CLI's imports
                engine = cls(runner, spec, partitioning)
            engine.client.wait_for_workers(1, timeout=120)
        except BaseException:
            runner.__exit__(None, None, None)
            raise
        return engine

    @property
    def distributed(self) -> bool:
        return True

    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "dask": self.spec, "workers": self.workers()}

    def map(self, fn: Callable[..., Any], items: Sequence[tuple[Any, ...]], *,
            shared: tuple[Any, ...] = (), sizes: Sequence[int] | None = None,
            progress: Progress | None = None,
            cleanup: Callable[[], Any] | None = None) -> list[Any]:
        client = self.client
        run = next(_SEQ)
        name = getattr(fn, "__name__", "task")
        shared_futures = [client.scatter([value], broadcast=True, hash=False)[0]
                          for value in shared]
        limit = max(2 * self.workers(), 2)
        results: list[Any] = [None] * len(items)
        slot: dict[Any, int] = {}
        queue = iter(enumerate(items))

        def submit_next() -> distributed.Future | None:
            nxt = next(queue, None)
            if nxt is None:
                return None
            i, item = nxt
            args = [client.scatter([a], hash=False)[0] if _scatter_worthy(a) else a
                    for a in item]
            future = client.submit(fn, *shared_futures, *args, key=f"{name}-{run}-{i}",
                                   pure=False, priority=-i)
            slot[future.key] = i
            return future

        first = [f for f in (submit_next() for _ in range(limit)) if f is not None]
        pending = distributed.as_completed(first, loop=client.loop)
        for future in pending:
            i = slot.pop(future.key)
            results[i] = future.result()
            future.release()
            if progress is not None:
                progress(int(sizes[i]) if sizes is not None else 1)
            nxt = submit_next()
            if nxt is not None:
                pending.add(nxt)
        shared_futures.clear()  # the workers may drop the shared data
        if cleanup is not None:
            client.run(cleanup)
        return results

    def close(self) -> None:
        try:
            self.runner.__exit__(None, None, None)
        except Exception:  # noqa: BLE001 - a cluster that is already gone is closed
            log.debug("closing the dask engine", exc_info=True)
