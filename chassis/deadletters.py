"""Dead letters as plain functions: what the operator CLI (chassis/dlq.py) and the health
checks use. A consumer's dead letters sit in `<its queue>.dlq` (chassis/consumer.py), each the
original message bytes with headers naming the error, the attempt count and when it failed.

Reading is non-destructive: messages are fetched unacknowledged and given back when the channel
closes. Replay copies a message (with publisher confirms) into the consumer's own queue, then
acknowledges it in the dead-letter queue: never lost, at worst copied twice, and the consumer
applies an event once per event id however often it arrives."""
import hashlib
import json
from dataclasses import dataclass, field

from kombu import Connection, Exchange
from nameko.amqp.publish import Publisher

from chassis.masking import mask_text

ATTEMPT_HEADER = "x-gongzhi-attempt"
ERROR_HEADER = "x-gongzhi-error"
CONSUMER_HEADER = "x-gongzhi-consumer"
QUEUE_HEADER = "x-gongzhi-queue"
FAILED_AT_HEADER = "x-gongzhi-failed-at"
REPLAYED_HEADER = "x-gongzhi-replayed"
SIDE_HEADERS = (ATTEMPT_HEADER, ERROR_HEADER, CONSUMER_HEADER, QUEUE_HEADER, FAILED_AT_HEADER)


def consumer_queue_name(service, method, source_service, event_type):
    """nameko's SERVICE_POOL queue name for an event handler."""
    return f"evt-{source_service}-{event_type}--{service}.{method}"


def dead_letter_queue_name(queue_name):
    return f"{queue_name}.dlq"


@dataclass(frozen=True)
class Consumer:
    name: str          # "residents.on_visit_completed"
    queue: str         # its shared queue

    @property
    def dead_letter_queue(self):
        return dead_letter_queue_name(self.queue)


@dataclass
class DeadLetter:
    key: str                     # the event id, or a digest of the bytes when unreadable
    error: str
    attempts: int
    failed_at: str
    consumer: str
    body: bytes = field(repr=False)
    headers: dict = field(repr=False, default_factory=dict)

    @property
    def envelope(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def summary(self):
        envelope = self.envelope if isinstance(self.envelope, dict) else {}
        return {"key": self.key, "type": envelope.get("type"), "tenant": envelope.get("tenant"),
                "attempts": self.attempts, "failed_at": self.failed_at,
                "error": mask_text(self.error)}

    def details(self):
        shown = self.envelope if self.envelope is not None else self.body.decode(
            "utf-8", "replace")
        return {**self.summary(), "consumer": self.consumer,
                "envelope": json.loads(mask_text(json.dumps(shown, ensure_ascii=False)))}


def _key(body):
    try:
        envelope = json.loads(body)
        if isinstance(envelope, dict) and isinstance(envelope.get("event_id"), str):
            return envelope["event_id"]
    except ValueError:
        pass
    return "body-" + hashlib.sha256(body).hexdigest()[:16]


def _letter(message):
    headers = dict(message.headers or {})
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    return DeadLetter(key=_key(body), error=str(headers.get(ERROR_HEADER, "")),
                      attempts=int(headers.get(ATTEMPT_HEADER, 0) or 0),
                      failed_at=str(headers.get(FAILED_AT_HEADER, "")),
                      consumer=str(headers.get(CONSUMER_HEADER, "")), body=body,
                      headers=headers)


def depth(connection, queue_name):
    """Messages waiting in a queue; 0 when it does not exist (yet)."""
    channel = connection.channel()
    try:
        return channel.queue_declare(queue_name, passive=True).message_count
    except Exception as exc:  # 404: not declared yet
        if getattr(exc, "code", None) == 404 or "NOT_FOUND" in str(exc):
            return 0
        raise
    finally:
        try:
            channel.close()
        except Exception:
            pass


def _fetch(channel, queue_name, limit):
    """Up to `limit` messages, unacknowledged (given back when the channel closes)."""
    messages = []
    count = depth(channel.connection, queue_name)
    for _ in range(min(limit, count) if limit else count):
        message = channel.basic_get(queue_name, no_ack=False)
        if message is None:
            break
        messages.append(message)
    return messages


def list_letters(amqp_uri, consumer, limit=100):
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            return [_letter(_KombuMessage(m)) for m in _fetch(channel, consumer.dead_letter_queue,
                                                              limit)]
        finally:
            channel.close()  # nothing acknowledged: every message stays


def show_letter(amqp_uri, consumer, key):
    for letter in list_letters(amqp_uri, consumer, limit=0):
        if letter.key == key:
            return letter
    raise LookupError(f"no dead letter {key!r} for {consumer.name}")


def replay(amqp_uri, consumer, key=None):
    """Put one dead letter (by key) or all of them back into the consumer's queue; returns
    the keys replayed. Each is confirmed by the broker before it leaves the dead-letter queue."""
    publisher = Publisher(amqp_uri, use_confirms=True, mandatory=True)
    replayed = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            for raw in _fetch(channel, consumer.dead_letter_queue, 0):
                message = _KombuMessage(raw)
                letter = _letter(message)
                if key is not None and letter.key != key:
                    continue
                headers = {k: v for k, v in letter.headers.items() if k not in SIDE_HEADERS}
                headers[REPLAYED_HEADER] = int(headers.get(REPLAYED_HEADER, 0) or 0) + 1
                publisher.publish(letter.body, exchange=Exchange(""), routing_key=consumer.queue,
                                  headers=headers, content_type=message.content_type,
                                  content_encoding=message.content_encoding)
                channel.basic_ack(raw.delivery_info["delivery_tag"])
                replayed.append(letter.key)
        finally:
            channel.close()
    if key is not None and not replayed:
        raise LookupError(f"no dead letter {key!r} for {consumer.name}")
    return replayed


def purge(amqp_uri, consumer):
    """Drop every dead letter of a consumer; returns how many."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            if not depth(connection, consumer.dead_letter_queue):
                return 0
            return channel.queue_purge(consumer.dead_letter_queue) or 0
        finally:
            channel.close()


class _KombuMessage:
    """The few fields we read, from a raw py-amqp message."""

    def __init__(self, raw):
        self.raw = raw
        self.body = raw.body if isinstance(raw.body, bytes) else str(raw.body).encode()
        properties = raw.properties or {}
        self.headers = properties.get("application_headers") or {}
        self.content_type = properties.get("content_type") or "application/json"
        self.content_encoding = properties.get("content_encoding") or "utf-8"
