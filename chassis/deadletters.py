"""Dead letters as plain functions: what the operator CLI (chassis/dlq.py) and the health
checks use. A consumer's dead letters sit in `<its queue>.dlq` (chassis/consumer.py), each the
original message bytes with headers naming the error, the attempt count and when it failed.

Reading is non-destructive: messages are fetched unacknowledged and given back when the channel
closes. Replay copies a message (with publisher confirms) into the consumer's own queue, then
acknowledges it in the dead-letter queue: never lost, at worst copied twice, and the consumer
applies an event once per event id however often it arrives.

A letter in a side queue (a retry or a dead letter) holds its original message *sealed*
(chassis/sealing.py): the hospital's ID numbers and symptoms must not lie in the broker in
clear for as long as a letter waits. Beside the sealed body it keeps what the operator lists
by (event id, type, tenant); replay and the consumer open it back to the original bytes, and
`show` opens it and masks the personal fields."""
import base64
import hashlib
import json
from dataclasses import dataclass, field

from kombu import Connection, Exchange
from nameko.amqp.publish import Publisher

from chassis import sealing
from chassis.masking import mask_record, mask_text

ATTEMPT_HEADER = "x-gongzhi-attempt"
ERROR_HEADER = "x-gongzhi-error"
CONSUMER_HEADER = "x-gongzhi-consumer"
QUEUE_HEADER = "x-gongzhi-queue"
FAILED_AT_HEADER = "x-gongzhi-failed-at"
REPLAYED_HEADER = "x-gongzhi-replayed"
SEALED_HEADER = "x-gongzhi-sealed"
SIDE_HEADERS = (ATTEMPT_HEADER, ERROR_HEADER, CONSUMER_HEADER, QUEUE_HEADER, FAILED_AT_HEADER,
                SEALED_HEADER)


def _slot(queue_name):
    # A letter opens only for the consumer queue it was parked from.
    return sealing.Slot("*", "letters.body", queue_name)


def sealed_letter(body, queue_name, content_type, content_encoding, keys=None):
    """The bytes a side queue holds for an original message: the body sealed, and in clear
    only what identifies the letter."""
    envelope = _readable(body)
    keys = keys or sealing.keyring()
    return json.dumps({
        "event_id": _key(body), "type": envelope.get("type"), "tenant": envelope.get("tenant"),
        "content_type": content_type, "content_encoding": content_encoding,
        "sealed": keys.seal(base64.b64encode(body).decode(), _slot(queue_name)),
    }).encode()


def opened_letter(body, queue_name, keys=None):
    """(original bytes, content type, content encoding) of a sealed letter."""
    wrapper = json.loads(body)
    keys = keys or sealing.keyring()
    original = base64.b64decode(keys.open(wrapper["sealed"], _slot(queue_name)))
    return original, wrapper.get("content_type"), wrapper.get("content_encoding")


def _readable(body):
    try:
        envelope = json.loads(body)
    except ValueError:
        return {}
    return envelope if isinstance(envelope, dict) else {}


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
    body: bytes = field(repr=False)          # what the queue holds (sealed, or an old clear one)
    headers: dict = field(repr=False, default_factory=dict)
    queue: str = ""                          # the consumer queue it was parked from

    @property
    def sealed(self):
        return bool(self.headers.get(SEALED_HEADER))

    def original(self, keys=None):
        """(bytes, content type, content encoding) of the message as the consumer got it."""
        if self.sealed:
            return opened_letter(self.body, self.queue, keys)
        return self.body, None, None

    @property
    def envelope(self):
        try:
            return json.loads(self.original()[0])
        except ValueError:
            return None

    def summary(self):
        listed = _readable(self.body)  # a sealed letter lists by its clear identifiers
        return {"key": self.key, "type": listed.get("type"), "tenant": listed.get("tenant"),
                "attempts": self.attempts, "failed_at": self.failed_at,
                "error": mask_text(self.error)}

    def details(self):
        """The letter opened, with ID numbers and phones masked and clinical text hidden."""
        envelope = self.envelope
        shown = envelope if envelope is not None else self.original()[0].decode(
            "utf-8", "replace")
        return {**self.summary(), "consumer": self.consumer,
                "envelope": mask_record(shown)}


def _key(body):
    try:
        envelope = json.loads(body)
        if isinstance(envelope, dict) and isinstance(envelope.get("event_id"), str):
            return envelope["event_id"]
    except ValueError:
        pass
    return "body-" + hashlib.sha256(body).hexdigest()[:16]


def _letter(message, queue=""):
    headers = dict(message.headers or {})
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    key = _readable(body).get("event_id") if headers.get(SEALED_HEADER) else None
    return DeadLetter(key=key or _key(body), error=str(headers.get(ERROR_HEADER, "")),
                      attempts=int(headers.get(ATTEMPT_HEADER, 0) or 0),
                      failed_at=str(headers.get(FAILED_AT_HEADER, "")),
                      consumer=str(headers.get(CONSUMER_HEADER, "")), body=body,
                      headers=headers, queue=str(headers.get(QUEUE_HEADER, "")) or queue)


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
            return [_letter(_KombuMessage(m), consumer.queue)
                    for m in _fetch(channel, consumer.dead_letter_queue, limit)]
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
                letter = _letter(message, consumer.queue)
                if key is not None and letter.key != key:
                    continue
                headers = {k: v for k, v in letter.headers.items() if k not in SIDE_HEADERS}
                headers[REPLAYED_HEADER] = int(headers.get(REPLAYED_HEADER, 0) or 0) + 1
                body, content_type, content_encoding = letter.original()
                publisher.publish(body, exchange=Exchange(""), routing_key=consumer.queue,
                                  headers=headers,
                                  content_type=content_type or message.content_type,
                                  content_encoding=content_encoding or message.content_encoding)
                channel.basic_ack(raw.delivery_info["delivery_tag"])
                replayed.append(letter.key)
        finally:
            channel.close()
    if key is not None and not replayed:
        raise LookupError(f"no dead letter {key!r} for {consumer.name}")
    return replayed


def reseal(amqp_uri, consumer, keys=None):
    """Seal a consumer's dead letters under the current key (after a rotation, before the old
    key leaves the ring; clear letters from before sealing are sealed too). Each new copy is
    confirmed by the broker before the old one is acknowledged. Returns how many."""
    keys = keys or sealing.keyring()
    publisher = Publisher(amqp_uri, use_confirms=True, mandatory=True)
    count = 0
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            for raw in _fetch(channel, consumer.dead_letter_queue, 0):
                message = _KombuMessage(raw)
                letter = _letter(message, consumer.queue)
                if letter.sealed and keys.is_current(_readable(letter.body).get("sealed")):
                    continue
                body, content_type, content_encoding = letter.original(keys)
                publisher.publish(
                    sealed_letter(body, letter.queue, content_type or message.content_type,
                                  content_encoding or message.content_encoding, keys),
                    exchange=Exchange(""), routing_key=consumer.dead_letter_queue,
                    headers={**letter.headers, SEALED_HEADER: 1},
                    content_type="application/json", content_encoding="utf-8")
                channel.basic_ack(raw.delivery_info["delivery_tag"])
                count += 1
        finally:
            channel.close()  # letters not re-sealed go back as they were
    return count


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
