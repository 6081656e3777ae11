"""The residents service in a real nameko container, against the real broker and store."""
import pytest
from kombu import Connection, Exchange
from nameko.standalone.rpc import ServiceRpcProxy

from chassis import context
from chassis.errors import Invalid, NotFound
from contracts import new_event
from services.residents.identity import with_check_digit
from services.residents.service import ResidentsService
from tests.infra import wait_until

pytestmark = pytest.mark.integration


def as_staff(tenant):
    data = {}
    context.bind(data, tenant=tenant, actor="staff-1", roles=["community_staff"])
    return data


@pytest.fixture
def residents(container_factory, settings):
    container = container_factory(ResidentsService, settings.nameko_config())
    container.start()
    return container


def rpc(settings, tenant):
    return ServiceRpcProxy("residents", {"AMQP_URI": settings.amqp_uri},
                           context_data=as_staff(tenant), timeout=10)


def household(proxy):
    community = proxy.create_community({"name": "凯旋社区"})
    compound = proxy.create_compound({"community_id": community["id"], "name": "永光新村"})
    return proxy.create_household({"compound_id": compound["id"], "address": "永光新村3栋2单元101"})


def test_registering_masks_numbers_and_tags_the_elderly(residents, settings):
    with rpc(settings, "hongwei") as proxy:
        home = household(proxy)
        number = with_check_digit("42030219460302123")
        resident = proxy.register_resident({
            "household_id": home["id"], "name": "李大爷", "birth_date": "1946-03-02",
            "phone": "13812345678", "id_number": number, "tags": ["lives_alone"]})
        again = proxy.get_resident(resident["id"])
    assert again["name"] == "李大爷"
    assert again["phone"] == "138****5678"
    assert again["id_number"] == number[:6] + "********" + number[-4:]
    assert again["tags"] == ["elderly", "lives_alone"]
    assert again["compound_id"] == home["compound_id"]
    assert again["health"] == {"visits_completed": 0, "last_visit_at": None,
                               "medicine_packages": 0}


def test_bad_input_is_rejected_with_field_messages_and_changes_nothing(residents, settings):
    with rpc(settings, "hongwei") as proxy:
        home = household(proxy)
        with pytest.raises(Invalid) as rejected:
            proxy.register_resident({"household_id": home["id"], "name": "王奶奶",
                                     "birth_date": "not a date", "favourite_colour": "red"})
        assert set(rejected.value.errors) == {"birth_date", "favourite_colour"}
        assert proxy.list_residents({})["items"] == []


def test_another_tenants_household_does_not_exist(residents, settings):
    with rpc(settings, "tenant-a") as a, rpc(settings, "tenant-b") as b:
        home = household(a)
        with pytest.raises(NotFound):
            b.register_resident({"household_id": home["id"], "name": "张三",
                                 "birth_date": "1980-01-01"})
        resident = a.register_resident({"household_id": home["id"], "name": "张三",
                                        "birth_date": "1980-01-01"})
        with pytest.raises(NotFound):
            b.get_resident(resident["id"])
        assert b.list_residents({"q": "张"})["items"] == []


def test_search_by_tag_compound_and_name(residents, settings):
    with rpc(settings, "hongwei") as proxy:
        home = household(proxy)
        for name, born, tags in [("李大爷", "1940-01-01", []), ("李小明", "2010-01-01", []),
                                 ("王奶奶", "1950-01-01", ["lives_alone"])]:
            proxy.register_resident({"household_id": home["id"], "name": name,
                                     "birth_date": born, "tags": tags})
        names = lambda query: sorted(r["name"] for r in proxy.list_residents(query)["items"])
        assert names({"tag": "elderly"}) == ["李大爷", "王奶奶"]
        assert names({"tag": "lives_alone"}) == ["王奶奶"]
        assert names({"q": "李"}) == ["李大爷", "李小明"]
        assert names({"compound_id": home["compound_id"], "q": "王"}) == ["王奶奶"]
        first = proxy.list_residents({"limit": 2})
        second = proxy.list_residents({"limit": 2, "cursor": first["next"]})
        assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next"] is None


def test_a_visit_completed_event_delivered_three_times_counts_once(residents, settings):
    with rpc(settings, "hongwei") as proxy:
        home = household(proxy)
        resident = proxy.register_resident({"household_id": home["id"], "name": "李大爷",
                                            "birth_date": "1946-03-02"})
        event = new_event("health.visit_completed", {
            "visit_id": "v-1", "resident_id": resident["id"],
            "community_id": resident["community_id"], "completed_at": "2026-11-01T02:00:00.000+00:00",
            "medicine_packages": 3, "recorded_by": "platform",
            "medicines_dispensed": [{"name": "降压药", "quantity": 2}, {"name": "钙片", "quantity": 1}]})
        envelope = {**event, "tenant": "hongwei", "correlation_id": "c-1",
                    "actor": {"id": "doctor-1", "roles": ["medical_staff"]}}
        with Connection(settings.amqp_uri) as connection:
            producer = connection.Producer()
            for _ in range(3):
                producer.publish(envelope, exchange=Exchange("health.events", type="topic",
                                                             durable=True),
                                 routing_key="visit_completed", declare=[], retry=True)
        wait_until(lambda: proxy.get_resident(resident["id"])["health"]["visits_completed"],
                   what="the visit reaching the resident")
        wait_until(lambda: len(proxy.resident_timeline(resident["id"])["items"]) == 2)
        # the other two deliveries are handled (duplicates) without changing anything
        summary = proxy.get_resident(resident["id"])["health"]
        timeline = proxy.resident_timeline(resident["id"])["items"]
    assert summary == {"visits_completed": 1, "medicine_packages": 3,
                       "last_visit_at": "2026-11-01T02:00:00.000+00:00"}
    assert [entry["kind"] for entry in timeline] == ["home_visit_completed", "registered"]
