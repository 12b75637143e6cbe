"""Reference data for the second, independent generator (``synth.shapes``).

Why a separate table set: the benchmark shapes must not inherit the first generator's
assumptions, so places, surname tails, e-mail habits, OCR confusions and transliteration
schemes are written here from how real exports look. Given names, surnames heads and
nicknames come from ``transforms.reference`` (the lists the pipeline itself knows), while
the surname *tails* below are names the pipeline has never seen listed, as in real data.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# surname tails: less common surnames, so that collisions follow a long-tailed
# distribution instead of a top-130 list (which would over-produce namesakes)
# ---------------------------------------------------------------------------

ES_SURNAME_TAIL = """
Abad Acedo Adrover Agudo Alarcón Albarrán Alcaide Alcántara Aldana Alemán Almagro Almeida
Amador Amat Andrés Aparicio Aragón Aranda Arenas Arévalo Arranz Arroyo Ávila Baena Ballester
Barrera Barrios Barroso Bautista Bermejo Bermúdez Bernal Blasco Bonilla Bosch Buendía Bueno
Burgos Bustos Cabello Cáceres Calderón Camacho Cámara Campillo Cantero Carbonell Cárdenas
Carrillo Casado Casas Castaño Castellano Castells Catalán Cazorla Cerdá Chacón Cid Cobo
Collado Conde Corral Cuesta Cuevas Dávila Duarte Echevarría Egea Escobar Escribano Escudero
Espejo Espinosa Esteve Estévez Falcón Fajardo Feliu Figueras Franco Frías Galán Galindo
Gálvez Gámez Garcés Gaspar Gracia Granados Guerra Guillén Heredia Hurtado Izquierdo Jaén
Jurado Lara Lázaro Ledesma Llorente Lucas Luque Macías Maldonado Manzano Marco Marqués
Mateo Mateos Mejía Mena Merino Millán Miranda Molins Montes Montoya Mora Morán Morell Murillo
Naranjo Nogueira Olmedo Olmos Osorio Otero Pacheco Padilla Palacios Palomo Paredes Pardo
Paz Pedraza Pereira Pizarro Plaza Polo Porras Pozo Quesada Quintana Quintero Rey Rico Rincón
Riquelme Robledo Rodrigo Roldán Rosales Rosell Rovira Sáenz Salas Salinas Salvador Sanchís
Santamaría Segura Sepúlveda Sierra Solano Solís Sosa Sotelo Tapia Tejada Tello Toledo Tomás
Toro Trigo Valero Valle Valverde Varela Vera Viana Vilalta Villalba Villar Zapata Zurita
"""

EN_SURNAME_TAIL = """
Abbott Ainsworth Akers Aldridge Ashworth Atherton Bamford Barlow Beckett Bellamy Blackwood
Bradshaw Brennan Brierley Broadbent Buckley Burgess Caldwell Carr Chadwick Chambers Cartwright
Clegg Crowther Dalton Dawson Dixon Doherty Dunn Eccles Ellison Fairclough Farrell Fenton
Fletcher Gallagher Garside Gibbons Goodwin Greenwood Hargreaves Haworth Hayes Healey Higgins
Hollis Horrocks Howarth Hulme Ingham Kershaw Kirkby Lambert Lawson Leach Lockwood Lowe
Lynch McCarthy McGrath McKenzie Mellor Metcalfe Moss Naylor Nolan Nuttall Oakes Ogden
Parkinson Pearce Pickering Pilling Quinn Ramsden Riley Rowe Sharples Shepherd Slater
Stott Sutcliffe Swift Thornton Tierney Tomlinson Townsend Walsh Warburton Whittaker
Whitworth Wilkinson Winstanley Worsley Yates
"""

RU_SURNAME_TAIL = """
Аксёнов Афанасьев Белоусов Блинов Бобров Быков Веселов Вишняков Воронцов Гаврилов Голубев
Горбунов Гордеев Гришин Громов Губанов Дорофеев Ершов Ефимов Жданов Журавлёв Зимин Зуев
Исаев Калинин Капустин Карасёв Кириллов Клименко Клюев Кондратьев Коновалов Копылов
Корнилов Котов Кудрявцев Лаптев Ларионов Лукин Лысенко Мартынов Мельников Мешков Муравьёв
Назаров Наумов Некрасов Носков Овчинников Одинцов Панов Пестов Пономарёв Прохоров Рогов
Рыбаков Савельев Самойлов Селезнёв Симонов Скворцов Сухов Тимофеев Третьяков Тихонов
Устинов Уваров Фадеев Фомин Хохлов Чернов Чистяков Шаров Шестаков Шилов Шубин Щербаков
Юдин Якушев Ямщиков Яшин
"""

# Spanish compound given names: common in Spain, and one of the two parts is often dropped.
ES_COMPOUND_MALE = ["Juan Carlos", "José Luis", "José Antonio", "Juan José", "Miguel Ángel",
                    "José Manuel", "Francisco Javier", "Juan Antonio", "José María",
                    "Luis Miguel", "Juan Manuel"]
ES_COMPOUND_FEMALE = ["María José", "María Carmen", "María Pilar", "Ana María",
                      "María Teresa", "María Isabel", "María Dolores", "María Ángeles",
                      "Rosa María", "María Luisa", "María Jesús"]

# English historical / clerical abbreviations of given names (registers, ledgers).
EN_ABBREVIATIONS = {
    "William": "Wm.", "Charles": "Chas.", "Thomas": "Thos.", "George": "Geo.",
    "James": "Jas.", "John": "Jno.", "Robert": "Robt.", "Richard": "Richd.",
    "Joseph": "Jos.", "Elizabeth": "Eliz.", "Margaret": "Margt.", "Benjamin": "Benj.",
    "Samuel": "Saml.", "Edward": "Edw.", "Alexander": "Alexr.", "Frederick": "Fredk.",
}
ES_ABBREVIATIONS = {
    "María": "Mª", "Francisco": "Fco.", "Antonio": "Ant.",
    "Manuel": "Man.", "Josefa": "Jfa.", "Dolores": "Dol.", "Francisca": "Fca.",
    "Fernández": "Fdez.", "Rodríguez": "Rguez.", "González": "Glez.", "Martínez": "Mtnez.",
    "Hernández": "Hdez.", "Jiménez": "Jmnez.",
}

# ---------------------------------------------------------------------------
# places: (city, postcode rule, weight, alternative spellings seen in exports)
# postcode rules: ES "PP:lo-hi" (province + 3 digits), RU "lo-hi" (6 digits),
# GB "AREA:d1-d2" (outward area + district range), US "lo-hi" (5 digits)
# ---------------------------------------------------------------------------

ES_CITIES: list[tuple[str, str, float, tuple[str, ...]]] = [
    ("Madrid", "28:001-055", 14.0, ("MADRID", "Madrid Capital")),
    ("Barcelona", "08:001-042", 10.0, ("BARCELONA", "Bcn")),
    ("Valencia", "46:001-026", 5.0, ("València", "VALENCIA")),
    ("Sevilla", "41:001-020", 4.0, ("Seville", "SEVILLA")),
    ("Zaragoza", "50:001-021", 3.5, ("Zaragoza",)),
    ("Málaga", "29:001-018", 3.0, ("Malaga", "MALAGA")),
    ("Murcia", "30:001-012", 2.5, ("Murcia",)),
    ("Palma", "07:001-015", 2.5, ("Palma de Mallorca", "Palma Mallorca")),
    ("Las Palmas de Gran Canaria", "35:001-019", 2.0, ("Las Palmas", "Las Palmas GC")),
    ("Bilbao", "48:001-015", 2.0, ("Bilbo",)),
    ("Alicante", "03:001-016", 2.0, ("Alacant", "ALICANTE")),
    ("Córdoba", "14:001-014", 2.0, ("Cordoba",)),
    ("Valladolid", "47:001-017", 1.8, ("Valladolid",)),
    ("Vigo", "36:201-216", 1.8, ("Vigo",)),
    ("Gijón", "33:201-213", 1.5, ("Gijon", "Xixón")),
    ("A Coruña", "15:001-011", 1.5, ("La Coruña", "Coruña")),
    ("Granada", "18:001-015", 1.5, ("Granada",)),
    ("Getafe", "28:901-909", 1.0, ("Getafe",)),
    ("Móstoles", "28:931-938", 1.0, ("Mostoles",)),
    ("Badalona", "08:911-918", 1.0, ("Badalona",)),
    ("Marbella", "29:600-604", 1.2, ("MARBELLA", "Marbella (Málaga)")),
    ("Torrevieja", "03:181-188", 1.0, ("Torrevieja", "Torrevieja Alicante")),
    ("Benidorm", "03:501-503", 0.8, ("Benidorm",)),
    ("Fuengirola", "29:640-640", 0.6, ("Fuengirola",)),
    ("Estepona", "29:680-680", 0.5, ("Estepona",)),
    ("Salou", "43:840-840", 0.3, ("Salou",)),
]
# Where Russian- and English-speaking residents of Spain concentrate (the Costas).
ES_EXPAT_CITIES = ["Marbella", "Torrevieja", "Benidorm", "Fuengirola", "Estepona", "Alicante",
                   "Málaga", "Barcelona", "Madrid", "Valencia", "Salou"]

RU_CITIES: list[tuple[str, str, float, tuple[str, ...]]] = [
    ("Москва", "101000-129350", 14.0, ("Moscow", "Moskva", "г. Москва", "МОСКВА", "Мск")),
    ("Санкт-Петербург", "190000-199406", 7.0,
     ("Saint Petersburg", "St. Petersburg", "СПб", "Санкт Петербург", "Sankt-Peterburg")),
    ("Новосибирск", "630000-630133", 2.0, ("Novosibirsk", "г. Новосибирск")),
    ("Екатеринбург", "620000-620149", 2.0, ("Yekaterinburg", "Ekaterinburg")),
    ("Казань", "420000-420140", 1.8, ("Kazan", "г Казань")),
    ("Нижний Новгород", "603000-603163", 1.6, ("Nizhny Novgorod", "Н. Новгород")),
    ("Самара", "443000-443125", 1.5, ("Samara",)),
    ("Краснодар", "350000-350089", 1.5, ("Krasnodar",)),
    ("Сочи", "354000-354068", 1.0, ("Sochi",)),
    ("Ростов-на-Дону", "344000-344113", 1.4, ("Rostov-on-Don", "Ростов на Дону")),
]

GB_CITIES: list[tuple[str, str, float, tuple[str, ...]]] = [
    ("London", "SW:1-20", 6.0, ("LONDON", "London UK")),
    ("London", "E:1-18", 4.0, ("LONDON",)),
    ("London", "N:1-22", 3.0, ("London",)),
    ("Manchester", "M:1-40", 2.5, ("MANCHESTER", "Manchester UK")),
    ("Birmingham", "B:1-45", 2.5, ("B'ham", "BIRMINGHAM")),
    ("Leeds", "LS:1-29", 1.8, ("Leeds",)),
    ("Glasgow", "G:1-53", 1.8, ("Glasgow",)),
    ("Liverpool", "L:1-38", 1.5, ("Liverpool",)),
    ("Bristol", "BS:1-16", 1.4, ("Bristol",)),
    ("Edinburgh", "EH:1-17", 1.3, ("Edinburgh",)),
]

US_CITIES: list[tuple[str, str, float, tuple[str, ...]]] = [
    ("New York", "10001-10282", 4.0, ("NYC", "New York City", "NEW YORK")),
    ("Los Angeles", "90001-90089", 3.0, ("LA", "Los Angeles")),
    ("Chicago", "60601-60661", 2.0, ("CHICAGO",)),
    ("Houston", "77001-77099", 1.6, ("Houston",)),
    ("Miami", "33101-33199", 1.6, ("Miami",)),
    ("Boston", "02108-02137", 1.2, ("Boston",)),
]

COUNTRY_NAMES = {
    "ES": ("España", "Spain", "ESPAÑA", "Espana"),
    "RU": ("Россия", "Russia", "Russian Federation", "РФ"),
    "GB": ("United Kingdom", "UK", "Great Britain", "England"),
    "US": ("United States", "USA", "US"),
}

# How a Spanish-language register writes the country of residence.
REGISTER_COUNTRY_NAMES = {
    "ES": ("España", "ESPAÑA", "Espana"),
    "RU": ("Rusia", "Россия", "Russia", "Federación Rusa"),
    "GB": ("Reino Unido", "Inglaterra", "UK", "Gran Bretaña"),
    "US": ("EE.UU.", "Estados Unidos", "USA"),
}

# ---------------------------------------------------------------------------
# e-mail habits: provider shares by language (Spain, Russia, UK/US market reports)
# ---------------------------------------------------------------------------

EMAIL_DOMAINS: dict[str, list[tuple[str, float]]] = {
    "es": [("gmail.com", 48), ("hotmail.com", 15), ("hotmail.es", 10), ("yahoo.es", 6),
           ("outlook.es", 6), ("outlook.com", 4), ("icloud.com", 4), ("telefonica.net", 2),
           ("live.com", 2), ("yahoo.com", 2), ("movistar.es", 1)],
    "ru": [("mail.ru", 32), ("yandex.ru", 27), ("gmail.com", 25), ("bk.ru", 4), ("list.ru", 4),
           ("inbox.ru", 3), ("rambler.ru", 3), ("ya.ru", 2)],
    "en": [("gmail.com", 42), ("hotmail.co.uk", 12), ("yahoo.co.uk", 8), ("outlook.com", 10),
           ("icloud.com", 8), ("btinternet.com", 5), ("yahoo.com", 6), ("aol.com", 3),
           ("live.co.uk", 3), ("sky.com", 3)],
}
# Handles that have nothing to do with the name (people reuse them for years).
HANDLE_WORDS = {
    "es": ["mariposa", "tigre", "lunita", "solecito", "dragon", "angelito", "pitufo", "gatita",
           "rayo", "estrella", "lobo", "morena", "chispa", "bicho"],
    "ru": ["kotik", "zaika", "solnyshko", "medved", "volk", "lisa", "tigr", "angel", "ded",
           "malysh", "rybka", "sokol"],
    "en": ["sunny", "dragon", "angel", "tiger", "shadow", "rocket", "bluebird", "happy",
           "foxy", "starlight", "gizmo", "buddy"],
}

# ---------------------------------------------------------------------------
# occupations as a clerk writes them (masculine, feminine); synonyms a clerk may use
# ---------------------------------------------------------------------------

OCCUPATIONS: dict[str, list[tuple[str, str]]] = {
    "es": [("Administrativo", "Administrativa"), ("Albañil", "Albañil"),
           ("Agricultor", "Agricultora"), ("Camarero", "Camarera"), ("Comercial", "Comercial"),
           ("Conductor", "Conductora"), ("Dependiente", "Dependienta"),
           ("Electricista", "Electricista"), ("Enfermero", "Enfermera"),
           ("Funcionario", "Funcionaria"), ("Ingeniero", "Ingeniera"), ("Maestro", "Maestra"),
           ("Mecánico", "Mecánica"), ("Médico", "Médica"), ("Peluquero", "Peluquera"),
           ("Profesor", "Profesora"), ("Autónomo", "Autónoma"), ("Cocinero", "Cocinera"),
           ("Abogado", "Abogada"), ("Limpiador", "Limpiadora"), ("Sus labores", "Sus labores")],
    "ru": [("инженер", "инженер"), ("учитель", "учительница"), ("врач", "врач"),
           ("бухгалтер", "бухгалтер"), ("водитель", "водитель"), ("продавец", "продавщица"),
           ("менеджер", "менеджер"), ("рабочий", "рабочая"), ("программист", "программист"),
           ("медбрат", "медсестра"), ("экономист", "экономист"), ("юрист", "юрист"),
           ("домохозяин", "домохозяйка")],
    "en": [("teacher", "teacher"), ("nurse", "nurse"), ("engineer", "engineer"),
           ("driver", "driver"), ("accountant", "accountant"), ("sales assistant", "sales assistant"),
           ("electrician", "electrician"), ("clerk", "clerk"), ("manager", "manager"),
           ("software developer", "software developer"), ("chef", "chef"),
           ("builder", "builder"), ("homemaker", "homemaker"), ("carer", "carer")],
}
STUDENT = {"es": ("Estudiante", "Estudiante"), "ru": ("студент", "студентка"),
           "en": ("student", "student")}
RETIRED = {"es": ("Jubilado", "Jubilada"), "ru": ("пенсионер", "пенсионерка"),
           "en": ("retired", "retired")}
UNEMPLOYED = {"es": ("Parado", "Parada"), "ru": ("безработный", "безработная"),
              "en": ("unemployed", "unemployed")}
OCCUPATION_SYNONYMS = {
    "Sus labores": "Ama de casa", "Parado": "Desempleado", "Parada": "Desempleada",
    "Maestra": "Profesora", "Maestro": "Profesor", "Jubilado": "Pensionista",
    "Jubilada": "Pensionista", "пенсионер": "на пенсии", "пенсионерка": "на пенсии",
    "retired": "pensioner", "homemaker": "housewife", "clerk": "office worker",
}

# ---------------------------------------------------------------------------
# transcription and OCR confusions
# ---------------------------------------------------------------------------

# Letter groups OCR and hurried readers confuse (both directions are used).
OCR_LATIN = [("rn", "m"), ("cl", "d"), ("li", "h"), ("ii", "u"), ("vv", "w"), ("e", "c"),
             ("a", "o"), ("n", "u"), ("l", "I"), ("i", "l"), ("t", "f"), ("h", "b"),
             ("c", "e"), ("o", "a"), ("u", "v"), ("r", "n"), ("S", "5"), ("O", "0"),
             ("B", "8"), ("G", "C"), ("M", "N"), ("é", "e"), ("ñ", "n")]
OCR_CYRILLIC = [("и", "н"), ("н", "и"), ("ш", "щ"), ("щ", "ш"), ("п", "н"), ("л", "д"),
                ("ё", "е"), ("й", "и"), ("З", "3"), ("О", "0"), ("б", "6"), ("ь", "ъ"),
                ("т", "г"), ("в", "б"), ("ц", "щ"), ("к", "х")]
# Handwritten/OCR digit confusions (for dates and postcodes).
OCR_DIGITS = {"0": "86", "1": "74", "2": "7", "3": "85", "4": "91", "5": "63", "6": "50",
              "7": "12", "8": "306", "9": "47"}
# Spellings a clerk writes by ear (Spanish seseo/yeísmo/b-v, silent h; English doubling).
PHONETIC_ES = [("v", "b"), ("b", "v"), ("ll", "y"), ("y", "ll"), ("z", "s"), ("ce", "se"),
               ("ci", "si"), ("ge", "je"), ("gi", "ji"), ("j", "g"), ("h", ""), ("x", "j"),
               ("qu", "k")]
PHONETIC_EN = [("ph", "f"), ("ie", "y"), ("y", "ie"), ("ll", "l"), ("tt", "t"), ("ck", "k"),
               ("ou", "ow"), ("ey", "y"), ("son", "sen"), ("ar", "er"), ("er", "ar")]

# Neighbouring keys on a QWERTY / ЙЦУКЕН keyboard (typing slips).
KEYBOARD_ROWS = ["qwertyuiop", "asdfghjklñ", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ",
                 "ячсмитьбю"]

# ---------------------------------------------------------------------------
# Russian transliteration schemes seen in one person's records over the years
# ---------------------------------------------------------------------------

_RU_BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}
TRANSLIT_SCHEMES: dict[str, dict[str, str]] = {
    # BGN/PCGN, what English-language sites and most people type
    "bgn": _RU_BASE,
    # ICAO Doc 9303, Russian passports since 2013 (copied from the passport at a desk)
    "icao": {**_RU_BASE, "й": "i", "ю": "iu", "я": "ia", "ъ": "ie", "ц": "ts"},
    # German/French-style and old Soviet passports: Sergej, Julija, Tatiana, Natalia
    "euro": {**_RU_BASE, "й": "j", "ю": "ju", "я": "ja", "х": "h", "ж": "j", "ё": "yo",
             "щ": "sch"},
    # informal: what people write in e-mail addresses and chats
    "informal": {**_RU_BASE, "й": "i", "х": "h", "ю": "u", "я": "ia", "ц": "c", "щ": "sh",
                 "ё": "yo"},
}
# Whole-name spellings that beat letter-by-letter schemes (conventional English forms).
RU_CONVENTIONAL = {
    "Александр": "Alexander", "Алексей": "Alexey", "Александра": "Alexandra",
    "Наталья": "Natalia", "Татьяна": "Tatiana", "Юлия": "Julia", "Дмитрий": "Dmitry",
    "Юрий": "Yuri", "Евгений": "Eugene", "Елена": "Elena", "Ксения": "Ksenia",
    "Мария": "Maria", "Анастасия": "Anastasia", "Сергей": "Sergey", "Андрей": "Andrey",
    "Пётр": "Peter", "Фёдор": "Fedor", "Михаил": "Mikhail", "Екатерина": "Ekaterina",
}
# The Russian given-name list is alphabetical; these carry most of the frequency mass.
RU_POPULAR = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Владимир", "Михаил",
              "Иван", "Евгений", "Николай", "Максим", "Елена", "Татьяна", "Ольга", "Наталья",
              "Ирина", "Светлана", "Анна", "Мария", "Екатерина", "Юлия", "Анастасия"]
