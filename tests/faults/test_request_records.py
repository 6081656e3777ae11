"""Update records are bounded (chassis/calls.py): a request delivered again within the
redelivery window still writes once and answers its first result, even across a window's
edge; a document that many requests change over a long time keeps only the last two windows'
records instead of one per request forever. Real broker and store; time is moved on by
changing the clock chassis/calls.py reads (the services run in this process)."""
import uuid

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from chassis import calls
from services.health.service import HealthService
from services.residents.service import ResidentsService
from tests.faults.test_redelivered_requests import deliver_twice, staff_context

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self):
        self.at = 1000 * calls.REQUEST_WINDOW_SECONDS + 10

    def __call__(self):
        return self.at

    def later(self, windows):
        self.at += windows * calls.REQUEST_WINDOW_SECONDS


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(calls, "_now", clock)
    return clock


@pytest.fixture
def services(container_factory, settings):
    for cls in (ResidentsService, HealthService):
        container_factory(cls, settings.nameko_config()).start()


def a_resident(settings, data):
    with ServiceRpcProxy("residents", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as proxy:
        community = proxy.create_community({"name": "凯旋社区"})
        compound = proxy.create_compound({"community_id": community["id"], "name": "永光新村"})
        home = proxy.create_household({"compound_id": compound["id"], "address": "3栋101"})
        return proxy.register_resident({"household_id": home["id"], "name": "李大爷",
                                        "birth_date": "1946-03-02"})


def test_a_repeat_across_a_window_edge_still_answers_its_first_result(
        services, settings, mongo, clock):
    data = staff_context(f"sd-{uuid.uuid4().hex[:6]}")
    resident = a_resident(settings, data)
    with ServiceRpcProxy("health", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as health:
        visit = health.schedule_visit({"resident_id": resident["id"],
                                       "scheduled_for": "2026-12-01T09:00:00+08:00"})
    args = [visit["id"], {"symptoms": ["乏力"], "medicines_dispensed": []}]
    clock.at += calls.REQUEST_WINDOW_SECONDS - 20  # the first run lands just before the edge
    request = str(uuid.uuid4())
    first = deliver_twice(settings.amqp_uri, "health", "complete_visit", args, data,
                          correlation_id=request)
    clock.later(1)  # the repeat arrives in the next window
    again = deliver_twice(settings.amqp_uri, "health", "complete_visit", args, data,
                          correlation_id=request)
    answers = first + again
    assert all(answer["error"] is None for answer in answers), answers
    assert {answer["result"]["completed_at"] for answer in answers} == {
        first[0]["result"]["completed_at"]}  # one completion, answered four times
    visits = mongo[f"{settings.db_prefix}_health"]["visits"]
    assert visits.count_documents({"tenant": data["tenant"]}) == 1


def test_a_document_many_requests_change_keeps_only_recent_records(
        services, settings, mongo, clock):
    data = staff_context(f"sd-{uuid.uuid4().hex[:6]}")
    resident = a_resident(settings, data)
    residents = mongo[f"{settings.db_prefix}_residents"]["residents"]

    def records():
        stored = residents.find_one({"_id": resident["id"]})
        return sum(len(entries) for entries in (stored.get("_requests") or {}).values())

    with ServiceRpcProxy("residents", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as proxy:
        for day in range(12):  # 12 windows, 5 changes in each: 60 requests
            for n in range(5):
                proxy.update_resident(resident["id"], {"tags": ["volunteer"] if n % 2 else []})
            clock.later(1)
        assert records() <= 10  # this window's and the previous one's, not 60
        proxy.update_resident(resident["id"], {"gender": "male"})
    assert records() <= 6
    print(f"\n[request records] requests=61 records_kept={records()}")
