"""Typed form of ``rules/survivorship.yaml``: how one golden profile is built per cluster.

The file is edited by data stewards, so every rule is declared, not coded: a
field group names the clean columns it reads, the rule that picks the winning
record and the rules that break ties. Validation happens here, at load time,
so a typo (``rule: most_recnt``, a ``present_if_any`` naming a field that is
not in the group) is an error naming the file and key before any data is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from crm_golden.config.base import StrictModel, load_model

RuleName = Literal[
    "source_priority",  # highest source trust wins
    "most_recent",  # latest record date (group's date_attribute, else record_date) wins
    "least_recent",  # earliest record date wins (original values, first touch)
    "most_frequent",  # value (tuple of the group's values) seen in most records wins
    "most_complete",  # most non-empty fields, then longest total text, wins
    "min",  # smallest value of the group's first field wins
    "max",  # largest value of the group's first field wins
    "keep_all",  # every distinct value survives, as a list
]

# Output column types: fixed per field so the golden table's schema does not depend on
# which columns a dataset happens to have (an absent column still yields a typed column).
OutputType = Literal["string", "date", "number", "integer", "boolean"]

# Output names survive() always produces; groups and aggregates may not reuse them.
RESERVED_OUTPUTS = frozenset({"cluster_id", "golden_id", "record_count", "sources", "source_count"})

DEFAULT_RECORD_DATE = [
    "consent_date",
    "last_purchase_date",
    "last_ticket_date",
    "last_payment_date",
    "created_date",
]


def _as_list(value: Any) -> Any:
    """Let YAML authors write a single name where a list is expected."""
    if isinstance(value, str):
        return [value]
    return value


class FieldSource(StrictModel):
    """Where one golden field reads its value: a clean column and its status column.

    ``status`` names the ``*_status`` column; values whose status is ``invalid``
    never win. ``keep_all`` fields may read several columns (phone and phone_2),
    with a parallel list of statuses.
    """

    column: str | list[str]
    status: str | list[str] | None = None
    dtype: OutputType = "string"
    # keep_all only: match-key columns parallel to ``column``. Values sharing a key are one
    # value (MELISSA1950@ and me.lissa1950@gmail.com are one address), kept once in its
    # best-formed spelling: valid over fixed, fewest capitals, most frequent, best record.
    key: str | list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"column": data}
        return data

    @model_validator(mode="after")
    def _parallel(self) -> FieldSource:
        if isinstance(self.column, list):
            if not self.column:
                raise ValueError("column list is empty")
            if isinstance(self.status, str):
                raise ValueError("status must be a list parallel to column")
            if isinstance(self.status, list) and len(self.status) != len(self.column):
                raise ValueError("status list must have one entry per column")
        elif isinstance(self.status, list):
            raise ValueError("status must be a single name when column is a single name")
        if self.key is not None:
            keys = self.key if isinstance(self.key, list) else [self.key]
            cols = self.column if isinstance(self.column, list) else [self.column]
            if len(keys) != len(cols):
                raise ValueError("key must name one match-key column per column")
        return self

    def key_columns(self) -> list[str | None]:
        """Match-key column per input column (None: the value is its own key)."""
        cols = self.column if isinstance(self.column, list) else [self.column]
        if self.key is None:
            return [None] * len(cols)
        return list(self.key) if isinstance(self.key, list) else [self.key]

    def pairs(self) -> list[tuple[str, str | None]]:
        """(column, status column) pairs, one per input column."""
        cols = self.column if isinstance(self.column, list) else [self.column]
        if self.status is None:
            stats: list[str | None] = [None] * len(cols)
        elif isinstance(self.status, list):
            stats = list(self.status)
        else:
            stats = [self.status]
        return list(zip(cols, stats, strict=True))


class FieldGroup(StrictModel):
    """Golden fields that survive together, from one winning record.

    Grouping is what keeps an address coherent: street, city, postal code,
    region and country all come from the same record, never a street from
    marketing glued to a city from finance.
    """

    fields: dict[str, FieldSource] = Field(min_length=1)
    rule: RuleName
    then: list[RuleName] = []
    date_attribute: list[str] = []
    present_if_any: list[str] = []
    exclude_if: list[str] = []

    _list_then = field_validator("then", "date_attribute", "present_if_any", "exclude_if",
                                 mode="before")(_as_list)

    @model_validator(mode="after")
    def _consistent(self) -> FieldGroup:
        if "keep_all" in self.then:
            raise ValueError("keep_all can only be the main rule, not a tie-break")
        if self.rule == "keep_all":
            if len(self.fields) != 1:
                raise ValueError("a keep_all group has exactly one field (list it under column)")
            if self.then:
                raise ValueError("keep_all keeps every value; it takes no tie-breaks")
        elif any(src.key is not None for src in self.fields.values()):
            raise ValueError("key is only for keep_all fields")
        else:
            for name, src in self.fields.items():
                if isinstance(src.column, list):
                    raise ValueError(f"field {name}: several columns need rule keep_all")
        unknown = [f for f in self.present_if_any if f not in self.fields]
        if unknown:
            raise ValueError(f"present_if_any names fields not in this group: {unknown}")
        return self

    @property
    def rules(self) -> list[RuleName]:
        """The main rule followed by its tie-breaks, in order."""
        return [self.rule, *self.then]


AggregateOp = Literal["sum", "mean", "min", "max", "most_recent", "least_recent", "most_frequent"]


class AggregateSpec(StrictModel):
    """One 360 aggregate: exactly one operation over one or more attributes.

    Attribute names are the canonical names (``purchases_total``), without the
    ``attr_`` prefix the clean table uses.
    """

    sum: str | None = None
    mean: str | None = None
    min: list[str] | None = None
    max: list[str] | None = None
    most_recent: str | None = None
    least_recent: str | None = None
    most_frequent: str | None = None
    date_attribute: list[str] = []
    dtype: OutputType | None = None  # default: number for sum/mean, date for min/max, else string

    _lists = field_validator("min", "max", "date_attribute", mode="before")(_as_list)

    @model_validator(mode="after")
    def _one_op(self) -> AggregateSpec:
        ops = [op for op in self._ops() if getattr(self, op) is not None]
        if len(ops) != 1:
            raise ValueError(
                "give exactly one of sum, mean, min, max, most_recent, least_recent, "
                f"most_frequent (got {len(ops)})"
            )
        return self

    @staticmethod
    def _ops() -> tuple[AggregateOp, ...]:
        return ("sum", "mean", "min", "max", "most_recent", "least_recent", "most_frequent")

    @property
    def op(self) -> AggregateOp:
        """The single operation this aggregate applies."""
        return next(op for op in self._ops() if getattr(self, op) is not None)

    @property
    def output_type(self) -> OutputType:
        """Declared dtype, or the natural one for the operation."""
        if self.dtype is not None:
            return self.dtype
        return {"sum": "number", "mean": "number", "min": "date", "max": "date"}.get(
            self.op, "string")  # type: ignore[return-value]

    @property
    def attributes(self) -> list[str]:
        """Attribute names the operation reads."""
        value = getattr(self, self.op)
        return list(value) if isinstance(value, list) else [value]


class ConsentChannel(StrictModel):
    """A consent flag: most restrictive wins (any opt-out opts the golden profile out)."""

    attribute: str
    date_attribute: str | None = None


class SurvivorshipRules(StrictModel):
    """The whole survivorship file."""

    record_date: list[str] = list(DEFAULT_RECORD_DATE)
    fields: dict[str, FieldGroup] = Field(min_length=1)
    aggregates: dict[str, AggregateSpec] = {}
    consent: dict[str, ConsentChannel] = {}

    _lists = field_validator("record_date", mode="before")(_as_list)

    @model_validator(mode="after")
    def _unique_outputs(self) -> SurvivorshipRules:
        seen: dict[str, str] = {}
        outputs = [(f, f"fields.{g}") for g, grp in self.fields.items() for f in grp.fields]
        outputs += [(a, "aggregates") for a in self.aggregates]
        outputs += [(c, "consent") for c in self.consent]
        for name, where in outputs:
            if "__" in name:
                raise ValueError(f"{where}: output name {name!r} may not contain '__' "
                                 "(reserved for lineage columns)")
            if name in RESERVED_OUTPUTS:
                raise ValueError(f"{where}: output name {name!r} is reserved")
            if name in seen:
                raise ValueError(f"{where}: output name {name!r} already produced by {seen[name]}")
            seen[name] = where
        return self


def load_survivorship_rules(path: Path | str) -> SurvivorshipRules:
    """Load ``rules/survivorship.yaml``; a wrong key or value raises ``ConfigError``."""
    return load_model(SurvivorshipRules, Path(path))
