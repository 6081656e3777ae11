"""A handler declared `keyed_by_event=True` (ADR 0014): its own keyed writes are the record that
an event was applied, so the consumer keeps no `_processed` marker, and an event delivered
three times still changes the store once. A handler that raises is retried as before."""
import uuid

import pytest
from kombu import Connection, Exchange
from nameko.dependency_providers import Config

from chassis.consumer import PROCESSED, consume_event
from chassis.health import HealthChecks
from chassis.store import Store
from contracts import new_event
from tests.infra import wait_until

pytestmark = pytest.mark.integration
EXCHANGE = Exchange("health.events", type="topic", durable=True)
RUNS = []       # every run of the handler
FAILURES = {}   # event id -> failures still to raise


class KeyedCounter(HealthChecks):
    name = "keyedcounter"
    config = Config()
    store = Store()

    @consume_event("health", "visit_completed", keyed_by_event=True)
    def on_visit_completed(self, envelope):
        RUNS.append(envelope["event_id"])
        if FAILURES.get(envelope["event_id"]):
            FAILURES[envelope["event_id"]] -= 1
            raise RuntimeError("not yet")
        counted = f"counted.{envelope['data']['visit_id']}"  # guarded by a key the event names
        self.store["totals"].update_one(
            {"_id": "t", counted: {"$exists": False}},
            {"$set": {counted: True}, "$inc": {"visits": 1}}, upsert=False)


@pytest.fixture
def counter(container_factory, settings, mongo):
    RUNS.clear()
    FAILURES.clear()
    database = mongo[settings.database_name("keyedcounter")]
    database["totals"].insert_one({"_id": "t", "tenant": "sd-keyed", "visits": 0})
    container = container_factory(KeyedCounter, settings.nameko_config())
    container.start()
    return database


def visit_completed():
    event = new_event("health.visit_completed", {
        "visit_id": f"visit-{uuid.uuid4().hex[:6]}", "resident_id": "r-1",
        "community_id": "c-1", "completed_at": "2026-11-20T01:00:00.000+00:00",
        "medicine_packages": 1, "recorded_by": "platform",
        "medicines_dispensed": [{"name": "钙片", "quantity": 1}]})
    return {**event, "tenant": "sd-keyed", "correlation_id": "keyed",
            "actor": {"id": "doctor-1", "roles": ["medical_staff"]}}


def publish(amqp_uri, body, times=1):
    with Connection(amqp_uri) as connection:
        producer = connection.Producer()
        for _ in range(times):
            producer.publish(body, exchange=EXCHANGE, routing_key="visit_completed",
                             serializer="json", retry=True)


def test_three_deliveries_change_the_store_once_and_leave_no_marker(counter, settings):
    event = visit_completed()
    publish(settings.amqp_uri, event, times=3)
    wait_until(lambda: RUNS.count(event["event_id"]) == 3, timeout=15, what="three runs")
    assert counter["totals"].find_one({"_id": "t"})["visits"] == 1
    assert counter[PROCESSED].count_documents({}) == 0


def test_a_failing_keyed_handler_is_retried_and_applied_once(counter, settings):
    event = visit_completed()
    FAILURES[event["event_id"]] = 1
    publish(settings.amqp_uri, event)
    wait_until(lambda: counter["totals"].find_one({"_id": "t"})["visits"] == 1, timeout=15,
               what="applied after a retry")
    assert RUNS.count(event["event_id"]) == 2
