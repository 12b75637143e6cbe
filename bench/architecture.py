"""Architecture figures of a checkout: imports that run upward, imports inside functions,
and the largest modules (issue 17's before/after; tests/test_architecture.py enforces them).

    python bench/architecture.py [ROOT]          # ROOT: a checkout (default: this one)
    git worktree add /tmp/before REV && python bench/architecture.py /tmp/before

Layers, low to high: crm_golden (config, schema) -> transforms, synth -> flows -> flows.cli.
An import of a higher layer's module counts as upward, wherever it sits in the file.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LAYERS = {"crm_golden": 0, "transforms": 1, "synth": 1, "flows": 2, "flows.cli": 3}
PACKAGES = ("crm_golden", "transforms", "synth", "flows")


def layer(module: str) -> int | None:
    """Layer of a dotted module name (longest matching prefix), None when not ours."""
    best: tuple[int, int] | None = None
    for prefix, number in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]):
            best = (len(prefix), number)
    return None if best is None else best[1]


def measure(root: Path) -> tuple[int, int, dict[str, int]]:
    """(upward imports, imports inside functions, lines per module) of a checkout."""
    upward = inside = 0
    sizes: dict[str, int] = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")) if (root / pkg).is_dir() else []:
            rel = path.relative_to(root)
            module = ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
            source = path.read_text(encoding="utf-8")
            sizes[str(rel)] = len(source.splitlines())
            here = layer(module)
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    inside += sum(isinstance(n, ast.Import | ast.ImportFrom)
                                  for n in ast.walk(node))
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                upward += sum(1 for n in names if here is not None
                              and (other := layer(n)) is not None and other > here)
    return upward, inside, sizes


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])
    upward, inside, sizes = measure(root)
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:6]
    print(f"upward imports {upward} | imports inside functions {inside}")
    print("largest: " + ", ".join(f"{path} {n}" for path, n in largest))


if __name__ == "__main__":
    main()
