"""Tests for transforms.name_matching: nicknames, cross-language names, compound given names,
gender of a given name and the Russian surname gender fold."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms.name_keys import latin_key
from transforms.name_matching import (
    _NICKNAMES,
    canonical_given,
    canonical_given_set,
    cross_language_equivalent,
    family_gender_fold,
    given_gender,
    given_tokens_compatible,
    nickname_equivalent,
)
from transforms.names import normalize_names


def one(**cols: object) -> pd.Series:
    """Normalize a one-row frame and return the row."""
    return normalize_names(pd.DataFrame({k: [v] for k, v in cols.items()})).iloc[0]


# ------------------------------------------------------------------ nicknames


@pytest.mark.parametrize(
    ("nick", "canon"),
    [("Pepe", "jose"), ("Paco", "francisco"), ("Pancho", "francisco"), ("Pili", "pilar"),
     ("Lola", "dolores"), ("Conchita", "concepcion"), ("Nacho", "ignacio"),
     ("Chema", "jose maria"), ("Lupe", "guadalupe"), ("Memo", "guilermo"),
     ("Quique", "enrique"), ("Charo", "rosario"), ("Manolo", "manuel"), ("Toño", "antonio"),
     ("Chucho", "jesus"), ("Maite", "maria teresa"), ("Саша", "aleksandr"),
     ("Sasha", "aleksandr"), ("Шура", "aleksandr"), ("Дима", "dmitri"),
     ("Катя", "ekaterina"), ("Katya", "ekaterina"), ("Лёша", "aleksei"),
     ("Lyosha", "aleksei"), ("Миша", "mihail"), ("Коля", "nikolai"), ("Серёжа", "sergei"),
     ("Таня", "tatiana"), ("Наташа", "natalia"), ("Маша", "maria"), ("Юра", "iuri"),
     ("Ваня", "ivan"), ("Вова", "vladimir"), ("Volodya", "vladimir"), ("Настя", "anastasia"),
     ("Bill", "wiliam"), ("Liam", "wiliam"), ("Bob", "robert"), ("Betty", "elizabeth"),
     ("Jimmy", "james"), ("Mike", "michael"), ("Dick", "richard"), ("Peggy", "margaret"),
     ("José", "jose"), ("Zzyzx", "zizks")],
)
def test_canonical_given(nick: str, canon: str) -> None:
    assert canonical_given(latin_key(nick)) == canon
    assert one(full_name=f"{nick} García")["given_canon"] == canon


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [("Sasha", "Aleksandra", True), ("Саша", "Alexander", True), ("Beto", "Roberto", True),
     ("Beto", "Alberto", True), ("Chris", "Christine", True), ("Chris", "Christopher", True),
     ("Женя", "Evgenia", True), ("Sam", "Samantha", True), ("Pepe", "José", True),
     ("Pepe", "Paco", False), ("Roberto", "Alberto", False), ("José", "Joseph", False),
     ("Juan", "Ivan", False), ("", "Jose", False)],
)
def test_nickname_equivalent(a: str, b: str, equal: bool) -> None:
    assert nickname_equivalent(latin_key(a), latin_key(b)) is equal


def test_nickname_equivalent_vectorized() -> None:
    left = pd.Series(["pepe", "sasha", None, "bob"])
    right = pd.Series(["jose", "aleksandra", "jose", "wiliam"])
    assert nickname_equivalent(left, right).tolist() == [True, True, False, False]


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [("José", "Joseph", True), ("Pepe", "Joe", True), ("Alejandro", "Aleksandr", True),
     ("Miguel", "Михаил", True), ("Juan", "Ivan", False), ("José", "Juan", False)],
)
def test_cross_language_equivalent(a: str, b: str, equal: bool) -> None:
    assert cross_language_equivalent(latin_key(a), latin_key(b)) is equal


def test_ambiguous_nickname_has_deterministic_representative() -> None:
    assert canonical_given_set("sasha")[:2] == ("aleksandr", "aleksandra")
    assert canonical_given("sasha") == "aleksandr"


def test_nickname_table_is_large_enough() -> None:
    assert sum(len(v) for v in _NICKNAMES.values()) >= 150


# ------------------------------------------------------------------ compound given names


@pytest.mark.parametrize(
    ("a", "b", "compatible"),
    [("Juan", "Juan Antonio", True), ("Pilar", "María Pilar", True),
     ("Pepe", "José Antonio", True), ("Majo", "María José", True),
     ("Carmen", "María del Carmen", True), ("Lupe", "María Guadalupe", True),
     ("Juan M", "Juan Manuel", True), ("Anabel", "Ana", True),
     ("María José", "José María", False),  # order matters: two different people
     ("Juan", "José", False), ("J", "Juan", False),  # an initial alone is not a name
     ("Jose", "Jose", False),  # equal keys are the exact level, not this one
     ("Manuel", "Jose Manuel", True), ("", "Juan", False)],
)
def test_given_tokens_compatible(a: str, b: str, compatible: bool) -> None:
    assert given_tokens_compatible(latin_key(a), latin_key(b)) is compatible
    assert given_tokens_compatible(latin_key(b), latin_key(a)) is compatible


def test_given_tokens_compatible_vectorized() -> None:
    got = given_tokens_compatible(pd.Series(["juan", "pilar", None]),
                                  pd.Series(["juan antonio", "maria", "juan"]))
    assert got.tolist() == [True, False, False]


# ------------------------------------------------------------------ gender of a given name


@pytest.mark.parametrize(("key", "gender"), [("juan", "M"), ("juana", "F"), ("sasha", None),
                                             ("maria pilar", "F"), ("zzyzx", None), ("", None)])
def test_given_gender(key: str, gender: str | None) -> None:
    assert given_gender(key) == gender


# ------------------------------------------------------------------ surname gender fold


@pytest.mark.parametrize(
    ("key", "russian", "folded"),
    [("ivanova", False, "ivanov"), ("petrovskaia", False, "petrovski"),
     ("pushkina", True, "pushkin"), ("pushkina", False, "pushkina"),
     ("tolstaia", True, "tolstoi"), ("kowalska", False, "kowalski")],
)
def test_family_gender_fold(key: str, russian: bool, folded: str) -> None:
    assert family_gender_fold(key, russian) == folded
