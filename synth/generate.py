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
import os
import shutil
from pathlib import Path

from synth.exporters import FILES, SOURCES, Exporter, write_exports
from synth.population import World

_RULES = {
    "marketing": """\
# Marketing leads export (web forms, events, campaigns). UTF-8 with BOM, ';' separated.
name: marketing
path: {path}
format: csv
csv: {{delimiter: ";", encoding: utf-8-sig, quotechar: '"'}}
date_format: "%d/%m/%Y"
decimal: ","
default_country: ES
id_column: lead_id
columns:
  full_name: nombre_completo
  email: email
  phone: telefono
  country: pais
attributes:
  lead_source: {{column: origen, vocabulary: lead_source}}
  consent_email: {{column: acepta_comunicaciones, vocabulary: consent}}
  consent_date: {{column: fecha_alta, type: date}}
  created_date: {{column: fecha_alta, type: date}}
trust: 1
""",
    "sales": """\
# Sales CRM contacts. Western Excel export: cp1252, ',' separated, US-configured dates.
# Russian customers appear transliterated (several schemes) because cp1252 has no Cyrillic.
name: sales
path: {path}
format: csv
csv: {{delimiter: ",", encoding: cp1252, quotechar: '"'}}
date_format: "%m/%d/%Y"
decimal: "."
default_country: US
id_column: contact_id
columns:
  given_name: first_name
  family_name: last_name
  company: company
  email: email
  phone: mobile
  phone_2: landline
  street: street
  city: city
  postal_code: postal_code
  region: state
  country: country
  date_of_birth: birth_date
attributes:
  purchases_count: {{column: purchases_count, type: integer}}
  purchases_total: {{column: purchases_total, type: number}}
  last_purchase_date: {{column: last_purchase, type: date}}
  consent_phone: {{column: phone_ok, vocabulary: consent}}
trust: 3
""",
    "support": """\
# Support desk requesters. JSON Lines, UTF-8. No country column: phones without a
# country code are ambiguous, most requesters are Spanish.
name: support
path: {path}
format: jsonl
date_format: "%Y-%m-%d"
decimal: "."
default_country: ES
id_column: ticket_user_id
columns:
  full_name: name
  email: email
  phone: phone
attributes:
  open_tickets: {{column: open_tickets, type: integer}}
  satisfaction: {{column: satisfaction, type: number}}
  last_ticket_date: {{column: last_ticket, type: date}}
  preferred_channel: {{column: preferred_channel, vocabulary: channel}}
trust: 2
""",
    "finance": """\
# Finance accounts. Russian-locale legacy system: cp1251, ';' separated, dd.mm.yyyy dates,
# decimal comma with '.' thousands; names "SURNAME, Given", Latin text without accents.
name: finance
path: {path}
format: csv
csv: {{delimiter: ";", encoding: cp1251, quotechar: '"'}}
date_format: "%d.%m.%Y"
decimal: ","
default_country: ES
id_column: account_no
columns:
  full_name: legal_name
  tax_id: tax_id
  street: street
  city: city
  postal_code: postal_code
  country: country
  date_of_birth: date_of_birth
attributes:
  payment_method: {{column: payment_method, vocabulary: payment_method}}
  balance: {{column: balance, type: number}}
  last_payment_date: {{column: last_payment, type: date}}
trust: 4
""",
}


def write_source_rules(data_dir: Path, sources_dir: Path) -> list[Path]:
    """Write ``<source>.yaml`` for each export into ``sources_dir``, paths relative to it."""
    sources_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in SOURCES:
        rel = os.path.relpath(Path(data_dir).resolve() / FILES[source], sources_dir.resolve())
        target = sources_dir / f"{source}.yaml"
        target.write_text(_RULES[source].format(path=Path(rel).as_posix()), encoding="utf-8")
        written.append(target)
    return written


def _copy_repo_rules(rules_dir: Path) -> None:
    repo_rules = Path(__file__).resolve().parents[1] / "rules"
    if not repo_rules.is_dir() or repo_rules.resolve() == rules_dir.resolve():
        return
    rules_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted(repo_rules.glob("*.yaml")):
        shutil.copyfile(src, rules_dir / src.name)


def generate(customers: int, output: Path, seed: int = 42, *, rules_dir: Path | None = None,
             copy_rules: bool = True) -> dict[str, int]:
    """Write four department exports, ``truth.csv`` and source rules for ``customers`` people.

    ``rules_dir`` (default ``output/rules``) receives ``sources/<source>.yaml`` pointing at
    the exports and, when ``copy_rules``, the repository's top-level rules files, so
    ``crm-golden run --rules <rules_dir>`` works on the generated data. Returns row
    counts per written file (no personal data).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
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
