"""Keyed hashes of normalized identifiers, and matching rows against a set of them.

Why keyed hashes: an erased person must stay out of tomorrow's exports, so something about
them has to be kept, but not anything that identifies them to whoever reads the state
folder. An HMAC-SHA256 under a key kept outside the repository and the output folder
(see ``flows.privacy``) lets a run recognise the person's identifiers and nothing else:
without the key the hashes cannot be tested against a guess (a plain SHA-256 of an e-mail
can, by hashing a list of e-mails).

What is hashed is the *normalized* value the pipeline already computes, so a re-typed
variant of an erased e-mail (``Maria.Lopez+promo@GMAIL.com``) still matches:

* ``email``    ``email_key`` (lower case, Gmail dots and +tags folded); role and placeholder
  mailboxes (info@, noemail@) are never hashed: they are shared, not a person's;
* ``phone``    ``phone_e164`` and ``phone_2_e164``;
* ``tax_id``   ``tax_id_norm``;
* ``name_dob`` ``given_key|family_key|date_of_birth`` (all three present);
* ``record``   ``source:source_record_id``, for sources whose records carry an id of their
  own (a row number names another person in the next export).

Each kind is hashed with its own prefix, so an e-mail never matches a phone. Every
function works per distinct value (``pd.factorize``), so a million rows cost one HMAC per
distinct value. Pure functions: no file I/O, no logging, nothing here ever holds a key
longer than the :class:`Hasher` that is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

from transforms.emails import normalize_emails

KINDS = ("record", "email", "phone", "tax_id", "name_dob")
IDENTIFIER_KINDS = ("email", "phone", "tax_id", "name_dob")
# Normalized columns each identifier kind reads (``name_dob`` joins its three).
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email_key",),
    "phone": ("phone_e164", "phone_2_e164"),
    "tax_id": ("tax_id_norm",),
    "name_dob": ("given_key", "family_key", "date_of_birth_norm"),
}
KEY_CHECK_MESSAGE = b"crm-golden/suppression-key-check/1"
MIN_KEY_LENGTH = 16
_SEP = "\x1f"
_EMAIL_IN_TEXT = re.compile(r"[^\s@<>()\[\],;:\"'{}]+@[^\s@<>()\[\],;:\"'{}]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Hasher:
    """An HMAC-SHA256 key; ``repr`` never shows it (objects get printed in tracebacks)."""

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_LENGTH:
            raise ValueError(f"the HMAC key must be at least {MIN_KEY_LENGTH} bytes")

    def digest(self, kind: str, value: str) -> str:
        """Hex HMAC of one normalized value of ``kind``."""
        msg = f"{kind}{_SEP}{value}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()

    def key_check(self) -> str:
        """A value that tells whether two keys are the same without revealing either.

        Stored with the suppression list: a run under another key would match nothing and
        silently re-ingest erased people, so it refuses instead.
        """
        return hmac.new(self.key, KEY_CHECK_MESSAGE, hashlib.sha256).hexdigest()[:16]

    def same_key_as(self, check: str | None) -> bool:
        return check is None or hmac.compare_digest(self.key_check(), str(check))


# --------------------------------------------------------------------------- values


def text_of(value: object) -> str | None:
    """A normalized cell as text; dates as ``YYYY-MM-DD``; None for blanks."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)[:10]
    text = str(value).strip()
    return text or None


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _flag(values: pd.Series) -> pd.Series:
    """A boolean column with blanks as False."""
    return values.astype("boolean").fillna(False).astype(bool)


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    return codes, [text_of(u) for u in uniques]


def identifier_values(frame: pd.DataFrame, kinds: Iterable[str] = IDENTIFIER_KINDS,
                      id_sources: Collection[str] = ()) -> list[tuple[str, pd.Series]]:
    """(kind, normalized text per row or None) for every identifier column of ``frame``.

    ``frame`` is normalized records (``clean_records`` columns). ``record`` values are
    produced only for rows of ``id_sources``.
    """
    out: list[tuple[str, pd.Series]] = []
    for kind in kinds:
        if kind == "record":
            if "source" not in frame.columns or not id_sources:
                continue
            source = frame["source"].astype(str)
            key = source + ":" + _column(frame, "source_record_id").astype(str)
            out.append((kind, key.where(source.isin(list(id_sources)), None)))
        elif kind == "email":
            keys = _column(frame, "email_key").astype(object)
            shared = _flag(_column(frame, "email_is_role")) | \
                _flag(_column(frame, "email_is_placeholder"))
            out.append((kind, keys.where(~shared.to_numpy(), None)))
        elif kind == "name_dob":
            parts = [_text_series(_column(frame, c)) for c in KIND_COLUMNS[kind]]
            joined = parts[0] + "|" + parts[1] + "|" + parts[2]
            out.append((kind, joined.where(parts[0].notna() & parts[1].notna()
                                           & parts[2].notna(), None)))
        elif kind in KIND_COLUMNS:
            for col in KIND_COLUMNS[kind]:
                if col in frame.columns:
                    out.append((kind, frame[col]))
        else:
            raise ValueError(f"unknown identifier kind {kind!r}")
    return out


def _text_series(values: pd.Series) -> pd.Series:
    codes, texts = _distinct_text(values)
    table = np.array([*texts, None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


# --------------------------------------------------------------------------- hashing


def hash_values(hasher: Hasher, kind: str, values: pd.Series) -> pd.Series:
    """HMAC of each row's value (None where blank), one HMAC per distinct value."""
    codes, texts = _distinct_text(values)
    digests = [None if t is None else hasher.digest(kind, t) for t in texts]
    table = np.array([*digests, None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def row_hashes(frame: pd.DataFrame, hasher: Hasher, kinds: Iterable[str] = KINDS,
               id_sources: Collection[str] = ()) -> list[pd.Series]:
    """Every identifier hash column of ``frame`` (one Series per normalized column)."""
    return [hash_values(hasher, kind, values)
            for kind, values in identifier_values(frame, kinds, id_sources)]


def subject_hashes(frame: pd.DataFrame, hasher: Hasher, kinds: Iterable[str] = KINDS,
                   id_sources: Collection[str] = ()) -> set[str]:
    """The hashes of every identifier of ``frame``'s rows (an erased person's records)."""
    out: set[str] = set()
    for col in row_hashes(frame, hasher, kinds, id_sources):
        out.update(h for h in col.dropna().tolist())
    return out


def matching_rows(frame: pd.DataFrame, hasher: Hasher, hashes: Collection[str],
                  kinds: Iterable[str] = KINDS, id_sources: Collection[str] = ()) -> np.ndarray:
    """Boolean mask: rows with any identifier whose hash is in ``hashes``."""
    mask = np.zeros(len(frame), dtype=bool)
    if not hashes or frame.empty:
        return mask
    wanted = hashes if isinstance(hashes, set | frozenset) else set(hashes)
    for kind, values in identifier_values(frame, kinds, id_sources):
        codes, texts = _distinct_text(values)
        hit = np.array([t is not None and hasher.digest(kind, t) in wanted for t in texts]
                       + [False], dtype=bool)
        mask |= hit[codes]
    return mask


def key_hash(hasher: Hasher, kind: str, raw: str) -> str | None:
    """The hash an erase KEY of ``kind`` (``email`` raw text, ``phone`` E.164, ``record``
    key) stands for; None when the text does not normalize to a key."""
    if kind == "email":
        frame = normalize_emails(pd.Series([raw], dtype="string"))
        value = text_of(frame["email_key"].iloc[0])
    else:
        value = text_of(raw)
    return None if value is None else hasher.digest(kind, value)


# --------------------------------------------------------------------------- free text


def emails_in_text(values: pd.Series) -> pd.Series:
    """Per row, the normalized keys of e-mail addresses found in free text (``raw`` JSON
    of a quarantined row), as a list; rows without one get an empty list."""
    found = values.astype("string").fillna("").str.findall(_EMAIL_IN_TEXT)
    flat = pd.Series([e for lst in found for e in lst], dtype="string")
    if flat.empty:
        return pd.Series([[] for _ in range(len(values))], index=values.index, dtype=object)
    distinct = flat.drop_duplicates()
    keys = normalize_emails(distinct.reset_index(drop=True))["email_key"]
    key_of = dict(zip(distinct.tolist(), keys.astype(object).tolist(), strict=True))
    return pd.Series([[k for e in lst if (k := text_of(key_of.get(e))) is not None]
                      for lst in found], index=values.index, dtype=object)


def text_matches(values: pd.Series, hasher: Hasher, hashes: Collection[str]) -> np.ndarray:
    """Rows of free text holding an e-mail address whose key hash is in ``hashes``."""
    mask = np.zeros(len(values), dtype=bool)
    if not hashes or values.empty:
        return mask
    wanted = hashes if isinstance(hashes, set | frozenset) else set(hashes)
    keys = emails_in_text(values)
    distinct = {k for lst in keys for k in lst}
    hit = {k for k in distinct if hasher.digest("email", k) in wanted}
    if hit:
        mask = np.array([any(k in hit for k in lst) for lst in keys], dtype=bool)
    return mask


def plain_text_matches(values: pd.Series, needles: Iterable[str]) -> np.ndarray:
    """Rows of free text containing any of ``needles`` (case-insensitive); for the erase
    verb, which holds the person's values in memory while it runs."""
    words = sorted({n.strip().casefold() for n in needles if n and len(n.strip()) >= 4},
                   key=len, reverse=True)
    if not words or values.empty:
        return np.zeros(len(values), dtype=bool)
    pattern = "|".join(re.escape(w) for w in words)
    text = values.astype("string").fillna("").str.casefold()
    return text.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)


# --------------------------------------------------------------------------- opt-outs


def opted_out(frame: pd.DataFrame, attributes: Iterable[str]) -> np.ndarray:
    """Rows that opted out of every channel their source asks about.

    ``attributes`` are consent attribute names (``consent_email``...), typed booleans in
    ``attr_<name>`` after normalization. A row is an opt-out when at least one of them is
    present and every present one is False; a missing answer is not an opt-out.
    """
    cols = [f"attr_{a}" for a in attributes if f"attr_{a}" in frame.columns]
    if not cols or frame.empty:
        return np.zeros(len(frame), dtype=bool)
    answered = np.zeros(len(frame), dtype=bool)
    consented = np.zeros(len(frame), dtype=bool)
    for col in cols:
        values = frame[col].astype("boolean")
        answered |= values.notna().to_numpy()
        consented |= values.fillna(False).to_numpy(dtype=bool)
    return answered & ~consented


def count_by(frame: pd.DataFrame, mask: np.ndarray, column: str = "source") -> dict[str, int]:
    """Rows of ``mask`` per value of ``column`` (counts for the row accounting)."""
    if not mask.any():
        return {}
    counts = frame.loc[mask, column].astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


def merge_counts(*parts: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, 0) + int(v)
    return out


# --------------------------------------------------------------------------- the list


SUPPRESSION_FORMAT = "crm-golden-suppression/1"


@dataclass(frozen=True)
class SuppressionList:
    """Keyed hashes of erased people's identifiers, and the check value of their key.

    Persisted by ``flows.state`` in each state generation; holds no plain value.
    """

    key_check: str | None = None
    hashes: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.hashes)

    def adding(self, hashes: Iterable[str], key_check: str) -> SuppressionList:
        """This list plus ``hashes`` (made under the key whose check value is given)."""
        if self.key_check is not None and not hmac.compare_digest(self.key_check, key_check):
            raise ValueError("the suppression list was made under another HMAC key")
        return SuppressionList(key_check, self.hashes | frozenset(hashes))

    def to_json(self) -> str:
        return json.dumps({"format": SUPPRESSION_FORMAT, "key_check": self.key_check,
                            "count": len(self.hashes), "hashes": sorted(self.hashes)},
                           indent=0) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SuppressionList:
        data = json.loads(text)
        if data.get("format") != SUPPRESSION_FORMAT:
            raise ValueError(f"not a suppression list (format {data.get('format')!r})")
        return cls(data.get("key_check"), frozenset(str(h) for h in data.get("hashes", [])))
