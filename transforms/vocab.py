"""Closed vocabularies and the text-folding helpers every normalizer shares.

Department exports spell the same value many ways ("Sí", "si", "да", "YES").
Vocabularies (``rules/vocabularies.yaml``) map those spellings onto a small
closed set so survivorship can compare them. Matching is case-, accent- and
whitespace-insensitive; a value that maps to nothing is *reported*, never
silently dropped (the raw column stays in the record).

The helpers ``fold_text`` and ``map_unique`` live here because matching a
vocabulary is the simplest instance of what every normalizer does: fold a
string, and compute once per distinct value rather than once per row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from crm_golden.config.vocabularies import (  # noqa: F401 - re-exported for callers
    DEFAULT_VOCABULARIES_PATH,
    Vocabularies,
    Vocabulary,
    VocabularyTerm,
    load_vocabularies,
)

_LATIN_MARKS = re.compile(r"(?<=[A-Za-z])[\u0300-\u036f]+")
_SPACES = re.compile(r"\s+")
_PUNCT_TO_SPACE = re.compile(r"[\s_\-./,;:()\[\]{}'\"`´«»“”„!?¡¿]+")


def fold_one(text: str, *, punctuation: bool = False) -> str:
    """Fold one string: NFKC, casefold, accents off Latin letters, ё→е, spaces collapsed.

    Cyrillic ``й`` keeps its breve (it is a different letter, not an accent).
    With ``punctuation=True`` punctuation is turned into spaces as well, which
    is what free-text vocabularies ("e-mail", "Google Ads.") want.
    """
    text = _fold_base(text)
    if punctuation:
        text = _PUNCT_TO_SPACE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold_both(text: str) -> tuple[str, str]:
    """``(fold_one(text), fold_one(text, punctuation=True))`` with one Unicode pass."""
    base = _fold_base(text)
    return (_SPACES.sub(" ", base).strip(),
            _SPACES.sub(" ", _PUNCT_TO_SPACE.sub(" ", base)).strip())


def _fold_base(text: str) -> str:
    """NFKC, Latin accents off, casefold, ё→е, ß→ss (no whitespace handling)."""
    if text.isascii():  # every Unicode step is the identity on ASCII; casefold == lower
        return text.lower()
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    text = unicodedata.normalize("NFC", _LATIN_MARKS.sub("", text)).casefold()
    return text.replace("ё", "е").replace("ß", "ss")


def map_unique(values: pd.Series, fn: Callable[[pd.Series], pd.DataFrame]) -> pd.DataFrame:
    """Apply ``fn`` once per distinct value of ``values`` and broadcast back to every row.

    ``fn`` receives a Series of distinct values (<NA> included once, at the end)
    with a 0..k-1 index and returns a DataFrame with the same index. Real
    exports repeat values heavily (shared company phones, cities, placeholder
    emails), and the per-value libraries (phonenumbers, email-validator) cost
    tens of microseconds a call, so this is the difference between seconds and
    minutes on a million rows.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    k = len(uniques)
    if isinstance(uniques, np.ndarray) and uniques.dtype == object:
        cells = uniques
    elif isinstance(getattr(uniques, "dtype", None), pd.StringDtype):
        cells = uniques.to_numpy(dtype=object)  # str cells (no <NA>: it has a sentinel)
    else:
        cells = np.array(list(uniques) + [None], dtype=object)[:k]
    return map_codes(codes, cells, fn, values.index)


def map_codes(codes: np.ndarray, cells: np.ndarray, fn: Callable[[pd.Series], pd.DataFrame],
              index: pd.Index) -> pd.DataFrame:
    """``map_unique`` from codes already computed: ``fn`` once per cell, one row per code.

    ``codes`` index ``cells`` (-1 for <NA>); ``fn`` gets the cells plus <NA> at the end.
    """
    k = len(cells)
    distinct = pd.Series([*cells, None], dtype=object)
    distinct.iloc[k] = pd.NA
    result = fn(distinct)
    out = result.iloc[np.where(codes < 0, k, codes)]
    out.index = index
    return out


def clean_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``clean_strings(values)`` as (codes, cells): int64 codes (-1 for <NA>) into the
    distinct cleaned cells (object array of str, in order of first appearance).

    Cleans each distinct raw cell once instead of every row, and gives the codes
    that ``map_codes`` and pair keys (``pair_codes``) need without hashing twice.
    """
    codes, raw = factorize_cells(values.astype("string"))
    null_like, longest = _NULL_LIKE, _NULL_LIKE_LONGEST
    cleaned = [None if len(t := v.strip()) <= longest and t.lower() in null_like else t
               for v in raw]
    # str.strip returns the same object when there is nothing to strip: usually no cell
    # changed and the distinct raw cells are the distinct cleaned cells
    if all(c is v for c, v in zip(cleaned, raw, strict=True)):
        return codes, raw
    remap, cells = factorize_cells(pd.Series(cleaned, dtype=object))
    return np.append(remap, -1)[codes], cells


def pair_codes(first: np.ndarray, second: np.ndarray, width: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (first, second) code pairs: (pair code per row, first and second code per pair).

    ``first`` may hold -1 (<NA>): those rows get pair code -1. ``second`` holds codes
    in ``0..width-1``. One int64 factorize instead of hashing concatenated strings.
    """
    present = first >= 0
    keys = first[present] * width + second[present]
    codes, uniques = pd.factorize(keys)
    out = np.full(len(first), -1, dtype=np.int64)
    out[present] = codes
    return out, uniques // width, uniques % width


def factorize_cells(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, cells): int64 codes (-1 for <NA>) into an object array of the distinct cells.

    The building block of "once per distinct value": hash the column once in C, work on
    the distinct cells in Python, and broadcast results back with ``array[codes]``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if isinstance(uniques, np.ndarray):
        cells = uniques.astype(object, copy=False)
    else:
        cells = np.asarray(uniques.to_numpy(dtype=object), dtype=object)
    return codes.astype(np.int64, copy=False), cells


_NULL_LIKE = frozenset(["", "null", "none", "nan", "nat", "n/a", "na", "-", "--", "—", "?"])
_NULL_LIKE_LONGEST = max(map(len, _NULL_LIKE))


def clean_strings(values: pd.Series) -> pd.Series:
    """Raw export cells as stripped strings, with blank and null-like cells as <NA>.

    Exports write "missing" many ways: empty, whitespace, "NULL", "nan",
    "-", "N/A". Treating them as missing (not invalid) keeps validity
    rates honest.
    """
    s = values.astype("string")
    # one pass of plain str methods over the cells: the pandas string accessors
    # (strip, lower, isin, mask) each cost a full column pass with NA handling
    na = pd.NA
    null_like = _NULL_LIKE
    longest = _NULL_LIKE_LONGEST  # lower() never shortens a string: longer cells are values
    cells = s.to_numpy(dtype=object, na_value=None)
    cleaned = [
        na if v is None or (len(t := v.strip()) <= longest and t.lower() in null_like) else t
        for v in cells
    ]
    return pd.Series(pd.array(cleaned, dtype=s.dtype), index=s.index, name=s.name)


def status_frame(index: pd.Index, field: str) -> pd.DataFrame:
    """Empty status/reason columns for ``field`` (all <NA>) over ``index``."""
    return pd.DataFrame(
        {
            f"{field}_status": pd.Series(pd.NA, index=index, dtype="string"),
            f"{field}_reason": pd.Series(pd.NA, index=index, dtype="string"),
        }
    )


def vocabulary_lookup(vocabs: Vocabularies,
                      name: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Folded exact spelling -> canonical, and (folded keyword, canonical) pairs."""
    cached = _LOOKUP_CACHE.get((id(vocabs), name))
    if cached is not None:
        return cached
    if name not in vocabs.vocabularies:
        raise KeyError(f"unknown vocabulary: {name}")
    vocab = vocabs.vocabularies[name]
    exact: dict[str, str] = {}
    keywords: list[tuple[str, str]] = []
    for canonical, term in vocab.terms.items():
        exact[fold_one(canonical, punctuation=True)] = canonical
        for spelling in term.values:
            exact[fold_one(str(spelling), punctuation=True)] = canonical
        for keyword in term.keywords:
            keywords.append((fold_one(keyword, punctuation=True), canonical))
    # longer keywords first so "correo postal" beats "correo"
    keywords.sort(key=lambda kv: -len(kv[0]))
    _LOOKUP_CACHE[(id(vocabs), name)] = (exact, keywords)
    return exact, keywords


_LOOKUP_CACHE: dict[tuple[int, str], tuple[dict[str, str], list[tuple[str, str]]]] = {}


def _coerce_vocabularies(vocabularies: Vocabularies | Mapping[str, Any]) -> Vocabularies:
    if isinstance(vocabularies, Vocabularies):
        return vocabularies
    data = dict(vocabularies)
    if "vocabularies" not in data:
        data = {"vocabularies": data}
    return Vocabularies.model_validate(data)


def _match_one(folded: str, exact: dict[str, str], keywords: list[tuple[str, str]]) -> Any:
    hit = exact.get(folded)
    if hit is not None:
        return hit
    padded = f" {folded} "
    for keyword, canonical in keywords:
        # keywords match at a word start, so stems ("наличн") cover inflections
        if f" {keyword}" in padded:
            return canonical
    return None


def map_vocabulary(
    values: pd.Series,
    vocabulary: str,
    vocabularies: Vocabularies | Mapping[str, Any],
) -> tuple[pd.Series, pd.Series]:
    """Map raw values onto the closed vocabulary ``vocabulary``.

    Returns ``(mapped, unmapped)``: ``mapped`` holds the canonical value
    (string, or boolean for ``output: boolean`` vocabularies) or <NA>;
    ``unmapped`` is True where a non-empty raw value matched nothing, so the
    caller can report it. Exact (folded) spellings win; otherwise the longest keyword
    found at the start of a word in the value decides ("formulario web de
    contacto" -> web).
    """
    vocabs = _coerce_vocabularies(vocabularies)
    exact, keywords = vocabulary_lookup(vocabs, vocabulary)
    is_bool = vocabs.vocabularies[vocabulary].output == "boolean"
    raw = clean_strings(values)

    def per_unique(distinct: pd.Series) -> pd.DataFrame:
        out: list[str | None] = []
        for value in distinct:
            if value is pd.NA or value is None:
                out.append(None)
            else:
                out.append(_match_one(fold_one(str(value), punctuation=True), exact, keywords))
        return pd.DataFrame({"m": pd.Series(out, index=distinct.index, dtype=object)})

    mapped = map_unique(raw, per_unique)["m"]
    unmapped = raw.notna() & mapped.isna()
    if is_bool:
        result = mapped.map({"true": True, "false": False}).astype("boolean")
    else:
        result = mapped.astype("string")
    return result, unmapped.astype(bool)
