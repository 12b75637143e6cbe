"""The one owner of ``OUTPUT/state/``: registry, decisions ledger, rules pointer and model.

Why it is built this way: a nightly batch gets killed, runs twice and races stewards, and
whatever happens the published outputs and the state that outlives runs must agree. So:

* **State is generations.** Everything but the ledger lives in ``state/gen-<n>/`` (golden
  id registry, trained model and the hash of the rules it fits, the rules folder, and which
  run published each decision). A generation is written completely beside the old one as
  ``gen-<n>.partial``, fsynced, renamed, and only then named by the small pointer file
  ``state/CURRENT`` (``os.replace`` + directory fsync). A generation is never modified.
* **The ledger is append-only** (``decisions.jsonl``): one JSON decision per line, written
  with a single ``write`` + ``fsync``. A decision's id derives from its content key, so a
  retried verb or a re-imported sheet appends nothing new. A decision counts once a
  published generation maps it to the run that applied it; until then it is *pending*, and
  the next publish (a run or any verb) applies it.
* **One commit protocol** (:func:`commit`, under :func:`locked`): write generation n, write
  the run folder (which names generation n in :data:`RUN_MARKER`) and rename it, move
  ``latest``, then switch ``CURRENT``. At every instruction boundary either the old pair
  (latest, CURRENT) or the new one is recoverable; :func:`recover` (run first by every
  writer, under the lock) rolls a half-switched commit forward and deletes debris
  (``.partial`` folders, unreferenced generations, temporary links).
* **Erasure is the one rewrite.** A generation also holds the suppression list (keyed
  hashes, no plain value). An erasure (``flows.erase``) rewrites the ledger in place,
  atomically (:func:`rewrite_ledger`), and its generation is a barrier: every older
  generation still names the erased person, so it is deleted as soon as the erasure's
  generation is current (by the commit, or by :func:`recover` after a kill).
* **Fault injection**: :func:`crash_point` kills the process (SIGKILL) at the point named
  by ``$CRM_GOLDEN_CRASH_AT``; inert when unset. The points are :data:`CRASH_POINTS`.

Nothing here logs or raises personal data: messages name files, ids and counts.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from transforms.decisions import TOMBSTONE
from transforms.golden_ids import ERASED, REGISTRY_FILES, GoldenIdRegistry
from transforms.publish import STAGES_DIR, latest_run_dir, point_latest, publish_run, write_parquet
from transforms.suppress import SuppressionList

log = logging.getLogger("crm_golden.state")

STATE_DIR = "state"
CURRENT_FILE = "CURRENT"
GENERATION_PREFIX = "gen-"
LEDGER_FILE = "decisions.jsonl"
LOCK_FILE = "decisions.lock"
MODEL_FILE = "model.json"
MODEL_STAMP_FILE = "model.rules.sha256"
RULES_POINTER_FILE = "rules_dir.txt"
PUBLISHED_FILE = "published.json"
GENERATION_META_FILE = "generation.json"
SUPPRESSION_FILE = "suppression.json"
RUN_MARKER = "state_generation.json"  # in every run folder: the generation it committed
KEEP_GENERATIONS = 3
# Files of the flat layout used before generations; read once, removed by the first commit.
LEGACY_FILES = (*REGISTRY_FILES.values(), MODEL_FILE, MODEL_STAMP_FILE, RULES_POINTER_FILE)

CRASH_ENV = "CRM_GOLDEN_CRASH_AT"
CRASH_POINTS: dict[str, str] = {
    "run.computed": "a run computed its outputs and is about to take the lock to commit",
    "ledger.appended": "a verb's decisions are durable in the ledger, nothing is published",
    "state.generation_half": "the new state generation is half written (.partial)",
    "state.generation_written": "the new state generation is complete, no run folder yet",
    "run.half_written": "the run folder is half written (.partial)",
    "run.renamed": "the run folder is complete; latest still points at the previous run",
    "latest.switched": "latest points at the new run; CURRENT names the previous state",
    "current.switched": "CURRENT names the new state; older generations are not pruned yet",
    "erase.sweeping": "an erasure rewrote one kept run folder; others, latest and the state "
                      "still hold the person",
    "erase.ledger_rewritten": "an erasure's tombstone is in the ledger and the person's keys "
                              "are out of it; latest and the state still hold the person",
    "retention.pruning": "retention deleted one old run folder; others due are still there",
}
_hooks: list[Callable[[str], None]] = []


class StateError(RuntimeError):
    """State under ``OUTPUT/state/`` cannot be used as it is (names files, never data)."""


# --------------------------------------------------------------------------- fault hook


def crash_point(name: str) -> None:
    """Die here, as ``kill -9`` would, when ``$CRM_GOLDEN_CRASH_AT`` names this point.

    Tests also register in-process hooks (:func:`on_point`) to act deterministically at a
    point, e.g. a steward merging while a run is between computing and committing.
    """
    if name not in CRASH_POINTS:
        raise ValueError(f"unknown crash point {name!r}")
    for hook in list(_hooks):
        hook(name)
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def on_point(hook: Callable[[str], None]) -> Iterator[None]:
    """Call ``hook(point)`` at every crash point while the context is open (for tests)."""
    _hooks.append(hook)
    try:
        yield
    finally:
        _hooks.remove(hook)


# --------------------------------------------------------------------------- small I/O


def state_dir(output_dir: Path | str) -> Path:
    return Path(output_dir) / STATE_DIR


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durable(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _replace_durable(path: Path, data: bytes) -> None:
    """Write ``path`` atomically: a fsynced temporary file renamed over it, dir fsynced."""
    tmp = path.with_name(path.name + ".tmp")
    _write_durable(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


# --------------------------------------------------------------------------- the lock + ledger


@contextmanager
def ledger_lock(state_path: Path) -> Iterator[None]:
    """Exclusive ``flock`` serializing every writer of the state (runs' commits and verbs).

    Blocks until the holder is done; the kernel releases it when a holder dies, so a killed
    process never leaves the state locked.
    """
    state_path = Path(state_path)
    state_path.mkdir(parents=True, exist_ok=True)
    with open(state_path / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextmanager
def locked(output_dir: Path | str) -> Iterator[list[str]]:
    """The state lock, with :func:`recover` run first; yields what recovery did."""
    with ledger_lock(state_dir(output_dir)):
        yield recover(Path(output_dir))


def read_ledger(state_path: Path) -> list[dict[str, Any]]:
    """Every decision in the order recorded, once each (empty when there is no ledger).

    A last line without its newline is a write cut short by a crash: its decision was
    never published, so it is ignored (and dropped by the next append).
    """
    path = Path(state_path) / LEDGER_FILE
    if not path.is_file():
        return []
    data = path.read_bytes()
    complete, _, _ = data.rpartition(b"\n")
    decisions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(complete.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            decision = json.loads(line)
        except ValueError:
            raise StateError(f"{path}: line {number}: not a JSON decision") from None
        key = str(decision.get("decision_id"))
        if key in seen:
            continue
        seen.add(key)
        decisions.append(decision)
    return decisions


def append_decisions(state_path: Path, decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append the decisions the ledger does not hold yet (by ``decision_id``); returns them.

    Call only while holding :func:`ledger_lock`. One ``write`` + ``fsync``; a torn last line
    left by a crash is cut off first so the file stays one decision per line.
    """
    state_path = Path(state_path)
    known = {str(d.get("decision_id")) for d in read_ledger(state_path)}
    fresh: list[dict[str, Any]] = []
    for d in decisions:
        if str(d["decision_id"]) not in known:
            known.add(str(d["decision_id"]))
            fresh.append(d)
    if not fresh:
        return []
    state_path.mkdir(parents=True, exist_ok=True)
    path = state_path / LEDGER_FILE
    payload = "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in fresh)
    created = not path.exists()
    data = b"" if created else path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as fh:
            fh.truncate(data.rfind(b"\n") + 1)
    with open(path, "ab") as fh:
        fh.write(payload.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    if created:
        fsync_dir(state_path)
    return fresh


def rewrite_ledger(state_path: Path, decisions: list[dict[str, Any]]) -> None:
    """Replace the ledger with ``decisions`` atomically (an erasure's scrub; nothing else
    rewrites the ledger). Call only while holding :func:`ledger_lock`."""
    state_path = Path(state_path)
    state_path.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n"
                      for d in decisions)
    _replace_durable(state_path / LEDGER_FILE, payload.encode("utf-8"))


def tombstone_hashes(decisions: list[dict[str, Any]]) -> set[str]:
    """Every keyed hash the ledger's erasure tombstones carry."""
    return {str(h) for d in decisions if d.get("kind") == TOMBSTONE
            for h in d.get("hashes", [])}


# --------------------------------------------------------------------------- generations


@dataclass(frozen=True)
class StateSnapshot:
    """One committed generation of the state (generation 0: none yet, or the flat layout)."""

    generation: int = 0
    registry: GoldenIdRegistry | None = None
    model_json: str | None = None
    model_rules_hash: str | None = None
    rules_dir: str | None = None
    published: Mapping[str, str] = field(default_factory=dict)  # decision_id -> run id
    suppression: SuppressionList = field(default_factory=SuppressionList)

    def pending(self, ledger: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Decisions of the ledger no published run has applied yet."""
        return [d for d in ledger if str(d.get("decision_id")) not in self.published]


@dataclass(frozen=True)
class StateUpdate:
    """What a commit writes as the next generation (unchanged parts carried over).

    ``suppression`` None carries the current generation's list over, so no writer can drop
    it by omission; ``erasure`` marks the generation as a barrier (see the module doc).
    """

    registry: GoldenIdRegistry
    model_json: str | None
    model_rules_hash: str | None
    rules_dir: str | None
    published: Mapping[str, str]
    suppression: SuppressionList | None = None
    erasure: bool = False


def _generation_name(n: int) -> str:
    return f"{GENERATION_PREFIX}{n:06d}"


_GEN_RE = re.compile(rf"^{GENERATION_PREFIX}(\d+)$")


def _generation_number(path: Path) -> int | None:
    m = _GEN_RE.match(path.name)
    return int(m.group(1)) if m and path.is_dir() else None


def current_generation(state_path: Path) -> int:
    """The generation ``CURRENT`` names; 0 when there is none yet."""
    pointer = Path(state_path) / CURRENT_FILE
    if not pointer.is_file():
        return 0
    text = pointer.read_text(encoding="utf-8").strip()
    m = _GEN_RE.match(text)
    if not m:
        raise StateError(f"{pointer}: does not name a state generation")
    return int(m.group(1))


def _read_files(folder: Path) -> dict[str, Any]:
    def text(name: str) -> str | None:
        p = folder / name
        return p.read_text(encoding="utf-8").strip() if p.is_file() else None

    paths = {k: folder / v for k, v in REGISTRY_FILES.items()}
    registry = None
    if all(p.is_file() for p in paths.values()):
        registry = GoldenIdRegistry(**{k: pd.read_parquet(p) for k, p in paths.items()})
    model = folder / MODEL_FILE
    published_path = folder / PUBLISHED_FILE
    published = (json.loads(published_path.read_text(encoding="utf-8"))
                 if published_path.is_file() else {})
    suppression_path = folder / SUPPRESSION_FILE
    try:
        suppression = (SuppressionList.from_json(suppression_path.read_text(encoding="utf-8"))
                       if suppression_path.is_file() else SuppressionList())
    except ValueError:
        raise StateError(f"{suppression_path}: not a suppression list") from None
    return {
        "registry": registry,
        "model_json": model.read_text(encoding="utf-8") if model.is_file() else None,
        "model_rules_hash": text(MODEL_STAMP_FILE),
        "rules_dir": text(RULES_POINTER_FILE),
        "published": published,
        "suppression": suppression,
    }


def read_state(output_dir: Path | str) -> StateSnapshot:
    """The committed state: the generation ``CURRENT`` names (or the flat legacy layout).

    Read it under :func:`locked` so a concurrent commit never prunes what is being read.
    """
    sd = state_dir(output_dir)
    n = current_generation(sd)
    if n == 0:
        if not sd.is_dir():
            return StateSnapshot()
        # The flat layout recorded the run a decision was meant for in the ledger line;
        # it was published only if that run exists.
        runs = Path(output_dir) / "runs"
        published = {str(d["decision_id"]): str(d["published_run"]) for d in read_ledger(sd)
                     if d.get("published_run") and (runs / str(d["published_run"])).is_dir()}
        return StateSnapshot(0, **{**_read_files(sd), "published": published})
    folder = sd / _generation_name(n)
    if not folder.is_dir():
        raise StateError(f"{sd / CURRENT_FILE} names {folder.name}, which does not exist")
    return StateSnapshot(n, **_read_files(folder))


def run_generation(run_dir: Path) -> int | None:
    """The state generation a published run folder committed (None before generations)."""
    marker = Path(run_dir) / RUN_MARKER
    if not marker.is_file():
        return None
    try:
        return int(json.loads(marker.read_text(encoding="utf-8"))["state_generation"])
    except (ValueError, KeyError, TypeError):
        return None


def _write_generation(sd: Path, n: int, update: StateUpdate, run_id: str) -> Path:
    final = sd / _generation_name(n)
    partial = sd / f"{final.name}.partial"
    for stale in (partial, final):
        if stale.exists():
            shutil.rmtree(stale)
    partial.mkdir(parents=True)
    for key, name in REGISTRY_FILES.items():
        write_parquet(getattr(update.registry, key), partial / name)
        if key == "members":
            crash_point("state.generation_half")
    suppression = update.suppression
    if suppression is None:  # carried over from the generation CURRENT names
        before = sd / _generation_name(n - 1) / SUPPRESSION_FILE
        suppression = (SuppressionList.from_json(before.read_text(encoding="utf-8"))
                       if n > 1 and before.is_file() else SuppressionList())
    texts = {
        SUPPRESSION_FILE: suppression.to_json() if len(suppression) else None,
        MODEL_FILE: update.model_json,
        MODEL_STAMP_FILE: update.model_rules_hash,
        RULES_POINTER_FILE: update.rules_dir,
        PUBLISHED_FILE: json.dumps(dict(update.published), indent=0, sort_keys=True),
        GENERATION_META_FILE: json.dumps({
            "generation": n, "run_id": run_id,
            "committed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **({"erasure": True} if update.erasure else {}),
        }),
    }
    for name, content in texts.items():
        if content is not None:
            (partial / name).write_text(content, encoding="utf-8")
    for f in partial.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    fsync_dir(partial)
    os.replace(partial, final)
    fsync_dir(sd)
    return final


def _switch_current(sd: Path, n: int) -> None:
    _replace_durable(sd / CURRENT_FILE, (_generation_name(n) + "\n").encode())


def commit(output_dir: Path | str, run_id: str,
           tables: Mapping[str, pd.DataFrame | tuple[pd.DataFrame, pa.Schema | None]],
           documents: Mapping[str, str | bytes | dict[str, Any]], update: StateUpdate) -> Path:
    """Publish a run and the state it leaves, as one switch; call under :func:`locked`.

    Order: generation n (complete, fsynced) -> run folder naming n (complete, renamed) ->
    ``latest`` -> ``CURRENT``. A crash before the run folder's rename leaves the old pair
    and debris; after it, :func:`recover` completes the switch.
    """
    output_dir = Path(output_dir)
    sd = state_dir(output_dir)
    sd.mkdir(parents=True, exist_ok=True)
    n = current_generation(sd) + 1
    _write_generation(sd, n, update, run_id)
    crash_point("state.generation_written")
    docs = {**documents, RUN_MARKER: {"state_generation": n, "run_id": run_id}}
    run_dir = publish_run(output_dir, run_id, tables, docs, on_step=crash_point)
    crash_point("latest.switched")
    _switch_current(sd, n)
    crash_point("current.switched")
    _prune(sd, n)
    return run_dir


def _erasure_barrier(sd: Path, current: int) -> int:
    """The newest generation up to ``current`` committed by an erasure (0: none)."""
    best = 0
    for path in sd.iterdir():
        n = _generation_number(path)
        if n is None or n > current or n <= best:
            continue
        meta = path / GENERATION_META_FILE
        try:
            if meta.is_file() and json.loads(meta.read_text(encoding="utf-8")).get("erasure"):
                best = n
        except ValueError:
            continue
    return best


def _prune(sd: Path, current: int) -> None:
    """Drop generations older than the last :data:`KEEP_GENERATIONS` or than an erasure's
    generation (they still name the erased person), and the flat layout."""
    barrier = _erasure_barrier(sd, current)
    for path in sd.iterdir():
        n = _generation_number(path)
        if n is not None and (n <= current - KEEP_GENERATIONS or n < barrier):
            shutil.rmtree(path, ignore_errors=True)
    for name in LEGACY_FILES:
        (sd / name).unlink(missing_ok=True)


# --------------------------------------------------------------------------- recovery


def _complete_runs(runs: Path) -> list[tuple[int, Path]]:
    out = []
    if runs.is_dir():
        for p in runs.iterdir():
            if p.is_dir() and not p.name.endswith(".partial"):
                g = run_generation(p)
                if g is not None:
                    out.append((g, p))
    return sorted(out)


def recover(output_dir: Path) -> list[str]:
    """Finish or undo what a killed writer left; call with the lock held. Returns notes.

    * a complete run folder naming a generation newer than ``CURRENT`` (killed after the
      rename, before or after moving ``latest``): the commit is rolled forward (``latest``
      and ``CURRENT`` point at it), since the run and its generation are both complete;
    * ``runs/*.partial``, ``state/gen-*.partial``, generations newer than ``CURRENT`` that
      no run names, and temporary pointer files are deleted.
    """
    output_dir = Path(output_dir)
    sd = state_dir(output_dir)
    notes: list[str] = []
    if not output_dir.is_dir():
        return notes
    runs = output_dir / "runs"
    cur = current_generation(sd) if sd.is_dir() else 0
    ahead = [(g, p) for g, p in _complete_runs(runs)
             if g > cur and (sd / _generation_name(g)).is_dir()]
    if ahead:
        g, run = ahead[-1]
        try:
            latest = latest_run_dir(output_dir)
        except FileNotFoundError:
            latest = None
        if latest != run.resolve():
            point_latest(output_dir, run)
        _switch_current(sd, g)
        cur = g
        notes.append(f"completed the interrupted publication of run {run.name}")
    if runs.is_dir():
        for p in runs.iterdir():
            stale_run = p.is_dir() and not p.name.endswith(".partial") and (
                (run_generation(p) or 0) > cur)
            if p.name.endswith(".partial") and (p / STAGES_DIR).is_dir():
                # a failed run's completed stages stay: `run --resume` continues from them
                for leftover in p.iterdir():
                    if leftover.name != STAGES_DIR:
                        if leftover.is_dir():
                            shutil.rmtree(leftover, ignore_errors=True)
                        else:
                            leftover.unlink(missing_ok=True)
                        notes.append(f"removed a half-written output of run {p.name}")
            elif p.name.endswith(".partial") or stale_run:
                shutil.rmtree(p, ignore_errors=True)
                notes.append(f"removed unfinished run folder {p.name}")
    if sd.is_dir():
        for p in sd.iterdir():
            n = _generation_number(p)
            if p.name.endswith(".partial") or (n is not None and n > cur):
                shutil.rmtree(p, ignore_errors=True)
                notes.append(f"removed unfinished state {p.name}")
            elif p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)
        barrier = _erasure_barrier(sd, cur)
        for p in sd.iterdir():
            n = _generation_number(p)
            if n is not None and n < barrier:  # an erasure was killed before pruning them
                shutil.rmtree(p, ignore_errors=True)
                notes.append(f"removed state {p.name}, older than an erasure")
    for p in output_dir.glob(".latest.*.tmp"):
        p.unlink(missing_ok=True)
    for note in notes:
        log.warning("recovery: %s", note)
    return notes


# --------------------------------------------------------------------------- checks


def _only_stage_results(partial: Path) -> bool:
    """A failed run's folder holding nothing but its stage results (kept for --resume)."""
    return partial.is_dir() and [p.name for p in partial.iterdir()] == [STAGES_DIR]


def verify(output_dir: Path | str) -> list[str]:
    """What would break the next run or verb: empty when ``latest`` and the state agree.

    Checks that nothing half-written remains, that ``latest`` is a complete run naming the
    generation ``CURRENT`` names, that the registry gives every record of ``latest`` the
    golden id it was published with, and that every published decision is in the ledger.
    Run after :func:`recover` (every writer recovers first); used by tests and the chaos
    benchmark.
    """
    out = Path(output_dir)
    sd = state_dir(out)
    problems = [f"debris: {p.relative_to(out)}" for p in
                [*(out / "runs").glob("*.partial"), *sd.glob("*.partial")]
                if not _only_stage_results(p)]
    try:
        latest = latest_run_dir(out)
    except FileNotFoundError:
        latest = None
    cur = current_generation(sd) if sd.is_dir() else 0
    if latest is None:
        if cur:
            problems.append(f"CURRENT names generation {cur} but nothing is published")
        return problems
    for name in ("crosswalk.parquet", "golden_customers.parquet", "audit.json"):
        if not (latest / name).is_file():
            problems.append(f"latest run {latest.name} lacks {name}")
    gen = run_generation(latest)
    if gen is not None and gen != cur:
        problems.append(f"latest run {latest.name} committed generation {gen}, CURRENT "
                        f"names {cur}")
    snap = read_state(out)
    if snap.registry is None:
        problems.append("no golden id registry")
    elif (latest / "crosswalk.parquet").is_file():
        xwalk = pd.read_parquet(latest / "crosswalk.parquet")
        members = snap.registry.members.astype({"source": str, "source_record_id": str})
        both = xwalk.astype({"source": str, "source_record_id": str}).merge(
            members, on=["source", "source_record_id"], how="left", suffixes=("", "_state"))
        wrong = int((both["golden_id"] != both["golden_id_state"]).sum())
        if wrong:
            problems.append(f"registry disagrees with latest on {wrong} records")
    ledger = read_ledger(sd)
    ledger_ids = {str(d.get("decision_id")) for d in ledger}
    unknown = set(snap.published) - ledger_ids
    if unknown:
        problems.append(f"{len(unknown)} published decisions are not in the ledger")
    published_tombstones = [d for d in ledger if d.get("kind") == TOMBSTONE
                            and str(d.get("decision_id")) in snap.published]
    missing = tombstone_hashes(published_tombstones) - snap.suppression.hashes
    if missing:
        problems.append(f"{len(missing)} hashes of published erasures are not in the "
                        "suppression list")
    if sd.is_dir():
        barrier = _erasure_barrier(sd, cur)
        behind = sorted(p.name for p in sd.iterdir()
                        if (_generation_number(p) or barrier) < barrier)
        if behind:
            problems.append(f"state generations older than an erasure remain: {behind}")
    if snap.registry is not None:
        ids = snap.registry.ids
        erased = set(ids.loc[ids["retired_reason"] == ERASED, "golden_id"])
        if erased and snap.registry.members["golden_id"].isin(list(erased)).any():
            problems.append("the registry still maps records to erased golden ids")
    return problems
