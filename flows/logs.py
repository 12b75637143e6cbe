"""Console logging for the CLI: how loud (-v, -vv) and in which shape (text or JSON lines).

Why not ``logging.basicConfig``: importing Prefect already installs its console handler
on the root logger, so basicConfig does nothing and ``-v`` used to change nothing. Here
the console handlers are filtered by the chosen level instead, while Prefect's loggers
keep sending INFO to its API (the run view keeps its logs whatever the console shows).

Levels: default WARNING (only the summary on stdout and problems), ``-v`` INFO (stage
progress with counts and seconds), ``-vv`` DEBUG (per-source files, encodings,
delimiters, accounting, model and bands) plus tracebacks. ``--log-format json`` writes
one JSON object per line to stderr (``ts``, ``level``, ``logger``, ``message`` and, in a
Prefect run, ``flow_run``/``task_run``) for log shippers. Messages carry counts, ids and
paths only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

OUR_LOGGER = "crm_golden"
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for attr, key in (("flow_run_name", "flow_run"), ("task_run_name", "task_run"),
                          ("run_id", "run_id")):
            value = getattr(record, attr, None)
            if value:
                out[key] = str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class ConsoleFilter(logging.Filter):
    """Quiet Prefect's own chatter by default and keep tracebacks for -vv."""

    def __init__(self, verbosity: int) -> None:
        super().__init__()
        self.verbosity = verbosity

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbosity == 0 and record.name.startswith("prefect") \
                and record.levelno < logging.CRITICAL:
            return False  # the CLI prints its own one-line outcome
        if self.verbosity < 2:
            record.exc_info = None
            record.exc_text = None
        return True


def _is_console(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return isinstance(handler, logging.StreamHandler) and stream in (sys.stderr, sys.stdout)


def configure_logging(verbosity: int = 0, fmt: str = "text") -> None:
    """Set the console's level and format for this process (see the module docstring)."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 \
        else logging.DEBUG
    root = logging.getLogger()
    loggers = [root] + [lg for lg in logging.root.manager.loggerDict.values()
                        if isinstance(lg, logging.Logger)]
    if not any(_is_console(h) for h in root.handlers):
        root.addHandler(logging.StreamHandler(sys.stderr))
    for logger in loggers:
        for handler in list(logger.handlers):
            if not _is_console(handler):
                continue
            if fmt == "json" and type(handler) is not logging.StreamHandler:
                # Prefect's rich console handler would restyle JSON: use a plain stream
                logger.removeHandler(handler)
                handler = logging.StreamHandler(sys.stderr)
                logger.addHandler(handler)
            handler.setLevel(level)
            for old in [f for f in handler.filters if isinstance(f, ConsoleFilter)]:
                handler.removeFilter(old)
            handler.addFilter(ConsoleFilter(verbosity))
            if fmt == "json":
                handler.setFormatter(JsonFormatter())
            elif handler.formatter is None:
                handler.setFormatter(logging.Formatter(
                    "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger(OUR_LOGGER).setLevel(min(level, logging.INFO))
    for name in PREFECT_RUN_LOGGERS:
        if verbosity >= 2:
            logging.getLogger(name).setLevel(logging.DEBUG)
    for noisy in ("httpx", "matplotlib", "matplotlib.category"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
