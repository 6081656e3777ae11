"""What is waiting: the outbox backlog (events stored but not yet confirmed by the broker) and
the depth of every dead-letter queue of this service's consumers. Reported in `/health/ready`
details and as Prometheus gauges on `/metrics` (chassis/health.py), refreshed on each ask."""
import logging
import time

import eventlet
from kombu import Connection
from nameko.extensions import DependencyProvider

from chassis import deadletters, observability
from chassis.config import settings_from
from chassis.outbox import OutboxRelay

_log = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 2
SCRAPE_BUDGET_SECONDS = 1


class Backlogs(DependencyProvider):
    relay = OutboxRelay()  # the service's one relay (a shared extension)

    def setup(self):
        self.settings = settings_from(self.container.config)

    def get_dependency(self, worker_ctx):
        return self

    def _dead_letter_queues(self):
        from chassis.consumer import EventConsumer

        return sorted(deadletters.dead_letter_queue_name(entrypoint.queue.name)
                      for entrypoint in self.container.entrypoints
                      if isinstance(entrypoint, EventConsumer) and entrypoint.queue is not None)

    def outbox_backlog(self):
        """Documents with unsent events (raises when the store is unreachable)."""
        backlog = self.relay.backlog()
        observability.OUTBOX_BACKLOG.labels(self.container.service_name).set(backlog)
        return backlog

    def broker_and_dead_letters(self):
        """Checks the broker on one short connection and returns {dlq name: depth}."""
        depths = {}
        with Connection(self.settings.amqp_uri, connect_timeout=PROBE_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
            for queue in self._dead_letter_queues():
                depths[queue] = deadletters.depth(conn, queue)
                observability.DLQ_DEPTH.labels(queue).set(depths[queue])
        return depths

    def refresh(self):
        """Refresh the gauges before a scrape, each within a short budget so a scrape stays
        fast while the store or the broker is away; a part not measured keeps its last value."""
        deadline = time.monotonic() + SCRAPE_BUDGET_SECONDS
        for measure in (self.outbox_backlog, self.broker_and_dead_letters):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                with eventlet.Timeout(left):
                    measure()
            except (Exception, eventlet.Timeout) as exc:
                _log.debug("could not measure %s: %r", measure.__name__, exc)
