"""Honorifics, suffixes, particles and placeholder words for person names.

Every entry is written in *comparison form*: lower case, accents stripped, dots removed
(``"Dña."`` -> ``"dna"``, ``"г-жа"`` -> ``"г-жа"`` stays Cyrillic because honorifics are matched
before transliteration). The lists cover what Spanish (ES/MX), Russian and English CRM
exports actually put in name columns.
"""

from __future__ import annotations

# Leading titles removed from a name. Ambiguous ones (also given names or particles) are
# in AMBIGUOUS_HONORIFICS and only removed when a known given name follows.
HONORIFICS: frozenset[str] = frozenset(
    {
        # Spanish
        "sr", "sra", "srta", "sres", "sras", "senor", "senora", "senorita",
        "dna", "dona", "dn", "lic", "licda", "licdo", "ing", "inga", "arq", "dra", "dr",
        "mtro", "mtra", "prof", "profa", "excmo", "excma", "ilmo", "ilma", "cp", "abog",
        # English
        "mr", "mrs", "ms", "miss", "mx", "mister", "missus", "sir", "dame", "rev", "revd",
        "fr", "madam", "madame", "mme", "mlle", "herr", "frau",
        # Russian (Cyrillic, dots removed)
        "г-н", "г-жа", "гн", "гжа", "господин", "госпожа", "д-р", "др", "проф", "тов",
        "товарищ", "уважаемый", "уважаемая",
    }
)

# Titles that are also given names ("Don" = Donald) or initials ("D." = a "D" initial):
# stripped only when followed by a known given name.
AMBIGUOUS_HONORIFICS: frozenset[str] = frozenset({"d", "da", "don", "dona", "dama"})

# Trailing generational / academic suffixes. Roman numerals only with 2+ other tokens.
SUFFIXES: frozenset[str] = frozenset(
    {"jr", "jnr", "junior", "sr", "snr", "senior", "hijo", "phd", "md", "esq", "dds",
     "младший", "старший", "мл", "ст"}
)
ROMAN_SUFFIXES: frozenset[str] = frozenset({"ii", "iii", "iv"})

# Surname particles: they attach to the following word ("de la Fuente", "van der Berg")
# and are written lower case in display form. Not used in surname keys.
PARTICLES: frozenset[str] = frozenset(
    {"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "van", "von",
     "der", "den", "ter", "le", "san"}
)

# Words joining two Spanish/Catalan surnames ("García y Pérez", "Puig i Ferrer").
CONNECTORS: frozenset[str] = frozenset({"y", "i", "e"})

# After "María"/"Ana"/"José", a particle + one of these belongs to the given name
# ("María del Carmen", "María de los Ángeles"), not to the surnames.
MARIAN_HEADS: frozenset[str] = frozenset(
    {"carmen", "pilar", "mar", "rosario", "angeles", "dolores", "lourdes", "fatima",
     "socorro", "mercedes", "luz", "consuelo", "rocio", "guadalupe", "jesus", "cielo",
     "remedios", "nieves", "milagros", "soledad", "montserrat", "asuncion", "gracia",
     "gloria", "paz", "olvido", "amparo", "sagrario", "reyes", "carmelo", "valle"}
)
MARIAN_LEADS: frozenset[str] = frozenset({"maria", "ana", "jose", "ma"})

# Abbreviated given names expanded in display form (key -> display).
GIVEN_ABBREVIATIONS: dict[str, str] = {
    "ma": "María", "fco": "Francisco", "fca": "Francisca",
    "jse": "José", "jme": "José María", "ant": "Antonio", "mnl": "Manuel",
}

# Whole-field values that are not a name (comparison form, spaces collapsed).
PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "", "na", "n a", "n/a", "none", "null", "nil", "nan", "nat", "undefined", "unknown",
        "test", "testing", "tester", "prueba", "pruebas", "xxx", "xx", "x", "zzz", "asdf",
        "qwerty", "abc", "aaa", "sin nombre", "no name", "noname", "no aplica", "ninguno",
        "desconocido", "desconocida", "anonimo", "anonima", "anonymous", "cliente",
        "clienta", "client", "customer", "usuario", "user", "contacto", "contact",
        "nombre", "apellido", "apellidos", "name", "first name", "last name", "surname",
        "dummy", "demo", "fake", "sample", "example", "nobody", "someone", "sin datos",
        "no disponible", "not available", "not provided", "no consta", "s/n", "sn",
        "неизвестно", "неизвестный", "неизвестная", "нет", "тест", "клиент", "клиентка",
        "пользователь", "аноним", "без имени", "имя", "фамилия", "не указано", "не указан",
        "john doe", "jane doe", "juan perez test", "иван иванов тест",
    }
)

# Single words that make the whole name a test/placeholder record wherever they appear.
PLACEHOLDER_TOKENS: frozenset[str] = frozenset(
    {"test", "testing", "prueba", "xxx", "xxxx", "asdf", "qwerty", "dummy", "тест",
     "cliente", "client", "customer", "клиент", "unknown", "desconocido", "неизвестно",
     "null", "none", "undefined", "noname", "n/a"}
)
