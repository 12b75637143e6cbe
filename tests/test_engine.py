"""The engine choice: --dask values, the embedded default, and no Dask import without it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flows.cli import main
from flows.engine import Engine, EngineError, check_dask_spec, open_engine
from tests.test_architecture import imported_modules, layer_of
from transforms.partitions import Partitioning

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("spec", ["local:1", "local:8", "tcp://10.0.0.5:8786",
                                  "tls://scheduler.example:8786"])
def test_dask_specs_accepted(spec: str) -> None:
    assert check_dask_spec(spec) == spec


@pytest.mark.parametrize("spec", ["local:0", "local", "10.0.0.5:8786", "local:two", ""])
def test_dask_specs_refused_in_one_line(spec: str) -> None:
    with pytest.raises(EngineError, match="local:N"):
        check_dask_spec(spec)


def test_default_engine_is_embedded_with_the_given_partitions() -> None:
    engine = open_engine(None, Partitioning(pairs=5, rows=3))
    assert type(engine) is Engine and not engine.distributed
    assert engine.describe() == {"engine": "embedded", "pairs_per_partition": 5,
                                 "rows_per_chunk": 3}
    assert engine.map(lambda a, b: a + b, [(1,), (2,)], shared=(10,)) == [11, 12]


def _our_imports(module: str) -> set[str]:
    """Modules ``module`` imports at its top (ours and third-party), from its source."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {target for _, target in imported_modules(tree, module)}


def test_default_run_path_does_not_import_dask() -> None:
    """Everything the CLI imports, transitively through our modules: no dask, no
    distributed, no prefect_dask, and not flows.dask_engine (loaded by --dask only)."""
    seen: set[str] = set()
    todo = ["flows.cli"]
    third_party: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for target in _our_imports(module):
            if layer_of(target) is None:
                third_party.add(target.split(".")[0])
            elif (ROOT / (target.replace(".", "/") + ".py")).exists() or \
                    (ROOT / target.replace(".", "/") / "__init__.py").exists():
                todo.append(target)
    assert "flows.dask_engine" not in seen
    assert not {"dask", "distributed", "prefect_dask"} & third_party
    assert "flows.engine" in seen  # the check does walk the run path


def test_cli_refuses_a_bad_dask_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--dask", "local:0"])
    assert exc.value.code == 2
    assert "local:N" in capsys.readouterr().err
