"""Typed loader for ``rules/matching.yaml`` (blocking, comparisons, model, bands, clustering).

The file is the user's declarative description of how records are linked, in the
spirit of Splink's settings: it names columns of the normalized record (see
``crm_golden/schema.py``), never a particular source, so the same file works for any
source mapping. Everything is validated up front so a typo in a level ``kind`` is a
``ConfigError`` naming the file and the key, not a failure halfway through a run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from crm_golden.config.base import StrictModel, load_model

LevelKind = Literal[
    "exact",
    "exact_shared",
    "all_exact",
    "jaro_winkler",
    "levenshtein",
    "damerau",
    "phonetic_equal",
    "nickname_equivalent",
    "cross_language_equivalent",
    "given_tokens_compatible",
    "second_surname_differs",
    "either_surname_equal",
    "swapped",
    "dob_swapped",
    "same_year",
    "within_days",
]

# A blocking key: a column, optionally ``col[a:b]`` (substring), or alternatives
# ``col1|col2`` (a record is blocked once per non-null alternative value).
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*(\[-?\d*:-?\d*\])?$")


class BlockingRule(StrictModel):
    """One blocking rule: records sharing all ``keys`` become candidate pairs."""

    name: str
    keys: list[str] = Field(min_length=1)
    max_block_size: int | None = Field(default=None, ge=2)

    @field_validator("keys")
    @classmethod
    def _check_keys(cls, keys: list[str]) -> list[str]:
        for key in keys:
            for alt in key.split("|"):
                if not _KEY_RE.match(alt.strip()):
                    raise ValueError(f"bad blocking key syntax {key!r}; use col, col[a:b] or a|b")
        return keys


class Level(StrictModel):
    """One comparison level; levels are tested in order and the first that holds wins."""

    name: str
    kind: LevelKind
    columns: list[str] | None = None  # default: the comparison's first column
    # jaro_winkler: min similarity; levenshtein/damerau: max edits; within_days: days;
    # second_surname_differs: the Jaro-Winkler similarity below which surnames differ
    threshold: float | None = None
    tf_adjust: bool | None = None  # default: comparison tf_adjust, exact levels only
    fixed_weight: float | None = None  # use this weight instead of the learned log2(m/u)

    @model_validator(mode="after")
    def _need_threshold(self) -> Level:
        needs = {"jaro_winkler", "levenshtein", "damerau", "within_days",
                 "second_surname_differs"}
        if self.kind in needs and self.threshold is None:
            raise ValueError(f"level kind {self.kind!r} needs a threshold")
        if self.kind == "swapped" and len(self.columns or []) != 2:
            raise ValueError("level kind 'swapped' needs exactly two columns")
        if self.kind == "jaro_winkler" and not (0.0 < (self.threshold or 0) <= 1.0):
            raise ValueError("jaro_winkler threshold must be in (0, 1]")
        return self


class SharedValues(StrictModel):
    """Which values count as 'shared' for ``exact_shared`` levels (family phones, info@...)."""

    flag_columns: list[str] = []  # record-level booleans, e.g. email_is_role
    distinct_column: str | None = None  # e.g. given_canon
    # The surname column: a record whose name order was swapped holds its given name here,
    # so "Gulnara Kovalskaya" and "Kovalskaya Gulnara" count as one person.
    swap_column: str | None = None
    max_distinct: int = Field(default=2, ge=1)  # more distinct people than this = shared
    # A value whose type (its ``type_columns`` column: phone -> phone_type) is one of
    # ``household_types`` (a landline) is a household's, however many people use it.
    type_columns: dict[str, str] = {}
    household_types: list[str] = []


class Comparison(StrictModel):
    """A multi-level comparison of one attribute; pairs get level -1 (null) .. len(levels)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    columns: list[str] = Field(min_length=1)
    levels: list[Level] = Field(min_length=1)
    tf_adjust: bool = False
    null_when: list[str] = []  # boolean columns that make a record's value count as null
    shared: SharedValues | None = None
    # Weight of the implicit "else" level (values disagree) instead of the learned one.
    else_weight: float | None = None
    # Other comparisons this one depends on among non-matches (relatives share a surname
    # and an address; e-mail local parts are built from names; given names and surnames
    # come from one language): for pairs that agree on every comparison of a set, u is
    # measured among pairs that agree on them exactly. One set, or several (a pair uses the
    # largest set it agrees on): [family_name] or [[family_name], [given_name, family_name]].
    u_given: list[list[str]] = []
    u_given_levels: list[str] = []  # the levels u_given applies to (default: all)

    @field_validator("u_given", mode="before")
    @classmethod
    def _sets(cls, value: object) -> object:
        if isinstance(value, str):
            return [[value]]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return [value]
        return value


class ModelSettings(StrictModel):
    """Fellegi-Sunter training options: every m, u and the prior are learned per run."""

    u_random_pairs: int = Field(default=300_000, ge=1000)
    seed: int = 42
    em_max_iterations: int = Field(default=100, ge=1)
    em_tolerance: float = Field(default=1e-5, gt=0)
    em_max_pairs: int = Field(default=2_000_000, ge=1000)
    em_min_rule_pairs: int = Field(default=200, ge=1)  # a blocking rule trains m by EM
    prior: float | None = Field(default=None, gt=0, lt=1)  # None = learned (see model.py)
    # Pairs equal and non-null on every column of one of these rules are near-certain
    # matches. Each comparison's m blends its level shares among the near-certain pairs of
    # the rules on other fields with its EM estimate, weighted by how well the two agree
    # (empirical Bayes): EM's latent class on household-heavy blocks is "same household".
    near_certain_rules: list[list[str]] = []
    # Remove the matches that random pairs contain from u (see model._remove_matches_from_u).
    u_match_correction: bool = True
    m_floor: float = Field(default=1e-4, gt=0, lt=0.5)
    u_floor: float = Field(default=1e-6, gt=0, lt=0.5)
    tf_floor: float = Field(default=1e-5, gt=0, lt=0.5)
    tf_max_boost_bits: float = Field(default=6.0, ge=0)


class Bands(StrictModel):
    """How the three bands are chosen from the model's match probabilities."""

    # auto-match the best pairs while their expected pairwise precision stays >= this
    auto_match_precision: float = Field(default=0.99, gt=0.5, lt=1)
    # below auto-match, pairs at least this likely go to the stewards' review queue
    review_min_probability: float = Field(default=0.5, gt=0, lt=1)
    # fixed match weights (log2 odds) instead, for measuring trade-offs
    auto_match_weight: float | None = None
    review_weight: float | None = None

    @model_validator(mode="after")
    def _order(self) -> Bands:
        if (self.review_weight is not None and self.auto_match_weight is not None
                and self.review_weight > self.auto_match_weight):
            raise ValueError("review_weight must be <= auto_match_weight")
        return self


class Ambiguity(StrictModel):
    """Which levels are household values and which are personal identifiers (each as
    ``comparison.level``): a pair a household value supports, with no personal identifier
    agreeing, is a parent and junior or two relatives as often as one person."""

    household_levels: list[str] = []
    personal_levels: list[str] = []

    @field_validator("household_levels", "personal_levels")
    @classmethod
    def _dotted(cls, names: list[str]) -> list[str]:
        for name in names:
            if name.count(".") != 1:
                raise ValueError(f"{name!r}: expected comparison.level")
        return names


class ClusterSettings(StrictModel):
    """Clustering without chaining: learned cannot-links and weak-bridge cutting."""

    # a level learned below -cannot_link_bits is a cannot-link; a pair at a level of
    # another comparison learned above +vouch_bits is exempt from it
    cannot_link_bits: float = Field(default=10.0, gt=0)
    vouch_bits: float = Field(default=10.0, gt=0)
    valid_tax_ids_differ: bool = True  # two valid check-digit tax ids: never one person
    bridge_weight: float = 12.0  # auto edges below this weight are 'weak'
    min_bridge_support: int = Field(default=2, ge=1)
    max_cluster_size: int = Field(default=50, ge=2)


class MatchingRules(StrictModel):
    """The whole of ``rules/matching.yaml``."""

    link_type: Literal["dedupe_and_link", "link_only", "dedupe_only"] = "dedupe_and_link"
    blocking_rules: list[BlockingRule] = Field(min_length=1)
    max_block_size: int = Field(default=300, ge=2)
    comparisons: list[Comparison] = Field(min_length=1)
    model: ModelSettings = ModelSettings()
    bands: Bands = Bands()
    ambiguity: Ambiguity = Ambiguity()
    cluster: ClusterSettings = ClusterSettings()

    @model_validator(mode="after")
    def _unique_names(self) -> MatchingRules:
        for what, names in (
            ("comparisons", [c.name for c in self.comparisons]),
            ("blocking_rules", [r.name for r in self.blocking_rules]),
        ):
            dup = {n for n in names if names.count(n) > 1}
            if dup:
                raise ValueError(f"duplicate {what} names: {sorted(dup)}")
        names = [c.name for c in self.comparisons]
        for c in self.comparisons:
            for other in (g for given in c.u_given for g in given):
                if other not in names or other == c.name:
                    raise ValueError(f"comparison {c.name!r}: u_given must name other "
                                     f"comparisons, got {other!r}")
        return self


def load_matching_rules(path: str | Path) -> MatchingRules:
    """Load and validate ``rules/matching.yaml``; raises ``ConfigError`` naming file and key."""
    return load_model(MatchingRules, Path(path))
