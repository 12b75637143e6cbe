"""Keyed hashes of normalized identifiers: variants match, shared mailboxes do not, each
distinct value is hashed once, the list holds no plain value."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from transforms import suppress as sup
from transforms.emails import normalize_emails
from transforms.suppress import Hasher, SuppressionList

KEY = b"a-test-key-of-32-bytes-0123456789"


def frame(**cols: list) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"source": ["crm"] * n, "source_record_id": [str(i) for i in range(n)]}
    return pd.DataFrame({**base, **cols})


def test_the_key_never_shows_and_must_be_long_enough() -> None:
    h = Hasher(KEY)
    assert KEY.decode() not in repr(h) and KEY.decode() not in str(h)
    with pytest.raises(ValueError, match="at least 16"):
        Hasher(b"short")
    assert h.same_key_as(h.key_check()) and h.same_key_as(None)
    assert not Hasher(b"another-key-of-enough-length").same_key_as(h.key_check())


def test_a_retyped_email_variant_hashes_like_the_original() -> None:
    h = Hasher(KEY)
    keys = normalize_emails(pd.Series(["maria.lopez@gmail.com", "Maria.Lopez+promo@GMAIL.com",
                                       "mar.ialopez@googlemail.com", "other@gmail.com"]))
    hashes = sup.hash_values(h, "email", keys["email_key"])
    assert hashes[0] == hashes[1] == hashes[2] != hashes[3]
    assert sup.key_hash(h, "email", "  MARIA.LOPEZ+x@gmail.com ") == hashes[0]
    assert h.digest("phone", "maria.lopez@gmail.com") != h.digest("email", "maria.lopez@gmail.com")


def test_shared_mailboxes_and_incomplete_name_keys_are_not_identifiers() -> None:
    f = frame(email_key=["info@shop.es", "ana@x.es", None],
              email_is_role=[True, False, False], email_is_placeholder=[False, False, False],
              given_key=["ana", "ana", "ana"], family_key=["gil", "gil", None],
              date_of_birth_norm=[date(1990, 1, 2), pd.NaT, date(1990, 1, 2)])
    values = dict(sup.identifier_values(f, ["email", "name_dob"]))
    assert values["email"].tolist() == [None, "ana@x.es", None]
    assert values["name_dob"].tolist() == ["ana|gil|1990-01-02", None, None]


def test_record_keys_count_only_for_sources_with_ids_of_their_own() -> None:
    f = pd.DataFrame({"source": ["crm", "web"], "source_record_id": ["7", "7"]})
    (kind, values), = sup.identifier_values(f, ["record"], id_sources={"crm"})
    assert kind == "record" and values.tolist() == ["crm:7", None]


def test_matching_hashes_each_distinct_value_once(monkeypatch: pytest.MonkeyPatch) -> None:
    h = Hasher(KEY)
    f = frame(phone_e164=["+34600000001"] * 500 + ["+34600000002"] * 500,
              phone_2_e164=[None] * 1000, tax_id_norm=["X1"] * 1000)
    target = {h.digest("phone", "+34600000002")}
    calls: list[str] = []
    real = Hasher.digest
    monkeypatch.setattr(Hasher, "digest", lambda self, k, v: calls.append(v) or real(self, k, v))
    mask = sup.matching_rows(f, h, target, ["phone", "tax_id"])
    assert mask.sum() == 500 and mask[500:].all()
    assert sorted(calls) == ["+34600000001", "+34600000002", "X1"]


def test_emails_are_found_in_free_text() -> None:
    h = Hasher(KEY)
    raw = pd.Series(['{"full_name": "Ana", "email": "Ana.Gil+x@gmail.com"}', '{"a": "b"}', None])
    target = {sup.key_hash(h, "email", "anagil@gmail.com")}
    assert sup.text_matches(raw, h, target).tolist() == [True, False, False]
    assert sup.plain_text_matches(raw, ["ANA.GIL+X@gmail.com"]).tolist() == [True, False, False]


def test_opted_out_means_every_asked_channel_said_no() -> None:
    f = pd.DataFrame({"attr_consent_email": [False, False, True, None, None],
                      "attr_consent_phone": [False, None, False, None, False]})
    assert sup.opted_out(f, ["consent_email", "consent_phone", "consent_sms"]).tolist() == [
        True, True, False, False, True]
    assert not sup.opted_out(f, ["not_mapped"]).any()


def test_the_list_holds_keyed_hashes_only_and_refuses_another_key() -> None:
    h = Hasher(KEY)
    f = frame(email_key=["ana@x.es"], phone_e164=["+34600000001"], tax_id_norm=["12345678Z"],
              given_key=["ana"], family_key=["gil"], date_of_birth_norm=[date(1990, 1, 2)])
    hashes = sup.subject_hashes(f, h, sup.KINDS, id_sources={"crm"})
    assert len(hashes) == 5  # record, email, phone, tax id, name+dob
    lst = SuppressionList().adding(hashes, h.key_check())
    text = lst.to_json()
    for plain in ("ana@x.es", "+34600000001", "12345678Z", "ana", "gil", "1990", "crm:0"):
        assert plain not in text
    assert all(len(x) == 64 and int(x, 16) >= 0 for x in json.loads(text)["hashes"])
    assert SuppressionList.from_json(text) == lst
    with pytest.raises(ValueError, match="another HMAC key"):
        lst.adding(["ab"], Hasher(b"another-key-of-enough-length").key_check())
    assert np.array_equal(sup.matching_rows(f, h, lst.hashes), [True])
