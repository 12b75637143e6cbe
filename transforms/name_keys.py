"""Latin keys for person names, and the given-name reference lists turned into keys.

Why a module of its own: parsing (``transforms.names``) and matching
(``transforms.name_matching``) must fold a name to the very same key, so the key and the
tables built with it sit below both.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from transforms.reference import given_names as _gn
from transforms.reference import translit as _tr

# --------------------------------------------------------------------------------------
# latin_key: transliteration + loose folding
# --------------------------------------------------------------------------------------

_TRANSLATE = str.maketrans({**_tr.CYRILLIC_TO_LATIN, **_tr.LATIN_SPECIAL})
_APOSTROPHES = str.maketrans({c: None for c in "'’ʼ`´ʻ‘"})
_LETTER_RUNS = re.compile(r"[^\W\d_]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# Latin spellings that must not be touched by the Slavic "j" rules or others.
_NO_FOLD = frozenset({"borja", "borjas", "benjamin", "benjamina"})

_SLAVIC_J = re.compile(r"(?<=[bcdfghklmnprstvz])j(?=[aeiou])|(?<=i)j(?=[aeiou])|[aeiou]j$")
_SLAVIC_J_RULES = [
    (re.compile(r"^j(?=[aeiou])"), "y"),
    (re.compile(r"(?<=[bcdfghklmnprstvzi])j(?=[aeiouy])"), "y"),
    (re.compile(r"(?<=[aeiou])j$"), "y"),
]
# Applied in order to every Latin token (Cyrillic is transliterated first).
_FOLD_RULES = [
    (re.compile(r"^x(?=e)"), "ks"),          # Xenia -> Ksenia; keep Ximena, Xavier
    (re.compile(r"(?<=.)x"), "ks"),           # Alexander -> Aleksander
    (re.compile(r"shch|sch"), "sh"),          # Shchukin/Schukin -> Shukin
    (re.compile(r"kh"), "h"),                 # Khabarov -> Habarov
    (re.compile(r"tz|cz|c(?=v)"), "ts"),      # Tzvetkova/Cvetkova -> Tsvetkova
    (re.compile(r"ph"), "f"),                 # Sophia -> Sofia, Philipp -> Filipp
    (re.compile(r"(?<=[rv])gu(?=e)"), "g"),   # Serguei, Evguenia (French scheme)
    (re.compile(r"^[yi]e"), "e"),             # Yevgeny/Ievgenii -> Evgeny, Yelena -> Elena
    (re.compile(r"(?<=[bcdfghklmnprstvz])yo"), "e"),  # Fyodor/Pyotr/Semyon -> Fedor/Petr
    (re.compile(r"(?<=[a-z])[yi]e(?=v(?:ich|na|a)?$)"), "e"),  # Grigoryev/Sergeyevich
    (re.compile(r"l[yi]u(?=[a-z])"), "lu"),   # Lyudmila/Liudmila -> Ludmila
    (re.compile(r"y"), "i"),                  # Yuri/Iurii, Natalya/Natalia, Dmitriy
    (re.compile(r"ksander$"), "ksandr"),      # Alexander -> Aleksandr
    (re.compile(r"(.)\1+"), r"\1"),           # doubles: Anna/Ana, Kirill, Iurii -> Iuri
]


def _fold_once(token: str) -> str:
    if _SLAVIC_J.search(token):
        for pat, rep in _SLAVIC_J_RULES:
            token = pat.sub(rep, token)
    for pat, rep in _FOLD_RULES:
        token = pat.sub(rep, token)
    return token


def _fold_token(token: str) -> str:
    """Fold until nothing changes, so a key folds to itself ("yj" -> "ij" -> "i" -> "i").

    One pass is not enough: a rule can expose the input of an earlier one.
    """
    if token in _NO_FOLD:
        return token
    for _ in range(4):
        folded = _fold_once(token)
        if folded == token:
            break
        token = folded
    return token


@lru_cache(maxsize=262_144)
def latin_key(text: str) -> str:
    """Script-independent comparison key: "Юрий", "Yury", "Iurii", "Jurij" -> "iuri".

    Cyrillic is transliterated with one scheme, accents are stripped, and the same loose
    folding (x->ks, kh->h, shch/sch->sh, ts/tz/cz, y->i, doubled letters, ...) is applied
    to every token whatever its script, so keys from different transliteration schemes
    meet while Spanish/English names stay readable ("jose", "garcia", "smith"). Tokens are
    joined by one space; apostrophes vanish ("O'Brien" -> "obrien"). Empty for no letters.
    """
    if not isinstance(text, str) or not text:
        return ""
    s = unicodedata.normalize("NFKC", text).lower().translate(_TRANSLATE)
    s = _COMBINING.sub("", unicodedata.normalize("NFKD", s.translate(_APOSTROPHES)))
    return " ".join(_fold_token(t) for t in _LETTER_RUNS.findall(s))


@lru_cache(maxsize=262_144)
def plain_key(text: str) -> str:
    """Lower, accent-free, dot-free form used to look words up in the honorific tables."""
    s = unicodedata.normalize("NFKD", text.lower().replace("ё", "е").replace("й", "и"))
    return _COMBINING.sub("", s).replace(".", "").strip()


# --------------------------------------------------------------------------------------
# Reference tables turned into keys (built once at import)
# --------------------------------------------------------------------------------------


def reference_keys(block: str) -> set[str]:
    """Keys of a space-separated reference list, so a table matches every spelling of it."""
    return {latin_key(w) for w in block.split()} - {""}


_ES_M, _ES_F = reference_keys(_gn.ES_MALE), reference_keys(_gn.ES_FEMALE)
_EN_M, _EN_F = reference_keys(_gn.EN_MALE), reference_keys(_gn.EN_FEMALE)
_RU_M, _RU_F = reference_keys(_gn.RU_MALE), reference_keys(_gn.RU_FEMALE)
ES_GIVEN, EN_GIVEN, RU_GIVEN = _ES_M | _ES_F, _EN_M | _EN_F, _RU_M | _RU_F

# "M"/"F" of a listed given key (parsing's gender hint, matching's given_gender); a key
# listed for both genders (Catalan "Joan" and English "Joan") is left out.
GENDER_BY_GIVEN: dict[str, str] = {}
for _k in _ES_M | _EN_M | _RU_M:
    GENDER_BY_GIVEN[_k] = "M"
for _k in _ES_F | _EN_F | _RU_F:
    GENDER_BY_GIVEN[_k] = "X" if GENDER_BY_GIVEN.get(_k) == "M" else "F"
GENDER_BY_GIVEN = {k: v for k, v in GENDER_BY_GIVEN.items() if v != "X"}
