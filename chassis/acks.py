"""Acknowledgements coalesced: one `basic.ack multiple` for a run of handled messages.

nameko acknowledges each handled message with its own `basic.ack` frame: a socket send in the
service and a frame for the broker per message (acknowledging was 10% of health's samples in
the visit pipeline, bench/RESULTS.md). Here a handled message's ack waits a moment
(ACK_DELAY_SECONDS) for the others finishing with it; then the longest run of delivered
messages that are all handled, from the oldest unsettled one on, is acknowledged with one
frame (`multiple=True` covers every unsettled tag up to it on the channel), and any handled
message after a gap (an older one still being worked on) is acknowledged alone, as before.
So a slow message never holds the others' acks back beyond the delay.

What does not change: a message is acknowledged only after it was handled; a message the
consumer gives back is requeued at once (and leaves the run); acks that a closed connection
cannot carry are dropped, as nameko drops them, and the broker redelivers those messages,
which the consumers apply once (chassis/consumer.py, chassis/calls.py). Greenthreads switch
only on I/O, so the bookkeeping needs no lock."""
from collections import OrderedDict

import eventlet
from nameko.messaging import QueueConsumer

ACK_DELAY_SECONDS = 0.005
DELIVERED, HANDLED = "delivered", "handled"


class CoalescingQueueConsumer(QueueConsumer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unsettled = {}  # channel -> OrderedDict(delivery tag -> (state, message))
        self._flush_pending = None

    def handle_message(self, provider, body, message):
        # delivery tags grow on a channel, so arrival order is tag order
        self._unsettled.setdefault(message.channel, OrderedDict())[message.delivery_tag] = (
            DELIVERED, message)
        super().handle_message(provider, body, message)

    def ack_message(self, message):
        tags = self._unsettled.get(message.channel)
        if tags is None or message.delivery_tag not in tags:  # not seen arrive: as nameko
            return super().ack_message(message)
        tags[message.delivery_tag] = (HANDLED, message)
        if self._flush_pending is None:
            self._flush_pending = eventlet.spawn_after(ACK_DELAY_SECONDS, self.flush_acks)

    def requeue_message(self, message):
        tags = self._unsettled.get(message.channel)
        if tags is not None:
            tags.pop(message.delivery_tag, None)
        super().requeue_message(message)

    def flush_acks(self):
        self._flush_pending = None
        for channel, tags in list(self._unsettled.items()):
            if not channel.connection:  # closed: the broker takes these messages back
                del self._unsettled[channel]
                continue
            run_end = None
            for tag, (state, _) in tags.items():
                if state != HANDLED:
                    break
                run_end = tag
            alone = [m for tag, (state, m) in tags.items()
                     if state == HANDLED and (run_end is None or tag > run_end)]
            if run_end is not None:
                for tag in [t for t in tags if t <= run_end]:
                    del tags[tag]
            for message in alone:
                del tags[message.delivery_tag]
            try:
                if run_end is not None:
                    channel.basic_ack(run_end, multiple=True)
                for message in alone:
                    channel.basic_ack(message.delivery_tag)
            except ConnectionError:  # closing meanwhile: redelivered, applied once
                self._unsettled.pop(channel, None)
            if not tags:
                self._unsettled.pop(channel, None)

    def unregister_provider(self, provider):
        # a stopping service acknowledges what it handled before its consumer goes
        if self._flush_pending is not None:
            self._flush_pending.cancel()
        self.flush_acks()
        super().unregister_provider(provider)

    def kill(self):
        if self._flush_pending is not None:
            self._flush_pending.cancel()
            self._flush_pending = None
        super().kill()
