"""Column contract shared by every stage.

Stages exchange plain pandas DataFrames. This module is the single place that
names their columns, so that ingest, normalize, link and survive agree without
importing each other.

Canonical record (output of ``transforms.ingest``)
--------------------------------------------------
``record_id``        int64, dense 0..n-1 over the whole run (pair indices use it)
``source``           department name from its rules file
``source_record_id`` str, the export's id column (row number when none)
``source_file``      file name the row came from
``source_row``       int, 1-based data row number in that file (header excluded)
identity fields      ``IDENTITY_FIELDS`` below, raw strings as exported (or <NA>)
attributes           one column per mapped attribute, named ``attr_<name>``

Normalized record (output of ``transforms.normalize.normalize_records``)
-----------------------------------------------------------------------
Adds, per identity field ``F``, ``F_status`` (one of ``STATUSES``) and
``F_reason`` (reason code or <NA> when valid/missing), plus normalized values
and match keys listed in ``NORMALIZED_COLUMNS``.
"""

from __future__ import annotations

LINEAGE_COLUMNS = ["record_id", "source", "source_record_id", "source_file", "source_row"]

IDENTITY_FIELDS = [
    "full_name",
    "given_name",
    "family_name",
    "middle_name",
    "email",
    "phone",
    "phone_2",
    "company",
    "street",
    "city",
    "postal_code",
    "region",
    "country",
    "date_of_birth",
    "gender",
    "tax_id",
]

ATTRIBUTE_PREFIX = "attr_"
# The text of a typed attribute as exported (``raw_attr_<name>``); a prefix of its own so
# that no attribute name can collide with it.
RAW_ATTRIBUTE_PREFIX = "raw_attr_"

STATUSES = ["valid", "fixed", "invalid", "missing"]

# Normalized values and match keys, by the module that produces them.
NORMALIZED_COLUMNS: dict[str, list[str]] = {
    # transforms/names.py  (status columns: given_name_status, family_name_status,
    # middle_name_status, full_name_status)
    "names": [
        "name_given",        # display given name, e.g. "José", "Александр"
        "name_middle",       # middle name / Russian patronymic, display form
        "name_family",       # full family name, e.g. "Rodríguez García"
        "name_family_1",     # first surname
        "name_family_2",     # second surname (Spanish) or <NA>
        "name_script",       # latin | cyrillic | mixed | <NA>
        "given_key",         # latin, accent-free, lower: "jose", "aleksandr"
        "given_canon",       # nickname-folded canonical key: "pepe"->"jose", "sasha"->"aleksandr"
        "middle_key",        # latin key of patronymic/middle
        "family_key",        # latin key of whole family name, Russian gender folded
        "family_1_key",      # latin key of first surname (gender folded)
        "family_2_key",      # latin key of second surname or <NA>
        "given_phonetic",    # phonetic code of given_canon
        "family_phonetic",   # phonetic code of family_1_key
        "gender_hint",       # F | M | <NA> inferred from Russian endings/patronymic
    ],
    # transforms/emails.py (status: email_status, email_reason)
    "emails": [
        "email_norm",        # address with lower-cased domain (typo fixed when status=fixed)
        "email_key",         # lower-case, gmail dots/+tags folded, googlemail->gmail
        "email_local_key",   # local part of email_key
        "email_domain",      # lower-case domain
        "email_is_role",     # bool: info@, ventas@, support@ ...
        "email_is_placeholder",  # bool: noemail@, test@ ...
    ],
    # transforms/phones.py (status: phone_status/phone_reason, phone_2_status/phone_2_reason)
    "phones": [
        "phone_e164", "phone_nsn", "phone_type", "phone_region", "phone_country_mismatch",
        "phone_2_e164", "phone_2_nsn", "phone_2_type", "phone_2_region", "phone_2_country_mismatch",
    ],
    # transforms/addresses.py (status: country_status, postal_code_status, street_status,
    # city_status, region_status)
    "addresses": [
        "country_code",      # ISO 3166 alpha-2
        "postal_code_norm",  # formatted per country
        "street_norm",       # display street, whitespace/case cleaned
        "street_key",        # abbreviation-folded, accent-free comparison key
        "city_norm",
        "city_key",          # accent-free, latin, lower
        "region_norm",
    ],
    # transforms/dates.py (status: date_of_birth_status, date_of_birth_reason)
    "dates": [
        "date_of_birth_norm",      # datetime64[ns] (date at midnight) or NaT
        "date_of_birth_ambiguous", # bool: day and month both <= 12 and differ
    ],
    # transforms/ids.py (status: tax_id_status, tax_id_reason)
    "tax_ids": [
        "tax_id_norm",       # separators removed, upper-case
        "tax_id_type",       # es_dni | es_nie | es_cif | ru_inn | mx_rfc | other
    ],
    # transforms/companies.py + gender in names (status: company_status, gender_status)
    "other": [
        "company_norm", "company_key", "gender_norm",
    ],
}


def status_column(field: str) -> str:
    return f"{field}_status"


def reason_column(field: str) -> str:
    return f"{field}_reason"


# Canonical attribute names the sample sources map their department columns to
# (rules/sources/*.yaml ``attributes``), used by survivorship's 360 aggregates.
# Sources may keep other attributes under their original names.
KNOWN_ATTRIBUTES = {
    "consent_email": "boolean via vocabulary 'consent' (true = opted in)",
    "consent_phone": "boolean via vocabulary 'consent'",
    "consent_date": "date the consent value was recorded",
    "lead_source": "vocabulary 'lead_source'",
    "preferred_channel": "vocabulary 'channel'",
    "created_date": "date the record was created in the source",
    "purchases_count": "integer",
    "purchases_total": "number (currency units)",
    "last_purchase_date": "date",
    "open_tickets": "integer",
    "satisfaction": "number 1-5",
    "last_ticket_date": "date",
    "payment_method": "vocabulary 'payment_method'",
    "balance": "number, outstanding balance",
    "last_payment_date": "date",
}
