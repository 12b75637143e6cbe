"""Country names in English, Spanish and Russian, ISO 3166 alpha-2/alpha-3 codes.

Names are matched after folding (case, accents, punctuation), so only one
spelling per accent variant is needed. The five focus countries (ES, MX, RU,
US, GB) carry the colloquial and abbreviated spellings seen in exports.
"""

from __future__ import annotations

# alpha2, alpha3, names separated by "|" (EN | ES | RU and colloquial forms mixed)
COUNTRIES: list[tuple[str, str, str]] = [
    ("ES", "ESP", "Spain|Kingdom of Spain|España|Espana|Reino de España|Esp|Испания|"
                  "Королевство Испания|Spanien|Espagne|Spagna|Espanya|Espainia|Espanha"),
    ("MX", "MEX", "Mexico|México|Méjico|Mejico|United Mexican States|Estados Unidos Mexicanos|"
                  "Mex|Méx|Мексика|Мексиканские Штаты|Mexique|Mexiko|CDMX|Rep. Mexicana|"
                  "Republica Mexicana"),
    ("RU", "RUS", "Russia|Russian Federation|Rusia|Federación de Rusia|Federacion Rusa|"
                  "Россия|РФ|Российская Федерация|Рф|Russland|Russie|Rossiya|Rossija|"
                  "Rossiia|Rus|Рос. Федерация|Russian Fed"),
    ("US", "USA", "United States|United States of America|USA|U.S.A.|U.S.|US|America|"
                  "Estados Unidos|Estados Unidos de América|EEUU|EE.UU.|EE UU|EUA|E.U.A.|"
                  "США|Соединённые Штаты|Соединенные Штаты Америки|Америка|Штаты|"
                  "Vereinigte Staaten|Etats-Unis|Norteamerica|U.S. of A."),
    ("GB", "GBR", "United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|"
                  "Northern Ireland|United Kingdom of Great Britain and Northern Ireland|GB|"
                  "Reino Unido|Gran Bretaña|Inglaterra|Escocia|Gales|Irlanda del Norte|"
                  "Великобритания|Соединённое Королевство|Англия|Шотландия|Британия|"
                  "Großbritannien|Royaume-Uni|Grande-Bretagne|U.K|Eng"),
    ("FR", "FRA", "France|Francia|Франция|Frankreich"),
    ("DE", "DEU", "Germany|Alemania|Германия|Deutschland|Allemagne|Federal Republic of Germany"),
    ("IT", "ITA", "Italy|Italia|Италия|Italien|Italie"),
    ("PT", "PRT", "Portugal|Португалия"),
    ("AD", "AND", "Andorra|Андорра|Andorre"),
    ("NL", "NLD", "Netherlands|The Netherlands|Holland|Países Bajos|Paises Bajos|Holanda|"
                  "Нидерланды|Голландия|Nederland"),
    ("BE", "BEL", "Belgium|Bélgica|Бельгия|Belgique|België"),
    ("CH", "CHE", "Switzerland|Suiza|Швейцария|Schweiz|Suisse|Svizzera"),
    ("AT", "AUT", "Austria|Австрия|Österreich"),
    ("IE", "IRL", "Ireland|Republic of Ireland|Irlanda|Ирландия|Eire|Éire"),
    ("SE", "SWE", "Sweden|Suecia|Швеция|Sverige"),
    ("NO", "NOR", "Norway|Noruega|Норвегия|Norge"),
    ("DK", "DNK", "Denmark|Dinamarca|Дания|Danmark"),
    ("FI", "FIN", "Finland|Finlandia|Финляндия|Suomi"),
    ("PL", "POL", "Poland|Polonia|Польша|Polska"),
    ("CZ", "CZE", "Czech Republic|Czechia|República Checa|Republica Checa|Chequia|Чехия|"
                  "Česko"),
    ("GR", "GRC", "Greece|Grecia|Греция|Hellas"),
    ("RO", "ROU", "Romania|Rumania|Rumanía|Румыния|România"),
    ("BG", "BGR", "Bulgaria|Болгария"),
    ("HU", "HUN", "Hungary|Hungría|Hungria|Венгрия|Magyarország"),
    ("UA", "UKR", "Ukraine|Ucrania|Украина|Україна"),
    ("BY", "BLR", "Belarus|Bielorrusia|Беларусь|Белоруссия|Республика Беларусь"),
    ("KZ", "KAZ", "Kazakhstan|Kazajistán|Kazajistan|Казахстан|Республика Казахстан"),
    ("UZ", "UZB", "Uzbekistan|Uzbekistán|Узбекистан"),
    ("KG", "KGZ", "Kyrgyzstan|Kirguistán|Kirguistan|Киргизия|Кыргызстан"),
    ("TJ", "TJK", "Tajikistan|Tayikistán|Tayikistan|Таджикистан"),
    ("TM", "TKM", "Turkmenistan|Turkmenistán|Туркменистан|Туркмения"),
    ("AM", "ARM", "Armenia|Армения"),
    ("AZ", "AZE", "Azerbaijan|Azerbaiyán|Azerbaiyan|Азербайджан"),
    ("GE", "GEO", "Georgia|Грузия|Sakartvelo"),
    ("MD", "MDA", "Moldova|Moldavia|Молдова|Молдавия"),
    ("LT", "LTU", "Lithuania|Lituania|Литва"),
    ("LV", "LVA", "Latvia|Letonia|Латвия"),
    ("EE", "EST", "Estonia|Эстония"),
    ("TR", "TUR", "Turkey|Türkiye|Turkiye|Turquía|Turquia|Турция"),
    ("IL", "ISR", "Israel|Израиль"),
    ("CN", "CHN", "China|People's Republic of China|Китай|КНР"),
    ("JP", "JPN", "Japan|Japón|Japon|Япония"),
    ("KR", "KOR", "South Korea|Korea|Republic of Korea|Corea del Sur|Corea|Южная Корея|Корея"),
    ("IN", "IND", "India|Индия"),
    ("AE", "ARE", "United Arab Emirates|UAE|Emiratos Árabes Unidos|Emiratos Arabes Unidos|"
                  "EAU|ОАЭ|Объединённые Арабские Эмираты"),
    ("CA", "CAN", "Canada|Canadá|Канада"),
    ("AR", "ARG", "Argentina|Аргентина|República Argentina"),
    ("CO", "COL", "Colombia|Колумбия"),
    ("VE", "VEN", "Venezuela|Венесуэла"),
    ("PE", "PER", "Peru|Perú|Перу"),
    ("CL", "CHL", "Chile|Чили"),
    ("EC", "ECU", "Ecuador|Эквадор"),
    ("BO", "BOL", "Bolivia|Боливия"),
    ("UY", "URY", "Uruguay|Уругвай"),
    ("PY", "PRY", "Paraguay|Парагвай"),
    ("CU", "CUB", "Cuba|Куба"),
    ("DO", "DOM", "Dominican Republic|República Dominicana|Republica Dominicana|"
                  "Доминиканская Республика|Rep. Dominicana"),
    ("GT", "GTM", "Guatemala|Гватемала"),
    ("HN", "HND", "Honduras|Гондурас"),
    ("SV", "SLV", "El Salvador|Сальвадор"),
    ("NI", "NIC", "Nicaragua|Никарагуа"),
    ("CR", "CRI", "Costa Rica|Коста-Рика"),
    ("PA", "PAN", "Panama|Panamá|Панама"),
    ("PR", "PRI", "Puerto Rico|Пуэрто-Рико"),
    ("BR", "BRA", "Brazil|Brasil|Бразилия"),
    ("MA", "MAR", "Morocco|Marruecos|Марокко|Maroc"),
    ("DZ", "DZA", "Algeria|Argelia|Алжир"),
    ("EG", "EGY", "Egypt|Egipto|Египет"),
    ("ZA", "ZAF", "South Africa|Sudáfrica|Sudafrica|ЮАР|Южно-Африканская Республика"),
    ("NG", "NGA", "Nigeria|Нигерия"),
    ("AU", "AUS", "Australia|Австралия"),
    ("NZ", "NZL", "New Zealand|Nueva Zelanda|Новая Зеландия"),
    ("GI", "GIB", "Gibraltar|Гибралтар"),
    ("CY", "CYP", "Cyprus|Chipre|Кипр"),
    ("MT", "MLT", "Malta|Мальта"),
    ("LU", "LUX", "Luxembourg|Luxemburgo|Люксембург"),
    ("RS", "SRB", "Serbia|Сербия|Србија"),
    ("HR", "HRV", "Croatia|Croacia|Хорватия|Hrvatska"),
    ("TH", "THA", "Thailand|Tailandia|Таиланд"),
    ("VN", "VNM", "Vietnam|Viet Nam|Вьетнам"),
    ("PH", "PHL", "Philippines|Filipinas|Филиппины"),
    ("SG", "SGP", "Singapore|Singapur|Сингапур"),
    ("MN", "MNG", "Mongolia|Монголия"),
]

# Codes that are not ISO alpha-2 but appear as country codes in exports.
CODE_ALIASES: dict[str, str] = {"UK": "GB", "EL": "GR", "SP": "ES", "RF": "RU", "MEX": "MX"}

# Countries matching knows well enough to validate postal codes for.
FOCUS_COUNTRIES: tuple[str, ...] = ("ES", "MX", "RU", "US", "GB")
