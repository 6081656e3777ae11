"""A micro-cache for the community summary: many readers in the same half second (a
dashboard on every staff screen) cost one aggregation, per tenant and filter set.

An expired entry is still answered for a while (up to STALE_FACTOR times its age limit)
while one background greenthread aggregates again: no reader waits for a refresh, and at
most one aggregation per key is in flight. Only a key never computed (or too old) makes its
readers wait, for one shared result. Before this, every worker that saw the entry expire
aggregated at once, and the summary's p99 at 32 clients went to seconds."""
import logging
import time

import eventlet
from eventlet.event import Event
from nameko.extensions import DependencyProvider

from chassis.config import settings_from

MAX_ENTRIES = 10_000
STALE_FACTOR = 10  # at 0.5 s: figures at most 5 s old, and then only while the store is slow

_log = logging.getLogger(__name__)


class SummaryCache(DependencyProvider):
    def setup(self):
        self.ttl = settings_from(self.container.config).summary_cache_seconds
        self.entries = {}
        self.inflight = {}
        self.generations = {}  # per tenant: bumped by forget(), so older results are not kept

    def get_dependency(self, worker_ctx):
        return self

    def get_or_compute(self, key, compute):
        if self.ttl <= 0:
            return compute()
        hit = self.entries.get(key)
        age = time.monotonic() - hit[0] if hit is not None else None
        if age is not None and age < self.ttl:
            return hit[1]
        if age is not None and age < self.ttl * STALE_FACTOR:
            if key not in self.inflight:  # refresh behind the answer, once
                self.inflight[key] = Event()
                eventlet.spawn_n(self._refresh, key, compute)
            return hit[1]
        running = self.inflight.get(key)
        if running is not None:
            return running.wait()
        self.inflight[key] = Event()
        return self._compute(key, compute)

    def _refresh(self, key, compute):
        try:
            self._compute(key, compute)
        except Exception:  # the next reader past the stale limit will see the error
            _log.warning("refreshing a community summary failed", exc_info=True)

    def _compute(self, key, compute):
        done = self.inflight[key]
        started = time.monotonic()
        generation = self.generations.get(key[0], 0)
        try:
            value = compute()
        except Exception as exc:
            done.send_exception(exc)
            raise
        finally:
            self.inflight.pop(key, None)
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        if self.generations.get(key[0], 0) == generation:
            self.entries[key] = (started, value)
        done.send(value)
        return value

    def forget(self, tenant):
        """Drop a tenant's entries (after a rebuild), and the result of any aggregation that
        started before."""
        self.generations[tenant] = self.generations.get(tenant, 0) + 1
        for key in [key for key in self.entries if key[0] == tenant]:
            self.entries.pop(key, None)
