"""The import graph runs one way: config and schema -> transforms -> flows -> CLI.

Walks every module of the packages with ``ast`` (imports at any depth, including inside
functions) and fails on an import that points to a higher layer, or on an import inside a
function body (imports belong at the top of each file).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crm_golden", "transforms", "synth", "flows")

# Lower number = lower layer; a module may import its own layer or any lower one.
LAYERS: dict[str, int] = {
    "crm_golden": 0,      # typed config and the column contract
    "transforms": 1,      # pure, vectorized functions
    "synth": 1,           # the synthetic population and its exporters
    "flows": 2,           # stages, state, Prefect flows, steward verbs
    "flows.cli": 3,       # the console script
}


def layer_of(module: str) -> int | None:
    """Layer of a dotted module name (longest matching prefix), None if not ours."""
    best: tuple[int, int] | None = None
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), layer)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, this: str) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this package
                base = this.split(".")[: -node.level] if not this.endswith("__init__") else []
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


def source_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def upward_imports() -> list[str]:
    problems = []
    for path in source_files():
        this = module_name(path)
        own = layer_of(this)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, target in imported_modules(tree, this):
            layer = layer_of(target)
            if layer is not None and own is not None and layer > own:
                problems.append(f"{path.relative_to(ROOT)}:{line}: {this} (layer {own}) "
                                f"imports {target} (layer {layer})")
    return sorted(set(problems))


def function_level_imports() -> list[str]:
    problems = []
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        problems.append(f"{path.relative_to(ROOT)}:{sub.lineno}")
    return problems


def test_layer_of_uses_the_longest_prefix() -> None:
    assert layer_of("flows.cli") == 3
    assert layer_of("flows.stages") == 2
    assert layer_of("crm_golden.config.rules") == 0
    assert layer_of("pandas") is None


def test_the_checker_sees_an_upward_import() -> None:
    tree = ast.parse("from flows.stages import stage_link\nimport transforms.link\n")
    targets = [t for _, t in imported_modules(tree, "transforms.model")]
    assert any(layer_of(t) == 2 for t in targets)


def test_no_import_points_to_a_higher_layer() -> None:
    assert upward_imports() == []


def test_imports_sit_at_the_top_of_each_file() -> None:
    assert function_level_imports() == []


MAX_MODULE_LINES = 800  # one concern per module; transforms/reference/ holds data tables


def test_no_module_holds_more_than_one_concerns_worth_of_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
             if "reference" not in p.relative_to(ROOT).parts}
    over = {path: n for path, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not over, f"split these modules by concern: {over}"
