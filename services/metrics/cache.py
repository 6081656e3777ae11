"""A micro-cache for the community summary: many readers in the same half second (a
dashboard on every staff screen) cost one aggregation, per tenant and filter set."""
import time

from nameko.extensions import DependencyProvider

from chassis.config import settings_from

MAX_ENTRIES = 10_000


class SummaryCache(DependencyProvider):
    def setup(self):
        self.ttl = settings_from(self.container.config).summary_cache_seconds
        self.entries = {}

    def get_dependency(self, worker_ctx):
        return self

    def get_or_compute(self, key, compute):
        if self.ttl <= 0:
            return compute()
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = compute()
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[key] = (now, value)
        return value

    def forget(self, tenant):
        """Drop a tenant's entries (after a rebuild)."""
        for key in [key for key in self.entries if key[0] == tenant]:
            self.entries.pop(key, None)
