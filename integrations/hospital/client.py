"""A client a hospital can run against the platform's broker, with kombu only.

* `publish(event_type, data)` wraps the data in the platform's envelope and publishes it to
  the `hospital.events` topic exchange (routing key: the event name) as persistent JSON,
  **with publisher confirms**: it returns only once the broker has taken responsibility.
* `consume(handler)` reads the hospital's inbox queue (`hospital.inbox`, provisioned by the
  platform) and **acknowledges a message only after the handler returned**; a handler that
  raises gets the message redelivered once, then it is rejected (dead-lettered where the
  operator configured a dead-letter exchange for the queue).

The hospital's broker user needs: write on the exchange `hospital.events`, read on its inbox
queue, and nothing else (no configure rights): the client declares nothing by default."""
import json
import logging
import os
import socket
import time
import uuid
from datetime import datetime, timezone

from kombu import Connection, Consumer, Exchange, Producer, Queue

_log = logging.getLogger(__name__)

HOSPITAL_EXCHANGE = "hospital.events"
PLATFORM_EXCHANGE = "health.events"
DEFAULT_INBOX = "hospital.inbox"
DEFAULT_URI = "amqp://guest:guest@127.0.0.1:5672/"


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_event_id():
    """Unique and roughly time-ordered, like the platform's ULIDs (any unique string works)."""
    return f"{int(time.time() * 1000):013d}-{uuid.uuid4().hex[:16]}"


class HospitalClient:
    def __init__(self, amqp_uri=None, *, tenant, hospital_id="taihe-west", declare=False,
                 serves=None):
        """`tenant`: the subdistrict this client publishes for. `serves`: every subdistrict
        whose messages `consume` hands on (default: just `tenant`); the inbox is shared, so
        one consumer should serve them all: others' messages are acknowledged and skipped."""
        self.amqp_uri = amqp_uri or os.environ.get("HOSPITAL_AMQP_URI", DEFAULT_URI)
        self.tenant = tenant
        self.serves = frozenset(serves or (tenant,))
        self.hospital_id = hospital_id
        self.declare = declare
        self.exchange = Exchange(HOSPITAL_EXCHANGE, type="topic", durable=True)
        self._connection = None

    # -- connection -------------------------------------------------------------------------------
    def connection(self):
        if self._connection is None:
            self._connection = Connection(self.amqp_uri,
                                          transport_options={"confirm_publish": True})
        return self._connection

    def close(self):
        if self._connection is not None:
            self._connection.release()
            self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- publishing ---------------------------------------------------------------------------------
    def envelope(self, event_type, data, version=1, correlation_id=None, tenant=None):
        return {"event_id": new_event_id(), "type": event_type, "version": version,
                "occurred_at": now_iso(), "tenant": tenant or self.tenant,
                "correlation_id": correlation_id or new_event_id(),
                "actor": {"id": self.hospital_id, "roles": ["hospital"]}, "data": data}

    def publish(self, event_type, data, version=1, correlation_id=None, tenant=None):
        """Publish one event (for `tenant`, default the client's); returns its envelope once
        the broker confirmed it."""
        envelope = self.envelope(event_type, data, version, correlation_id, tenant)
        self.publish_raw(envelope, event_type.split(".", 1)[1], message_id=envelope["event_id"])
        return envelope

    def publish_raw(self, body, routing_key, message_id=None):
        """Publish any body as it is (tests use this for malformed messages)."""
        connection = self.connection()
        producer = Producer(connection.default_channel, auto_declare=False)
        payload = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
        publish = connection.ensure(producer, producer.publish, max_retries=3)
        publish(payload, exchange=self.exchange, routing_key=routing_key,
                content_type="application/json", content_encoding="utf-8",
                delivery_mode=2, message_id=message_id or new_event_id(),
                declare=[self.exchange] if self.declare else [])

    # -- consuming -------------------------------------------------------------------------------------
    def inbox(self, name=DEFAULT_INBOX, routing_keys=("referral_requested",)):
        platform = Exchange(PLATFORM_EXCHANGE, type="topic", durable=True)
        return Queue(name, exchange=platform, routing_key=routing_keys[0], durable=True,
                     auto_delete=False, no_declare=not self.declare), platform, routing_keys

    def ensure_inbox(self, queue=DEFAULT_INBOX, routing_keys=("referral_requested",)):
        """Declare and bind a queue of one's own (needs configure rights: tests, development)."""
        platform = Exchange(PLATFORM_EXCHANGE, type="topic", durable=True)
        with Connection(self.amqp_uri) as connection:
            channel = connection.channel()
            platform.bind(channel).declare()
            bound = Queue(queue, durable=True, auto_delete=False).bind(channel)
            bound.declare()
            for key in routing_keys:
                bound.bind_to(exchange=platform, routing_key=key)
        return queue

    def consume(self, handler, queue=DEFAULT_INBOX, routing_keys=("referral_requested",),
                until=None, timeout=10.0, idle=None):
        """Give each envelope of this tenant to `handler(envelope)`; ack after it returns.

        Stops when `until()` is true, after `timeout` seconds, or after `idle` seconds
        without a message. Returns how many envelopes were handled."""
        handled = [0]
        queue_obj, platform, keys = self.inbox(queue, routing_keys)

        def on_message(body, message):
            try:
                envelope = body if isinstance(body, dict) else json.loads(body)
                if envelope.get("tenant") not in self.serves:
                    _log.warning("skipping a message for subdistrict %s, not served here",
                                 envelope.get("tenant"))
                    message.ack()
                    return
                handler(envelope)
            except Exception:
                _log.exception("handling %s failed", message.properties.get("message_id"))
                if message.delivery_info.get("redelivered"):
                    message.reject(requeue=False)
                else:
                    message.requeue()
                return
            message.ack()
            handled[0] += 1

        with Connection(self.amqp_uri) as connection:
            channel = connection.channel()
            if self.declare:
                self.ensure_inbox(queue, routing_keys)
            with Consumer(channel, queues=[queue_obj], callbacks=[on_message],
                          accept=["json"], no_ack=False, prefetch_count=10):
                deadline = time.monotonic() + timeout
                last = time.monotonic()
                while time.monotonic() < deadline and not (until and until()):
                    try:
                        connection.drain_events(timeout=0.2)
                        last = time.monotonic()
                    except socket.timeout:
                        if idle is not None and time.monotonic() - last > idle:
                            break
        return handled[0]
