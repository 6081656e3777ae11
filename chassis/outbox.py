"""The outbox: events are stored inside the document whose change caused them, in the same
single-document write (atomic on a standalone MongoDB, no transactions), then published by a
relay with publisher confirms and removed only after the broker confirmed them.

Layout on an aggregate document:  `_outbox: {event_id: envelope}`, `_outbox_n: <pending count>`,
`_outbox_lease: <until, epoch seconds>`. Event ids sort by time, so a document's pending events
are published in the order they were made. A crash between the confirm and the removal
publishes an event twice: consumers are idempotent (chassis/consumer.py), so that is harmless;
losing one is not possible.

**Leases** (ADR 0014). The write that stores events also leases them to its own process's relay
for LEASE_SECONDS: that relay was kicked with them and publishes them at once. (A write that
kicks no relay, such as an operator's command-line sweep, leaves them unleased.) A sweep (every
replica runs one) takes only documents whose lease has run out, and claims each with a
conditional update (a new lease) before publishing, so two relays do not both publish the same
events: the writer's relay and another replica's sweep, or two sweeps. The lease only delays;
it never drops anything: when the writer died before publishing, or between publishing and
marking, its lease runs out and any relay's sweep claims and publishes the events.

**Batches.** Kicks that queue up while the relay waits are published together: every
document whose write handed over exactly one event goes into one batch, published on one
channel and confirmed once (chassis/confirmed_batch.py), then marked sent in one bulk write.
A document with several pending events is published one event at a time, each confirmed
before the next, as before: a failed event stops its document, so order holds."""
import logging
import time

import eventlet
from eventlet.queue import LightQueue
from nameko.amqp.publish import Publisher
from nameko.extensions import SharedExtension
from nameko.standalone.events import get_event_exchange
from pymongo import ReturnDocument, UpdateOne

from chassis import observability
from chassis.config import settings_from
from chassis.confirmed_batch import ConfirmedBatch

_log = logging.getLogger(__name__)

PENDING = {"_outbox_n": {"$gt": 0}}
LEASE = "_outbox_lease"
# Long enough for the writer's relay to work through a queue of kicks under load; a lease
# that runs out early costs a duplicate publish, never a lost event.
LEASE_SECONDS = 5.0
BATCH = 50  # kicks taken at once


def lease_until(now=None):
    return (time.time() if now is None else now) + LEASE_SECONDS


def unleased(now=None):
    """Pending documents no relay holds, as two filters: the lease ran out (an unleased write
    sets it to 0), or none at all (written before leases). Two filters, not one `$or`: the
    store stand-in answers `{_id, ..., $or: [...]}` with a document matching the `$or` alone,
    so a claim would lease, and publish for, another document (seen in CI)."""
    now = time.time() if now is None else now
    return [{**PENDING, LEASE: {"$lt": now}}, {**PENDING, LEASE: {"$exists": False}}]


def outbox_fields(events, leased=True):
    """The fields of a new document's outbox. `leased`: a relay was kicked with the events
    (without, nobody will publish them but a sweep, which may take them at once)."""
    if not events:
        return {}
    fields = {"_outbox": {event["event_id"]: event for event in events},
              "_outbox_n": len(events)}
    fields[LEASE] = lease_until() if leased else 0
    return fields


def outbox_update(update, events, leased=True):
    update = {key: dict(value) for key, value in update.items()}
    update.setdefault("$set", {}).update(
        {f"_outbox.{event['event_id']}": event for event in events}
    )
    # no relay was told (0): any sweep may take them now
    update["$set"][LEASE] = lease_until() if leased else 0
    update.setdefault("$inc", {})["_outbox_n"] = len(events)
    return update


def exchange_for(event_type, config):
    source_service = event_type.split(".", 1)[0]
    return get_event_exchange(source_service, config)


def _sent(doc_id, event):
    """(filter, update) that removes a published event from its document, once."""
    key = f"_outbox.{event['event_id']}"
    return ({"_id": doc_id, key: {"$exists": True}},
            {"$unset": {key: ""}, "$inc": {"_outbox_n": -1}})


class OutboxRelay(SharedExtension):
    """Publishes pending events of the collections a service registers.

    Writes kick it with the document id for prompt delivery; a sweep every few seconds
    catches anything a kick missed (a crash, a broker outage)."""

    def __init__(self):
        self.watched = {}
        self._kicks = LightQueue()
        self._runner = None
        self._stopping = False

    def setup(self):
        self.settings = settings_from(self.container.config)
        self.publisher = Publisher(
            self.settings.amqp_uri, use_confirms=True, serializer="json",
            retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2,
                                      "interval_step": 0.5, "interval_max": 1},
        )
        self.batch = ConfirmedBatch(self.settings.amqp_uri)
        self._declared = set()

    def watch(self, collection):
        self.watched[collection.name] = collection

    def kick(self, collection_name, doc_id, events=None):
        """A write stored events on a document. With `events` (the write saw no older pending
        events on it) the relay publishes them without reading the document again; without,
        it reads the document's whole outbox, so older events go first."""
        self._kicks.put((collection_name, doc_id, events))

    def start(self):
        self._stopping = False
        self._runner = self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self):
        # Let the kicks already queued go out (bounded), then stop; the sweep on the next
        # start publishes anything left.
        self._stopping = True
        self._kicks.put(None)
        if self._runner is not None:
            with eventlet.Timeout(5, False):
                self._runner.wait()
            self._runner = None
        self.batch.close()

    def kill(self):
        self._stopping = True
        if self._runner is not None:
            self._runner.kill()
            self._runner = None

    # -- the loop ----------------------------------------------------------------------------
    def _run(self):
        poll = self.settings.outbox_poll_seconds
        try:
            self.sweep()
        except Exception:
            _log.warning("first outbox sweep failed", exc_info=True)
        while True:
            try:
                kick = self._kicks.get(timeout=poll)
            except eventlet.queue.Empty:
                kick = False
            if kick is None or self._stopping:
                self._drain_kicks()
                return
            try:
                if kick:
                    self._publish_kicks(self._more_kicks(kick))
                else:
                    self.sweep()
            except Exception:  # never let an outage end the relay (and with it the service)
                _log.warning("outbox relay pass failed; the next sweep retries", exc_info=True)
                eventlet.sleep(poll)

    def _more_kicks(self, first):
        """The first kick and whatever else already waits (up to BATCH), in order."""
        kicks = [first]
        while len(kicks) < BATCH and not self._kicks.empty():
            kick = self._kicks.get_nowait()
            if kick is None:  # stopping: put it back for the loop to see
                self._kicks.put(None)
                break
            kicks.append(kick)
        return kicks

    def _drain_kicks(self):
        kicks = []
        while not self._kicks.empty():
            kick = self._kicks.get_nowait()
            if kick:
                kicks.append(kick)
        try:
            self._publish_kicks(kicks)
        except Exception:  # left in the outbox: a sweep sends it once the lease runs out
            _log.warning("outbox drain failed", exc_info=True)

    def _publish_kicks(self, kicks):
        """Kicks in order: runs of single-event documents go out as one confirmed batch; a
        document with several events (or only an id) goes through the ordered path, after the
        batch before it, so a document's later write never overtakes its earlier one."""
        batch = []
        for collection_name, doc_id, events in kicks:
            if events is not None and len(events) == 1:
                batch.append((collection_name, doc_id, events[0]))
                continue
            self._publish_batch(batch)
            batch = []
            self._publish_document(collection_name, doc_id, events)
        self._publish_batch(batch)

    def sweep(self):
        """Claim and publish every pending event no relay holds, of every watched collection,
        all tenants."""
        backlog = 0
        for name, collection in self.watched.items():
            try:
                pending = sorted({document["_id"] for query in unleased()
                                  for document in collection.find(query, {"_id": 1})}, key=str)
                for doc_id in pending:
                    backlog += self._claim_and_publish(name, doc_id)
            except Exception as exc:  # the store is down: try again next sweep
                _log.warning("outbox sweep of %s failed: %s", name, type(exc).__name__)
        return backlog

    def _claim_and_publish(self, collection_name, doc_id):
        """Take the document's lease (one conditional write, which also reads its outbox):
        when another relay holds it, or it was sent meanwhile, leave it to them."""
        now = time.time()
        try:
            document = None
            for query in unleased(now):
                document = self.watched[collection_name].find_one_and_update(
                    {"_id": doc_id, **query}, {"$set": {LEASE: lease_until(now)}},
                    projection={"_outbox": 1}, return_document=ReturnDocument.AFTER)
                if document is not None:
                    break
        except Exception:
            _log.warning("outbox claim failed", exc_info=True)
            return 1
        if document is None:
            return 0
        return self._publish_document(collection_name, doc_id,
                                      list((document.get("_outbox") or {}).values()))

    def _publish_batch(self, batch):
        """Single events of several documents: published together, confirmed once, marked
        sent together. What the broker did not confirm stays in its outbox."""
        if not batch:
            return
        messages = [self._message(event) for _, _, event in batch]
        try:
            confirmed = self.batch.publish(messages)
        except Exception:
            _log.warning("publishing %d events failed; they stay in the outbox", len(batch),
                         exc_info=True)
            return
        sent = {}
        for (collection_name, doc_id, event), ok in zip(batch, confirmed):
            if ok:
                self._count(event)
                sent.setdefault(collection_name, []).append(UpdateOne(*_sent(doc_id, event)))
            else:
                _log.warning("%s %s was not confirmed; it stays in the outbox",
                             event["type"], event["event_id"])
        for collection_name, marks in sent.items():
            try:
                self.watched[collection_name].bulk_write(marks, ordered=False)
            except Exception:  # published but still marked: sent again later, deduplicated
                _log.warning("could not mark %d events sent; they will be sent again",
                             len(marks), exc_info=True)

    def _publish_document(self, collection_name, doc_id, events=None):
        """Publish one document's pending events in order; returns how many are still pending."""
        collection = self.watched[collection_name]
        if events is None:
            try:
                document = collection.find_one({"_id": doc_id}, {"_outbox": 1})
            except Exception:
                _log.warning("outbox read failed", exc_info=True)
                return 1
            events = ((document or {}).get("_outbox") or {}).values()
        pending = sorted(events, key=lambda event: event["event_id"])
        for position, event in enumerate(pending):
            try:
                self._publish(event)
            except Exception:
                _log.warning("publishing %s %s failed; it stays in the outbox",
                             event["type"], event["event_id"], exc_info=True)
                return len(pending) - position
            try:
                self._mark_sent(collection, doc_id, event)
            except Exception:  # published but still marked: sent again later, deduplicated
                _log.warning("could not mark %s sent; it will be sent again",
                             event["event_id"], exc_info=True)
                return len(pending) - position
        return 0

    def _message(self, event):
        """(exchange, routing key, body, headers, message id) of an event."""
        return (exchange_for(event["type"], self.container.config),
                event["type"].split(".", 1)[1], event,
                {"gongzhi.tenant": event["tenant"], "gongzhi.type": event["type"]},
                event["event_id"])

    def _publish(self, event):
        exchange, routing_key, body, headers, message_id = self._message(event)
        declare = [] if exchange.name in self._declared else [exchange]
        self.publisher.publish(body, exchange=exchange, routing_key=routing_key,
                               declare=declare, message_id=message_id, headers=headers)
        self._declared.add(exchange.name)
        self._count(event)

    def _count(self, event):
        observability.EVENTS_PUBLISHED.labels(self.container.service_name, event["type"]).inc()

    @staticmethod
    def _mark_sent(collection, doc_id, event):
        collection.update_one(*_sent(doc_id, event))

    def backlog(self):
        return sum(c.count_documents(PENDING) for c in self.watched.values())
