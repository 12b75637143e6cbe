"""Scale bench: the pipeline on generated exports of 100k, 1M and 2M records, in one
process and on ``--dask local:2``; wall time per stage, CPU time and peak RSS of the whole
process tree (Dask workers included), and the cost ratio between sizes.

    PYTHONPATH=$PWD python bench/scale.py                        # 100k and 1M, both modes
    PYTHONPATH=$PWD python bench/scale.py --sizes 2m --modes dask --worker-memory 4GB

Data: ``crm-golden generate`` with ~2.25 records per customer, written once under
``--data`` (default /tmp/scale-data/r100k, r1m, r2m) and reused. Each run is a fresh
``crm-golden run --no-prefect`` subprocess (start-up, report and publish included); its
process tree's RSS is sampled every 0.2 s with psutil, and its CPU time is the children's
rusage (user + system, every process of the tree). ``cost`` compares a size with the
smallest one measured in the same mode: wall and CPU ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"100k": 100_000, "1m": 1_000_000, "2m": 2_000_000}
RECORDS_PER_CUSTOMER = 2.25  # crm-golden generate's department exports, measured
STAGES = ["ingest", "normalize", "link", "survive", "golden_ids", "publish", "report",
          "write", "checkpoints"]


def ensure_data(data: Path, size: str) -> Path:
    """Exports of ``size`` records under ``data/r<size>``, generated once (seed 42)."""
    folder = data / f"r{size}"
    if (folder / "rules").is_dir():
        return folder
    customers = round(SIZES[size] / RECORDS_PER_CUSTOMER)
    print(f"generating {customers:,} customers into {folder} (once)...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "flows.cli", "generate", "--customers",
                    str(customers), "--output", str(folder), "--seed", "42"], check=True,
                   cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL)
    return folder


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    return env


class TreeMemory:
    """Peak of the summed RSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.proc = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self.peak_processes = 0
        self.peak_main = 0  # the run's own process
        self.peak_child = 0  # the largest single child (a Dask or normalization worker)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                if p.pid == self.proc.pid:
                    self.peak_main = max(self.peak_main, rss)
                else:
                    self.peak_child = max(self.peak_child, rss)
            if total > self.peak:
                self.peak, self.peak_processes = total, len(procs)
            self._stop.wait(self.every)


def run_once(folder: Path, mode: str, workers: int, worker_memory: str,
             extra: list[str]) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="crm-scale-"))
    cmd = [sys.executable, "-m", "flows.cli", "run", "--no-prefect", "--rules",
           str(folder / "rules"), "--output", str(out), *extra]
    env = _env()
    if mode == "dask":
        cmd += ["--dask", f"local:{workers}"]
        env["CRM_GOLDEN_DASK_WORKER_MEMORY"] = worker_memory
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as mem:
        stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"run failed ({proc.returncode}): {stderr[-2000:]}")
    summary = json.loads(stdout[:stdout.rindex("}") + 1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"records": summary["rows_read"], "wall": round(wall, 1), "cpu": round(cpu, 1),
            "peak_rss_gb": round(mem.peak / 1e9, 2), "processes": mem.peak_processes,
            "peak_main_gb": round(mem.peak_main / 1e9, 2),
            "peak_worker_gb": round(mem.peak_child / 1e9, 2),
            "stages": summary.get("stage_seconds", {}), "engine": summary.get("engine")}


def table(results: list[dict[str, Any]]) -> str:
    head = (f"{'size':>5} {'mode':>8} {'records':>9} {'wall s':>7} {'cpu s':>7} "
            f"{'RSS GB':>7} {'main GB':>7} {'wrk GB':>6} " + " ".join(f"{s[:9]:>9}" for s in STAGES)
            + f" {'cost wall':>9} {'cost cpu':>8}")
    lines = [head, "-" * len(head)]
    base: dict[str, dict[str, Any]] = {}
    for r in results:
        first = base.setdefault(r["mode"], r)
        ratio_w = r["wall"] / first["wall"] if first["wall"] else 0.0
        ratio_c = r["cpu"] / first["cpu"] if first["cpu"] else 0.0
        stages = " ".join(f"{r['stages'].get(s, 0.0):>9.1f}" for s in STAGES)
        lines.append(f"{r['size']:>5} {r['mode']:>8} {r['records']:>9,} {r['wall']:>7.1f} "
                     f"{r['cpu']:>7.1f} {r['peak_rss_gb']:>7.2f} {r['peak_main_gb']:>7.2f} "
                     f"{r['peak_worker_gb']:>6.2f} {stages} "
                     f"{ratio_w:>9.2f} {ratio_c:>8.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", default=["100k", "1m"], choices=list(SIZES))
    parser.add_argument("--modes", nargs="*", default=["embedded", "dask"],
                        choices=["embedded", "dask"])
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (local:N)")
    parser.add_argument("--worker-memory", default="4GB", help="memory limit per worker")
    parser.add_argument("--data", type=Path, default=Path("/tmp/scale-data"))
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--run-arg", action="append", default=[],
                        help="extra argument for crm-golden run (repeatable)")
    args = parser.parse_args(argv)
    results = []
    for mode in args.modes:
        for size in args.sizes:
            folder = ensure_data(args.data, size)
            r = run_once(folder, mode, args.workers, args.worker_memory, args.run_arg)
            r.update(size=size, mode=mode)
            results.append(r)
            print(f"{size} {mode}: {json.dumps(r)}", file=sys.stderr, flush=True)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
