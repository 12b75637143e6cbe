"""Reference tables for street, city and region keys (ES, MX, RU, US, GB exports).

The address match key folds the many ways one street is typed ("C/ Mayor, 5",
"Calle Mayor nº 5", "CL MAYOR 5") onto one token string. Tokens map to a
canonical word; generic street types and house-number markers map to "" and
are dropped, because exports omit them freely ("Mayor 5").
"""

from __future__ import annotations

# Minimal Russian/Ukrainian Cyrillic -> Latin (BGN/PCGN-like, ASCII only) for address keys.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}

# Token (already folded: lower-case, accents off, ё->е) -> canonical token ("" drops it).
STREET_TOKENS: dict[str, str] = {
    # generic "street": dropped
    "c": "", "c/": "", "cl": "", "cll": "", "calle": "", "call": "",
    "st": "", "str": "", "street": "",
    "ул": "", "улица": "", "ulitsa": "", "ul": "",
    # avenue
    "av": "av", "avd": "av", "avda": "av", "avenida": "av", "ave": "av", "avenue": "av",
    "aven": "av",
    # square / place
    "pza": "pl", "plz": "pl", "pl": "pl", "plaza": "pl", "place": "pl", "placa": "pl",
    "пл": "pl", "площадь": "pl",
    # promenade / boulevard
    "po": "paseo", "ps": "paseo", "pso": "paseo", "paseo": "paseo", "pg": "paseo",
    "blvd": "blvd", "bvd": "blvd", "boulevard": "blvd", "bulevar": "blvd", "bulevard": "blvd",
    "blv": "blvd", "бульвар": "blvd", "б-р": "blvd", "бул": "blvd",
    "rbla": "rambla", "rambla": "rambla", "rb": "rambla",
    # roads
    "ctra": "ctra", "crta": "ctra", "carretera": "ctra", "cra": "ctra",
    "rd": "road", "road": "road", "ш": "shosse", "шоссе": "shosse",
    "cno": "camino", "camino": "camino", "cmno": "camino",
    "rda": "ronda", "ronda": "ronda",
    "trav": "travesia", "trv": "travesia", "travesia": "travesia",
    "glta": "glorieta", "glorieta": "glorieta",
    "pje": "pasaje", "psje": "pasaje", "pasaje": "pasaje",
    "ln": "lane", "lane": "lane", "dr": "drive", "drive": "drive", "ct": "court",
    "court": "court", "sq": "pl", "square": "pl", "hwy": "hwy", "highway": "hwy",
    "pkwy": "parkway", "parkway": "parkway", "ter": "terrace", "terrace": "terrace",
    "cres": "crescent", "crescent": "crescent", "gdns": "gardens", "gardens": "gardens",
    "calz": "calzada", "calzada": "calzada", "priv": "privada", "privada": "privada",
    "cda": "cerrada", "cerrada": "cerrada", "prol": "prolongacion",
    "prolongacion": "prolongacion",
    "пр": "prospekt", "пр-т": "prospekt", "пр-кт": "prospekt", "просп": "prospekt",
    "проспект": "prospekt", "prospekt": "prospekt", "prosp": "prospekt", "pr-t": "prospekt",
    "пер": "pereulok", "переулок": "pereulok", "per": "pereulok", "pereulok": "pereulok",
    "наб": "nab", "набережная": "nab", "nab": "nab", "naberezhnaya": "nab",
    "пр-д": "proezd", "проезд": "proezd", "proezd": "proezd",
    "туп": "tupik", "тупик": "tupik", "мкр": "mkr", "микрорайон": "mkr", "мкрн": "mkr",
    # house number markers: dropped, the digits stay
    "n": "", "no": "", "nº": "", "num": "", "numero": "", "nro": "", "#": "",
    "д": "", "дом": "", "dom": "", "number": "", "ext": "", "exterior": "",
    # unit / apartment
    "кв": "apt", "квартира": "apt", "kv": "apt", "apt": "apt", "apto": "apt",
    "apartment": "apt", "flat": "apt", "unit": "apt", "suite": "apt", "ste": "apt",
    "int": "apt", "interior": "apt", "dpto": "apt", "depto": "apt", "departamento": "apt",
    "piso": "piso", "pta": "pta", "puerta": "pta", "esc": "esc", "escalera": "esc",
    "izq": "izq", "izda": "izq", "izquierda": "izq", "dcha": "dcha", "dcho": "dcha",
    "derecha": "dcha", "bajo": "bajo", "bj": "bajo", "entlo": "entlo", "entresuelo": "entlo",
    "корп": "k", "корпус": "k", "к": "k", "korp": "k", "стр": "str", "строение": "str",
    "стр.": "str", "лит": "lit", "литера": "lit",
    # colonies / districts (MX, ES)
    "col": "col", "colonia": "col", "urb": "urb", "urbanizacion": "urb", "barrio": "barrio",
    "bo": "barrio", "fracc": "fracc", "fraccionamiento": "fracc",
    "mz": "mz", "manzana": "mz", "lt": "lt", "lote": "lt",
    # filler words
    "de": "", "del": "", "la": "", "las": "", "los": "", "el": "", "the": "",
}

# Markers exports glue to their number ("Д10", "КВ24", "n.9" -> "n9") -> canonical token
# ("" drops it, as a house-number marker): split off before the token lookup.
GLUED_MARKERS: dict[str, str] = {
    "d": "", "д": "", "dom": "", "дом": "", "n": "", "no": "", "nº": "", "num": "",
    "nro": "", "kv": "apt", "кв": "apt", "apt": "apt", "apto": "apt", "k": "k", "к": "k",
    "korp": "k", "корп": "k",
}

# City prefixes that are not part of the name: "г. Москва", "Ciudad de ..." is kept.
CITY_PREFIX_TOKENS: frozenset[str] = frozenset(
    {"г", "гор", "город", "g", "gorod", "пос", "поселок", "пгт", "с", "село", "дер", "деревня",
     "ст", "станица"}
)

# Folded city spelling -> canonical city key (cross-language and colloquial forms).
CITY_ALIASES: dict[str, str] = {
    "moscow": "moskva", "moscu": "moskva", "msk": "moskva", "moskau": "moskva",
    "мск": "moskva",
    "saint petersburg": "sankt peterburg", "st petersburg": "sankt peterburg",
    "san petersburgo": "sankt peterburg", "spb": "sankt peterburg",
    "sankt petersburg": "sankt peterburg", "peterburg": "sankt peterburg",
    "piter": "sankt peterburg", "питер": "sankt peterburg", "спб": "sankt peterburg",
    "санкт петербург": "sankt peterburg", "leningrad": "sankt peterburg",
    "nizhny novgorod": "nizhniy novgorod", "nizhnii novgorod": "nizhniy novgorod",
    "ekaterinburg": "yekaterinburg", "екатеринбург": "yekaterinburg",
    "cdmx": "ciudad de mexico", "mexico df": "ciudad de mexico", "df": "ciudad de mexico",
    "mexico city": "ciudad de mexico", "ciudad de mexico": "ciudad de mexico",
    "mexico d f": "ciudad de mexico", "cd de mexico": "ciudad de mexico",
    "cd mexico": "ciudad de mexico", "distrito federal": "ciudad de mexico",
    "mexico": "ciudad de mexico", "мехико": "ciudad de mexico",
    "gdl": "guadalajara", "mty": "monterrey",
    "londres": "london", "лондон": "london",
    "nyc": "new york", "new york city": "new york", "nueva york": "new york",
    "ny": "new york", "нью йорк": "new york",
    "bcn": "barcelona", "barna": "barcelona", "барселона": "barcelona",
    "madrid capital": "madrid", "мадрид": "madrid",
    "seville": "sevilla", "севилья": "sevilla",
    "saragossa": "zaragoza", "la coruna": "a coruna", "coruna": "a coruna",
    "corunna": "a coruna", "vitoria gasteiz": "vitoria", "gasteiz": "vitoria",
    "san sebastian": "donostia", "donostia san sebastian": "donostia",
    "palma de mallorca": "palma", "alacant": "alicante", "valencia capital": "valencia",
    "lerida": "lleida", "gerona": "girona", "orense": "ourense",
}

# US states and territories: folded name or code -> USPS code.
US_STATES: dict[str, str] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
    "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY", "district of columbia": "DC", "washington dc": "DC", "puerto rico": "PR",
    "calif": "CA", "cal": "CA", "fla": "FL", "tex": "TX", "mass": "MA", "penn": "PA",
    "nueva york": "NY", "california state": "CA", "florida state": "FL",
}

# ES province prefixes of postal codes (01-52) are checked numerically; MX states by name.
MX_STATES: dict[str, str] = {
    "cdmx": "Ciudad de México", "df": "Ciudad de México", "distrito federal": "Ciudad de México",
    "ciudad de mexico": "Ciudad de México", "jal": "Jalisco", "jalisco": "Jalisco",
    "nl": "Nuevo León", "n l": "Nuevo León", "nuevo leon": "Nuevo León",
    "edomex": "Estado de México", "edo mex": "Estado de México", "mex": "Estado de México",
    "estado de mexico": "Estado de México", "edo de mexico": "Estado de México",
    "pue": "Puebla", "puebla": "Puebla", "gto": "Guanajuato", "guanajuato": "Guanajuato",
    "ver": "Veracruz", "veracruz": "Veracruz", "yuc": "Yucatán", "yucatan": "Yucatán",
    "qro": "Querétaro", "queretaro": "Querétaro", "bc": "Baja California",
    "baja california": "Baja California", "chih": "Chihuahua", "chihuahua": "Chihuahua",
    "son": "Sonora", "sonora": "Sonora", "coah": "Coahuila", "coahuila": "Coahuila",
    "oax": "Oaxaca", "oaxaca": "Oaxaca", "q roo": "Quintana Roo", "quintana roo": "Quintana Roo",
    "mich": "Michoacán", "michoacan": "Michoacán", "sin": "Sinaloa", "sinaloa": "Sinaloa",
}

# Russian region abbreviations (folded) -> display form.
RU_REGION_WORDS: dict[str, str] = {
    "обл": "область", "обл.": "область", "респ": "республика", "кр": "край", "ao": "АО",
}

# Values typed when the real one is unknown.
ADDRESS_PLACEHOLDERS: frozenset[str] = frozenset(
    {"sin direccion", "sin datos", "desconocido", "desconocida", "no tiene", "no aplica",
     "unknown", "n a", "na", "none", "null", "test", "xxx", "xx", "x", "нет", "неизвестно",
     "не указан", "не указано", "нет данных", "0", "00", "000", "-", "sin calle",
     "no address", "address", "direccion", "адрес"}
)
