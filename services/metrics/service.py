"""Metrics service entrypoints: event projections and the community summary."""
from functools import partial

from nameko.dependency_providers import Config

from chassis import clock
from chassis.consumer import consume_event
from chassis.context import CallContext
from chassis.rpc import BoundedRpcProxy, rpc
from chassis.errors import EXPECTED
from chassis.health import HealthChecks
from chassis.store import Store
from chassis.validation import load
from services.metrics import council, domain, schemas, store
from services.metrics.cache import SummaryCache

EXPORT_PAGE = 500


class MetricsService(HealthChecks):
    name = "metrics"

    config = Config()
    call = CallContext()
    store = Store(indexes=store.ensure_indexes)  # council.ensure_indexes: run from it
    cache = SummaryCache()
    residents = BoundedRpcProxy("residents")
    health = BoundedRpcProxy("health")
    council = BoundedRpcProxy("council")

    @consume_event("residents", "resident_registered")
    def on_resident_registered(self, envelope):
        store.record_resident(self.store, domain.resident_fact(envelope["data"]))

    @consume_event("residents", "resident_updated")
    def on_resident_updated(self, envelope):
        changes = envelope["data"]["changes"]
        if "birth_date" in changes:  # the only registry change an indicator depends on
            store.move_resident(self.store, envelope["data"]["resident_id"],
                                {"birth_date": changes["birth_date"]})

    @consume_event("health", "visit_completed")
    def on_visit_completed(self, envelope):
        store.record_visit(self.store, domain.visit_fact(envelope["data"]))

    @consume_event("health", "follow_up_changed")
    def on_follow_up_changed(self, envelope):
        store.record_follow_up(self.store, domain.follow_up_fact(envelope["data"]))

    # -- the deliberation week (services/metrics/council.py) ---------------------------------------
    @consume_event("council", "proposal_submitted")
    def on_proposal_submitted(self, envelope):
        council.on_submitted(self.store, envelope["data"])

    @consume_event("council", "proposal_supported")
    def on_proposal_supported(self, envelope):
        council.on_support(self.store, envelope["data"], active=True)

    @consume_event("council", "support_withdrawn")
    def on_support_withdrawn(self, envelope):
        council.on_support(self.store, envelope["data"], active=False)

    @consume_event("council", "proposal_decided")
    def on_proposal_decided(self, envelope):
        council.on_decided(self.store, envelope["data"])

    @consume_event("council", "proposal_implemented")
    def on_proposal_implemented(self, envelope):
        council.on_implemented(self.store, envelope["data"], envelope["occurred_at"])

    @rpc(expected_exceptions=EXPECTED)
    def summary(self, query=None):
        filters = load(schemas.SummaryQuery(), query or {})
        key = (self.store.tenant, tuple(sorted((k, str(v)) for k, v in filters.items())))
        return self.cache.get_or_compute(key, lambda: self._summary(filters))

    def _summary(self, filters):
        community = filters.get("community_id")
        start, end = domain.window(filters.get("from_"), filters.get("to"))
        on_day = filters.get("to") or clock.today()
        born_by = domain.elderly_birth_cutoff(on_day)
        totals, served_ids = store.visit_totals(self.store, community, start, end)
        return {**domain.summary(
            registered=store.count_residents(self.store, community, end),
            elderly_registered=store.count_residents(self.store, community, end, born_by),
            visit_totals=totals,
            elderly_served=store.count_elderly_among(self.store, served_ids, born_by),
            as_of=clock.now_iso(), filters=filters,
            follow_ups=store.follow_up_counts(self.store, community)),
            **council.figures(self.store, community, start, end)}

    @rpc(expected_exceptions=EXPECTED)
    def rebuild(self):
        """Forget this tenant's facts and derive them again from the residents and health
        services' own data. Returns how many facts of each kind were rebuilt."""
        store.forget_tenant(self.store)
        residents = self._export(self.residents.export_residents, store.record_resident,
                                 domain.resident_fact)
        visits = self._export(self.health.export_completed_visits, store.record_visit,
                              domain.visit_fact)
        follow_ups = self._export(self.health.export_follow_ups, store.record_follow_up,
                                  domain.follow_up_fact)
        council.forget(self.store)
        proposals = self._export(partial(self.council.export_deliberation_facts, "proposals"),
                                 council.from_proposal_export, dict)
        supports = self._export(partial(self.council.export_deliberation_facts, "supports"),
                                council.from_support_export, dict)
        self.cache.forget(self.store.tenant)
        return {"residents": residents, "visits": visits, "follow_ups": follow_ups,
                "proposals": proposals, "supports": supports}

    def _export(self, export, record, to_fact):
        count, cursor = 0, None
        while True:
            page = export(limit=EXPORT_PAGE, cursor=cursor)
            for item in page["items"]:
                record(self.store, to_fact(item))
                count += 1
            cursor = page["next"]
            if not cursor:
                return count
