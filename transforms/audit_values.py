"""JSON-safe values for the audit: what every section of ``audit.json`` is reduced with.

Why one module: the audit, its merge examples and an erasure's rewrite of an old audit
must write numbers, dates and missing values the same way, or a re-rendered report
would differ from the first one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def json_safe(value: Any) -> Any:
    """Recursively turn numpy/pandas scalars, NaN and dates into plain JSON values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray | pd.Series):
        return [json_safe(v) for v in (list(value) if not isinstance(value, set) else sorted(value))]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value if isinstance(value, str) else str(value)


def round_rate(value: Any, digits: int = 4) -> float | None:
    """Round a rate for the JSON (the page shows it with fewer digits)."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else round(f, digits)


def lookup(obj: Any, path: str, default: Any = None) -> Any:
    """``a.b.c`` attribute-or-key lookup that tolerates missing config pieces."""
    cur = obj
    for part in path.split("."):
        if cur is None:
            return default
        cur = cur.get(part) if isinstance(cur, Mapping) else getattr(cur, part, None)
    return default if cur is None else cur


def as_frame(obj: Any) -> pd.DataFrame:
    return obj if isinstance(obj, pd.DataFrame) else pd.DataFrame()
