"""Synthetic department exports with ground truth (``crm-golden generate``).

Why: the pipeline can only be measured honestly on data whose true identities are
known *and* which is as messy as real exports. ``synth.population`` simulates the
customers, ``synth.exporters`` the four department systems that each captured a
partial, differently corrupted view of them; this module ties the two together and
writes ``truth.csv`` and run-ready rules beside the exports.

Only ``random.Random(seed)`` drives the simulation, nothing reads the clock and
nothing iterates a set, so the same seed yields byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

from crm_golden.config.base import ConfigError
from synth.exporters import FILES, SOURCES, Exporter, write_exports
from synth.population import World

REPO_RULES = Path(__file__).resolve().parents[1] / "rules"  # the rules the user edits
# A source file's top-level ``path:`` line: its value (plain or quoted) and any trailing comment.
_PATH_LINE = re.compile(
    r"""^path:[ \t]*(?:"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\r\n]|'')*'|[^\r\n]*?)"""
    r"(?P<comment>[ \t]+#[^\r\n]*)?[ \t]*(?=\r?$)", re.M)
_PLAIN_PATH = re.compile(r"[\w./-]+")


def _repo_rules() -> Path:
    """The repository's rules folder, which the generated exports must parse with."""
    if not (REPO_RULES / "sources").is_dir():
        raise FileNotFoundError(f"repository rules folder {REPO_RULES / 'sources'} not found; "
                                "the generator copies its <source>.yaml next to the exports")
    return REPO_RULES


def _point_at(rules_text: str, path: str, origin: Path) -> str:
    """``rules_text`` with only its ``path:`` value replaced by ``path`` (comments kept)."""
    found = len(_PATH_LINE.findall(rules_text))
    if found != 1:
        raise ConfigError(f"{origin}: expected one top-level 'path:' line, found {found}")
    value = path if _PLAIN_PATH.fullmatch(path) else json.dumps(path, ensure_ascii=False)
    return _PATH_LINE.sub(lambda m: f"path: {value}{m.group('comment') or ''}", rules_text)


def write_source_rules(data_dir: Path, sources_dir: Path) -> list[Path]:
    """Copy the repository's ``sources/<source>.yaml`` into ``sources_dir``, aimed at ``data_dir``.

    Only the ``path:`` line changes (relative to ``sources_dir``), so every other setting and
    comment stays the one in ``rules/sources``: a single truth for how the exports are read.
    """
    repo_sources = _repo_rules() / "sources"
    texts: dict[str, str] = {}
    for source in SOURCES:  # read all first: sources_dir may be the repository folder itself
        origin = repo_sources / f"{source}.yaml"
        if not origin.is_file():
            raise FileNotFoundError(f"{origin} not found; the generator writes {FILES[source]} "
                                    "and copies these rules beside it")
        rel = os.path.relpath(Path(data_dir).resolve() / FILES[source], sources_dir.resolve())
        texts[source] = _point_at(origin.read_bytes().decode("utf-8"), Path(rel).as_posix(),
                                  origin)
    sources_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in SOURCES:
        target = sources_dir / f"{source}.yaml"
        target.write_bytes(texts[source].encode("utf-8"))
        written.append(target)
    return written


def _copy_repo_rules(rules_dir: Path) -> None:
    """The shared top-level rules beside the source rules, so ``run --rules`` works as is."""
    repo_rules = _repo_rules()
    if repo_rules.resolve() == rules_dir.resolve():
        return
    rules_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted(repo_rules.glob("*.yaml")):
        shutil.copyfile(src, rules_dir / src.name)


def generate(customers: int, output: Path, seed: int = 42, *, rules_dir: Path | None = None,
             copy_rules: bool = True) -> dict[str, int]:
    """Write four department exports, ``truth.csv`` and source rules for ``customers`` people.

    ``rules_dir`` (default ``output/rules``) receives the repository's ``sources/*.yaml``
    pointed at the exports and, when ``copy_rules``, its top-level rules files, so
    ``crm-golden run --rules <rules_dir>`` works on the generated data. Returns row
    counts per written file (no personal data).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    _repo_rules()  # before writing anything: the exports are only usable with those rules
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    world = World(customers, seed)
    world.build()
    exporter = Exporter(world)
    exporter.build()
    truth = write_exports(exporter.rows, output, seed)
    counts: dict[str, int] = {"customers": len(world.people), "households": world.households}
    counts.update({FILES[source]: len(exporter.rows[source]) for source in SOURCES})
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["source", "source_record_id", "entity_id"])
    writer.writerows(truth)
    (output / "truth.csv").write_bytes(buf.getvalue().encode("utf-8"))
    counts["truth.csv"] = len(truth)
    rules_dir = Path(rules_dir) if rules_dir is not None else output / "rules"
    write_source_rules(output, rules_dir / "sources")
    if copy_rules:
        _copy_repo_rules(rules_dir)
    return counts
