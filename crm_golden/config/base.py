"""Loading user-edited YAML into typed, validated config objects.

Every rules file is parsed into a pydantic model with ``extra="forbid"`` so a
misspelt key is an error, and every error names the file and the dotted key
path (``rules/matching.yaml: comparisons.2.levels.0.threshold: ...``) because
the person fixing it is editing YAML, not reading a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError


class ConfigError(ValueError):
    """A rules file is missing, unreadable or has a wrong key or value."""


class StrictModel(BaseModel):
    """Base for config objects: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning I/O and syntax errors into ``ConfigError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from None


def format_validation_error(path: Path, exc: ValidationError) -> str:
    """One line per problem: ``file: dotted.key: message``."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{path}: {key}: {msg}")
    return "\n".join(lines)


def parse_model(model: type[M], data: Any, path: Path, context: dict | None = None) -> M:
    """Validate already-parsed YAML data into ``model``; errors name ``path`` and the key."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None


def load_model(model: type[M], path: Path, context: dict | None = None) -> M:
    """Read ``path`` and validate it into ``model``."""
    return parse_model(model, read_yaml(path), Path(path), context)
