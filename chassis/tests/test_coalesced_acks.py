"""Coalesced acknowledgements (chassis/acks.py) against the real broker: a run of handled
messages costs fewer ack frames than messages, every handled message is acknowledged (killed
afterwards, the service gives none back), a slow message holds back no other's ack, and a
message still being handled when the service is killed comes back."""
import uuid

import amqp.channel
import pytest
from eventlet.event import Event
from kombu import Connection, Exchange, Queue
from nameko.dependency_providers import Config

import chassis.acks
from chassis.consumer import consume_event
from chassis.health import HealthChecks
from chassis.store import Store
from contracts import new_event
from tests.infra import wait_until

pytestmark = pytest.mark.integration
EXCHANGE = Exchange("health.events", type="topic", durable=True)
HANDLED = []
HOLD = {}  # event id -> Event its handler waits for


class Acknowledging(HealthChecks):
    name = "acknowledging"
    config = Config()
    store = Store()

    @consume_event("health", "visit_completed", keyed_by_event=True)
    def on_visit_completed(self, envelope):
        held = HOLD.get(envelope["event_id"])
        if held is not None:
            held.wait()
        HANDLED.append(envelope["event_id"])


@pytest.fixture
def acks(monkeypatch):
    """Every ack frame sent in this process: (delivery tag, multiple)."""
    sent = []
    original = amqp.channel.Channel.basic_ack

    def counted(channel, delivery_tag, multiple=False, *args, **kwargs):
        sent.append((delivery_tag, multiple))
        return original(channel, delivery_tag, multiple, *args, **kwargs)
    monkeypatch.setattr(amqp.channel.Channel, "basic_ack", counted)
    HANDLED.clear()
    HOLD.clear()
    return sent


def acknowledged(sent):
    """The delivery tags those frames cover (one channel here)."""
    tags = set()
    for tag, multiple in sent:
        tags |= set(range(1, tag + 1)) if multiple else {tag}
    return tags


def events(n):
    return [{**new_event("health.visit_completed", {
        "visit_id": f"visit-{uuid.uuid4().hex[:6]}", "resident_id": "r-1", "community_id": "c-1",
        "completed_at": "2026-11-20T01:00:00.000+00:00", "medicine_packages": 1,
        "recorded_by": "platform", "medicines_dispensed": [{"name": "钙片", "quantity": 1}]}),
        "tenant": "sd-acks", "correlation_id": "acks",
        "actor": {"id": "doctor-1", "roles": ["medical_staff"]}} for _ in range(n)]


def publish(amqp_uri, bodies):
    with Connection(amqp_uri) as connection:
        producer = connection.Producer()
        for body in bodies:
            producer.publish(body, exchange=EXCHANGE, routing_key="visit_completed",
                             serializer="json", retry=True)


# nameko's name for the queue every replica of the handler shares
QUEUE = Queue("evt-health-visit_completed--acknowledging.on_visit_completed", exchange=EXCHANGE,
              routing_key="visit_completed", durable=True)


def waiting(amqp_uri):
    """Messages ready in the handler's queue (after a kill: those it had not acknowledged)."""
    with Connection(amqp_uri) as connection:
        return QUEUE(connection.default_channel).queue_declare(passive=True).message_count


def started(container_factory, settings):
    with Connection(settings.amqp_uri) as connection:  # what an earlier test's kill gave back
        queue = QUEUE(connection.default_channel)
        queue.declare()
        queue.purge()
    container = container_factory(Acknowledging, settings.nameko_config())
    container.start()
    return container


def test_a_run_of_handled_messages_is_acknowledged_in_fewer_frames(container_factory,
                                                                    settings, acks):
    container = started(container_factory, settings)
    publish(settings.amqp_uri, events(60))
    wait_until(lambda: len(HANDLED) == 60, timeout=30, what="60 handled")
    wait_until(lambda: len(acknowledged(acks)) == 60, timeout=10, what="60 acknowledged")
    assert len(acks) < 60 and any(multiple for _, multiple in acks)
    container.kill()
    assert waiting(settings.amqp_uri) == 0  # the broker holds none unacknowledged


def test_a_slow_message_holds_back_no_other_ack_and_comes_back_if_killed(container_factory,
                                                                         settings, acks):
    container = started(container_factory, settings)
    slow, *rest = events(11)
    HOLD[slow["event_id"]] = Event()
    publish(settings.amqp_uri, [slow, *rest])
    wait_until(lambda: len(HANDLED) == 10, timeout=30, what="the ten after the slow one")
    wait_until(lambda: len(acknowledged(acks)) == 10, timeout=10, what="their acks")
    assert 1 not in acknowledged(acks)  # the slow one's tag: not covered by a multiple ack
    container.kill()
    assert waiting(settings.amqp_uri) == 1  # only the slow one comes back


def test_a_stopping_service_acknowledges_what_it_handled(container_factory, settings, acks,
                                                         monkeypatch):
    monkeypatch.setattr(chassis.acks, "ACK_DELAY_SECONDS", 60)  # only the stop can send them
    container = started(container_factory, settings)
    publish(settings.amqp_uri, events(5))  # fewer than the prefetch: all handled unacked
    wait_until(lambda: len(HANDLED) == 5 and not container._worker_threads, timeout=30,
               what="5 handled, their workers done")
    assert acks == []
    container.stop()
    assert len(acknowledged(acks)) == 5
    assert waiting(settings.amqp_uri) == 0
