"""Text corruption helpers for the generator: transliteration, accents, typos, Russian forms.

Real exports write the same Russian name in several Latin schemes depending on who
typed it (passport clerk, bank, the customer), drop Spanish accents in legacy
systems and contain keyboard typos. These helpers reproduce that variety with an
explicit ``random.Random`` so output stays deterministic.
"""

from __future__ import annotations

import random
import re
import unicodedata
from functools import lru_cache

_RU_LOWER = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"

_BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}
# ICAO Doc 9303 (Russian passports since 2013): Юрий -> IURII
ICAO = dict(_BASE)
# GOST 16876-71 style: Юрий -> Yurij, Щукин -> Shhukin
GOST = dict(_BASE, **{"й": "j", "х": "kh", "ц": "c", "щ": "shh", "ъ": "\"", "ю": "yu",
                      "я": "ya", "ё": "jo", "э": "eh", "ы": "y"})
# BGN/PCGN: Юрий -> Yuriy, Ёлкин -> Yelkin
BGN = dict(_BASE, **{"й": "y", "ю": "yu", "я": "ya", "ё": "yo", "ъ": "", "щ": "shch"})
# Loose English as people type it: Юрий -> Yuri, Хабибуллин -> Habibullin, Цветков -> Tzvetkov
LOOSE = dict(_BASE, **{"й": "y", "ю": "yu", "я": "ya", "ё": "yo", "ъ": "", "х": "h",
                       "ц": "tz", "щ": "sch", "ь": "", "ж": "zh"})

SCHEMES = {"icao": ICAO, "gost": GOST, "bgn": BGN, "loose": LOOSE}

# Conventional English spellings people use instead of a systematic scheme.
CONVENTIONAL = {
    "Александр": ["Alexander", "Alex", "Aleksandr", "Alexandr"], "Алексей": ["Alexey", "Alexei"],
    "Дмитрий": ["Dmitry", "Dmitri", "Dimitri"], "Сергей": ["Sergey", "Sergei", "Serge"],
    "Юрий": ["Yuri", "Yury", "Yurii", "Iouri"], "Наталья": ["Natalia", "Natalya", "Natasha"],
    "Татьяна": ["Tatiana", "Tatyana", "Tanya"], "Мария": ["Maria", "Mariya"],
    "Евгений": ["Evgeny", "Eugene", "Yevgeniy"], "Михаил": ["Mikhail", "Michael", "Mihail"],
    "Пётр": ["Peter", "Pyotr", "Petr"], "Фёдор": ["Fedor", "Fyodor", "Theodore"],
    "Елена": ["Elena", "Helen", "Yelena"], "Екатерина": ["Ekaterina", "Katerina", "Catherine"],
    "Ксения": ["Ksenia", "Kseniya", "Xenia"], "Юлия": ["Julia", "Yulia", "Iuliia"],
    "Анастасия": ["Anastasia", "Anastasiya"], "Илья": ["Ilya", "Ilia", "Ilja"],
    "Максим": ["Maxim", "Maksim"], "Андрей": ["Andrey", "Andrei", "Andrew"],
}
SURNAME_ENDINGS_LOOSE = {"ий": "y", "ый": "y", "ей": "ey", "ой": "oy", "ев": "ev"}


def is_cyrillic(text: str) -> bool:
    """True when the text contains at least one Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


_CYRILLIC = re.compile("[\u0400-\u04ff]")


@lru_cache(maxsize=131072)
def transliterate(text: str, scheme: str) -> str:
    """Cyrillic -> Latin with one of ``SCHEMES``; keeps case (title/upper) per character.

    Word-initial е/ё become "ye"/"yo" in BGN and loose schemes, -ий/-ый endings become
    "-y" in the loose scheme, as typed by English speakers.
    """
    table = SCHEMES[scheme]
    out: list[str] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        low = ch.lower()
        if low not in table:
            out.append(ch)
            i += 1
            continue
        prev = text[i - 1].lower() if i else " "
        nxt = text[i + 1].lower() if i + 1 < n else " "
        rep = table[low]
        if scheme in ("bgn", "loose") and low in "её" and (prev not in _RU_LOWER or prev in "аеёиоуыэюяъь"):
            rep = "ye" if low == "е" else "yo"
        if scheme == "loose" and low in "иы" and nxt == "й" and (i + 2 >= n or not text[i + 2].isalpha()):
            rep, i = "y", i + 1  # Юрий -> Yury, Красный -> Krasny
        if ch.isupper():
            nxt_upper = i + 1 < n and text[i + 1].isupper()
            rep = rep.upper() if nxt_upper or (i > 0 and text[i - 1].isupper()) else rep.capitalize()
        out.append(rep)
        i += 1
    return "".join(out)


def latinize_name(name: str, rng: random.Random, scheme: str | None = None) -> str:
    """Latin form of a Russian name: a conventional spelling sometimes, else a scheme."""
    if not is_cyrillic(name):
        return name
    if scheme is None:
        conv = CONVENTIONAL.get(name)
        if conv and rng.random() < 0.4:
            return rng.choice(conv)
        scheme = rng.choice(("icao", "gost", "bgn", "loose", "loose"))
    result = transliterate(name, scheme)
    if scheme == "loose" and rng.random() < 0.3:
        result = result.replace("ks", "x").replace("Ks", "X")
    return result


def strip_accents(text: str) -> str:
    """Remove diacritics from Latin letters only (Cyrillic й/ё must survive for cp1251)."""
    if text.isascii():
        return text
    return _strip_accents(text)


@lru_cache(maxsize=131072)
def _strip_accents(text: str) -> str:
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and ord(out[-1]) < 0x250:
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


_KEYBOARD_NEIGHBOURS = {
    "a": "sqz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x", "а": "пв", "о": "ра", "е": "кн", "и": "мт", "н": "ег", "т": "иь",
    "с": "мч", "р": "по", "в": "ыа", "л": "до", "к": "уе", "м": "си",
}


def typo(text: str, rng: random.Random) -> str:
    """One keyboard edit: insert, delete, substitute (neighbour key) or transpose."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:])  # first letters are rarely mistyped
    kind = rng.random()
    ch = text[i]
    if kind < 0.25:  # delete
        return text[:i] + text[i + 1:]
    if kind < 0.5:  # insert (double a letter or neighbour)
        add = rng.choice(_KEYBOARD_NEIGHBOURS.get(ch.lower(), ch.lower()) + ch.lower())
        add = add.upper() if ch.isupper() else add
        return text[:i] + add + text[i:]
    if kind < 0.75:  # substitute
        sub = rng.choice(_KEYBOARD_NEIGHBOURS.get(ch.lower(), "ея" if is_cyrillic(ch) else "ei"))
        sub = sub.upper() if ch.isupper() else sub
        return text[:i] + sub + text[i + 1:]
    if i + 1 < len(text) and text[i + 1].isalpha():  # transpose
        return text[:i] + text[i + 1] + ch + text[i + 2:]
    return text[:i] + text[i + 1:]


# --------------------------------------------------------------------------- Russian grammar
_PATRONYMIC_EXCEPTIONS = {
    "Дмитрий": ("Дмитриевич", "Дмитриевна"), "Лев": ("Львович", "Львовна"),
    "Павел": ("Павлович", "Павловна"), "Пётр": ("Петрович", "Петровна"),
    "Илья": ("Ильич", "Ильинична"), "Никита": ("Никитич", "Никитична"),
    "Яков": ("Яковлевич", "Яковлевна"), "Фома": ("Фомич", "Фоминична"),
    "Лука": ("Лукич", "Лукинична"), "Кузьма": ("Кузьмич", "Кузьминична"),
    "Савва": ("Саввич", "Саввична"), "Данила": ("Данилович", "Даниловна"),
    "Семён": ("Семёнович", "Семёновна"), "Фёдор": ("Фёдорович", "Фёдоровна"),
    "Артём": ("Артёмович", "Артёмовна"), "Гавриил": ("Гаврилович", "Гавриловна"),
}


def patronymic(father_given: str, gender: str) -> str:
    """Russian patronymic from the father's given name (Сергей -> Сергеевич/Сергеевна)."""
    female = gender == "F"
    if father_given in _PATRONYMIC_EXCEPTIONS:
        return _PATRONYMIC_EXCEPTIONS[father_given][1 if female else 0]
    name = father_given
    if name.endswith("ий"):
        stem = name[:-2] + "ь"
        return stem + ("евна" if female else "евич")
    if name.endswith(("ей", "ай", "ой")):
        stem = name[:-1]
        return stem + ("евна" if female else "евич")
    if name.endswith("ь"):
        return name[:-1] + ("евна" if female else "евич")
    if name.endswith(("а", "я")):
        return name[:-1] + ("ична" if female else "ич")
    return name + ("овна" if female else "ович")


def feminine_surname(surname: str) -> str:
    """Gendered Russian surname: Иванов -> Иванова, Островский -> Островская; others kept."""
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    if surname.endswith("цкий"):
        return surname[:-2] + "ая"
    if surname.endswith(("ой", "ый")):
        return surname[:-2] + "ая"
    return surname
