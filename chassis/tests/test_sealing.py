"""Sealing at rest as plain functions: values open only in their own slot, keys rotate, and a
missing key outside development refuses to start."""
import base64
import json
from dataclasses import replace

import pytest

from chassis import sealing
from chassis.config import Settings
from chassis.masking import mask_record
from chassis.sealing import Keyring, Slot

K1 = base64.b64encode(b"1" * 32).decode()
K2 = base64.b64encode(b"2" * 32).decode()
SLOT = Slot("hongwei", "residents.phone", "r-1")


def test_a_sealed_value_opens_only_in_its_own_tenant_field_and_record():
    keys = Keyring.parse(K1)
    sealed = keys.seal("13812345678", SLOT)
    assert sealed.startswith("enc:k1:") and "13812345678" not in sealed
    assert keys.open(sealed, SLOT) == "13812345678"
    assert keys.seal("13812345678", SLOT) != sealed  # a fresh nonce each time
    for moved in (Slot("xinhua", SLOT.field, SLOT.record), Slot(SLOT.tenant, "residents.name",
                  SLOT.record), Slot(SLOT.tenant, SLOT.field, "r-2")):
        with pytest.raises(sealing.Unopenable):
            keys.open(sealed, moved)


def test_values_keep_their_shape_and_chinese_text_round_trips():
    keys = Keyring.parse(K1)
    for value in (["头晕", "乏力"], {"血压": "150/95"}, "高血压十年", None, 0):
        assert keys.open(keys.seal(value, SLOT), SLOT) == value
    assert keys.seal(None, SLOT) is None
    assert keys.open("13812345678", SLOT) == "13812345678"  # written before sealing existed


def test_a_rotated_ring_opens_old_values_and_seals_new_ones_under_the_first_key():
    old = Keyring.parse(f"k1:{K1}")
    sealed = old.seal("110101194603021234", SLOT)
    ring = Keyring.parse(f"k2:{K2},k1:{K1}")
    assert ring.open(sealed, SLOT) == "110101194603021234"
    assert not ring.is_current(sealed)
    assert ring.seal("x", SLOT).startswith("enc:k2:") and ring.is_current(ring.seal("x", SLOT))
    with pytest.raises(sealing.BadKey):
        Keyring.parse(f"k2:{K2}").open(sealed, SLOT)  # k1 left the ring too early: said so


def test_lookups_are_keyed_per_tenant_and_field_and_match_across_a_rotation():
    old, ring = Keyring.parse(K1), Keyring.parse(f"k2:{K2},k1:{K1}")
    stored = old.lookup("110101194603021234", "hongwei", "residents.id_number")
    assert "110101194603021234" not in stored and len(stored) == 64
    assert stored in ring.lookups("110101194603021234", "hongwei", "residents.id_number")
    assert stored not in ring.lookups("110101194603021234", "xinhua", "residents.id_number")
    assert old.lookup("110101194603021234", "hongwei", "residents.phone") != stored


@pytest.mark.parametrize("text", ["", "not base64!", base64.b64encode(b"short").decode(),
                                  f"k1:{K1},k1:{K2}", f"k-1:{K1}"])
def test_a_malformed_key_is_refused_clearly(text):
    with pytest.raises(sealing.BadKey):
        Keyring.parse(text)


def test_no_key_outside_development_refuses_and_development_warns(caplog):
    with pytest.raises(RuntimeError, match="GONGZHI_DATA_KEY"):
        sealing.keyring(replace(Settings(), env="production", data_key_raw=None))
    with caplog.at_level("WARNING", logger="chassis.config"):
        development = replace(Settings(), env="development", data_key_raw=None)
        assert development.data_key == sealing.DEVELOPMENT_KEY
    assert "DEVELOPMENT key" in caplog.text
    assert sealing.keyring(development).current.kid == "dev"
    production = sealing.keyring(replace(Settings(), env="production", data_key_raw=K1))
    assert production.current.kid == "k1"


def test_operator_views_mask_numbers_and_hide_clinical_text():
    shown = mask_record({"data": {"id_number": "110101194603021234", "phone": "13812345678",
                                  "symptoms": ["头晕"], "history": None, "name": "王秀英",
                                  "note": "电话13812345678"}})
    text = json.dumps(shown, ensure_ascii=False)
    assert "110101194603021234" not in text and "13812345678" not in text and "头晕" not in text
    assert shown["data"]["id_number"] == "110101********1234"
    assert shown["data"]["symptoms"] == "[hidden]" and shown["data"]["name"] == "王秀英"


def test_a_sealed_letter_lists_by_its_ids_and_opens_only_for_its_queue():
    from chassis import deadletters
    keys = Keyring.parse(K1)
    body = json.dumps({"event_id": "e-1", "type": "hospital.patient_discharged",
                       "tenant": "hongwei", "data": {"id_number": "110101194603021234"}},
                      ensure_ascii=False).encode()
    letter = deadletters.sealed_letter(body, "evt-q", "application/json", "utf-8", keys)
    assert b"110101194603021234" not in letter
    listed = json.loads(letter)
    assert (listed["event_id"], listed["type"], listed["tenant"]) == (
        "e-1", "hospital.patient_discharged", "hongwei")
    assert deadletters.opened_letter(letter, "evt-q", keys) == (body, "application/json",
                                                                "utf-8")
    with pytest.raises(sealing.Unopenable):
        deadletters.opened_letter(letter, "evt-other", keys)
    poison = b'{"event_id": "oops", not json'
    assert deadletters.opened_letter(deadletters.sealed_letter(
        poison, "evt-q", "text/plain", "utf-8", keys), "evt-q", keys)[0] == poison
