"""Places, companies, e-mail domains and free-text vocabularies for the generator.

Cities carry a postal-code pattern, region and phone area codes so that an address,
a landline and a postal code of one household agree with each other, as in real
data; free-text labels (country names, consent, lead source, channel, payment
method) are written the many ways department systems actually contain them.
"""

from __future__ import annotations

# city, region, postal prefix (digits appended to 5 chars; UK: outward codes), landline areas
CityRow = tuple[str, str, str | list[str], list[str]]

ES_CITIES: list[CityRow] = [
    ("Madrid", "Madrid", "280", ["91"]), ("Barcelona", "Barcelona", "080", ["93"]),
    ("Valencia", "Valencia", "460", ["96"]), ("Sevilla", "Sevilla", "410", ["954", "955"]),
    ("Zaragoza", "Zaragoza", "500", ["976"]), ("Málaga", "Málaga", "290", ["952"]),
    ("Murcia", "Murcia", "300", ["968"]), ("Palma", "Illes Balears", "070", ["971"]),
    ("Las Palmas de Gran Canaria", "Las Palmas", "350", ["928"]),
    ("Bilbao", "Bizkaia", "480", ["94"]), ("Alicante", "Alicante", "030", ["965", "966"]),
    ("Córdoba", "Córdoba", "140", ["957"]), ("Valladolid", "Valladolid", "470", ["983"]),
    ("Vigo", "Pontevedra", "362", ["986"]), ("Gijón", "Asturias", "332", ["985"]),
    ("L'Hospitalet de Llobregat", "Barcelona", "089", ["93"]),
    ("A Coruña", "A Coruña", "150", ["981"]), ("Granada", "Granada", "180", ["958"]),
    ("Vitoria-Gasteiz", "Álava", "010", ["945"]), ("Elche", "Alicante", "032", ["965"]),
    ("Santa Cruz de Tenerife", "Santa Cruz de Tenerife", "380", ["922"]),
    ("Oviedo", "Asturias", "330", ["985"]), ("Badalona", "Barcelona", "089", ["93"]),
    ("Cartagena", "Murcia", "302", ["968"]), ("Móstoles", "Madrid", "289", ["91"]),
    ("Alcalá de Henares", "Madrid", "288", ["91"]), ("Pamplona", "Navarra", "310", ["948"]),
    ("San Sebastián", "Gipuzkoa", "200", ["943"]), ("Santander", "Cantabria", "390", ["942"]),
    ("Salamanca", "Salamanca", "370", ["923"]), ("Burgos", "Burgos", "090", ["947"]),
    ("Albacete", "Albacete", "020", ["967"]), ("Getafe", "Madrid", "289", ["91"]),
    ("Logroño", "La Rioja", "260", ["941"]), ("Badajoz", "Badajoz", "060", ["924"]),
    ("Huelva", "Huelva", "210", ["959"]), ("León", "León", "240", ["987"]),
    ("Cádiz", "Cádiz", "110", ["956"]), ("Jaén", "Jaén", "230", ["953"]),
    ("Tarragona", "Tarragona", "430", ["977"]), ("Lleida", "Lleida", "250", ["973"]),
    ("Castellón de la Plana", "Castellón", "120", ["964"]), ("Almería", "Almería", "040", ["950"]),
]
ES_CITY_WEIGHTS = [30, 18, 8, 7, 6, 5, 4, 4, 3, 4, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                   2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

MX_CITIES: list[CityRow] = [
    ("Ciudad de México", "CDMX", "0", ["55"]), ("Guadalajara", "Jalisco", "44", ["33"]),
    ("Monterrey", "Nuevo León", "64", ["81"]), ("Puebla", "Puebla", "72", ["222"]),
    ("Tijuana", "Baja California", "22", ["664"]), ("León", "Guanajuato", "37", ["477"]),
    ("Zapopan", "Jalisco", "45", ["33"]), ("Querétaro", "Querétaro", "76", ["442"]),
    ("Mérida", "Yucatán", "97", ["999"]), ("Ciudad Juárez", "Chihuahua", "32", ["656"]),
    ("San Luis Potosí", "San Luis Potosí", "78", ["444"]), ("Aguascalientes", "Aguascalientes",
                                                            "20", ["449"]),
    ("Toluca", "Estado de México", "50", ["722"]), ("Cancún", "Quintana Roo", "77", ["998"]),
    ("Morelia", "Michoacán", "58", ["443"]), ("Chihuahua", "Chihuahua", "31", ["614"]),
    ("Hermosillo", "Sonora", "83", ["662"]), ("Saltillo", "Coahuila", "25", ["844"]),
    ("Veracruz", "Veracruz", "91", ["229"]), ("Oaxaca", "Oaxaca", "68", ["951"]),
]
MX_CITY_WEIGHTS = [35, 12, 10, 5, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1]

RU_CITIES: list[CityRow] = [
    ("Москва", "Москва", "1", ["495", "499"]), ("Санкт-Петербург", "Санкт-Петербург", "19", ["812"]),
    ("Новосибирск", "Новосибирская область", "630", ["383"]),
    ("Екатеринбург", "Свердловская область", "620", ["343"]),
    ("Казань", "Республика Татарстан", "420", ["843"]),
    ("Нижний Новгород", "Нижегородская область", "603", ["831"]),
    ("Челябинск", "Челябинская область", "454", ["351"]),
    ("Самара", "Самарская область", "443", ["846"]), ("Омск", "Омская область", "644", ["3812"]),
    ("Ростов-на-Дону", "Ростовская область", "344", ["863"]),
    ("Уфа", "Республика Башкортостан", "450", ["347"]),
    ("Красноярск", "Красноярский край", "660", ["391"]),
    ("Воронеж", "Воронежская область", "394", ["473"]), ("Пермь", "Пермский край", "614", ["342"]),
    ("Волгоград", "Волгоградская область", "400", ["8442"]),
    ("Краснодар", "Краснодарский край", "350", ["861"]),
    ("Тюмень", "Тюменская область", "625", ["3452"]),
    ("Ярославль", "Ярославская область", "150", ["4852"]),
    ("Калининград", "Калининградская область", "236", ["4012"]),
    ("Сочи", "Краснодарский край", "354", ["862"]),
]
RU_CITY_WEIGHTS = [35, 15, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 3, 2, 2, 2, 2]
# Latin names used by the sales (cp1252) system for Russian cities, alongside transliteration
RU_CITY_LATIN = {"Москва": ["Moscow", "Moskva", "MOSCOW"],
                 "Санкт-Петербург": ["Saint Petersburg", "St. Petersburg", "Sankt-Peterburg", "SPb"]}

US_CITIES: list[CityRow] = [
    ("New York", "NY", "100", ["212", "646", "718"]), ("Los Angeles", "CA", "900", ["213", "310"]),
    ("Chicago", "IL", "606", ["312", "773"]), ("Houston", "TX", "770", ["713", "281"]),
    ("Phoenix", "AZ", "850", ["602", "480"]), ("Philadelphia", "PA", "191", ["215", "267"]),
    ("San Antonio", "TX", "782", ["210"]), ("San Diego", "CA", "921", ["619", "858"]),
    ("Dallas", "TX", "752", ["214", "469"]), ("San Jose", "CA", "951", ["408"]),
    ("Austin", "TX", "787", ["512"]), ("Miami", "FL", "331", ["305", "786"]),
    ("San Francisco", "CA", "941", ["415", "628"]), ("Seattle", "WA", "981", ["206"]),
    ("Boston", "MA", "021", ["617", "857"]), ("Denver", "CO", "802", ["303", "720"]),
    ("Atlanta", "GA", "303", ["404", "678"]), ("Portland", "OR", "972", ["503"]),
    ("Las Vegas", "NV", "891", ["702"]), ("Springfield", "IL", "627", ["217"]),
]
US_CITY_WEIGHTS = [20, 12, 8, 6, 4, 4, 3, 3, 4, 2, 3, 6, 4, 3, 3, 3, 3, 2, 2, 1]

UK_CITIES: list[CityRow] = [
    ("London", "Greater London", ["E1", "E14", "N1", "N7", "NW1", "NW3", "SE1", "SE15", "SW1A",
                                  "SW11", "SW19", "W1", "W2", "WC1", "EC1"], ["20"]),
    ("Manchester", "Greater Manchester", ["M1", "M4", "M14", "M20", "M21"], ["161"]),
    ("Birmingham", "West Midlands", ["B1", "B15", "B29", "B13"], ["121"]),
    ("Leeds", "West Yorkshire", ["LS1", "LS6", "LS17"], ["113"]),
    ("Glasgow", "Scotland", ["G1", "G12", "G41"], ["141"]),
    ("Liverpool", "Merseyside", ["L1", "L8", "L17"], ["151"]),
    ("Bristol", "Bristol", ["BS1", "BS6", "BS8"], ["117"]),
    ("Edinburgh", "Scotland", ["EH1", "EH3", "EH10"], ["131"]),
    ("Sheffield", "South Yorkshire", ["S1", "S10", "S11"], ["114"]),
    ("Cardiff", "Wales", ["CF10", "CF11", "CF24"], ["29"]),
    ("Newcastle upon Tyne", "Tyne and Wear", ["NE1", "NE2", "NE6"], ["191"]),
    ("Nottingham", "Nottinghamshire", ["NG1", "NG5", "NG7"], ["115"]),
]
UK_CITY_WEIGHTS = [40, 10, 9, 5, 5, 5, 5, 4, 4, 3, 3, 3]

ES_STREETS = [
    "Calle Mayor", "Calle Real", "Calle de Alcalá", "Gran Vía", "Calle de Atocha",
    "Avenida de la Constitución", "Calle San Juan", "Calle Nueva", "Plaza de España",
    "Calle de Serrano", "Paseo de Gracia", "Calle de Valencia", "Avenida Diagonal",
    "Calle de la Iglesia", "Calle del Sol", "Calle Ancha", "Avenida de Andalucía",
    "Calle Príncipe de Vergara", "Calle de Toledo", "Calle Larios", "Avenida del Puerto",
    "Calle Colón", "Calle Cervantes", "Calle Goya", "Avenida de América", "Rambla de Catalunya",
    "Calle de Bravo Murillo", "Calle Sierpes", "Calle San Vicente", "Avenida de la Paz",
    "Calle Doctor Fleming", "Calle Santa Ana", "Calle de la Rosa", "Camino Viejo",
    "Calle Jardines", "Avenida Blasco Ibáñez", "Calle Uría", "Calle Ercilla",
]
MX_STREETS = [
    "Av. Insurgentes Sur", "Av. Reforma", "Calle Hidalgo", "Av. Juárez", "Calle Morelos",
    "Av. Revolución", "Calle Madero", "Av. Universidad", "Calle 5 de Mayo", "Av. Chapultepec",
    "Calle Allende", "Av. Vallarta", "Calle Zaragoza", "Av. Constitución", "Calle Guerrero",
    "Av. Patriotismo", "Calle Independencia", "Av. López Mateos", "Calle Niños Héroes",
    "Av. Tecnológico", "Calle Emiliano Zapata", "Calle Benito Juárez", "Av. de las Américas",
]
MX_COLONIAS = ["Centro", "Del Valle", "Roma Norte", "Condesa", "Polanco", "Narvarte", "Coyoacán",
               "Providencia", "Americana", "Jardines del Bosque", "San Pedro", "Obrera",
               "Lomas", "Santa Fe", "Guadalupe", "Las Águilas", "Reforma", "Industrial"]
RU_STREETS = [
    "ул. Ленина", "ул. Советская", "ул. Мира", "ул. Гагарина", "ул. Пушкина", "пр. Мира",
    "ул. Садовая", "ул. Молодёжная", "ул. Школьная", "ул. Лесная", "Ленинский пр-т",
    "ул. Кирова", "ул. Набережная", "ул. Победы", "ул. Тверская", "Невский пр.",
    "ул. Горького", "ул. Чехова", "ул. Зелёная", "ул. Строителей", "ул. Юбилейная",
    "ул. Октябрьская", "Кутузовский проспект", "ул. Первомайская", "ул. Комсомольская",
    "ул. Маяковского", "ул. Лермонтова", "ул. Чкалова", "ш. Энтузиастов", "ул. Профсоюзная",
]
US_STREETS = [
    "Main St", "Oak St", "Maple Ave", "Park Ave", "Pine St", "Cedar St", "Elm St",
    "Washington St", "Lake St", "Hill St", "2nd St", "3rd St", "Broadway", "Sunset Blvd",
    "Lincoln Ave", "Jefferson Ave", "Madison Ave", "Church St", "Market St", "Highland Ave",
    "Spring St", "Ridge Rd", "Franklin St", "Walnut St", "Chestnut St", "Center St",
]
UK_STREETS = [
    "High Street", "Station Road", "Church Road", "Main Street", "Park Road", "London Road",
    "Victoria Road", "Green Lane", "Manor Road", "Church Lane", "Kings Road", "Queens Road",
    "New Road", "Grange Road", "Mill Lane", "Albert Road", "The Crescent", "Springfield Road",
    "York Road", "Alexandra Road", "Windsor Road", "St John's Road", "Highfield Road",
]

# Company name parts by country; legal suffixes as registries write them
COMPANY_PARTS = {
    "ES": (["Construcciones", "Transportes", "Talleres", "Distribuciones", "Inversiones",
            "Servicios", "Grupo", "Comercial", "Gestoría", "Asesoría", "Hermanos"],
           ["S.L.", "SL", "S.A.", "SA", "S.L.U.", ""]),
    "MX": (["Grupo", "Comercializadora", "Servicios", "Distribuidora", "Constructora",
            "Consultores", "Industrias", "Abarrotes"], ["S.A. de C.V.", "SA de CV", "S. de R.L.", ""]),
    "RU": (["ООО «{}»", "АО «{}»", "ИП {}", "ООО {}"], []),
    "US": (["{} Industries", "{} & Sons", "{} Group", "{} Consulting", "{} Logistics",
            "{} Partners", "{} Holdings"], ["Inc.", "LLC", "Inc", "Corp.", ""]),
    "UK": (["{} & Co", "{} Group", "{} Associates", "{} Trading", "{} Services"],
           ["Ltd", "Ltd.", "Limited", "PLC", ""]),
}
RU_COMPANY_WORDS = ["Ромашка", "Вектор", "Альфа", "Сибирь", "Прогресс", "Стройинвест", "Техно",
                    "Гарант", "Меридиан", "Восток", "Север", "Надежда", "Радуга", "Импульс",
                    "Лидер", "Континент", "Парус", "Феникс", "Эталон", "Орион"]
ROLE_LOCALS = {
    "ES": ["info", "ventas", "administracion", "contacto", "oficina", "compras"],
    "MX": ["info", "ventas", "contacto", "facturacion", "compras", "administracion"],
    "RU": ["info", "office", "sales", "zakaz", "buh", "mail"],
    "US": ["info", "sales", "office", "admin", "contact", "billing"],
    "UK": ["info", "sales", "office", "enquiries", "admin", "accounts"],
}
COMPANY_TLD = {"ES": ".es", "MX": ".com.mx", "RU": ".ru", "US": ".com", "UK": ".co.uk"}

# personal mailbox domains with rough popularity
EMAIL_DOMAINS = {
    "ES": [("gmail.com", 45), ("hotmail.com", 20), ("hotmail.es", 10), ("yahoo.es", 6),
           ("outlook.es", 6), ("telefonica.net", 3), ("icloud.com", 4), ("movistar.es", 2),
           ("gmx.es", 1)],
    "MX": [("gmail.com", 45), ("hotmail.com", 30), ("yahoo.com.mx", 8), ("outlook.com", 8),
           ("prodigy.net.mx", 4), ("live.com.mx", 3)],
    "RU": [("mail.ru", 35), ("yandex.ru", 25), ("gmail.com", 20), ("rambler.ru", 5),
           ("bk.ru", 5), ("list.ru", 4), ("inbox.ru", 3), ("ya.ru", 3)],
    "US": [("gmail.com", 50), ("yahoo.com", 15), ("hotmail.com", 8), ("aol.com", 5),
           ("outlook.com", 8), ("icloud.com", 8), ("comcast.net", 4), ("att.net", 2)],
    "UK": [("gmail.com", 40), ("hotmail.co.uk", 15), ("yahoo.co.uk", 8), ("btinternet.com", 10),
           ("outlook.com", 8), ("sky.com", 6), ("icloud.com", 6), ("live.co.uk", 4),
           ("googlemail.com", 3)],
}
DOMAIN_TYPOS = {
    "gmail.com": ["gmial.com", "gmail.con", "gmai.com", "gamil.com", "gmail.co", "gnail.com"],
    "hotmail.com": ["hotmail.con", "hotmial.com", "hotmai.com", "hotmal.com", "hotamil.com"],
    "hotmail.es": ["hotmail.e", "hotmial.es", "hotmail.com.es"],
    "yahoo.com": ["yahooo.com", "yaho.com", "yahoo.con"], "yahoo.es": ["yaho.es", "yahoo.e"],
    "mail.ru": ["mail.r", "mial.ru", "mail.ry", "meil.ru"], "yandex.ru": ["yandex.ry", "yandx.ru",
                                                                         "yandex.ru.ru"],
    "outlook.com": ["outlok.com", "outlook.con"], "icloud.com": ["iclod.com", "icloud.co"],
}
PLACEHOLDER_EMAILS = ["noemail@noemail.com", "no@tiene.com", "sin@correo.com", "none@none.com",
                      "n/a", "x@x.com", "nomail@mail.ru", "test@test.com"]

# free-text country labels by source character set
COUNTRY_LABELS = {
    "ES": {"utf8": ["España", "Spain", "ES", "ESPAÑA", "españa", "Испания", "Esp", "Espana"],
           "cp1252": ["Spain", "ES", "España", "SPAIN", "ESP"],
           "cp1251": ["ESPANA", "ES", "ИСПАНИЯ", "SPAIN", "Испания"]},
    "MX": {"utf8": ["México", "Mexico", "MX", "MÉXICO", "Méjico", "Мексика", "MEX"],
           "cp1252": ["Mexico", "México", "MX", "MEXICO"],
           "cp1251": ["MEXICO", "MX", "МЕКСИКА", "Мексика"]},
    "RU": {"utf8": ["Россия", "Russia", "RU", "Rusia", "Российская Федерация", "РФ",
                    "Russian Federation", "россия"],
           "cp1252": ["Russia", "RU", "Russian Federation", "Rusia", "RUSSIA"],
           "cp1251": ["РОССИЯ", "Россия", "РФ", "RU", "Российская Федерация"]},
    "US": {"utf8": ["USA", "United States", "US", "EE.UU.", "Estados Unidos", "США", "U.S.A."],
           "cp1252": ["USA", "United States", "US", "U.S.", "United States of America"],
           "cp1251": ["США", "USA", "US"]},
    "UK": {"utf8": ["United Kingdom", "UK", "GB", "Reino Unido", "England", "Великобритания",
                    "Great Britain"],
           "cp1252": ["United Kingdom", "UK", "GB", "England", "Great Britain", "Scotland"],
           "cp1251": ["ВЕЛИКОБРИТАНИЯ", "UK", "GB", "Великобритания"]},
}

CONSENT_YES = ["sí", "si", "Si", "SI", "Sí", "yes", "Yes", "Y", "да", "Да", "1", "true", "X"]
CONSENT_NO = ["no", "No", "NO", "нет", "Нет", "0", "N", "false"]

LEAD_SOURCES = {
    "web": ["Web", "web", "formulario web", "Formulario Web", "web form", "сайт", "Website"],
    "event": ["feria", "evento", "Feria", "event", "trade show", "выставка", "мероприятие"],
    "referral": ["referido", "recomendación", "Referral", "referral", "рекомендация",
                 "recomendacion", "amigo"],
    "ads": ["Google Ads", "google ads", "реклама", "publicidad", "Facebook Ads", "Instagram",
            "AdWords", "Яндекс.Директ"],
    "social": ["LinkedIn", "linkedin", "Facebook", "redes sociales", "соцсети", "VK"],
    "partner": ["партнер", "partner", "socio", "distribuidor", "Partner"],
    "other": ["llamada", "cold call", "otro", "другое", "newsletter", "tienda"],
}
CHANNELS = {
    "email": ["email", "e-mail", "Email", "correo", "correo electrónico", "mail", "почта",
              "эл. почта"],
    "phone": ["teléfono", "telefono", "phone", "телефон", "звонок", "llamada", "Phone"],
    "sms": ["WhatsApp/sms", "WhatsApp", "sms", "SMS", "whatsapp", "Telegram"],
    "chat": ["chat", "web chat", "чат"],
}
PAYMENT_METHODS = {
    "card": ["tarjeta", "TARJETA", "card", "credit card", "карта", "КАРТА", "VISA", "tarjeta credito"],
    "transfer": ["transferencia", "TRANSFERENCIA", "bank transfer", "перевод", "ПЕРЕВОД", "wire",
                 "SPEI", "безнал"],
    "debit": ["domiciliacion", "DOMICILIACION", "direct debit", "DD", "recibo", "автоплатеж"],
    "cash": ["efectivo", "EFECTIVO", "cash", "наличные", "НАЛИЧНЫЕ"],
    "other": ["PayPal", "paypal", "OXXO", "cheque"],
}
