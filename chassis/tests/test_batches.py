"""Batched handlers (chassis/batches.py) against the real broker: events waiting together are
handled in fewer calls than events, one tenant's per call; each is applied once; an event that
fails inside a batch is retried alone while the others are applied; one that always fails is
parked alone, after its own attempts; a bad envelope never reaches a batch."""
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.dependency_providers import Config

from chassis.batches import consume_batch
from chassis.health import HealthChecks
from chassis.store import Store
from contracts import new_event
from tests.infra import taken_letters, wait_until

pytestmark = pytest.mark.integration
EXCHANGE = Exchange("health.events", type="topic", durable=True)
QUEUE = "evt-health-visit_completed--batched.on_visit_completed"
TENANTS = ("sd-东城", "sd-西城")
CALLS = []    # per call of the handler: [(tenant, event id)]
FAILING = {}  # event id -> failures still to raise (-1: every time)


class Batched(HealthChecks):
    name = "batched"
    config = Config()
    store = Store()

    @consume_batch("health", "visit_completed")
    def on_visit_completed(self, envelopes):
        CALLS.append([(e["tenant"], e["event_id"]) for e in envelopes])
        for envelope in envelopes:  # before any write, as a store error would
            left = FAILING.get(envelope["event_id"], 0)
            if left:
                FAILING[envelope["event_id"]] = left - 1 if left > 0 else left
                raise RuntimeError(f"not yet: {envelope['data']['visit_id']}")
        for envelope in envelopes:
            counted = f"counted.{envelope['data']['visit_id']}"
            self.store["totals"].update_one(
                {"_id": f"t-{envelope['tenant']}", counted: {"$exists": False}},
                {"$set": {counted: True}, "$inc": {"visits": 1}})


@pytest.fixture
def waiting(container_factory, settings, mongo):
    """Publish events while the service is not consuming yet, so they wait in its queue
    together, then start it: (publish, start, totals per tenant, parked letters)."""
    CALLS.clear()
    FAILING.clear()
    database = mongo[settings.database_name("batched")]
    for tenant in TENANTS:
        database["totals"].insert_one({"_id": f"t-{tenant}", "tenant": tenant, "visits": 0})
    with Connection(settings.amqp_uri) as connection:
        Queue(QUEUE, EXCHANGE, routing_key="visit_completed", durable=True).bind(
            connection.channel()).declare()

    def publish(*bodies):
        with Connection(settings.amqp_uri) as connection:
            producer = connection.Producer()
            for body in bodies:
                producer.publish(body, exchange=EXCHANGE, routing_key="visit_completed",
                                 serializer="json", retry=True)

    def start():
        container_factory(Batched, settings.nameko_config()).start()

    def totals():
        return {doc["tenant"]: doc["visits"] for doc in database["totals"].find()}

    def parked():
        return taken_letters(settings.amqp_uri, f"{QUEUE}.dlq")
    return publish, start, totals, parked


def visit_completed(tenant=TENANTS[0]):
    event = new_event("health.visit_completed", {
        "visit_id": f"visit-{uuid.uuid4().hex[:6]}", "resident_id": "r-1",
        "community_id": "c-1", "completed_at": "2026-11-20T01:00:00.000+00:00",
        "medicine_packages": 1, "recorded_by": "platform",
        "medicines_dispensed": [{"name": "钙片", "quantity": 1}]})
    return {**event, "tenant": tenant, "correlation_id": "batched",
            "actor": {"id": "doctor-1", "roles": ["medical_staff"]}}


def handled(event):
    return [call for call in CALLS if any(e == event["event_id"] for _, e in call)]


def test_waiting_events_are_handled_in_batches_of_one_tenant_each_applied_once(waiting):
    publish, start, totals, _ = waiting
    events = [visit_completed(TENANTS[n % 2]) for n in range(12)]
    publish(*events, events[0], events[5])  # two redelivered
    start()
    wait_until(lambda: sum(len(call) for call in CALLS) == 14, timeout=15, what="14 handled")
    assert len(CALLS) < 14
    assert all(len({tenant for tenant, _ in call}) == 1 for call in CALLS)
    assert totals() == {TENANTS[0]: 6, TENANTS[1]: 6}


def test_an_event_failing_in_a_batch_is_retried_alone_and_the_others_are_applied(waiting):
    publish, start, totals, parked = waiting
    events = [visit_completed() for _ in range(8)]
    FAILING[events[3]["event_id"]] = 2  # fails in the batch, alone once more, then applies
    publish(*events)
    start()
    wait_until(lambda: totals()[TENANTS[0]] == 8, timeout=15, what="all eight applied")
    runs = handled(events[3])
    assert len(runs) == 3 and [len(call) for call in runs[1:]] == [1, 1]
    assert all(len(handled(event)) <= 2 for event in events if event is not events[3])
    assert parked() == []


def test_an_event_that_always_fails_is_parked_alone_after_its_attempts(waiting, settings):
    publish, start, totals, parked = waiting
    events = [visit_completed() for _ in range(6)]
    FAILING[events[2]["event_id"]] = -1
    publish(*events)
    start()
    letters = wait_until(parked, timeout=15, what="the dead letter")
    assert len(letters) == 1 and events[2]["event_id"] in letters[0][1]
    assert letters[0][0]["x-gongzhi-attempt"] == len(settings.retry_delays) + 1
    assert totals()[TENANTS[0]] == 5


def test_a_bad_envelope_is_parked_and_never_reaches_a_batch(waiting):
    publish, start, totals, parked = waiting
    events = [visit_completed() for _ in range(4)]
    bad = {**visit_completed(), "data": {"visit_id": 7}}
    publish(events[0], events[1], bad, events[2], events[3])
    start()
    letters = wait_until(parked, timeout=15, what="the dead letter")
    wait_until(lambda: totals()[TENANTS[0]] == 4, timeout=15, what="the good four applied")
    assert len(letters) == 1 and bad["event_id"] in letters[0][1]
    assert handled(bad) == []
