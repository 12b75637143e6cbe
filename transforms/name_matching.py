"""Name-matching predicates (nicknames, the same name in another language, compound given
names, gender of a given name) and the Russian surname gender fold.

Linking (``transforms.compare``, ``transforms.cluster``) needs these and their tables, not
the parser, so they live apart from ``transforms.names``. Keys are ``name_keys.latin_key``s.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeAlias, overload

import numpy as np
import pandas as pd

from transforms.name_keys import GENDER_BY_GIVEN, latin_key
from transforms.reference import honorifics as _hon
from transforms.reference import nicknames as _nick

# --------------------------------------------------------------------------------------
# Nickname and cross-language tables (built once at import)
# --------------------------------------------------------------------------------------


def _without_particles(key: str) -> str:
    """"maria del carmen" -> "maria carmen": a written-out particle is not part of the name
    ("María del Carmen", "María Carmen" and "Mamen" are one person's forms)."""
    if " " not in key:
        return key
    words = [w for w in key.split(" ") if w not in _hon.PARTICLES]
    return " ".join(words) if words else key


def _build_nicknames() -> tuple[dict[str, tuple[str, ...]], set[str]]:
    table: dict[str, list[str]] = {}
    canon_keys: set[str] = set()
    for groups in (_nick.ES_GROUPS, _nick.RU_GROUPS, _nick.EN_GROUPS):
        for canonical, variants in groups:
            ck = _without_particles(latin_key(canonical))
            canon_keys.add(ck)
            for variant in variants:
                vk = latin_key(variant)
                if vk and vk != ck:
                    table.setdefault(vk, [])
                    if ck not in table[vk]:
                        table[vk].append(ck)
    out: dict[str, tuple[str, ...]] = {}
    for vk, cks in table.items():
        # A key that is itself a canonical name stays itself (first), e.g. "natalia".
        out[vk] = (vk, *[c for c in cks if c != vk]) if vk in canon_keys else tuple(cks)
    return out, canon_keys


_NICKNAMES, _CANON_KEYS = _build_nicknames()
# Every nickname and canonical given key: the parser counts them as known given names.
NICKNAME_KEYS = set(_NICKNAMES) | _CANON_KEYS


def _build_cross() -> dict[str, frozenset[int]]:
    out: dict[str, set[int]] = {}
    for gid, group in enumerate(_nick.CROSS_LANGUAGE):
        for name in group:
            out.setdefault(latin_key(name), set()).add(gid)
    return {k: frozenset(v) for k, v in out.items()}


_CROSS = _build_cross()

# Given keys of many pairs' one side: the predicates below take two of equal length.
GivenKeys: TypeAlias = pd.Series | np.ndarray | list[str | None]

# --------------------------------------------------------------------------------------
# Nicknames
# --------------------------------------------------------------------------------------


def canonical_given_set(key: str) -> tuple[str, ...]:
    """All canonical given keys a given key may stand for, representative first.

    "sasha" -> ("aleksandr", "aleksandra"); "jose" -> ("jose",); multi-word keys are
    looked up whole ("maite" -> "maria teresa") and otherwise folded word by word.
    """
    if not isinstance(key, str) or not key:
        return ()
    key = _without_particles(latin_key(key))
    hit = _NICKNAMES.get(key)
    if hit:
        return hit
    if " " in key:
        return (" ".join(_NICKNAMES.get(t, (t,))[0] for t in key.split(" ")),)
    return (key,)


def canonical_given(key: str) -> str:
    """Deterministic nickname-folded given key: "pepe" -> "jose", "bill" -> "wiliam".

    Ambiguous nicknames fold to the canonical of the first reference group listing them
    ("beto" -> "alberto"); use ``nickname_equivalent`` to accept any of the meanings.
    """
    found = canonical_given_set(key)
    return found[0] if found else ""


@lru_cache(maxsize=262_144)
def _nick_eq_scalar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    return bool(set(canonical_given_set(a)) & set(canonical_given_set(b)))


def _pairwise(
    fn: Callable[[str, str], bool], a: str | GivenKeys | None, b: str | GivenKeys | None
) -> bool | np.ndarray:
    """``fn`` on two keys, or on each distinct pair of two key arrays (as a bool array)."""
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        a_s = a if isinstance(a, str) else ""
        b_s = b if isinstance(b, str) else ""
        return fn(a_s, b_s)
    left = [x if isinstance(x, str) else "" for x in np.asarray(a, dtype=object)]
    right = [x if isinstance(x, str) else "" for x in np.asarray(b, dtype=object)]
    pairs = pd.MultiIndex.from_arrays([left, right])
    codes, uniques = pd.factorize(pairs)
    res = np.fromiter((fn(x, y) for x, y in uniques), dtype=bool, count=len(uniques))
    return res[codes]


@overload
def nickname_equivalent(a: str | None, b: str | None) -> bool: ...
@overload
def nickname_equivalent(a: GivenKeys, b: GivenKeys) -> np.ndarray: ...
def nickname_equivalent(
    a: str | GivenKeys | None, b: str | GivenKeys | None
) -> bool | np.ndarray:
    """True when two given keys share a canonical name ("pepe"/"jose", "sasha"/"shura").

    Accepts two strings (returns bool) or two equal-length array-likes/Series (returns a
    numpy bool array, computed once per distinct pair). Missing values are never equal.
    """
    return _pairwise(_nick_eq_scalar, a, b)


@lru_cache(maxsize=262_144)
def _cross_eq_scalar(a: str, b: str) -> bool:
    if _nick_eq_scalar(a, b):
        return True
    ga = set().union(*(_CROSS.get(c, frozenset()) for c in canonical_given_set(a)))
    gb = set().union(*(_CROSS.get(c, frozenset()) for c in canonical_given_set(b)))
    return bool(ga & gb)


def cross_language_groups(canonical: str) -> tuple[int, ...]:
    """Ids of the cross-language groups a canonical given key is in (jose -> José/Joseph's).

    Public so that linking can compute equivalence once per distinct name and test millions
    of pairs with array lookups instead of calling :func:`cross_language_equivalent` per pair.
    """
    return tuple(_CROSS.get(canonical, ()))


@overload
def cross_language_equivalent(a: str | None, b: str | None) -> bool: ...
@overload
def cross_language_equivalent(a: GivenKeys, b: GivenKeys) -> np.ndarray: ...
def cross_language_equivalent(
    a: str | GivenKeys | None, b: str | GivenKeys | None
) -> bool | np.ndarray:
    """Nickname-equivalent, or the same name in another language (José/Joseph, Pepe/Joe).

    A weaker signal than ``nickname_equivalent``: keep it as its own comparison level.
    """
    return _pairwise(_cross_eq_scalar, a, b)


@lru_cache(maxsize=262_144)
def _given_token_forms(key: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Words of a given key, each with every canonical name it may stand for.

    A nickname of the whole compound is expanded first ("majo" -> "maria jose"), so its
    words take part too; particles are dropped ("maria del carmen" -> maria, carmen).
    """
    whole = canonical_given_set(key)
    words = _without_particles(whole[0] if whole and " " in whole[0] else key).split(" ")
    return tuple((w, frozenset(canonical_given_set(w))) for w in words if w)


@lru_cache(maxsize=262_144)
def _tokens_compatible_scalar(a: str, b: str) -> bool:
    if not a or not b or a == b:
        return False
    ta, tb = _given_token_forms(a), _given_token_forms(b)
    if len(ta) > len(tb):
        ta, tb = tb, ta
    full_hits = 0
    pos = 0  # in order: "María José" and "José María" are different people
    for word, canon in ta:
        while pos < len(tb):
            other, other_canon = tb[pos]
            pos += 1
            if len(word) == 1 or len(other) == 1:  # an initial stands for a word
                ok = word[0] == other[0]
            else:
                ok = bool(canon & other_canon)
                full_hits += ok
            if ok:
                break
        else:
            return False
    return full_hits > 0


def given_gender(key: str) -> str | None:
    """"M"/"F" when the first word of a given key is a known one-gender name, else None
    ("juan" M, "juana" F, "sasha" None): typo-close names of two genders are two people."""
    if not isinstance(key, str) or not key:
        return None
    genders = {GENDER_BY_GIVEN.get(c) for c in canonical_given_set(key.split(" ")[0])}
    return genders.pop() if len(genders) == 1 else None


@overload
def given_tokens_compatible(a: str | None, b: str | None) -> bool: ...
@overload
def given_tokens_compatible(a: GivenKeys, b: GivenKeys) -> np.ndarray: ...
def given_tokens_compatible(
    a: str | GivenKeys | None, b: str | GivenKeys | None
) -> bool | np.ndarray:
    """True when the words of the shorter given name are, in order, words of the longer one
    (or nicknames or initials of them), and at least one whole word agrees.

    Spanish and English customers use their compound or middle given names inconsistently:
    "Juan" / "Juan Antonio", "María Pilar" / "Pilar", "Pepe" / "José Antonio",
    "Linda M." / "Linda". Those are not nicknames of each other nor fuzzy-similar, but a
    different person is far less likely than with a truly different given name, so
    linking gives this its own level instead of "else". Equal keys are the exact level.
    """
    return _pairwise(_tokens_compatible_scalar, a, b)


# --------------------------------------------------------------------------------------
# Surnames: Russian gender folding
# --------------------------------------------------------------------------------------

_PROTECT_FEMININE = frozenset(
    {"casanova", "vilanova", "cordova", "terranova", "vilanueva", "nueva",
     "eva", "leva", "neva", "ova", "medina", "molina", "espina", "reina",
     "marina", "carolina", "lina", "tina", "ina"}
)


def family_gender_fold(key: str, russian: bool = True) -> str:
    """Fold Russian (and Polish) feminine surname forms onto the masculine key.

    Иванова/Ivanova -> "ivanov", Петровская/Petrovskaya/Petrovskiy -> "petrovski",
    Толстая -> "tolstoi". "-ova"/"-eva"/"-skaia" are folded always (never Spanish
    except a protected few); "-ina" and "-aia" only with Russian evidence (``russian``),
    because Medina, Molina, Anaya and Amaya are Spanish.
    """
    if not key or key in _PROTECT_FEMININE or len(key) < 4:
        return key
    if key.endswith("skaia"):
        return key[:-5] + "ski"
    if key.endswith("skoi"):
        return key[:-4] + "ski"
    if key.endswith("ska") and len(key) >= 6:
        return key[:-3] + "ski"
    if key.endswith(("ova", "eva")) and len(key) >= 5 and not key.endswith("ueva"):
        return key[:-1]
    if russian:
        if key.endswith("ina") and len(key) >= 5:
            return key[:-1]
        if key.endswith("aia") and len(key) >= 6:
            return key[:-3] + "oi"
    return key

