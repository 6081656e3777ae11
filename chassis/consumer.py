"""Event consumption that loses nothing and applies each event once.

`@consume_event("health", "visit_completed")` is nameko's SERVICE_POOL event handler (every
replica shares one queue) with three things nameko lacks:

* the envelope is checked against contracts/ before the handler runs: a message that cannot
  be parsed, has a bad shape or an unknown version goes straight to the dead-letter queue;
* the handler runs once per `(consumer, event_id)`: a unique record in the service's own
  store is checked before and written after a successful run (handlers write idempotently,
  keyed by the event or the aggregate, so a crash between the two cannot double-apply).
  A handler declared `keyed_by_event=True` keeps no such record: every write it makes is
  keyed by the event itself (an insert under the event's id, an update guarded by a key the
  event names), so those writes are the record, and a second delivery runs it only to change
  nothing. Two store round trips fewer per event. A handler whose re-run could change
  anything (it reads state that moves on, or adds to a counter) must not declare it;
* a handler that raises is retried through delay queues (`<queue>.retry.<N>s`, which
  dead-letter back into the queue after their TTL) a bounded number of times, then parked in
  `<queue>.dlq` with the error, the attempt count and the original message. The message is
  acknowledged only after its copy was confirmed by the broker, so nothing is lost;
* a handler that raises `chassis.errors.Reject` says the message can never be applied: it is
  parked at once with that reason, no retries;
* copies in the side queues hold the original message sealed (chassis/deadletters.py), so
  personal data does not wait in the broker in clear; the consumer opens them when they
  come back;
* an outage of the store is not the message's fault: the message waits in the shortest
  delay queue without using up an attempt, and comes back until the store answers again;
* the side queues are declared at start when the broker answers, and again before a copy
  whenever the broker reports them missing (copies are published `mandatory`).

Operators list, show, replay and purge dead letters with `python -m chassis.dlq`.
"""
import json
import logging
import time
import traceback
from functools import partial

from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.events import EventHandler
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from chassis import context, observability, sealing
from chassis.acks import CoalescingQueueConsumer
from chassis.config import settings_from
from chassis.deadletters import (ATTEMPT_HEADER, CONSUMER_HEADER, ERROR_HEADER,
                                 FAILED_AT_HEADER, QUEUE_HEADER, SEALED_HEADER,
                                 dead_letter_queue_name, opened_letter, sealed_letter)
from chassis.errors import Reject
from chassis.masking import mask_text
from chassis.mongo import MongoClientProvider
from contracts import BadEnvelope, parse_envelope

_log = logging.getLogger(__name__)

PROCESSED = "_processed"
DEFAULT_EXCHANGE = Exchange("")


def call_data(envelope):
    """The call context a handler of this event runs in: its tenant and actor."""
    data = {}
    context.bind(
        data, tenant=envelope["tenant"], actor=envelope["actor"]["id"],
        roles=envelope["actor"].get("roles", []),
        on_behalf_of=envelope["actor"].get("on_behalf_of"),
        correlation_id=envelope.get("correlation_id"), event_id=envelope["event_id"])
    return data


def retry_queue_name(queue_name, delay):
    return f"{queue_name}.retry.{delay:g}s"


class PoisonTolerantQueueConsumer(CoalescingQueueConsumer):
    """nameko's queue consumer crashes its container on a body it cannot decode; this one
    hands such a message to its entrypoint, which dead-letters it (and coalesces acks:
    chassis/acks.py)."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._on_decode_error, provider)
        return consumers

    def _on_decode_error(self, provider, message, exc):
        self.container.spawn_managed_thread(
            partial(provider.dead_letter, message, f"undecodable message: {exc}", 1))


class EventConsumer(EventHandler):
    queue_consumer = PoisonTolerantQueueConsumer()
    mongo = MongoClientProvider()

    def __init__(self, source_service, event_type, versions=None, keyed_by_event=False,
                 **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.versions = tuple(versions) if versions else None
        self.keyed_by_event = keyed_by_event

    @property
    def consumer_name(self):
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self):
        super().setup()
        self.settings = settings_from(self.container.config)
        self.delays = self.settings.retry_delays
        self.keys = sealing.keyring(self.settings)  # no start outside development without it
        self.processed = self.mongo.database()[PROCESSED]
        self.publisher = Publisher(self.settings.amqp_uri, use_confirms=True, mandatory=True)
        try:
            self._declare_side_queues()
        except Exception:  # the broker is not there yet: declared before the first copy
            _log.warning("could not declare %s's side queues now", self.queue.name,
                         exc_info=True)

    def _declare_side_queues(self):
        name = self.queue.name
        side = [Queue(dead_letter_queue_name(name), durable=True, auto_delete=False)]
        for delay in self.delays:
            side.append(Queue(
                retry_queue_name(name, delay), durable=True, auto_delete=False,
                queue_arguments={"x-message-ttl": int(delay * 1000),
                                 "x-dead-letter-exchange": "",
                                 "x-dead-letter-routing-key": name}))
        with Connection(self.settings.amqp_uri) as connection:
            channel = connection.channel()
            for queue in side + [self.queue]:
                queue.bind(channel).declare()

    # -- delivery -------------------------------------------------------------------------------
    def handle_message(self, body, message):
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        if (message.headers or {}).get(SEALED_HEADER):  # back from a retry queue
            try:
                original = self._original(message)[0]
            except ValueError as exc:  # sealed with a key this process lacks, or tampered
                self.dead_letter(message, f"a sealed copy that does not open: {exc}", attempt)
                return
            try:
                body = json.loads(original)
            except ValueError as exc:
                self.dead_letter(message, f"undecodable message: {exc}", attempt)
                return
        try:
            envelope = parse_envelope(body, self.versions)
        except BadEnvelope as exc:
            self.dead_letter(message, str(exc), attempt)
            return
        try:
            applied = not self.keyed_by_event and self._already_applied(envelope)
        except ConnectionFailure as exc:
            self.postpone(message, f"store unreachable: {type(exc).__name__}", attempt)
            return
        if applied:
            observability.EVENTS_HANDLED.labels(
                self.container.service_name, self.consumer_name, "duplicate").inc()
            self.queue_consumer.ack_message(message)
            return
        self.apply(message, envelope, attempt)

    def apply(self, message, envelope, attempt):
        """Run the handler on a checked envelope in a worker of its own."""
        handle_result = partial(self.handle_result, message, envelope, attempt, time.monotonic())
        try:
            self.container.spawn_worker(self, (envelope,), {}, context_data=call_data(envelope),
                                        handle_result=handle_result)
        except Exception:  # container is being killed: give the message back
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, envelope, attempt, started, worker_ctx,
                      result=None, exc_info=None):
        service = self.container.service_name
        observability.HANDLER_SECONDS.labels(service, self.consumer_name).observe(
            time.monotonic() - started)
        if exc_info is None:
            try:
                if not self.keyed_by_event:
                    self._record_applied(envelope)
            except ConnectionFailure as exc:  # applied, not recorded: the handler is idempotent
                self.postpone(message, f"store unreachable: {type(exc).__name__}", attempt)
                return result, exc_info
            observability.EVENTS_HANDLED.labels(service, self.consumer_name, "applied").inc()
            self.queue_consumer.ack_message(message)
        elif isinstance(exc_info[1], ConnectionFailure):
            self.postpone(message, f"store unreachable: {type(exc_info[1]).__name__}", attempt)
        elif isinstance(exc_info[1], Reject):
            self.dead_letter(message, f"rejected: {exc_info[1]}", attempt)
        else:
            error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
            self.retry_or_dead_letter(message, error, attempt)
        return result, exc_info

    # -- the processed log ------------------------------------------------------------------------
    def _key(self, envelope):
        # The tenant is part of the key: an event id another subdistrict (or an outside
        # publisher such as the hospital) happens to reuse must not pass for a duplicate.
        return f"{self.consumer_name}:{envelope['tenant']}:{envelope['event_id']}"

    def _already_applied(self, envelope):
        return self.processed.find_one({"_id": self._key(envelope)}, {"_id": 1}) is not None

    def _record_applied(self, envelope):
        try:
            self.processed.insert_one({
                "_id": self._key(envelope), "tenant": envelope["tenant"],
                "consumer": self.consumer_name, "event_id": envelope["event_id"],
                "type": envelope["type"], "applied_at": time.time()})
        except DuplicateKeyError:
            pass  # a redelivery raced us; the effect is idempotent either way

    # -- failure paths ----------------------------------------------------------------------------
    def retry_or_dead_letter(self, message, error, attempt):
        if attempt <= len(self.delays):
            delay = self.delays[attempt - 1]
            _log.warning("%s failed (attempt %d), retrying in %gs: %s",
                         self.consumer_name, attempt, delay, error)
            self._forward(message, retry_queue_name(self.queue.name, delay), error, attempt)
            outcome = "retried"
        else:
            self._forward(message, dead_letter_queue_name(self.queue.name), error, attempt)
            outcome = "dead_lettered"
            _log.error("%s gave up after %d attempts: %s", self.consumer_name, attempt, error)
        observability.EVENTS_HANDLED.labels(
            self.container.service_name, self.consumer_name, outcome).inc()

    def postpone(self, message, reason, attempt):
        """Wait out an outage in the shortest delay queue; the attempt is not counted."""
        delay = self.delays[0] if self.delays else 1
        _log.warning("%s postponed a message by %gs: %s", self.consumer_name, delay, reason)
        self._forward(message, retry_queue_name(self.queue.name, delay), reason, attempt - 1)
        observability.EVENTS_HANDLED.labels(
            self.container.service_name, self.consumer_name, "postponed").inc()

    def dead_letter(self, message, reason, attempt):
        _log.error("%s dead-lettered a message: %s", self.consumer_name, reason)
        self._forward(message, dead_letter_queue_name(self.queue.name), reason, attempt)
        observability.EVENTS_HANDLED.labels(
            self.container.service_name, self.consumer_name, "rejected").inc()

    def _original(self, message):
        """(bytes, content type, content encoding) of the message as first published."""
        if (message.headers or {}).get(SEALED_HEADER):
            return opened_letter(message.body, self.queue.name, self.keys)
        body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
        return body, message.content_type, message.content_encoding

    def _forward(self, message, queue_name, error, attempt):
        """Copy the original message, sealed, to another queue with confirms, then ack the
        original. If the copy fails the original is requeued: never both lost and acked."""
        headers = dict(message.headers or {})
        headers.update({ATTEMPT_HEADER: attempt, ERROR_HEADER: mask_text(error)[:2000],
                        CONSUMER_HEADER: self.consumer_name, QUEUE_HEADER: self.queue.name,
                        FAILED_AT_HEADER: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        try:
            body, content_type, content_encoding = self._original(message)
            letter = sealed_letter(body, self.queue.name, content_type or "application/json",
                                   content_encoding or "utf-8", self.keys)
            headers[SEALED_HEADER] = 1
        except ValueError:  # a sealed copy this process cannot open: keep it as it is
            letter = message.body
        copy = partial(self.publisher.publish, letter, exchange=DEFAULT_EXCHANGE,
                       routing_key=queue_name, headers=headers,
                       content_type="application/json", content_encoding="utf-8")
        try:
            try:
                copy()
            except UndeliverableMessage:  # the side queue is gone (a new vhost, a reset)
                self._declare_side_queues()
                copy()
        except Exception:
            _log.exception("could not park a failed message; requeueing it")
            try:
                self.queue_consumer.requeue_message(message)
            except Exception:  # the connection is gone: the broker redelivers it anyway
                _log.warning("could not requeue either; the broker will redeliver it")
            return
        self.queue_consumer.ack_message(message)


consume_event = EventConsumer.decorator
