"""The outbox: events are stored inside the document whose change caused them, in the same
single-document write (atomic on a standalone MongoDB, no transactions), then published by a
relay with publisher confirms and removed only after the broker confirmed them.

Layout on an aggregate document:  `_outbox: {event_id: envelope}`, `_outbox_n: <pending count>`.
Event ids sort by time, so a document's pending events are published in the order they were
made. A crash between the confirm and the removal publishes an event twice: consumers are
idempotent (chassis/consumer.py), so that is harmless; losing one is not possible."""
import logging

import eventlet
from eventlet.queue import LightQueue
from nameko.amqp.publish import Publisher
from nameko.extensions import SharedExtension
from nameko.standalone.events import get_event_exchange

from chassis.config import settings_from
from chassis import observability

_log = logging.getLogger(__name__)

PENDING = {"_outbox_n": {"$gt": 0}}


def outbox_fields(events):
    if not events:
        return {}
    return {"_outbox": {event["event_id"]: event for event in events}, "_outbox_n": len(events)}


def outbox_update(update, events):
    update = {key: dict(value) for key, value in update.items()}
    update.setdefault("$set", {}).update(
        {f"_outbox.{event['event_id']}": event for event in events}
    )
    update.setdefault("$inc", {})["_outbox_n"] = len(events)
    return update


def exchange_for(event_type, config):
    source_service = event_type.split(".", 1)[0]
    return get_event_exchange(source_service, config)


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
                    self._publish_document(*kick)
                else:
                    self.sweep()
            except Exception:  # never let an outage end the relay (and with it the service)
                _log.warning("outbox relay pass failed; the next sweep retries", exc_info=True)
                eventlet.sleep(poll)

    def _drain_kicks(self):
        while not self._kicks.empty():
            kick = self._kicks.get_nowait()
            if kick:
                try:
                    self._publish_document(*kick)
                except Exception:  # left in the outbox: the next start's sweep sends it
                    _log.warning("outbox drain failed", exc_info=True)

    def sweep(self):
        """Publish every pending event of every watched collection, all tenants."""
        backlog = 0
        for name, collection in self.watched.items():
            try:
                for document in collection.find(PENDING, {"_id": 1}).sort("_id", 1):
                    backlog += self._publish_document(name, document["_id"])
            except Exception as exc:  # the store is down: try again next sweep
                _log.warning("outbox sweep of %s failed: %s", name, type(exc).__name__)
        return backlog

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

    def _publish(self, event):
        exchange = exchange_for(event["type"], self.container.config)
        declare = [] if exchange.name in self._declared else [exchange]
        self.publisher.publish(
            event, exchange=exchange, routing_key=event["type"].split(".", 1)[1],
            declare=declare, message_id=event["event_id"],
            headers={"gongzhi.tenant": event["tenant"], "gongzhi.type": event["type"]},
        )
        self._declared.add(exchange.name)
        observability.EVENTS_PUBLISHED.labels(self.container.service_name, event["type"]).inc()

    @staticmethod
    def _mark_sent(collection, doc_id, event):
        key = f"_outbox.{event['event_id']}"
        collection.update_one({"_id": doc_id, key: {"$exists": True}},
                              {"$unset": {key: ""}, "$inc": {"_outbox_n": -1}})

    def backlog(self):
        return sum(c.count_documents(PENDING) for c in self.watched.values())

