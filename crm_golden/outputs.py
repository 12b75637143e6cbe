"""The data dictionary of the published files: every column's type and meaning.

Why it lives in code: the same entries become each Parquet field's ``description``
metadata (``transforms.publish``), pin the types of empty tables (an empty
``id_redirects.parquet`` keeps string columns, not Null ones), and generate
``docs/outputs.md`` (``crm-golden dictionary``), so the documentation cannot drift from
what is written. A test fails when a published column has no entry here.

Names are exact (``golden_id``) or patterns with one ``<placeholder>`` (``attr_<name>``,
``w_<comparison>``) for columns that depend on the rules. Types are Arrow types as
:func:`type_name` writes them; ``None`` means "depends on the rules" (explained in the
description).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa

from crm_golden.config.rules import Rules
from crm_golden.config.survivorship import AggregateSpec, FieldGroup, SurvivorshipRules
from crm_golden.schema import IDENTITY_FIELDS

DESCRIPTION_KEY = b"description"


@dataclass(frozen=True)
class Column:
    """One documented column: exact name or ``<placeholder>`` pattern, Arrow type, meaning."""

    name: str
    type: pa.DataType | None
    description: str

    @property
    def is_pattern(self) -> bool:
        return "<" in self.name

    def matches(self, column: str) -> bool:
        if not self.is_pattern:
            return column == self.name
        return _pattern(self.name).fullmatch(column) is not None


@dataclass(frozen=True)
class Table:
    """One published Parquet file: what a row is, and its columns."""

    name: str
    row: str
    columns: list[Column] = field(default_factory=list)

    def find(self, column: str) -> Column | None:
        """The entry documenting ``column``: an exact name first, then the first pattern."""
        for col in self.columns:
            if not col.is_pattern and col.name == column:
                return col
        return next((c for c in self.columns if c.is_pattern and c.matches(column)), None)


@lru_cache(maxsize=256)
def _pattern(name: str) -> re.Pattern[str]:
    parts = re.split(r"<[a-z_]+>", name)
    return re.compile(".+".join(re.escape(p) for p in parts))


def type_name(typ: pa.DataType | None) -> str:
    """Short, SQL-reader-friendly Arrow type text (``date32``, ``list<string>``, ``float32``)."""
    if typ is None:
        return "per rules"
    if pa.types.is_list(typ):
        return f"list<{type_name(typ.value_type)}>"
    if pa.types.is_dictionary(typ):
        return f"{type_name(typ.value_type)} (dictionary-encoded)"
    return {"date32[day]": "date32", "float": "float32", "double": "float64",
            "large_string": "string"}.get(str(typ), str(typ))


S, I64, I8, F32, F64, B, D = (pa.string(), pa.int64(), pa.int8(), pa.float32(), pa.float64(),
                              pa.bool_(), pa.date32())
LIST_S = pa.list_(S)
BAND = pa.dictionary(pa.int8(), S)

# --------------------------------------------------------------------------- clean records

LINEAGE = [
    Column("record_id", I64, "Dense 0..n-1 number of the record in this run; pairs in "
           "links and review_queue refer to it. Not stable across runs (use source + "
           "source_record_id)."),
    Column("source", S, "Department the record came from (the `name` of its rules file)."),
    Column("source_record_id", S, "The record's id in its export (the `id_column`; the row "
           "number when the export has none)."),
    Column("source_file", S, "File name of the export the record was read from."),
    Column("source_row", I64, "1-based data row of the record in that file (header "
           "excluded)."),
]

_RAW = "As exported (trimmed; empty = null); the normalized value is in"
RAW_IDENTITY = {
    "full_name": f"{_RAW} name_given / name_middle / name_family when parsed from one field.",
    "given_name": f"{_RAW} name_given.",
    "family_name": f"{_RAW} name_family (may hold two Spanish surnames).",
    "middle_name": f"{_RAW} name_middle (middle name or Russian patronymic).",
    "email": f"{_RAW} email_norm.",
    "phone": f"{_RAW} phone_e164.",
    "phone_2": f"{_RAW} phone_2_e164 (a source's second phone column).",
    "company": f"{_RAW} company_norm.",
    "street": f"{_RAW} street_norm.",
    "city": f"{_RAW} city_norm.",
    "postal_code": f"{_RAW} postal_code_norm.",
    "region": f"{_RAW} region_norm.",
    "country": f"{_RAW} country_code.",
    "date_of_birth": f"{_RAW} date_of_birth_norm.",
    "gender": f"{_RAW} gender_norm.",
    "tax_id": f"{_RAW} tax_id_norm.",
}

NORMALIZED = [
    Column("name_given", S, "Given name, display form (\"José\", \"Александр\")."),
    Column("name_middle", S, "Middle name or Russian patronymic, display form."),
    Column("name_family", S, "Whole family name, display form (\"Rodríguez García\")."),
    Column("name_family_1", S, "First surname."),
    Column("name_family_2", S, "Second surname (Spanish naming), else null."),
    Column("name_script", S, "Script of the name: latin, cyrillic or mixed."),
    Column("given_key", S, "Given name as a Latin, accent-free, lower-case match key "
           "(\"jose\", \"aleksandr\")."),
    Column("given_canon", S, "Given-name key with nicknames folded (pepe -> jose, "
           "sasha -> aleksandr)."),
    Column("middle_key", S, "Latin match key of the middle name or patronymic."),
    Column("family_key", S, "Latin match key of the whole family name (Russian gender "
           "endings folded)."),
    Column("family_1_key", S, "Match key of the first surname."),
    Column("family_2_key", S, "Match key of the second surname, else null."),
    Column("given_phonetic", S, "Phonetic code of given_canon (blocking and comparison)."),
    Column("family_phonetic", S, "Phonetic code of family_1_key."),
    Column("gender_hint", S, "F or M inferred from Russian endings or the patronymic, "
           "else null."),
    Column("email_norm", S, "E-mail address with a lower-cased domain (a known domain typo "
           "fixed when email_status = fixed)."),
    Column("email_key", S, "E-mail match key: lower case, Gmail dots and +tags folded, "
           "googlemail -> gmail."),
    Column("email_local_key", S, "Local part (before @) of email_key."),
    Column("email_domain", S, "Lower-case e-mail domain."),
    Column("email_is_role", B, "True for role mailboxes (info@, ventas@, support@...)."),
    Column("email_is_placeholder", B, "True for placeholders (noemail@, test@...); never "
           "survives into a golden profile."),
    Column("phone_e164", S, "Phone in E.164 (+34600123456)."),
    Column("phone_nsn", S, "National significant number of phone_e164 (no country code)."),
    Column("phone_type", S, "Line type from libphonenumber: mobile, fixed_line, "
           "fixed_line_or_mobile, voip, uan, unknown..."),
    Column("phone_region", S, "ISO country the phone number belongs to."),
    Column("phone_country_mismatch", B, "True when the phone's country differs from the "
           "record's country."),
    Column("phone_2_e164", S, "Second phone in E.164."),
    Column("phone_2_nsn", S, "National significant number of phone_2_e164."),
    Column("phone_2_type", S, "Line type of phone_2_e164."),
    Column("phone_2_region", S, "ISO country of phone_2_e164."),
    Column("phone_2_country_mismatch", B, "True when phone_2's country differs from the "
           "record's country."),
    Column("country_code", S, "ISO 3166 alpha-2 country (the source's default_country when "
           "the row has none)."),
    Column("postal_code_norm", S, "Postal code formatted per country."),
    Column("street_norm", S, "Street, whitespace and case cleaned (display form)."),
    Column("street_key", S, "Street match key: abbreviations folded, accent-free."),
    Column("city_norm", S, "City, display form."),
    Column("city_key", S, "City match key: Latin, accent-free, lower case."),
    Column("region_norm", S, "Region or province, display form."),
    Column("date_of_birth_norm", D, "Date of birth (DATE)."),
    Column("date_of_birth_ambiguous", B, "True when day and month were both <= 12 and "
           "differ, so the source's date_format decided the order."),
    Column("tax_id_norm", S, "Tax id with separators removed, upper case."),
    Column("tax_id_type", S, "es_dni, es_nie, es_cif, ru_inn, mx_rfc or other."),
    Column("company_norm", S, "Company name, display form."),
    Column("company_key", S, "Company match key (legal forms such as S.L., LLC folded)."),
    Column("gender_norm", S, "Gender: F, M or X; null when missing or not recognized."),
]

STATUS = [
    Column("<field>_status", S, "Validation status of identity field <field> (one of the "
           "raw identity columns): valid, fixed (repaired, e.g. a domain typo), invalid "
           "(never used for matching or survivorship) or missing."),
    Column("<field>_reason", S, "Why <field> is invalid or was fixed (a reason code such as "
           "checksum, bad_length, domain_typo, missing_plus; several joined by |); null when valid or missing."),
]

ATTRIBUTES = [
    Column("attr_<name>", None, "Department attribute <name> (rules/sources/*.yaml "
           "`attributes`) typed by its `type`: number and integer -> float64, date -> "
           "date32, text -> string; a `vocabulary` maps it to the vocabulary's terms "
           "(consent vocabularies -> bool)."),
    Column("raw_attr_<name>", S, "Attribute <name> as exported, before typing "
           "(only for typed or vocabulary attributes)."),
]


def clean_records_table() -> Table:
    raw = [Column(f, S, RAW_IDENTITY[f]) for f in IDENTITY_FIELDS]
    return Table("clean_records", "one usable canonical record: lineage, identity fields "
                 "as exported, normalized values and match keys, validation statuses and "
                 "typed attributes",
                 [*LINEAGE, *raw, *NORMALIZED, *STATUS, *ATTRIBUTES, THIN_EVIDENCE])


THIN_EVIDENCE = Column("thin_evidence", B, "True when the record is kept only by a name "
                       "part (a given name or a surname) and one other attribute (a birth "
                       "date, place, company or contact): linkable, but on little evidence.")


# --------------------------------------------------------------------------- pairs

PAIR_IDS = [
    Column("left_record_id", I64, "record_id (clean_records) of the pair's first record."),
    Column("right_record_id", I64, "record_id of the pair's second record "
           "(left_record_id < right_record_id)."),
    Column("match_weight", F32, "Total match weight in bits: log2 of the Bayes factor, "
           "prior included; the sum of the w_<comparison> columns and the prior weight."),
    Column("match_probability", F64, "Probability that the two records are one person, "
           "from match_weight (0..1)."),
]

WEIGHTS = [
    Column("w_<comparison>", F32, "Weight in bits that comparison <comparison> "
           "(rules/matching.yaml) added to match_weight: > 0 the values agree (evidence for "
           "a match), < 0 they disagree, 0 when either record has no value."),
]


def links_table() -> Table:
    return Table("links", "one scored candidate pair at or above the review threshold", [
        *PAIR_IDS,
        Column("lvl_<comparison>", I8, "Comparison level the pair reached for <comparison>: "
               "-1 = a value is missing, 0..L-1 = the comparison's levels in the order of "
               "model.json's level_names (the levels listed in rules/matching.yaml that this "
               "data could compute), L = else (the values disagree). The audit report names "
               "them in its merge examples."),
        *WEIGHTS,
        Column("band", BAND, "auto_match (merged by the model) or review (a steward should "
               "decide)."),
    ])


def review_queue_table() -> Table:
    return Table("review_queue", "one possible match for a steward, the two records side by "
                 "side, best first", [
                     *PAIR_IDS,
                     Column("l_<column>", None, "The left record's clean_records.<column> "
                            "(same type)."),
                     Column("r_<column>", None, "The right record's clean_records.<column> "
                            "(same type)."),
                     *WEIGHTS,
                     Column("queued_since", D, "Date the pair first entered the review "
                            "queue (carried over from earlier runs while it stays "
                            "undecided)."),
                 ])


# --------------------------------------------------------------------------- other tables

def crosswalk_table() -> Table:
    return Table("crosswalk", "one clean record and the golden profile it belongs to (the "
                 "XREF table)", [
                     Column("source", S, "Department of the record."),
                     Column("source_record_id", S, "The record's id in its export."),
                     Column("golden_id", S, "The golden profile holding the record "
                            "(golden_customers.golden_id)."),
                 ])


def quarantine_table() -> Table:
    return Table("quarantine", "one export row that could not be used, with the reason", [
        Column("source", S, "Department of the row."),
        Column("source_record_id", S, "The row's id in its export, when it had one."),
        Column("source_file", S, "File name of the export."),
        Column("source_row", I64, "1-based data row in that file."),
        Column("stage", S, "ingest (unreadable row, missing or duplicate id) or validate "
               "(no usable identifier)."),
        Column("reason", S, "Reason code (wrong_field_count:3_of_9, "
               "duplicate_source_record_id, no_usable_identifier...)."),
        Column("column", S, "Export column the reason is about, when there is one."),
        Column("raw", S, "The row's non-empty values as JSON, so nothing is lost."),
    ])


def id_redirects_table() -> Table:
    return Table("id_redirects", "one retired golden id and the active id it resolves to", [
        Column("retired_id", S, "A golden_id no longer in golden_customers."),
        Column("current_id", S, "The active golden_id that replaced it (redirect chains "
               "already resolved); empty when the profile was erased (nothing resolves to an "
               "erased person)."),
        Column("retired_run", S, "run_id of the run that retired it."),
        Column("reason", S, "merged (its records joined an older profile), split (its "
               "records went to several profiles and another one kept the id) or erased "
               "(crm-golden erase: the person was removed; no redirect)."),
    ])


# --------------------------------------------------------------------------- golden profiles

_DTYPES: dict[str, pa.DataType] = {"string": S, "date": D, "number": F64, "integer": I64,
                                   "boolean": B}

_NORMALIZED_BY_NAME = {c.name: c for c in NORMALIZED}


def _rule_text(group: FieldGroup) -> str:
    rules = ", then ".join(r.replace("_", " ") for r in group.rules)
    extra = f" (dates: {', '.join(group.date_attribute)})" if group.date_attribute else ""
    return f"{rules}{extra}"


def _source_text(column: str) -> str:
    base = _NORMALIZED_BY_NAME.get(column)
    what = base.description.rstrip(".") if base else f"clean_records.{column}"
    return f"{what} (from clean_records.{column})"


def golden_columns(rules: SurvivorshipRules) -> list[Column]:
    """The golden table's columns for these survivorship rules, in the order survive() makes."""
    out = [Column("golden_id", S, "Stable id of the customer profile; survives re-runs. A "
                  "retired id resolves through id_redirects.")]
    for gname, group in rules.fields.items():
        for name, src in group.fields.items():
            typ = _DTYPES[src.dtype]
            cols = [c for c, _ in src.pairs()]
            if group.rule == "keep_all":
                keyed = " one entry per match key, in its best-formed spelling;" \
                    if src.key is not None else ""
                out += [
                    Column(name, pa.list_(typ), f"Every distinct valid value of "
                           f"{', '.join(cols)} in the profile's records,{keyed} best-ranked "
                           "record first."),
                    Column(f"{name}__source", LIST_S, f"Department of each {name} entry "
                           "(parallel list)."),
                    Column(f"{name}__source_record_id", LIST_S, f"source_record_id of each "
                           f"{name} entry (parallel list)."),
                ]
                continue
            together = (f"; survives together with {', '.join(f for f in group.fields if f != name)}"
                        f" from one record (group {gname})" if len(group.fields) > 1 else "")
            out += [
                Column(name, typ, f"{_source_text(cols[0])}. Winner: {_rule_text(group)}"
                       f"{together}; invalid values never win."),
                Column(f"{name}__source", S, f"Department of the record {name} came from "
                       "(null when no record has a value)."),
                Column(f"{name}__source_record_id", S, f"source_record_id of the record "
                       f"{name} came from."),
            ]
    out += [
        Column("record_count", I64, "Clean records in the profile."),
        Column("sources", LIST_S, "Departments holding the profile's records (sorted)."),
        Column("source_count", I64, "Number of departments in sources."),
    ]
    for name, spec in rules.aggregates.items():
        out += _aggregate_columns(name, spec)
    for name, channel in rules.consent.items():
        date = f" (attribute {channel.date_attribute})" if channel.date_attribute else ""
        out += [
            Column(name, B, f"Consent from attribute {channel.attribute}: the most "
                   "restrictive value wins (one opt-out anywhere opts the profile out)."),
            Column(f"{name}__source", S, f"Department of the record that decided {name}."),
            Column(f"{name}__source_record_id", S, "source_record_id of that record."),
            Column(f"{name}__date", D, f"Date of the deciding record's consent{date}; "
                   "null when unknown."),
        ]
    return out


def _aggregate_columns(name: str, spec: AggregateSpec) -> list[Column]:
    typ = _DTYPES[spec.output_type]
    attrs = ", ".join(spec.attributes)
    op = spec.op
    if op in ("most_recent", "least_recent", "most_frequent"):
        when = {"most_recent": "the latest record's", "least_recent": "the earliest record's",
                "most_frequent": "the most frequent"}[op]
        return [
            Column(name, typ, f"{when.capitalize()} value of attribute {attrs} in the "
                   "profile."),
            Column(f"{name}__source", S, f"Department of the record {name} came from."),
            Column(f"{name}__source_record_id", S, "source_record_id of that record."),
        ]
    what = {"sum": "Sum", "mean": "Mean", "min": "Earliest (smallest)",
            "max": "Latest (largest)"}[op]
    return [Column(name, typ, f"{what} of attribute(s) {attrs} over the profile's records; "
                   "null when no record has a value.")]


def golden_table(rules: SurvivorshipRules | None) -> Table:
    """The golden table for ``rules``; without rules, patterns for lineage columns only."""
    row = "one golden customer profile: survived fields with lineage and 360 aggregates"
    if rules is None:
        return Table("golden_customers", row, [
            Column("golden_id", S, "Stable id of the customer profile."),
            Column("<field>__source", None, "Department that supplied golden field <field>."),
            Column("<field>__source_record_id", None, "source_record_id of the record that "
                   "supplied <field>."),
            Column("<field>__date", D, "Date of the record that decided consent <field>."),
        ])
    return Table("golden_customers", row, golden_columns(rules))


def tables(rules: SurvivorshipRules | None = None) -> dict[str, Table]:
    """Every published Parquet file's entry, in the order of the output contract."""
    return {t.name: t for t in [
        golden_table(rules), crosswalk_table(), clean_records_table(), links_table(),
        review_queue_table(), quarantine_table(), id_redirects_table(),
    ]}


def field_with_doc(fld: pa.Field, doc: Column | None) -> pa.Field:
    """``fld`` with its description in the field metadata (kept when one is already set)."""
    meta = dict(fld.metadata or {})
    if doc is None or DESCRIPTION_KEY in meta:
        return fld
    meta[DESCRIPTION_KEY] = doc.description.encode("utf-8")
    return fld.with_metadata(meta)


# --------------------------------------------------------------------------- markdown

DOCUMENTS = [
    ("audit_report.html", "The run's audit report: one self-contained page (no scripts, no "
     "network) with row accounting, data quality, matching, clusters, changes since the "
     "previous run, privacy (erasures as counts and reason codes, suppressed rows, runs "
     "pruned) and warnings. Personal data is masked."),
    ("audit.json", "Every figure of the report as JSON (format `crm-golden-audit/1`); the "
     "report is rendered from it alone."),
    ("model.json", "The Fellegi-Sunter model the run scored with: per comparison and level, "
     "m, u and weight; the prior."),
]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(rules: SurvivorshipRules, attributes: dict[str, str],
             comparisons: list[str], rules_label: str) -> str:
    """docs/outputs.md: every column of every published file, for one rules folder.

    ``attributes`` maps attribute name -> its type text, ``comparisons`` lists comparison
    names: both only make the patterns concrete for the reader.
    """
    lines = [
        "# Published outputs: data dictionary",
        "",
        "<!-- generated by `crm-golden dictionary --rules rules > docs/outputs.md`; "
        "do not edit by hand -->",
        "",
        "A run writes these files to `OUTPUT/runs/<run_id>/`, and `OUTPUT/latest` points at "
        "the last complete run. Each Parquet field also carries its description in the "
        "field metadata (key `description`), so `parquet-tools`, DuckDB "
        "(`parquet_schema()`), pyarrow and polars show it.",
        "",
        "Types are Arrow types: `string` is UTF-8 text, `date32` a calendar date (SQL DATE), "
        "`float32`/`float64` floating point, `list<string>` a list of text; every column is "
        "nullable. Empty tables keep these types. Column names are plain snake_case, so no "
        "quoting is needed in SQL.",
        "",
        f"Rules-dependent columns are shown for `{rules_label}`; names in `<angle brackets>` "
        "are patterns (run `crm-golden dictionary --rules YOUR_RULES` for your own rules).",
        "",
    ]
    for table in tables(rules).values():
        lines += [f"## {table.name}.parquet", "", f"One row = {table.row}.", "",
                  "| column | type | meaning |", "|---|---|---|"]
        for col in table.columns:
            # code spans show < and > as they are; plain text needs them escaped
            lines.append(f"| `{col.name}` | `{type_name(col.type)}` | "
                         f"{_md_escape(col.description)} |")
        lines.append("")
        if table.name == "clean_records":
            lines += ["Identity fields (`<field>` above): " + ", ".join(
                f"`{f}`" for f in IDENTITY_FIELDS) + ".", ""]
            if attributes:
                lines += ["Attributes (`<name>` above) in these rules: " + ", ".join(
                    f"`attr_{a}` ({t})" for a, t in sorted(attributes.items())) + ".", ""]
        if table.name == "links" and comparisons:
            lines += ["Comparisons (`<comparison>` above) in these rules: " + ", ".join(
                f"`{c}`" for c in comparisons) + ".", ""]
    lines += ["## Other files", "", "| file | what |", "|---|---|"]
    lines += [f"| `{name}` | {_md_escape(what)} |" for name, what in DOCUMENTS]
    return "\n".join(lines) + "\n"


def rules_markdown(rules: Rules, label: str) -> str:
    """:func:`markdown` for a loaded rules folder (``label``: how the reader names it)."""
    attributes: dict[str, str] = {}
    for src in rules.sources:
        for name, spec in src.attributes.items():
            attributes.setdefault(name, f"vocabulary {spec.vocabulary}" if spec.vocabulary
                                  else spec.type)
    comparisons = [c.name for c in getattr(rules.matching, "comparisons", [])]
    return markdown(rules.survivorship, attributes, comparisons, label)
