"""The `Store` dependency: a service's own database, bound to the worker's tenant.

    class HealthService:
        store = Store(outboxed=("visits",), indexes=store_module.ensure_indexes)

`self.store` is a TenantDatabase for the caller's tenant; there is no other way in.
Collections named in `outboxed` are watched by the outbox relay. Collections named in
`community_scoped` are community-owned: a caller whose token names communities sees and
writes only theirs (chassis/tenancy.py). A name alone means the documents carry a top-level
`community_id`; a dict names the field per collection:

        store = Store(community_scoped=("activities", "registrations"))
        store = Store(community_scoped={"communities": "_id", "compounds": "community_id"})
"""
import logging

from nameko.extensions import DependencyProvider

from chassis.context import Call
from chassis.mongo import MongoClientProvider
from chassis.outbox import OutboxRelay
from chassis.tenancy import TenantDatabase, community_fields

_log = logging.getLogger(__name__)


class Store(DependencyProvider):
    mongo = MongoClientProvider()
    relay = OutboxRelay()

    def __init__(self, outboxed=(), indexes=None, community_scoped=()):
        self.outboxed = tuple(outboxed)
        self.indexes = indexes
        self.community_scoped = community_fields(community_scoped)

    def setup(self):
        self.db = self.mongo.database()
        for name in self.outboxed:
            self.relay.watch(self.db[name])

    def start(self):
        if self.indexes:
            try:
                self.indexes(self.db)
            except Exception:  # the store may be down at start: reads still fail clearly
                _log.warning("could not ensure indexes now", exc_info=True)
        for name in self.outboxed:
            self.db[name].create_index("_outbox_n")

    def get_dependency(self, worker_ctx):
        return Bound(self, worker_ctx)

    def raw(self):
        """The untenanted database: for chassis mechanisms and system jobs only."""
        return self.db


class Bound:
    """Resolves the tenant only when a collection is first asked for, so entrypoints that
    need no store (health probes) do not need a tenant either."""

    def __init__(self, provider, worker_ctx):
        self._provider = provider
        self._worker_ctx = worker_ctx
        self._database = None

    def _tenant_db(self):
        if self._database is None:
            self._database = TenantDatabase(
                self._provider.db, Call(self._worker_ctx.data), self._provider.relay.kick,
                community_scoped=self._provider.community_scoped)
        return self._database

    def __getitem__(self, name):
        return self._tenant_db()[name]

    @property
    def tenant(self):
        return self._tenant_db().tenant

    @property
    def communities(self):
        return self._tenant_db().communities

    def sees_community(self, community_id):
        return self._tenant_db().sees_community(community_id)

    def ping(self):
        self._provider.mongo.ping()

    def system_scope(self):
        """The untenanted database and the outbox relay's kick, for system jobs that act in
        one tenant after another (timers, sweeps). Not for request or event handling."""
        return self._provider.db, self._provider.relay.kick
