"""Cyrillic -> Latin transliteration table (one simple scheme, close to BGN/PCGN).

Only one scheme is needed because ``transforms.name_keys.latin_key`` then applies the same
loose folding to every Latin string: whatever scheme an export used (GOST, ISO 9,
passport ICAO, French/German style), the folded keys meet. Written by hand: the common
transliteration packages are GPL.
"""

from __future__ import annotations

CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Ukrainian / Belarusian letters seen in Russian-speaking exports
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
}

# Latin letters with no NFKD decomposition -> ASCII.
LATIN_SPECIAL: dict[str, str] = {
    "ß": "ss", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ħ": "h", "ŋ": "n",
}

# Cyrillic letters that look like Latin ones and vice versa, used to repair a word typed
# with a mixed keyboard ("Аnna" with a Cyrillic А).
CYR_HOMOGLYPH_TO_LATIN: dict[str, str] = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c",
    "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s",
}
LATIN_HOMOGLYPH_TO_CYR: dict[str, str] = {v: k for k, v in CYR_HOMOGLYPH_TO_LATIN.items()
                                          if k not in ("і", "ј", "ѕ")}
