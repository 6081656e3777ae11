"""An RPC request delivered twice (a broker disconnect before its ack, a publish retried
after a lost confirm) writes once and answers the first result both times."""
import json
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ServiceRpcProxy

from chassis import context
from services.health.service import HealthService
from services.residents.service import ResidentsService
from tests.infra import wait_until

pytestmark = pytest.mark.integration
RPC_EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)


def staff_context(tenant):
    data = {}
    context.bind(data, tenant=tenant, actor="staff-1",
                 roles=["community_staff", "medical_staff"])
    return data


def deliver_twice(amqp_uri, service, method, args, context_data, correlation_id=None):
    """Publish one request message twice with the same correlation id; both answers."""
    correlation_id = correlation_id or str(uuid.uuid4())
    replies = Queue(f"test-replies-{uuid.uuid4().hex[:8]}", exchange=RPC_EXCHANGE,
                    routing_key=None, auto_delete=True, exclusive=True)
    answers = []
    with Connection(amqp_uri) as connection:
        replies.routing_key = replies.name
        bound = replies(connection.channel())
        bound.declare()
        producer = connection.Producer()
        headers = {f"nameko.{key}": value for key, value in context_data.items()}
        for _ in range(2):
            producer.publish({"args": args, "kwargs": {}}, exchange=RPC_EXCHANGE,
                             routing_key=f"{service}.{method}", reply_to=replies.name,
                             correlation_id=correlation_id, headers=headers,
                             serializer="json", retry=True)

        def collect():
            message = bound.get(no_ack=True)
            if message is not None:
                answers.append(json.loads(message.body))
            return len(answers) == 2

        wait_until(collect, timeout=20, what="two answers")
    return answers


@pytest.fixture
def services(container_factory, settings):
    for cls in (ResidentsService, HealthService):
        container_factory(cls, settings.nameko_config()).start()


def test_a_request_delivered_twice_creates_one_resident(services, settings, mongo):
    tenant = f"sd-{uuid.uuid4().hex[:6]}"
    data = staff_context(tenant)
    with ServiceRpcProxy("residents", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as proxy:
        community = proxy.create_community({"name": "凯旋社区"})
        compound = proxy.create_compound({"community_id": community["id"], "name": "永光新村"})
        home = proxy.create_household({"compound_id": compound["id"], "address": "3栋101"})
    first, second = deliver_twice(settings.amqp_uri, "residents", "register_resident", [
        {"household_id": home["id"], "name": "李大爷", "birth_date": "1946-03-02"}], data)
    assert first["error"] is None and second["error"] is None, (first, second)
    assert first["result"]["id"] == second["result"]["id"]
    residents = mongo[f"{settings.db_prefix}_residents"]["residents"]
    assert residents.count_documents({"tenant": tenant}) == 1
    print(f"\n[redelivered register_resident] deliveries=2 created=1 duplicates=0")

    first, second = deliver_twice(settings.amqp_uri, "health", "schedule_visit", [
        {"resident_id": first["result"]["id"], "scheduled_for": "2026-12-01T09:00:00+08:00"}],
        data)
    assert first["result"]["id"] == second["result"]["id"]
    visit_id = first["result"]["id"]
    first, second = deliver_twice(settings.amqp_uri, "health", "complete_visit", [
        visit_id, {"symptoms": ["乏力"], "medicines_dispensed": [{"name": "钙片", "quantity": 1}]}],
        data)
    assert first["error"] is None and second["error"] is None, (first, second)
    assert first["result"]["status"] == second["result"]["status"] == "completed"
    visits = mongo[f"{settings.db_prefix}_health"]["visits"]
    assert visits.count_documents({"tenant": tenant}) == 1
    wait_until(lambda: visits.count_documents({"tenant": tenant, "_outbox_n": 0}) == 1,
               what="the visit's events published")


def test_a_new_request_for_a_done_visit_is_still_a_conflict(services, settings):
    data = staff_context(f"sd-{uuid.uuid4().hex[:6]}")
    with ServiceRpcProxy("residents", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as residents, \
            ServiceRpcProxy("health", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                            timeout=10) as health:
        community = residents.create_community({"name": "凯旋社区"})
        compound = residents.create_compound({"community_id": community["id"], "name": "永光"})
        home = residents.create_household({"compound_id": compound["id"], "address": "1栋"})
        person = residents.register_resident({"household_id": home["id"], "name": "王奶奶",
                                              "birth_date": "1941-09-03"})
        visit = health.schedule_visit({"resident_id": person["id"],
                                       "scheduled_for": "2026-12-01T09:00:00+08:00"})
        done = {"symptoms": [], "medicines_dispensed": []}
        assert health.complete_visit(visit["id"], done)["status"] == "completed"
        from chassis.errors import Conflict
        with pytest.raises(Conflict):
            health.complete_visit(visit["id"], done)
