"""E-mail normalization: syntax, provider typos, match keys, role and placeholder mailboxes.

Why each piece exists:
- ``email_norm`` is what survivorship may publish: the address as typed with a
  lower-cased (and typo-fixed) domain. The local part keeps its case because
  RFC 5321 says it is case-sensitive, even if no real provider treats it so.
- ``email_key`` is what matching compares: lower-case, ``+tags`` dropped, Gmail
  dots folded, googlemail/ya.ru aliases folded. Two records with the same key
  reach the same inbox.
- Role mailboxes (``ventas@``) are shared by many people, so matching must not
  treat them as a strong identifier; placeholders (``noemail@``) are typed to
  get past a mandatory form field and must never link anyone.

Syntax is checked with ``email_validator`` (no DNS). It costs ~70 µs a call, so
plain ASCII addresses that a strict dot-atom regex accepts (a subset of what
email_validator accepts) skip it, and everything runs once per distinct value.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from email_validator import EmailNotValidError, validate_email

from transforms.reference.email_domains import (
    DOMAIN_ALIASES,
    DOMAIN_TYPOS,
    DOT_INSENSITIVE_DOMAINS,
    PLACEHOLDER_DOMAINS,
    PLACEHOLDER_LOCAL_PARTS,
    PLACEHOLDER_TLDS,
    ROLE_LOCAL_PARTS,
    TLD_TYPOS,
)
from transforms.vocab import clean_codes, map_codes

EMAIL_COLUMNS = [
    "email_norm",
    "email_key",
    "email_local_key",
    "email_domain",
    "email_is_role",
    "email_is_placeholder",
    "email_status",
    "email_reason",
]

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_FAST_EMAIL = re.compile(
    rf"{_ATEXT}+(?:\.{_ATEXT}+)*@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}}"
)
_SPECIAL_USE = re.compile(r"(?:^|\.)(?:arpa|invalid|local|localhost|onion|test|internal)$")
_ANGLE = re.compile(r"<([^<>]*@[^<>]*)>")
_SPLIT_MULTI = re.compile(r"[;,\s/|]+")
_ROLE_TOKEN = re.compile(r"[.\-_+]")
_WRAPPERS = re.compile(r"^(?:mailto:)?[<\"'(\[]*|[>\"')\].,;:]*$", re.IGNORECASE)


# Nothing for ``_clean_candidate`` to do: no space, wrapper, separator or fullwidth "@",
# and no trailing character the wrapper rule would strip.
_PLAIN = re.compile(r"[A-Za-z0-9_%+=-][A-Za-z0-9._%+=-]*@[A-Za-z0-9.-]*[A-Za-z0-9]")


def _unwrap(text: str) -> str:
    """Wrappers and whitespace off both ends until none is left ("0\r>" -> "0"), so that
    cleaning a cleaned value changes nothing."""
    while True:
        out = _WRAPPERS.sub("", text).strip()
        if out == text:
            return out
        text = out


def _clean_candidate(text: str) -> tuple[str, str | None]:
    """Strip wrappers, pick the first of several addresses, drop inner whitespace."""
    if _PLAIN.fullmatch(text) is not None:
        return text, None
    reason = None
    original = text.strip()
    text = original.replace("＠", "@")
    angle = _ANGLE.search(text)
    if angle is not None:  # "Juan Pérez <juan@x.es>"
        text = angle.group(1).strip()
    stripped = _unwrap(text)
    parts = [p for p in _SPLIT_MULTI.split(stripped) if p]
    if len(parts) > 1:
        with_at = [p for p in parts if "@" in p]
        if len(with_at) > 1:
            stripped, reason = _WRAPPERS.sub("", with_at[0]), "multiple_values"
        else:
            stripped, reason = "".join(parts), "whitespace"
    if reason is None and stripped != original:
        reason = "cleaned"
    return stripped, reason


@lru_cache(maxsize=1 << 16)  # a few providers hold most addresses
def _fix_domain(domain: str) -> tuple[str, bool]:
    """Lower-case the domain and fix well-known provider / TLD typos."""
    fixed = domain.lower().strip(".")
    fixed = re.sub(r"\.{2,}", ".", fixed)
    fixed = DOMAIN_TYPOS.get(fixed, fixed)
    head, dot, tld = fixed.rpartition(".")
    if dot and tld in TLD_TYPOS:
        fixed = f"{head}.{TLD_TYPOS[tld]}"
        fixed = DOMAIN_TYPOS.get(fixed, fixed)
    return fixed, fixed != domain.lower()


@lru_cache(maxsize=1 << 16)
def _plain_domain(domain: str) -> bool:
    """Neither IDNA nor a special-use name (which need email_validator's checks)."""
    return "xn--" not in domain and _SPECIAL_USE.search(domain) is None


def _is_placeholder(local: str, domain: str) -> bool:
    low = local.lower()
    if low in PLACEHOLDER_LOCAL_PARTS or domain in PLACEHOLDER_DOMAINS:
        return True
    if domain.rpartition(".")[2] in PLACEHOLDER_TLDS:
        return True
    first_label = domain.split(".", 1)[0]
    if len(set(low)) == 1 and (len(low) <= 3 or low[0] in "x0"):
        return True  # a@, xxxxxx@, 000@
    return low == first_label and len(low) <= 3  # a@a.com, abc@abc.es


def _is_role(local: str) -> bool:
    low = local.lower()
    if low in ROLE_LOCAL_PARTS:
        return True
    base = low.split("+", 1)[0]
    head = _ROLE_TOKEN.split(base, 1)[0]
    return base in ROLE_LOCAL_PARTS or head.rstrip("0123456789") in ROLE_LOCAL_PARTS


def email_key(local: str, domain: str) -> tuple[str, str, str]:
    """Mailbox identity: lower-case, +tag dropped, aliases and Gmail dots folded.

    Returns ``(key, local_key, domain_key)``.
    """
    lk = local.lower()
    if "+" in lk[1:]:
        lk = lk[: lk.index("+", 1)]
    dk = DOMAIN_ALIASES.get(domain, domain)
    if dk in DOT_INSENSITIVE_DOMAINS:
        lk = lk.replace(".", "") or lk
    if dk == "yandex.ru":
        lk = lk.replace(".", "-")  # Yandex treats "." and "-" as the same login
    return f"{lk}@{dk}", lk, dk


def _normalize_one(text: str) -> tuple:
    """(norm, key, local_key, domain, is_role, is_placeholder, status, reason)."""
    candidate, clean_reason = _clean_candidate(text)
    if not candidate:
        return (pd.NA, pd.NA, pd.NA, pd.NA, False, False, "missing", pd.NA)
    if candidate.count("@") != 1:
        reason = "no_at_sign" if "@" not in candidate else "syntax"
        return (candidate, pd.NA, pd.NA, pd.NA, False, False, "invalid", reason)
    local, domain_raw = candidate.split("@")
    domain, typo = _fix_domain(domain_raw)
    norm = f"{local}@{domain}"
    is_role = _is_role(local)
    if _is_placeholder(local, domain):
        return (norm, pd.NA, pd.NA, domain or pd.NA, is_role, True, "invalid", "placeholder")
    fast_ok = (
        len(local) <= 64
        and len(norm) <= 254
        and _FAST_EMAIL.fullmatch(norm) is not None
        and _plain_domain(domain)
    )
    if not fast_ok:
        try:
            info = validate_email(norm, check_deliverability=False)
        except EmailNotValidError:
            return (norm, pd.NA, pd.NA, domain or pd.NA, is_role, False, "invalid", "syntax")
        local, domain = info.local_part, info.domain.lower()
        norm = f"{local}@{domain}"
    key, local_key, domain_key = email_key(local, domain)
    if typo:
        status, reason = "fixed", "domain_typo"
    elif clean_reason is not None:
        status, reason = "fixed", clean_reason
    else:
        status, reason = "valid", pd.NA
    return (norm, key, local_key, domain, is_role, False, status, reason)


_MISSING = (pd.NA, pd.NA, pd.NA, pd.NA, False, False, "missing", pd.NA)


def _normalize_distinct(distinct: pd.Series) -> pd.DataFrame:
    """``_normalize_one`` of every distinct cell (``_MISSING`` for <NA>), as typed columns.

    Plain addresses (what ``_PLAIN`` accepts: ASCII, one "@", nothing to clean) are
    decided column-wise by ``_plain_columns``; the rest, and plain addresses that
    need ``email_validator``, go through ``_normalize_one``.
    """
    cells = distinct.to_numpy(dtype=object)
    n = len(cells)
    cols = [np.full(n, pd.NA, dtype=object) for _ in EMAIL_COLUMNS]
    done = np.zeros(n, dtype=bool)
    text = np.flatnonzero([isinstance(v, str) for v in cells])
    if len(text):
        strings = pa.array(cells[text], type=pa.string())
        plain = np.flatnonzero(pc.match_substring_regex(strings, _PLAIN_RE2)
                               .to_numpy(zero_copy_only=False))
        if len(plain):
            decided, plain_cols = _plain_columns(strings.take(pa.array(plain)))
            at = text[plain[decided]]
            for col, values in zip(cols, plain_cols, strict=True):
                col[at] = values[decided]
            done[at] = True
    for i in np.flatnonzero(~done):
        v = cells[i]
        row = _normalize_one(v) if isinstance(v, str) else _MISSING
        for col, value in zip(cols, row, strict=True):
            col[i] = value
    frame = pd.DataFrame(dict(zip(EMAIL_COLUMNS, cols, strict=True)), index=distinct.index)
    for name in ("email_norm", "email_key", "email_local_key", "email_domain",
                 "email_status", "email_reason"):
        frame[name] = frame[name].astype("string")
    for name in ("email_is_role", "email_is_placeholder"):
        frame[name] = frame[name].astype(bool)
    return frame


# ``_PLAIN`` and ``_FAST_EMAIL`` use ASCII classes only: RE2 full matches are the same.
_PLAIN_RE2 = f"^(?:{_PLAIN.pattern})$"
_FAST_EMAIL_RE2 = f"^(?:{_FAST_EMAIL.pattern})$"


@lru_cache(maxsize=1 << 16)
def _domain_facts(domain_raw: str) -> tuple:
    """Everything ``_normalize_one`` derives from the domain alone, once per domain."""
    domain, typo = _fix_domain(domain_raw)
    placeholder = (domain in PLACEHOLDER_DOMAINS
                   or domain.rpartition(".")[2] in PLACEHOLDER_TLDS)
    key_domain = DOMAIN_ALIASES.get(domain, domain)
    return (domain, typo, placeholder, domain.split(".", 1)[0], _plain_domain(domain),
            key_domain, key_domain in DOT_INSENSITIVE_DOMAINS, key_domain == "yandex.ru")


def _plain_columns(values: pa.Array) -> tuple[np.ndarray, list[np.ndarray]]:
    """``_normalize_one`` over addresses ``_PLAIN`` accepts: (decided, ``EMAIL_COLUMNS``).

    Such an address is its own candidate (nothing to clean), has one "@" and an ASCII
    local part, so ``str.lower`` is ``ascii_lower`` and the local-part rules are regex
    rewrites. Domains are few: their rules run once per distinct domain. Addresses
    that would need ``email_validator`` are left undecided.
    """
    parts = pc.split_pattern(values, "@", max_splits=1)
    local = pc.list_element(parts, 0)
    encoded = pc.list_element(parts, 1).dictionary_encode()
    per_domain = [_domain_facts(d) for d in encoded.dictionary.to_pylist()]
    which = encoded.indices

    def facts(k: int) -> pa.Array:
        return pa.array([f[k] for f in per_domain]).take(which)

    def arr(a: pa.Array) -> np.ndarray:
        return a.to_numpy(zero_copy_only=False)

    def isin(a: pa.Array, items: frozenset[str]) -> np.ndarray:
        return arr(pc.is_in(a, value_set=pa.array(sorted(items), type=pa.string())))

    domain = facts(0)
    typo, domain_placeholder, plain_domain = arr(facts(1)), arr(facts(2)), arr(facts(4))
    low = pc.ascii_lower(local)
    base = pc.replace_substring_regex(low, r"\+.*", "")
    # the head before the first of ".-_+": the "+" part is already cut from ``base``
    head = pc.replace_substring_regex(base, r"[.\-_+].*", "")
    is_role = (isin(low, ROLE_LOCAL_PARTS) | isin(base, ROLE_LOCAL_PARTS)
               | isin(pc.replace_substring_regex(head, r"[0-9]+$", ""), ROLE_LOCAL_PARTS))
    local_len = arr(pc.utf8_length(local))
    placeholder = isin(low, PLACEHOLDER_LOCAL_PARTS) | domain_placeholder
    short = np.flatnonzero(~placeholder & ((local_len <= 3) | arr(pc.starts_with(low, "x"))
                                           | arr(pc.starts_with(low, "0"))))
    if len(short):  # _is_placeholder's one-character and "a@a.com" rules
        first_label = arr(facts(3))
        for i, lw in zip(short, low.take(pa.array(short)).to_pylist(), strict=True):
            placeholder[i] = ((len(set(lw)) == 1 and (len(lw) <= 3 or lw[0] in "x0"))
                              or (lw == first_label[i] and len(lw) <= 3))
    norm = pc.binary_join_element_wise(local, domain, "@")
    fast_ok = ((local_len <= 64) & (arr(pc.utf8_length(norm)) <= 254)
               & arr(pc.match_substring_regex(norm, _FAST_EMAIL_RE2)) & plain_domain)
    # email_key: "+tag" (after the first character) dropped, Gmail dots, Yandex dashes
    local_key = pc.replace_substring_regex(low, r"^(.[^+]*)\+.*$", r"\1")
    undotted = pc.replace_substring(local_key, ".", "")
    fold = pc.and_(facts(6), pc.not_equal(undotted, ""))
    local_key = pc.if_else(fold, undotted, local_key)
    local_key = pc.if_else(facts(7), pc.replace_substring(local_key, ".", "-"), local_key)
    key = pc.binary_join_element_wise(local_key, facts(5), "@")

    na = pd.NA
    ok = ~placeholder & fast_ok
    domain = arr(domain).astype(object)
    cols = [arr(norm).astype(object), np.where(ok, arr(key).astype(object), na),
            np.where(ok, arr(local_key).astype(object), na), np.where(domain == "", na, domain),
            is_role, placeholder,
            np.where(placeholder, "invalid", np.where(typo, "fixed", "valid")).astype(object),
            np.where(placeholder, "placeholder", np.where(typo, "domain_typo", na)).astype(object)]
    return placeholder | fast_ok, cols


def normalize_emails(values: pd.Series) -> pd.DataFrame:
    """Normalize a column of raw e-mail cells.

    Returns a DataFrame with ``values``' index and columns ``EMAIL_COLUMNS``:
    status ``valid`` (as typed), ``fixed`` (domain typo or wrapper/whitespace
    cleaned; reason says which), ``invalid`` (``syntax``, ``no_at_sign``,
    ``placeholder``) or ``missing``. Invalid addresses keep ``email_norm`` for
    stewards but get no ``email_key``, so they never link records.
    """
    if len(values) == 0:
        return _normalize_distinct(pd.Series([], dtype=object)).set_axis(values.index)
    return map_codes(*clean_codes(values), _normalize_distinct, values.index)


def email_domains_are_free(domains: pd.Series) -> pd.Series:
    """True where the domain is a consumer provider (gmail, mail.ru, hotmail ...).

    A shared corporate domain says two people work together; a shared free
    domain says nothing. Matching can use this to weigh domain agreement.
    """
    return domains.isin(FREE_DOMAINS).fillna(False).astype(bool)


FREE_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com", "hotmail.com", "hotmail.es", "outlook.com", "outlook.es", "live.com",
        "msn.com", "yahoo.com", "yahoo.es", "yahoo.com.mx", "icloud.com", "me.com", "aol.com",
        "protonmail.com", "proton.me", "mail.ru", "inbox.ru", "list.ru", "bk.ru", "yandex.ru",
        "rambler.ru", "gmx.com", "gmx.es", "telefonica.net", "movistar.es", "prodigy.net.mx",
        "live.com.mx", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "googlemail.com",
        "ya.ru", "terra.es", "ono.com",
    }
)
