"""Stage results of an unfinished run, so that a failed run resumes from its last stage.

Why files in the run folder and not Prefect results: a run's intermediate tables are the
customers' personal data, and they belong next to the outputs they become (same disk,
same access rights, same retention), not in Prefect's result storage; and a resumed run
must work the same with or without Prefect (``--no-prefect``). So every task keeps
``persist_result=False`` and each completed stage writes its result under
``OUTPUT/runs/<run_id>.partial/stages/<stage>/``: DataFrames as Parquet, counts and
small dicts as JSON, the model as its own JSON, Arrow schemas as IPC. No pickles.
``transforms.publish.publish_run`` removes the folder when the run is published.

``stages/run.json`` records what a resume needs to be the same run: id, folders, start
time and "today", the rules' hash (a resume with changed rules is refused), and the
stages completed so far with their timings.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.publish import STAGES_DIR

RUN_FILE = "run.json"
META_FILE = "meta.json"
FORMAT = "crm-golden-stages/1"


class ResumeError(RuntimeError):
    """A run cannot be resumed (unknown, already published, or its rules changed)."""


@dataclass
class RunRecord:
    """What a resumed run must reuse to be the same run (``stages/run.json``)."""

    run_id: str
    rules_dir: str
    output_dir: str
    started: str
    today: str
    rules_hash: str
    retrain_model: bool
    completed: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    format: str = FORMAT


def stages_dir(output_dir: Path | str, run_id: str) -> Path:
    return Path(output_dir) / "runs" / f"{run_id}.partial" / STAGES_DIR


def resumable_runs(output_dir: Path | str) -> list[str]:
    """Run ids under ``OUTPUT/runs`` that failed after at least starting (newest first)."""
    runs = Path(output_dir) / "runs"
    if not runs.is_dir():
        return []
    found = [p.parent.parent.name.removesuffix(".partial")
             for p in runs.glob(f"*.partial/{STAGES_DIR}/{RUN_FILE}")]
    return sorted(found, reverse=True)


class Checkpoints:
    """The stage results of one run (see the module docstring)."""

    def __init__(self, output_dir: Path | str, run_id: str) -> None:
        self.output_dir = Path(output_dir)
        self.run_id = run_id
        self.folder = stages_dir(output_dir, run_id)

    # ----------------------------------------------------------------------- run record

    def start(self, record: RunRecord) -> None:
        """Record a new run; a run id is never reused for different work."""
        if (self.folder / RUN_FILE).exists():
            raise ResumeError(f"run {self.run_id} already has stage results; resume it "
                              "with --resume or start a new run")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write_record(record)

    def record(self) -> RunRecord:
        """The recorded run; a clear error when there is nothing to resume."""
        path = self.folder / RUN_FILE
        if not path.is_file():
            published = self.output_dir / "runs" / self.run_id
            if published.is_dir():
                raise ResumeError(f"run {self.run_id} is already published ({published})")
            others = resumable_runs(self.output_dir)
            hint = f"; resumable: {', '.join(others[:5])}" if others else \
                "; no failed run to resume there"
            raise ResumeError(f"no stage results for run {self.run_id} under "
                              f"{self.output_dir / 'runs'}{hint}")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ResumeError(f"run {self.run_id}: stage results in an unknown format "
                              f"({data.get('format')}); start a new run")
        return RunRecord(**data)

    def _write_record(self, record: RunRecord) -> None:
        tmp = self.folder / (RUN_FILE + ".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(record), indent=2) + "\n",
                       encoding="utf-8")
        tmp.replace(self.folder / RUN_FILE)

    # ----------------------------------------------------------------------- stages

    def has(self, stage: str) -> bool:
        return (self.folder / stage / META_FILE).is_file() and \
            stage in self.record().completed

    def save(self, stage: str, result: Any, stage_seconds: Mapping[str, float]) -> None:
        """Write ``result`` (a dataclass of frames and JSON values), then mark it done.

        Written beside the final folder and renamed, so a crash mid-write leaves the
        stage simply not done.
        """
        tmp = self.folder / f"{stage}.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        _save_object(result, tmp)
        target = self.folder / stage
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        record = self.record()
        record.completed = [*[s for s in record.completed if s != stage], stage]
        record.stage_seconds = {k: float(v) for k, v in stage_seconds.items()}
        self._write_record(record)

    def load(self, stage: str) -> Any:
        return _load_object(self.folder / stage)


# --------------------------------------------------------------------------- serialization


def _json_safe(value: Any) -> Any:
    """Numpy scalars and arrays, tuples, sets, dates and non-string keys as plain JSON."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_json_safe(v) for v in value)
    if isinstance(value, np.ndarray):
        return [_json_safe(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _class_name(obj: Any) -> str:
    return f"{type(obj).__module__}:{type(obj).__qualname__}"


def _class(name: str) -> Any:
    module, _, qualname = name.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _save_value(value: Any, folder: Path, name: str) -> dict[str, Any]:
    if value is None:
        return {"kind": "none"}
    if isinstance(value, pd.DataFrame):
        value.to_parquet(folder / f"{name}.parquet", compression="zstd")
        return {"kind": "frame"}
    if isinstance(value, pa.Schema):
        (folder / f"{name}.arrow").write_bytes(value.serialize().to_pybytes())
        return {"kind": "arrow_schema"}
    if isinstance(value, np.ndarray) and value.dtype != object:
        np.save(folder / f"{name}.npy", value, allow_pickle=False)
        return {"kind": "ndarray"}
    if hasattr(value, "to_json") and hasattr(type(value), "from_json"):  # the model
        (folder / f"{name}.json").write_text(value.to_json(), encoding="utf-8")
        return {"kind": "json_object", "class": _class_name(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _save_object(value, folder / name)
        return {"kind": "object"}
    return {"kind": "json", "value": _json_safe(value)}


def _save_object(obj: Any, folder: Path) -> None:
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"stage results must be dataclasses, got {type(obj).__name__}")
    folder.mkdir(parents=True)
    fields = {f.name: _save_value(getattr(obj, f.name), folder, f.name)
              for f in dataclasses.fields(obj) if f.init}
    (folder / META_FILE).write_text(json.dumps({"class": _class_name(obj), "fields": fields},
                                               indent=1) + "\n", encoding="utf-8")


def _load_value(spec: Mapping[str, Any], folder: Path, name: str) -> Any:
    kind = spec["kind"]
    if kind == "none":
        return None
    if kind == "frame":
        return pd.read_parquet(folder / f"{name}.parquet")
    if kind == "arrow_schema":
        return pa.ipc.read_schema(pa.py_buffer((folder / f"{name}.arrow").read_bytes()))
    if kind == "ndarray":
        return np.load(folder / f"{name}.npy", allow_pickle=False)
    if kind == "object":
        return _load_object(folder / name)
    if kind == "json_object":
        return _class(spec["class"]).from_json((folder / f"{name}.json").read_text("utf-8"))
    return spec["value"]


def _load_object(folder: Path) -> Any:
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    cls = _class(meta["class"])
    return cls(**{name: _load_value(spec, folder, name)
                  for name, spec in meta["fields"].items()})
