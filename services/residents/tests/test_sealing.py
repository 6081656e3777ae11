"""The registry's phones and ID numbers at rest: sealed in the store, matched by keyed hash,
re-sealed by `chassis.rekey` after a key rotation, and no start without a key outside
development. Real broker and store."""
import base64
import io
import json
from dataclasses import replace

import pymongo
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from chassis import context, rekey
from services.residents.identity import with_check_digit
from services.residents.service import ResidentsService

pytestmark = pytest.mark.integration
K1 = "k1:" + base64.b64encode(b"a" * 32).decode()
K2 = "k2:" + base64.b64encode(b"b" * 32).decode()
NUMBER = with_check_digit("11010519491231002")
PHONE = "13912345678"


def rpc(settings, tenant="hongwei"):
    data = {}
    context.bind(data, tenant=tenant, actor="staff-1", roles=["community_staff"])
    return ServiceRpcProxy("residents", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                           timeout=10)


def started(container_factory, settings):
    container = container_factory(ResidentsService, settings.nameko_config())
    container.start()
    return container


def register(proxy, name="王秀英", number=NUMBER, phone=PHONE):
    community = proxy.create_community({"name": "凯旋社区"})
    compound = proxy.create_compound({"community_id": community["id"], "name": "永光新村"})
    home = proxy.create_household({"compound_id": compound["id"], "address": "永光新村1栋"})
    return proxy.register_resident({"household_id": home["id"], "name": name,
                                    "birth_date": "1949-12-31", "phone": phone,
                                    "id_number": number})


def raw_residents(settings):
    client = pymongo.MongoClient(settings.mongo_uri)
    try:
        return list(client[settings.database_name("residents")]["residents"].find({}))
    finally:
        client.close()


def test_the_store_holds_no_clear_number_yet_the_hospital_match_still_works(
        container_factory, settings):
    settings = replace(settings, data_key_raw=K1)
    started(container_factory, settings)
    with rpc(settings) as proxy:
        resident = register(proxy)
        proxy.update_resident(resident["id"], {"phone": "13700001111"})
        assert proxy.get_resident(resident["id"])["phone"] == "137****1111"
        assert proxy.match_id_number(NUMBER)["id"] == resident["id"]
        assert proxy.match_id_number(NUMBER.lower())["id"] == resident["id"]
    with rpc(settings, "xinhua") as other:  # the same number in another subdistrict: no match
        assert other.match_id_number(NUMBER) is None
    [stored] = raw_residents(settings)
    dump = json.dumps(stored, ensure_ascii=False, default=str)
    assert NUMBER not in dump and "13700001111" not in dump and PHONE not in dump
    assert stored["phone"].startswith("enc:k1:") and stored["id_number"].startswith("enc:k1:")
    assert stored["name"] == "王秀英"  # what is not sensitive stays readable and searchable


def test_a_rotation_re_seals_everything_and_the_old_key_can_then_go(
        container_factory, settings):
    before = started(container_factory, replace(settings, data_key_raw=K1))
    with rpc(settings) as proxy:
        resident = register(proxy)
    before.stop()

    rotated = replace(settings, data_key_raw=f"{K2},{K1}")
    out = io.StringIO()
    rekey.main(["residents"], settings=rotated, out=out)
    assert "residents.residents: 1 re-sealed under k2" in out.getvalue()
    [stored] = raw_residents(settings)
    assert stored["phone"].startswith("enc:k2:") and stored["id_number"].startswith("enc:k2:")
    again = io.StringIO()
    rekey.main(["residents"], settings=rotated, out=again)  # safe to rerun: nothing to do
    assert "residents.residents: 0 re-sealed" in again.getvalue()

    started(container_factory, replace(settings, data_key_raw=K2))  # k1 has left the ring
    with rpc(settings) as proxy:
        assert proxy.get_resident(resident["id"])["phone"] == "139****5678"
        assert proxy.match_id_number(NUMBER)["id"] == resident["id"]


def test_outside_development_a_service_without_a_data_key_does_not_start(
        container_factory, settings):
    container = container_factory(ResidentsService, replace(
        settings, env="production", data_key_raw=None).nameko_config())
    with pytest.raises(RuntimeError, match="GONGZHI_DATA_KEY must be set"):
        container.start()
