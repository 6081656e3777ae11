"""Publish several messages and wait once for the broker's confirms of all of them.

nameko's Publisher waits for each message's confirm before the next one is sent: one round
trip to the broker per event. The outbox relay has several events ready at once when writes
come quickly, so it sends them all on one channel in confirm mode and then reads the
confirms (RabbitMQ acks several at a time with `multiple`). A message is reported confirmed
only when the broker acked it; anything nacked, unanswered in time or cut off by a lost
connection is reported unconfirmed, and the caller keeps it to send again."""
import logging
import time

from kombu import Connection, Producer

_log = logging.getLogger(__name__)
PERSISTENT = 2


class ConfirmedBatch:
    def __init__(self, amqp_uri, timeout=10.0):
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self._connection = None

    def publish(self, messages):
        """`messages`: [(exchange, routing_key, body, headers, message_id)]. Returns one
        boolean per message: True when the broker confirmed it. Raises only when no message
        could be sent at all (the broker is away after one reconnection)."""
        try:
            return self._publish(messages)
        except Exception:  # a stale connection (broker restarted): once more on a new one
            _log.info("publishing a batch failed; reconnecting once", exc_info=True)
            self.close()
            return self._publish(messages)

    def close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already gone
                pass
            self._connection = None

    # -- internals ----------------------------------------------------------------------------
    def _open(self):
        if self._connection is None:
            connection = Connection(self.amqp_uri, connect_timeout=5)
            channel = connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._settled(True))
            channel.events["basic_nack"].add(self._settled(False))
            self._connection, self._channel = connection, channel
            self._producer = Producer(channel, serializer="json")
            self._declared = set()
            self._next_tag = 1  # delivery tags count from 1 on a channel in confirm mode
            self._outcome = {}
            self._unsettled = set()
        return self._connection

    def _settled(self, confirmed):
        def on_confirm(delivery_tag, multiple):
            tags = ([tag for tag in self._unsettled if tag <= delivery_tag] if multiple
                    else [delivery_tag])
            for tag in tags:
                self._unsettled.discard(tag)
                self._outcome[tag] = confirmed
        return on_confirm

    def _publish(self, messages):
        connection = self._open()
        tags = []
        try:
            for exchange, routing_key, body, headers, message_id in messages:
                if exchange.name not in self._declared:
                    exchange(self._channel).declare()
                    self._declared.add(exchange.name)
                self._producer.publish(body, exchange=exchange, routing_key=routing_key,
                                       headers=headers, message_id=message_id,
                                       delivery_mode=PERSISTENT, retry=False)
                tags.append(self._next_tag)
                self._unsettled.add(self._next_tag)
                self._next_tag += 1
        except Exception:
            if not tags:
                raise  # nothing went out: the caller's retry may reconnect
            self.close()  # some went out: report them unconfirmed, send again later
            return [False] * len(messages)
        deadline = time.monotonic() + self.timeout
        try:
            while any(tag in self._unsettled for tag in tags):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                connection.drain_events(timeout=remaining)
        except Exception:  # timeout or a lost connection: what was not confirmed is not
            _log.warning("waiting for confirms failed", exc_info=True)
            self.close()
            return [self._outcome.pop(tag, False) for tag in tags] + [False] * (
                len(messages) - len(tags))
        found = [self._outcome.pop(tag, False) for tag in tags]
        for tag in tags:
            self._unsettled.discard(tag)
        return found
