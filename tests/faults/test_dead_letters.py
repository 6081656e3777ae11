"""Retries, dead letters and replay, on a real broker and store: a poison message is parked
with a readable reason and the consumer goes on; a handler that fails twice is applied once
after retries; a dead letter replayed after the fix is applied once; the operator CLI lists,
shows, replays and purges."""
import io
import json
import uuid

import pytest
from kombu import Connection, Exchange
from nameko.dependency_providers import Config

from chassis import catalog, deadletters, dlq
from chassis.consumer import consume_event
from chassis.health import HealthChecks
from chassis.store import Store
from contracts import new_event
from tests.infra import wait_until

pytestmark = pytest.mark.integration
EXCHANGE = Exchange("health.events", type="topic", durable=True)
QUEUE = "evt-health-visit_completed--recorder.on_visit_completed"
CONSUMER = catalog.find_consumer(QUEUE, consumers=[])

FAILURES = {}   # event id -> failures still to raise (the "bug" in the handler)
APPLIED = []    # every successful run, to see a double application


class Recorder(HealthChecks):
    """A consumer with a controllable bug."""

    name = "recorder"
    config = Config()
    store = Store()

    @consume_event("health", "visit_completed")
    def on_visit_completed(self, envelope):
        left = FAILURES.get(envelope["event_id"], 0)
        if left:
            FAILURES[envelope["event_id"]] = left - 1
            raise RuntimeError(f"hospital record {envelope['data']['visit_id']} not ready")
        self.store["applied"].insert_if_absent({"_id": envelope["event_id"]})
        APPLIED.append(envelope["event_id"])


@pytest.fixture
def recorder(container_factory, settings):
    FAILURES.clear()
    APPLIED.clear()
    container = container_factory(Recorder, settings.nameko_config())
    container.start()
    deadletters.purge(settings.amqp_uri, CONSUMER)  # the vhost is shared by this module
    return container


def visit_completed(tenant="sd-faults", **overrides):
    event = new_event("health.visit_completed", {
        "visit_id": f"visit-{uuid.uuid4().hex[:6]}", "resident_id": "r-1",
        "community_id": "c-1", "completed_at": "2026-11-20T01:00:00.000+00:00",
        "medicine_packages": 1, "recorded_by": "platform",
        "medicines_dispensed": [{"name": "钙片", "quantity": 1}]})
    return {**event, "tenant": tenant, "correlation_id": "faults",
            "actor": {"id": "doctor-1", "roles": ["medical_staff"]}, **overrides}


def publish(amqp_uri, *bodies):
    with Connection(amqp_uri) as connection:
        producer = connection.Producer()
        for body in bodies:
            if isinstance(body, bytes):
                producer.publish(body, exchange=EXCHANGE, routing_key="visit_completed",
                                 content_type="application/json", content_encoding="utf-8")
            else:
                producer.publish(body, exchange=EXCHANGE, routing_key="visit_completed",
                                 serializer="json")


def letters(settings):
    return deadletters.list_letters(settings.amqp_uri, CONSUMER)


def cli(settings, *argv, answer="no"):
    out = io.StringIO()
    code = dlq.main(["--amqp-uri", settings.amqp_uri, *argv], out=out, ask=lambda _: answer)
    return code, out.getvalue()


def test_poison_messages_are_parked_with_a_reason_and_the_consumer_goes_on(recorder, settings):
    good = visit_completed()
    wrong_schema = visit_completed()
    wrong_schema["data"]["medicine_packages"] = "lots"
    unknown_version = visit_completed(version=99)
    publish(settings.amqp_uri, b'{"event_id": "oops", not json', wrong_schema,
            unknown_version, {"hello": "world"}, good)
    wait_until(lambda: good["event_id"] in APPLIED, what="the good event after the poison")
    parked = wait_until(lambda: (lambda found: found if len(found) == 4 else None)(
        letters(settings)), what="four dead letters")
    reasons = {letter.key: letter.error for letter in parked}
    unreadable = sorted(e for k, e in reasons.items() if k.startswith("body-"))
    assert unreadable[0].startswith("invalid envelope") and "event_id" in unreadable[0]
    assert unreadable[1].startswith("undecodable message")
    assert "medicine_packages" in reasons[wrong_schema["event_id"]]
    assert "version 99" in reasons[unknown_version["event_id"]]
    assert all(letter.attempts == 1 for letter in parked)  # never into a retry loop
    assert APPLIED == [good["event_id"]]
    code, listing = cli(settings, "list", QUEUE)
    assert code == 0 and "4 dead letter(s)" in listing and "version 99" in listing
    ready = json.loads(recorder_ready(recorder))
    assert ready["checks"]["dead_letters"] == {CONSUMER.dead_letter_queue: 4}
    print(f"\n[poison] sent=5 poison=4 dead_lettered=4 applied=1 duplicated=0 lost=0")


def recorder_ready(container):
    import requests
    address = container.config["WEB_SERVER_ADDRESS"]
    return requests.get(f"http://{address}/health/ready", timeout=5).text


def test_a_handler_that_fails_twice_is_applied_once_after_retries(recorder, settings):
    event = visit_completed()
    FAILURES[event["event_id"]] = 2
    publish(settings.amqp_uri, event)
    wait_until(lambda: APPLIED, timeout=15, what="applied after two retries")
    assert FAILURES[event["event_id"]] == 0 and APPLIED == [event["event_id"]]
    assert letters(settings) == []
    seen = _handled(recorder, "duplicate")
    publish(settings.amqp_uri, event)  # and a late duplicate changes nothing
    wait_until(lambda: _handled(recorder, "duplicate") > seen, what="duplicate seen")
    assert APPLIED == [event["event_id"]]
    print(f"\n[fails twice] sent=1 attempts=3 applied=1 duplicated=0 lost=0")


def _handled(container, outcome):
    from prometheus_client import REGISTRY
    return REGISTRY.get_sample_value("gongzhi_events_handled_total", {
        "service": "recorder", "consumer": "recorder.on_visit_completed",
        "outcome": outcome}) or 0


def test_replay_after_a_fix_applies_once_and_purge_asks_first(recorder, settings):
    broken, other = visit_completed(), visit_completed()
    FAILURES[broken["event_id"]] = FAILURES[other["event_id"]] = 99  # a bug
    publish(settings.amqp_uri, broken, other)
    parked = wait_until(lambda: (lambda found: found if len(found) == 2 else None)(
        letters(settings)), timeout=15, what="both dead-lettered after the retries")
    assert {letter.attempts for letter in parked} == {3}  # the first try and two retries
    assert "hospital record" in parked[0].error
    code, shown = cli(settings, "show", QUEUE, broken["event_id"])
    assert code == 0 and json.loads(shown)["envelope"]["event_id"] == broken["event_id"]

    FAILURES.clear()  # the fix is deployed
    assert cli(settings, "replay", QUEUE, broken["event_id"]) == (
        0, f"replayed 1 dead letter(s) into {QUEUE}\n")
    wait_until(lambda: broken["event_id"] in APPLIED, what="the replayed event applied")
    assert [letter.key for letter in letters(settings)] == [other["event_id"]]

    # the same event replayed a second time (an operator's double click) is not applied again
    seen = _handled(recorder, "duplicate")
    publish(settings.amqp_uri, broken)
    wait_until(lambda: _handled(recorder, "duplicate") > seen, what="the repeat seen")
    assert APPLIED.count(broken["event_id"]) == 1

    assert cli(settings, "purge", QUEUE, answer="n")[0] == 1
    assert len(letters(settings)) == 1
    assert cli(settings, "purge", QUEUE, "--yes") == (
        0, f"purged 1 dead letter(s) of recorder.on_visit_completed\n")
    assert letters(settings) == []
    print(f"\n[replay] sent=2 dead_lettered=2 replayed=1 applied=1 duplicated=0 purged=1 lost=0")


def test_the_cli_knows_every_consumer_of_the_platform():
    names = {consumer.name for consumer in catalog.all_consumers()}
    assert {"residents.on_visit_completed", "metrics.on_resident_registered"} <= names
    with pytest.raises(LookupError):
        catalog.find_consumer("nobody.on_nothing")


def test_after_a_key_rotation_dead_letters_are_re_sealed_and_open_without_the_old_key(
        recorder, settings):
    import base64

    from chassis import sealing
    event = visit_completed()
    FAILURES[event["event_id"]] = 99
    publish(settings.amqp_uri, event)
    [parked] = wait_until(lambda: letters(settings), timeout=15, what="the dead letter")
    assert parked.sealed and json.loads(parked.body)["sealed"].startswith("enc:dev:")
    new = "k2:" + base64.b64encode(b"r" * 32).decode()
    rotated = sealing.Keyring.parse(f"{new},dev:{sealing.DEVELOPMENT_KEY}")
    assert deadletters.reseal(settings.amqp_uri, CONSUMER, rotated) == 1
    assert deadletters.reseal(settings.amqp_uri, CONSUMER, rotated) == 0  # safe to rerun
    [again] = letters(settings)
    assert again.key == event["event_id"] and again.attempts == parked.attempts
    only_new = sealing.Keyring.parse(new)
    assert json.loads(again.original(only_new)[0]) == json.loads(parked.original()[0])
