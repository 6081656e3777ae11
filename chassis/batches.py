"""Events handled in batches: `@consume_batch("health", "visit_completed")` gives the handler
a list of envelopes, one tenant's, so it can write them in a few store commands instead of a
few per event.

Why: a projection that credits counters (metrics' summary, ADR 0015) makes six store commands
an event, and the store serialises one database's commands, so under load those commands
were the visit pipeline's bottleneck (bench/RESULTS.md, seventh session). Messages already
arrive in runs (the queue consumer's prefetch is the container's `max_workers`), so a batch
is the run the broker has handed over: it closes when it holds `max_workers` messages (no
more can arrive before acks) or `wait` seconds after its first one, whichever comes first.
At rest that is one message and a few milliseconds of latency.

What stays as `consume_event` gives it (chassis/consumer.py): envelopes are checked first
(a bad one is parked alone and never reaches the batch), a message is acknowledged only after
the run that applied it returned, and a failure is retried or parked per message. A batch
that raises is split: each of its events runs again alone, in a worker of its own, and only
the ones that fail again are retried, postponed or parked, with their own attempt counts.
Re-running the others is safe because a batched handler is keyed by its events (ADR 0014
addendum): every write it makes is guarded by a key an event names, so the events a failed
batch had already applied change nothing the second time. Hence also no `_processed` record.

A batched handler runs in the call context of its first event: its tenant is every event's
(batches are per tenant), but actor and correlation id are the first event's only, so a
batched handler must not act on behalf of its events' actors or emit events of its own.
"""
import time
from functools import partial

import eventlet

from chassis.consumer import EventConsumer, call_data

BATCH_WAIT_SECONDS = 0.005


class BatchEventConsumer(EventConsumer):
    def __init__(self, source_service, event_type, versions=None, wait=BATCH_WAIT_SECONDS,
                 **kwargs):
        super().__init__(source_service, event_type, versions, keyed_by_event=True, **kwargs)
        self.wait = wait

    def setup(self):
        super().setup()
        self._open = {}  # tenant -> the batch still taking messages: [(message, envelope, attempt)]

    def apply(self, message, envelope, attempt):
        tenant = envelope["tenant"]
        batch = self._open.get(tenant)
        if batch is None:
            batch = self._open[tenant] = []
            # managed: a container that is killed kills the wait too, and the messages of a
            # batch that never ran are redelivered by the broker
            self.container.spawn_managed_thread(partial(self._close_after, tenant, batch))
        batch.append((message, envelope, attempt))
        if len(batch) >= self.container.max_workers:  # the prefetch: no more before acks
            self._close(tenant, batch)

    def _close_after(self, tenant, batch):
        eventlet.sleep(self.wait)
        self._close(tenant, batch)

    def _close(self, tenant, batch):
        if self._open.get(tenant) is not batch:  # closed already, when it filled up
            return
        del self._open[tenant]
        self._run(batch)

    def _run(self, batch):
        envelopes = [envelope for _, envelope, _ in batch]
        handle_result = partial(self._batch_result, batch, time.monotonic())
        try:
            self.container.spawn_worker(self, (envelopes,), {},
                                        context_data=call_data(envelopes[0]),
                                        handle_result=handle_result)
        except Exception:  # container is being killed: give the messages back
            for message, _, _ in batch:
                self.queue_consumer.requeue_message(message)

    def _batch_result(self, batch, started, worker_ctx, result=None, exc_info=None):
        if exc_info is None or len(batch) == 1:
            for message, envelope, attempt in batch:
                self.handle_result(message, envelope, attempt, started, worker_ctx,
                                   result, exc_info)
        else:
            # Not from this worker: it holds a slot of the pool the singles need.
            self.container.spawn_managed_thread(partial(self._split, batch))
        return result, exc_info

    def _split(self, batch):
        for entry in batch:
            self._run([entry])


consume_batch = BatchEventConsumer.decorator
