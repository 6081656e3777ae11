"""Outbox relays with leases and batches, on the real broker and store (ADR 0014):

* two relays sweeping the same outbox publish each event once (a claim per document);
* a relay killed between publishing and marking sent: the next relay publishes those events
  again once their lease runs out, so nothing is lost;
* writes that come faster than confirms go out in batches, each event once, all marked sent."""
import json
import time
import uuid

import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook

from chassis import context, outbox
from chassis.confirmed_batch import ConfirmedBatch
from chassis.store import Store
from tests.infra import wait_until

pytestmark = pytest.mark.integration

EXCHANGE = Exchange("leasetest.events", type="topic", durable=True)


class LeaseTestService:
    name = "leasetest"
    store = Store(outboxed=("things",))

    @rpc
    def change(self, thing_id):
        # find_one_and_update hands its event to the relay (the batched path)
        self.store["things"].find_one_and_update(
            {"_id": thing_id}, {"$inc": {"n": 1}}, upsert=True, record=False,
            events=[{"event_id": f"01{uuid.uuid4().hex}", "type": "leasetest.thing_changed",
                     "version": 1, "data": {"thing_id": thing_id}}])

    @rpc
    def change_all(self, thing_ids):
        """Writes 8 at a time, as concurrent requests would: their kicks queue up behind the
        relay's confirm waits."""
        list(eventlet.GreenPool(8).imap(self.change, thing_ids))


@pytest.fixture
def witness(settings):
    """Every leasetest event the broker routes, as it arrives."""
    queue = Queue(f"witness-{uuid.uuid4().hex[:6]}", EXCHANGE, routing_key="#",
                  durable=False, auto_delete=False)
    with Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        queue(channel).declare()
        seen = []

        def received():
            while (message := channel.basic_get(queue.name, no_ack=True)) is not None:
                seen.append(json.loads(message.body)["event_id"])
            return seen

        yield received
        channel.queue_delete(queue.name)


@pytest.fixture
def things(mongo, settings):
    return mongo[settings.database_name("leasetest")]["things"]


def pending(things):
    return things.count_documents(outbox.PENDING)


def stranded(things, count, tenant, lease):
    """Documents whose events a relay that died left behind (lease: its `_outbox_lease`)."""
    ids = []
    for n in range(count):
        event = {"event_id": f"01{n:04d}{uuid.uuid4().hex[:8]}", "type": "leasetest.thing_changed",
                 "version": 1, "tenant": tenant, "data": {"n": n}}
        things.insert_one({"_id": f"thing-{n}", "tenant": tenant,
                           **outbox.outbox_fields([event]), outbox.LEASE: lease})
        ids.append(event["event_id"])
    return ids


def test_two_relays_sweeping_the_same_outbox_publish_each_event_once(
        container_factory, settings, things, witness):
    ids = stranded(things, 200, "t-lease", lease=time.time() - 1)
    first = container_factory(LeaseTestService, settings.nameko_config())
    second = container_factory(LeaseTestService, settings.nameko_config())
    pool = eventlet.GreenPool()  # both start (and sweep) at once
    pool.spawn(first.start)
    pool.spawn(second.start)
    pool.waitall()
    wait_until(lambda: pending(things) == 0, timeout=30, what="the outbox empty")
    wait_until(lambda: len(witness()) >= len(ids), timeout=10, what="every event delivered")
    eventlet.sleep(0.5)  # a second copy, were there one, would be routed by now
    seen = witness()
    assert sorted(seen) == sorted(ids), f"{len(seen) - len(set(seen))} published twice"


def test_a_relay_killed_between_publish_and_mark_leaves_nothing_behind(
        container_factory, settings, things, witness, monkeypatch):
    monkeypatch.setattr(outbox, "LEASE_SECONDS", 1.0)
    data = {}
    context.bind(data, tenant="t-kill", actor="staff-1", roles=["community_staff"])
    dying = container_factory(LeaseTestService, settings.nameko_config())
    dying.start()

    def crash(*args, **kwargs):
        raise RuntimeError("killed before the event was marked sent")

    monkeypatch.setattr(outbox, "_sent", crash)  # publishing works, marking never happens
    with entrypoint_hook(dying, "change", context_data=data) as change:
        for n in range(5):
            change(f"kept-{n}")
    wait_until(lambda: len(set(witness())) == 5, timeout=10, what="published by the dying relay")
    dying.kill()
    monkeypatch.undo()
    monkeypatch.setattr(outbox, "LEASE_SECONDS", 1.0)
    assert pending(things) == 5  # published, never marked: exactly a crash in between

    taking_over = container_factory(LeaseTestService, settings.nameko_config())
    taking_over.start()
    wait_until(lambda: pending(things) == 0, timeout=20, what="the next relay sent them again")
    seen = witness()
    assert len(set(seen)) == 5 and len(seen) >= 10  # each again: consumers deduplicate


def test_writes_faster_than_confirms_go_out_in_batches_each_once(
        container_factory, settings, things, witness, monkeypatch):
    sizes = []
    publish = ConfirmedBatch.publish

    def recorded(batch, messages):
        sizes.append(len(messages))
        return publish(batch, messages)

    monkeypatch.setattr(ConfirmedBatch, "publish", recorded)
    container = container_factory(LeaseTestService, settings.nameko_config())
    container.start()
    data = {}
    context.bind(data, tenant="t-batch", actor="staff-1", roles=["community_staff"])

    with entrypoint_hook(container, "change_all", context_data=data) as change_all:
        # some documents changed three times: their later events follow the ordered path
        change_all([f"batched-{n % 40}" for n in range(120)])
    wait_until(lambda: pending(things) == 0, timeout=30, what="every event marked sent")
    wait_until(lambda: len(witness()) >= 120, timeout=10, what="every event delivered")
    eventlet.sleep(0.3)
    seen = witness()
    assert len(seen) == 120 and len(set(seen)) == 120
    assert sum(doc["n"] for doc in things.find({"tenant": "t-batch"})) == 120
    assert max(sizes) > 1, sizes  # several events confirmed at once


def test_a_claim_takes_only_the_document_it_names(container_factory, settings, things, witness):
    """A document another relay holds is left to it, and claiming it leases nothing else: the
    store stand-in once answered the claim's filter with a document matching only part of it
    (an `$or` beside `_id`), which leased an unrelated document and left the named one waiting."""
    [held] = stranded(things, 1, "t-claim", lease=time.time() + 60)
    things.insert_one({"_id": "idle", "tenant": "t-claim", "_outbox_n": 0})
    container = container_factory(LeaseTestService, settings.nameko_config())
    container.start()
    [relay] = [ext for ext in container.extensions if isinstance(ext, outbox.OutboxRelay)]
    assert relay._claim_and_publish("things", "thing-0") == 0
    assert things.find_one({"_id": "idle"}) == {"_id": "idle", "tenant": "t-claim",
                                                "_outbox_n": 0}
    things.update_one({"_id": "thing-0"}, {"$set": {outbox.LEASE: 0}})  # the holder gave up
    relay._claim_and_publish("things", "thing-0")
    wait_until(lambda: held in witness(), timeout=10, what="the named document's event")
    assert pending(things) == 0
