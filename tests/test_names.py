"""Tests for transforms.names: parsing, cleaning and keys on real ES/RU/EN names."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_golden.schema import NORMALIZED_COLUMNS
from transforms.names import NAME_OUTPUT_COLUMNS, normalize_names


def one(**cols: object) -> pd.Series:
    """Normalize a one-row frame and return the row."""
    return normalize_names(pd.DataFrame({k: [v] for k, v in cols.items()})).iloc[0]


def val(x: object) -> object:
    return None if x is pd.NA else x


# ------------------------------------------------------------------ full-name parsing


@pytest.mark.parametrize(
    ("full", "given", "middle", "family", "f1", "f2", "status", "reason"),
    [
        ("RODRIGUEZ GARCIA, JOSE LUIS", "Jose Luis", None, "Rodriguez Garcia", "Rodriguez",
         "Garcia", "fixed", "comma_order|case_fixed"),
        ("ИВАНОВ, Александр Сергеевич", "Александр", "Сергеевич", "Иванов", "Иванов", None,
         "fixed", "comma_order|case_fixed"),
        ("Smith, John Michael", "John", "Michael", "Smith", "Smith", None, "fixed",
         "comma_order"),
        ("José Luis Rodríguez García", "José Luis", None, "Rodríguez García", "Rodríguez",
         "García", "valid", None),
        ("María del Carmen García López", "María del Carmen", None, "García López", "García",
         "López", "valid", None),
        ("Juan Pablo de la Fuente Martín", "Juan Pablo", None, "de la Fuente Martín",
         "de la Fuente", "Martín", "valid", None),
        ("Pedro García y Pérez", "Pedro", None, "García y Pérez", "García", "Pérez", "valid",
         None),
        ("Juan García Martínez", "Juan", None, "García Martínez", "García", "Martínez",
         "valid", None),
        ("Juan Martín Pérez", "Juan", None, "Martín Pérez", "Martín", "Pérez", "valid", None),
        ("Ana Belén Ruiz", "Ana Belén", None, "Ruiz", "Ruiz", None, "valid", None),
        ("John Smith", "John", None, "Smith", "Smith", None, "valid", None),
        ("John Fitzgerald Kennedy", "John", "Fitzgerald", "Kennedy", "Kennedy", None,
         "valid", None),
        ("Иванов Иван Иванович", "Иван", "Иванович", "Иванов", "Иванов", None, "valid", None),
        ("Наталья Сергеевна Иванова", "Наталья", "Сергеевна", "Иванова", "Иванова", None,
         "valid", None),
        ("Иванова Наталья", "Наталья", None, "Иванова", "Иванова", None, "valid", None),
        ("Наталья Иванова", "Наталья", None, "Иванова", "Иванова", None, "valid", None),
        ("Ivanova Natalia Sergeevna", "Natalia", "Sergeevna", "Ivanova", "Ivanova", None,
         "valid", None),
        ("Ivanova Natalia", "Natalia", None, "Ivanova", "Ivanova", None, "fixed",
         "order_swapped"),
        ("GARCIA LOPEZ JOSE LUIS", "Jose Luis", None, "Garcia Lopez", "Garcia", "Lopez",
         "fixed", "order_swapped|case_fixed"),
        ("Sr. D. José García", "José", None, "García", "García", None, "fixed",
         "honorific_removed"),
        ("Dña. Pilar Rubio Sanz", "Pilar", None, "Rubio Sanz", "Rubio", "Sanz", "fixed",
         "honorific_removed"),
        ("Mr John Smith Jr.", "John", None, "Smith", "Smith", None, "fixed",
         "honorific_removed|suffix_removed"),
        ("г-жа Петрова Анна", "Анна", None, "Петрова", "Петрова", None, "fixed",
         "honorific_removed"),
        ("Dr. Michael O'BRIEN III", "Michael", None, "O'Brien", "O'Brien", None, "fixed",
         "honorific_removed|suffix_removed|case_fixed"),
        ("mary mcdonald", "Mary", None, "McDonald", "McDonald", None, "fixed", "case_fixed"),
        ("Ma. Guadalupe Hernández", "María Guadalupe", None, "Hernández", "Hernández", None,
         "fixed", "abbreviation_expanded"),
        ("Don Johnson", "Don", None, "Johnson", "Johnson", None, "valid", None),
        ("Lucía García-López", "Lucía", None, "García-López", "García", "López", "valid",
         None),
    ],
)
def test_full_name_parsing(
    full: str, given: str, middle: str | None, family: str, f1: str, f2: str | None,
    status: str, reason: str | None,
) -> None:
    row = one(full_name=full)
    got = tuple(val(row[c]) for c in ("name_given", "name_middle", "name_family",
                                      "name_family_1", "name_family_2"))
    assert got == (given, middle, family, f1, f2)
    assert (row["full_name_status"], val(row["full_name_reason"])) == (status, reason)


# ------------------------------------------------------------------ placeholders / garbage


@pytest.mark.parametrize(
    ("full", "reason"),
    [("test", "placeholder"), ("xxx", "placeholder"), ("N/A", "placeholder"),
     ("-", "placeholder"), ("Cliente", "placeholder"), ("неизвестно", "placeholder"),
     ("Test User", "placeholder"), ("Прueba", "placeholder"), ("Juan2 Pérez", "digits_in_name"),
     ("12345", "digits_in_name"), ("juan@example.com", "bad_chars"),
     ("???", "placeholder")],
)
def test_garbage_is_invalid_without_values(full: str, reason: str) -> None:
    row = one(full_name=full)
    if full == "Прueba":  # mixed-keyboard "Prueba" -> repaired, then a placeholder
        assert row["full_name_status"] == "invalid"
        return
    assert (row["full_name_status"], row["full_name_reason"]) == ("invalid", reason)
    assert row[["name_given", "name_family", "given_key", "family_key"]].isna().all()


@pytest.mark.parametrize("full", ["Q", "Ж."])
def test_single_character_is_invalid(full: str) -> None:
    assert (one(full_name=full)["full_name_status"], one(full_name=full)["full_name_reason"]) == (
        "invalid", "single_char")


def test_single_token_is_invalid_but_keeps_a_weak_key() -> None:
    row = one(full_name="Pepe")
    assert (row["full_name_status"], row["full_name_reason"]) == ("invalid", "single_token")
    assert (row["name_given"], row["given_canon"]) == ("Pepe", "jose")


@pytest.mark.parametrize(("full", "status"), [(None, "missing"), ("   ", "missing"),
                                                (pd.NA, "missing")])
def test_missing_full_name(full: object, status: str) -> None:
    row = one(full_name=full)
    assert row["full_name_status"] == status and pd.isna(row["full_name_reason"])
    assert pd.isna(row["name_given"])


def test_emoji_and_control_chars_are_removed() -> None:
    row = one(full_name="María\u200b 🌸 López\t")
    assert (row["name_given"], row["name_family"]) == ("María", "López")
    assert row["full_name_status"] == "fixed"
    assert "symbols_removed" in row["full_name_reason"]


def test_homoglyph_in_latin_name_is_repaired() -> None:
    row = one(full_name="\u0410nna Smith")  # Cyrillic А
    assert row["name_given"] == "Anna" and row["name_script"] == "latin"
    assert "homoglyph_fixed" in row["full_name_reason"]


# ------------------------------------------------------------------ separate columns


@pytest.mark.parametrize(
    ("cols", "expected", "given_status"),
    [
        ({"given_name": "José Luis", "family_name": "Rodríguez García"},
         ("José Luis", None, "Rodríguez", "García"), "valid"),
        ({"given_name": "García", "family_name": "José"},
         ("José", None, "García", None), "fixed"),
        ({"given_name": "Александр Сергеевич", "family_name": "Иванов"},
         ("Александр", "Сергеевич", "Иванов", None), "fixed"),
        ({"given_name": "Наталья", "family_name": "Иванова", "middle_name": "Сергеевна"},
         ("Наталья", "Сергеевна", "Иванова", None), "valid"),
        ({"given_name": "SR. PEDRO", "family_name": "DE LA FUENTE MARTÍN"},
         ("Pedro", None, "de la Fuente", "Martín"), "fixed"),
        ({"given_name": "Ana", "family_name": None, "full_name": "Ana Torres Vidal"},
         ("Ana", None, "Torres", "Vidal"), "valid"),
    ],
)
def test_separate_columns(cols: dict, expected: tuple, given_status: str) -> None:
    row = one(**cols)
    got = tuple(val(row[c]) for c in ("name_given", "name_middle", "name_family_1",
                                      "name_family_2"))
    assert got == expected
    assert row["given_name_status"] == given_status


def test_swapped_columns_are_reported() -> None:
    row = one(given_name="García", family_name="José")
    assert row["given_name_reason"] == "order_swapped"
    assert row["family_name_status"] == "fixed"
    assert row["full_name_status"] == "missing"


# ------------------------------------------------------------------ surname keys


@pytest.mark.parametrize(
    ("a", "b"),
    [("Иванов", "Иванова"), ("Ivanov", "Ivanova"), ("Петровский", "Петровская"),
     ("Petrovskiy", "Petrovskaya"), ("Petrovsky", "Петровская"), ("Толстой", "Толстая"),
     ("Пушкин", "Пушкина"), ("Лебедев", "Лебедева"), ("Трубецкой", "Трубецкая"),
     ("Кузнецов", "Kuznetsova"), ("Зайцев", "Zaytseva")],
)
def test_russian_gendered_surnames_share_family_key(a: str, b: str) -> None:
    ka = one(given_name="Анна" if a[0] > "z" else "Anna", family_name=a)["family_1_key"]
    kb = one(given_name="Иван" if b[0] > "z" else "Ivan", family_name=b)["family_1_key"]
    assert ka == kb


@pytest.mark.parametrize(
    ("surname", "key"),
    [("Medina", "medina"), ("Molina", "molina"), ("Villanueva", "vilanueva"),
     ("Casanova", "casanova"), ("Anaya", "anaia")],
)
def test_spanish_surnames_are_not_gender_folded(surname: str, key: str) -> None:
    assert one(given_name="Lucía", family_name=surname)["family_1_key"] == key


def test_compound_surname_keys_share_first_surname() -> None:
    a = one(full_name="José Rodríguez García")
    b = one(full_name="Jose RODRIGUEZ")
    assert a["family_1_key"] == b["family_1_key"] == "rodriguez"
    assert a["family_2_key"] == "garcia" and pd.isna(b["family_2_key"])
    assert a["family_key"] == "rodriguez garcia"
    c = one(full_name="Juan de la Fuente Martín")
    assert (c["family_1_key"], c["family_2_key"]) == ("fuente", "martin")


# ------------------------------------------------------------------ gender


@pytest.mark.parametrize(
    ("cols", "hint"),
    [({"full_name": "Иванов Иван Иванович"}, "M"),
     ({"full_name": "Иванова Наталья Сергеевна"}, "F"),
     ({"full_name": "Petrova Anna"}, "F"), ({"full_name": "Лев Толстой"}, "M"),
     ({"full_name": "Ivan Petrovich Sidorov"}, "M"), ({"full_name": "Pilar Rubio"}, "F"),
     ({"full_name": "John Smith"}, "M"), ({"full_name": "Zzyzx Quux"}, None)],
)
def test_gender_hint(cols: dict, hint: str | None) -> None:
    assert val(one(**cols)["gender_hint"]) == hint


@pytest.mark.parametrize(
    ("raw", "norm", "status"),
    [("M", "M", "valid"), ("Mujer", "F", "valid"), ("Hombre", "M", "valid"),
     ("женский", "F", "valid"), ("муж.", "M", "valid"), ("female", "F", "valid"),
     ("Otro", "X", "valid"), ("desconocido", None, "missing"), (None, None, "missing"),
     ("banana", None, "invalid")],
)
def test_gender_norm(raw: object, norm: str | None, status: str) -> None:
    row = one(full_name="Ana López", gender=raw)
    assert (val(row["gender_norm"]), row["gender_status"]) == (norm, status)


# ------------------------------------------------------------------ contract


def test_output_contract() -> None:
    frame = pd.DataFrame(
        {"full_name": ["Ana López", None, "Иванов Иван"], "gender": ["F", None, "M"]},
        index=[10, 20, 30],
    )
    out = normalize_names(frame)
    assert list(out.columns) == NAME_OUTPUT_COLUMNS
    assert set(NORMALIZED_COLUMNS["names"]) <= set(out.columns)
    assert list(out.index) == [10, 20, 30]
    assert all(str(t) == "string" for t in out.dtypes)
    assert out.loc[30, "name_script"] == "cyrillic"
    assert out.loc[10, "given_phonetic"] == "AN" and out.loc[10, "family_phonetic"] == "LPS"


def test_empty_and_columnless_frames() -> None:
    assert normalize_names(pd.DataFrame()).shape == (0, len(NAME_OUTPUT_COLUMNS))
    out = normalize_names(pd.DataFrame(index=[1, 2]))
    assert out.shape == (2, len(NAME_OUTPUT_COLUMNS))
    assert (out["full_name_status"] == "missing").all()


def test_repeated_rows_get_identical_results() -> None:
    frame = pd.DataFrame({"full_name": ["RODRIGUEZ GARCIA, JOSE LUIS"] * 3 + ["Pepe Pérez"]})
    out = normalize_names(frame)
    assert out.iloc[0].equals(out.iloc[2])
    assert out.loc[3, "given_canon"] == "jose"


# ------------------------------------------------------------------ properties

_NAME_CHARS = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZáéíóúñÑüçабвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ")
)
_WORDS = st.lists(st.text(_NAME_CHARS, min_size=2, max_size=10), min_size=1, max_size=4)
_KNOWN = st.sampled_from(
    ["José", "Luis", "García", "López", "de", "la", "Fuente", "y", "Pérez", "Иван", "Иванова",
     "Сергеевич", "Natalia", "Ivanova", "Sergeevna", "John", "Smith", "Mr", "Jr", "Sr.",
     "Ma.", "del", "Carmen", "O'Brien", "MCDONALD", "Pepe", "Sasha", "García-López"]
)
_NAMEISH = st.lists(st.one_of(_KNOWN, st.text(_NAME_CHARS, min_size=2, max_size=8)),
                    min_size=1, max_size=5).map(" ".join)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=40), _NAMEISH), min_size=1, max_size=5),
    st.one_of(st.none(), st.text(max_size=20)),
    st.one_of(st.none(), st.text(max_size=20)),
)
def test_never_raises_on_arbitrary_text(fulls: list, given_name: object, fam: object) -> None:
    frame = pd.DataFrame({"full_name": fulls, "given_name": given_name, "family_name": fam,
                          "middle_name": given_name, "gender": fam})
    out = normalize_names(frame)
    assert list(out.columns) == NAME_OUTPUT_COLUMNS and len(out) == len(fulls)
    statuses = set(out["full_name_status"]) | set(out["given_name_status"])
    assert statuses <= {"valid", "fixed", "invalid", "missing"}


_KEYS = ["given_key", "given_canon", "middle_key", "family_key", "family_1_key",
         "family_2_key"]


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_NAMEISH)
def test_idempotent_on_own_display_output(full: str) -> None:
    first = normalize_names(pd.DataFrame({"full_name": [full]}))
    again = normalize_names(
        pd.DataFrame({
            "given_name": first["name_given"].astype(object),
            "middle_name": first["name_middle"].astype(object),
            "family_name": first["name_family"].astype(object),
        })
    )
    if first["name_given"].isna().all() or first["name_family"].isna().all():
        return
    for col in _KEYS:
        assert val(first[col].iloc[0]) == val(again[col].iloc[0]), (col, full)


def test_simple_fast_path_matches_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import transforms.name_cleaning as name_cleaning
    import transforms.names as names

    frame = pd.DataFrame(
        {
            "full_name": ["GARCÍA LÓPEZ, JOSÉ", "Иванова Наталья Сергеевна", "ana de la fuente",
                          "O'Brien-Smith, Mary", "Sr García", "José Jr", "NULL", "xxx yyy",
                          "Pepe", "A. X.", "Juan y Pérez", None, "Иван Petrov", "Mª Luisa Ruiz"],
            "given_name": [None, "Наталья", "ANA", None, "JOSÉ LUIS", "Ivan Petrovich", None,
                           "don Pepe", None, "maría del carmen", None, "Ana", None, None],
            "family_name": [None, None, "DE LA FUENTE", "smith", "GARCÍA", "Ivanov", None,
                            None, "López", None, None, "Ruiz Díaz", None, None],
        }
    )
    fast = normalize_names(frame)
    never = re.compile(r"(?!)")  # cleaning and the full-name fast path both test it
    monkeypatch.setattr(name_cleaning, "SIMPLE", never)
    monkeypatch.setattr(names, "SIMPLE", never)
    pd.testing.assert_frame_equal(fast, normalize_names(frame))


def test_full_name_only_fast_path_matches_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import itertools

    import transforms.names as names

    words = ["José", "JOSÉ", "luis", "García", "LÓPEZ", "Иванова", "НАТАЛЬЯ", "Сергеевна",
             "Ivanovich", "Sergeevna", "John", "Michael", "SMITH", "O'Brien", "mcdonald",
             "García-López", "Pepe", "de", "la", "Jr", "Sr", "Ilich", "Ильич", "Straße", "ǀǀ",
             "Ivаn", "Test", "Doe", "Jane", "A", "Al", "Ana", "MaRiA", "Medina", "Orlova"]
    fulls = [" ".join(c) for n in (1, 2, 3) for c in itertools.permutations(words[:18], n)]
    fulls += [" ".join(c) for c in itertools.product(words[18:], words[:6], words[12:])]
    fulls += [f"{a}, {b}" for a, b in itertools.product(words, repeat=2)]
    fulls += [f"{a} {b}, {c} {d}" for a, b, c, d in itertools.product(words[::4], repeat=4)]
    fulls += ["Jane Doe", "Juan Perez Test", "xxx yyy", "Ana, Luis, María", "Al Bo", "A B C"]
    frame = pd.DataFrame({"full_name": fulls})
    fast = normalize_names(frame)
    monkeypatch.setattr(names, "_fast_full_parse", lambda text: None)
    pd.testing.assert_frame_equal(fast, normalize_names(frame))


def test_garbage_collector_state_is_restored() -> None:
    import gc

    frame = pd.DataFrame({"full_name": ["José García"]})
    assert gc.isenabled()
    normalize_names(frame)
    assert gc.isenabled()
    gc.disable()
    try:
        normalize_names(frame)
        assert not gc.isenabled()
    finally:
        gc.enable()


# ------------------------------------------------------------------ compound given names


@pytest.mark.parametrize(
    ("cols", "given", "middle"),
    [({"given_name": "Linda M.", "family_name": "Gray"}, "linda", "m"),
     ({"full_name": "YOUNG, Mary S."}, "mari", "s"),
     ({"full_name": "Linda M. Gray"}, "linda", "m"),
     ({"given_name": "J.", "family_name": "Smith"}, "j", None)],  # a lone initial stays given
)
def test_trailing_initials_of_a_given_name_are_a_middle_name(cols: dict, given: str,
                                                              middle: str | None) -> None:
    row = one(**cols)
    assert (row["given_key"], val(row["middle_key"])) == (given, middle)


def test_written_out_particles_do_not_change_the_canonical_given_name() -> None:
    canon = {one(full_name=f"{g} López")["given_canon"]
             for g in ("María del Carmen", "María Carmen", "Mamen", "Maricarmen")}
    assert canon == {"maria carmen"}


