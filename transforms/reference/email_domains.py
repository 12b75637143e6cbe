"""Reference tables for e-mail normalization: domain typos, aliases, role and placeholder
mailboxes seen in Spanish, Russian and English CRM exports."""

from __future__ import annotations

# Misspelt provider domains -> the real domain. Only unambiguous typos of big providers:
# a typo of a small company domain may be that company's real domain.
DOMAIN_TYPOS: dict[str, str] = {
    # gmail
    "gmial.com": "gmail.com", "gmal.com": "gmail.com", "gamil.com": "gmail.com",
    "gmai.com": "gmail.com", "gmail.co": "gmail.com", "gmail.cm": "gmail.com",
    "gmail.con": "gmail.com", "gmail.cmo": "gmail.com", "gmail.om": "gmail.com",
    "gnail.com": "gmail.com", "gmaill.com": "gmail.com", "gmali.com": "gmail.com",
    "gmil.com": "gmail.com", "gmsil.com": "gmail.com", "gmail.comm": "gmail.com",
    "gmailcom": "gmail.com", "g-mail.com": "gmail.com", "gemail.com": "gmail.com",
    "gimail.com": "gmail.com", "gmaul.com": "gmail.com", "gmail.cim": "gmail.com",
    "gmail.vom": "gmail.com", "gmail.xom": "gmail.com", "gmail.coml": "gmail.com",
    # hotmail / outlook / live
    "hotmail.con": "hotmail.com", "hotmial.com": "hotmail.com", "hotmal.com": "hotmail.com",
    "hotmai.com": "hotmail.com", "hotmil.com": "hotmail.com", "hotmail.co": "hotmail.com",
    "hotmail.cm": "hotmail.com", "hotmaill.com": "hotmail.com", "hotamil.com": "hotmail.com",
    "homail.com": "hotmail.com", "hotmeil.com": "hotmail.com", "hotnail.com": "hotmail.com",
    "hotmail.cmo": "hotmail.com", "hotmial.es": "hotmail.es", "hotmal.es": "hotmail.es",
    "hotmail.ed": "hotmail.es", "hotmai.es": "hotmail.es", "hotmail.e": "hotmail.es",
    "hotmil.es": "hotmail.es", "hormail.com": "hotmail.com", "hotmsil.com": "hotmail.com",
    "outlok.com": "outlook.com", "outloo.com": "outlook.com", "outlook.con": "outlook.com",
    "otlook.com": "outlook.com", "outllok.com": "outlook.com", "outlook.co": "outlook.com",
    "oulook.com": "outlook.com", "outlook.cm": "outlook.com", "outlok.es": "outlook.es",
    "outlook.ed": "outlook.es", "live.con": "live.com", "live.co": "live.com",
    "msn.con": "msn.com",
    # yahoo
    "yahoo.con": "yahoo.com", "yaho.com": "yahoo.com", "yahooo.com": "yahoo.com",
    "yahoo.cm": "yahoo.com", "yhoo.com": "yahoo.com", "yahho.com": "yahoo.com",
    "yahoo.cmo": "yahoo.com", "yaoo.com": "yahoo.com", "yaho.es": "yahoo.es",
    "yahoo.ed": "yahoo.es", "yahoo.com.mxx": "yahoo.com.mx", "yahoo.con.mx": "yahoo.com.mx",
    "yahoo.com.m": "yahoo.com.mx",
    # apple / aol / proton
    "icloud.con": "icloud.com", "iclod.com": "icloud.com", "icoud.com": "icloud.com",
    "icloud.co": "icloud.com", "aol.con": "aol.com", "protonmail.con": "protonmail.com",
    # russian providers
    "mail.ur": "mail.ru", "mail.ri": "mail.ru", "mail.ry": "mail.ru", "mail.tu": "mail.ru",
    "mial.ru": "mail.ru", "mai.ru": "mail.ru", "mali.ru": "mail.ru", "maill.ru": "mail.ru",
    "mail.r": "mail.ru", "mail.rru": "mail.ru", "mail.rи": "mail.ru", "mаil.ru": "mail.ru",
    "yandex.ri": "yandex.ru", "yandex.ry": "yandex.ru", "yandex.tu": "yandex.ru",
    "yandex.ur": "yandex.ru", "yadex.ru": "yandex.ru", "yandx.ru": "yandex.ru",
    "yandeks.ru": "yandex.ru", "yanex.ru": "yandex.ru", "jandex.ru": "yandex.ru",
    "yandex.r": "yandex.ru", "yndex.ru": "yandex.ru",
    "rambler.ri": "rambler.ru", "rambler.ry": "rambler.ru", "ramblr.ru": "rambler.ru",
    "rambller.ru": "rambler.ru", "rambler.ur": "rambler.ru",
    "inbox.ri": "inbox.ru", "list.ri": "list.ru", "bk.ri": "bk.ru", "bk.ry": "bk.ru",
    # spanish / mexican providers
    "telefonica.ent": "telefonica.net", "movistar.ess": "movistar.es",
    "prodigy.net.mxx": "prodigy.net.mx",
}

# Generic TLD typos that are not real TLDs, safe to fix on any domain.
TLD_TYPOS: dict[str, str] = {
    "con": "com", "cmo": "com", "ocm": "com", "vom": "com", "xom": "com", "comm": "com",
    "coom": "com", "cpm": "com", "c0m": "com",
}

# Domains that are the same mailbox for the purpose of the match key.
DOMAIN_ALIASES: dict[str, str] = {
    "googlemail.com": "gmail.com",
    "ya.ru": "yandex.ru", "yandex.com": "yandex.ru", "yandex.by": "yandex.ru",
    "yandex.kz": "yandex.ru", "yandex.ua": "yandex.ru", "narod.ru": "yandex.ru",
}

# Providers that ignore dots in the local part.
DOT_INSENSITIVE_DOMAINS: frozenset[str] = frozenset({"gmail.com"})

# Shared mailboxes of a department, not a person.
ROLE_LOCAL_PARTS: frozenset[str] = frozenset(
    {
        # english
        "info", "information", "sales", "support", "admin", "administrator", "contact",
        "contacts", "office", "hello", "hi", "team", "billing", "accounts", "accounting",
        "noreply", "no-reply", "donotreply", "do-not-reply", "marketing", "hr", "jobs",
        "careers", "help", "helpdesk", "service", "customerservice", "customer.service",
        "enquiries", "enquiry", "inquiries", "orders", "webmaster", "postmaster", "hostmaster",
        "abuse", "security", "reception", "mail", "newsletter", "press", "media", "legal",
        "finance", "purchasing", "procurement", "it", "general", "feedback", "bookings",
        "reservations", "invoices", "invoice", "payments", "root", "system", "notifications",
        # spanish
        "ventas", "soporte", "contacto", "facturacion", "facturas", "administracion",
        "recepcion", "atencion", "atencionalcliente", "atencion.cliente",
        "atencionclientes", "clientes", "cliente", "comercial", "compras", "pedidos",
        "reservas", "rrhh", "empleo", "trabajo", "ayuda", "consultas", "informacion",
        "secretaria", "gerencia", "direccion", "oficina", "correo", "prensa", "tienda",
        "contabilidad", "cobros", "pagos", "presupuestos",
        # russian (latin and cyrillic local parts)
        "почта", "инфо", "продажи", "поддержка", "офис", "бухгалтерия", "заказ", "заказы",
        "приемная", "приёмная", "секретарь", "отдел", "zakaz", "zakazy", "prodazhi",
        "podderzhka", "buh", "buhgalter", "buhgalteriya", "sekretar", "priemnaya",
        "reklama", "kadry", "ofis", "sale", "sales1", "manager", "menedzher", "director",
        "direktor",
    }
)

# Local parts people type when the form forces an e-mail they do not want to give.
PLACEHOLDER_LOCAL_PARTS: frozenset[str] = frozenset(
    {
        "noemail", "no-email", "no_email", "no.email", "nomail", "no-mail", "no_mail",
        "no", "none", "nobody", "noone", "null", "nil", "na", "n.a", "test", "testing",
        "tester", "prueba", "pruebas", "xxx", "xx", "x", "xxxx", "xxxxx", "asdf", "asd",
        "qwerty", "sin", "sincorreo", "sin.correo", "sin_correo", "sinemail", "sinmail",
        "notiene", "no.tiene", "notengo", "nada", "ninguno", "ninguna", "fake", "dummy",
        "ejemplo", "example", "user", "usuario", "unknown",
        "desconocido", "nospam", "netu", "нет", "нету", "тест", "noaplica", "noaplica.com",
        "a", "aa", "aaa", "aaaa", "abc", "123", "1234", "12345", "0", "00", "000",
    }
)

# Whole domains that only ever hold placeholders.
PLACEHOLDER_DOMAINS: frozenset[str] = frozenset(
    {
        "example.com", "example.org", "example.net", "example.es", "example.ru",
        "ejemplo.com", "ejemplo.es", "test.com", "test.es", "test.ru", "prueba.com",
        "noemail.com", "nomail.com", "no-email.com", "sincorreo.com", "sinmail.com",
        "sinemail.com", "notiene.com", "nodomain.com", "none.com", "null.com", "fake.com",
        "mailinator.com", "a.com", "aa.com", "aaa.com", "xxx.com",
        "xxx.xxx", "asdf.com", "correo.com", "dominio.com",
        "empresa.com", "company.com", "domain.com", "mail.test",
    }
)

# Special-use TLDs (RFC 2606/6761) that never deliver.
PLACEHOLDER_TLDS: frozenset[str] = frozenset(
    {"test", "example", "invalid", "localhost", "local"}
)
