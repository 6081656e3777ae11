"""Metrics service entrypoints: event projections and the community summary."""
import logging
from functools import partial

from nameko.dependency_providers import Config

from chassis import clock
from chassis.batches import consume_batch
from chassis.consumer import consume_event
from chassis.internal_reads import internal_read
from chassis.context import CallContext
from chassis.rpc import BoundedRpcProxy, rpc
from chassis.errors import EXPECTED, Forbidden, NotFound
from chassis.health import HealthChecks
from chassis.store import Store
from chassis.timer import settings_timer
from chassis.validation import load
from services.metrics import activities, counters, domain, outreach, schemas, store
from services.metrics import council as council_facts  # the deliberation week
from services.metrics.cache import SummaryCache

EXPORT_PAGE = 500

_log = logging.getLogger(__name__)


class MetricsService(HealthChecks):
    name = "metrics"

    config = Config()
    call = CallContext()
    store = Store(indexes=lambda raw: (store.ensure_indexes(raw), outreach.ensure_indexes(raw),
                                       activities.ensure_indexes(raw)),
                  community_scoped=store.COMMUNITY_SCOPED)
    cache = SummaryCache()
    residents = BoundedRpcProxy("residents")
    health = BoundedRpcProxy("health")
    council = BoundedRpcProxy("council")
    events = BoundedRpcProxy("events")

    @consume_event("residents", "resident_registered")
    def on_resident_registered(self, envelope):
        store.record_resident(self.store, domain.resident_fact(envelope["data"]))

    @consume_event("residents", "resident_updated")
    def on_resident_updated(self, envelope):
        changes = envelope["data"]["changes"]
        if "birth_date" in changes:  # the only registry change an indicator depends on
            store.move_resident(self.store, envelope["data"]["resident_id"],
                                {"birth_date": changes["birth_date"]})

    # Keyed (ADR 0014): the fact is inserted under the visit id and every counter is credited
    # once per id it names (ADR 0015), so a second run changes nothing and needs no marker.
    # In batches (chassis/batches.py): a visit's credits were the pipeline's bottleneck. The
    # name (and so the queue, evt-health-visit_completed--metrics.on_visit_completed) stays.
    @consume_batch("health", "visit_completed")
    def on_visit_completed(self, envelopes):
        store.record_visits(self.store, [domain.visit_fact(e["data"]) for e in envelopes])

    @consume_event("health", "follow_up_changed")
    def on_follow_up_changed(self, envelope):
        store.record_follow_up(self.store, domain.follow_up_fact(envelope["data"]))

    # -- community activities ---------------------------------------------------------------
    @consume_event("events", "activity_completed")
    def on_activity_completed(self, envelope):
        activities.record(self.store, activities.HELD, activities.held_fact(envelope["data"]))

    @consume_event("events", "attendance_recorded")
    def on_attendance_recorded(self, envelope):
        activities.record(self.store, activities.ATTENDANCE,
                          activities.attendance_fact(envelope["data"]))

    @consume_event("events", "volunteer_hours_credited")
    def on_volunteer_hours_credited(self, envelope):
        activities.record(self.store, activities.HOURS, activities.hours_fact(envelope["data"]))

    # -- outreach and needs -------------------------------------------------------------------------
    @consume_event("residents", "household_registered")
    def on_household_registered(self, envelope):
        outreach.record_household(self.store, envelope["data"])

    @consume_event("council", "door_knocked")
    def on_door_knocked(self, envelope):
        data = envelope["data"]
        outreach.record_knock(self.store, data["week"], data["community_id"], data["household_id"])

    @consume_event("council", "need_received")
    def on_need_received(self, envelope):
        outreach.record_need(self.store, envelope["data"])

    @consume_event("council", "need_dispatched")
    def on_need_dispatched(self, envelope):
        outreach.record_need(self.store, envelope["data"])

    @consume_event("council", "need_resolved")
    def on_need_resolved(self, envelope):
        outreach.record_need(self.store, envelope["data"])

    @consume_event("council", "need_rated")
    def on_need_rated(self, envelope):
        outreach.record_need(self.store, envelope["data"])

    @consume_event("council", "need_reopened")
    def on_need_reopened(self, envelope):
        outreach.record_need(self.store, envelope["data"])

    @consume_event("council", "need_overdue")
    def on_need_overdue(self, envelope):
        outreach.record_need(self.store, envelope["data"])

    # -- the deliberation week (services/metrics/council.py) ---------------------------------------
    @consume_event("council", "proposal_submitted")
    def on_proposal_submitted(self, envelope):
        council_facts.on_submitted(self.store, envelope["data"])

    @consume_event("council", "proposal_supported")
    def on_proposal_supported(self, envelope):
        council_facts.on_support(self.store, envelope["data"], active=True)

    @consume_event("council", "support_withdrawn")
    def on_support_withdrawn(self, envelope):
        council_facts.on_support(self.store, envelope["data"], active=False)

    @consume_event("council", "proposal_decided")
    def on_proposal_decided(self, envelope):
        council_facts.on_decided(self.store, envelope["data"])

    @consume_event("council", "proposal_implemented")
    def on_proposal_implemented(self, envelope):
        council_facts.on_implemented(self.store, envelope["data"], envelope["occurred_at"])

    @settings_timer("summary_fold_seconds", eager=True)
    def fold_tallies(self):
        raw, _ = self.store.system_scope()
        try:
            counters.fold(raw)
        except Exception:  # the store is down: what is not folded is still read exactly
            _log.warning("folding the summary tallies failed", exc_info=True)

    @rpc(expected_exceptions=EXPECTED)
    def summary(self, query=None):
        filters = load(schemas.SummaryQuery, query or {})
        community = filters.get("community_id")
        if community and not self.store.sees_community(community):
            raise NotFound(f"no community {community}")  # another community's: as if absent
        scope = tuple(sorted(self.store.communities)) if self.store.communities is not None else None
        key = (self.store.tenant, tuple(sorted((k, str(v)) for k, v in filters.items())), scope)
        return self.cache.get_or_compute(key, lambda: self._summary(filters))

    @internal_read("/internal/metrics/summary")
    def read_summary(self, query):
        """summary over HTTP for the gateway, with the context it signed (ADR 0013)."""
        return self.summary(query)

    def _summary(self, filters):
        community = filters.get("community_id")
        start, end = domain.window(filters.get("from_"), filters.get("to"))
        on_day = filters.get("to") or clock.today()
        born_by = domain.elderly_birth_cutoff(on_day)
        return {**activities.summary_fields(self.store, community, start, end), **domain.summary(
            **self._resident_figures(community, start, end, born_by),
            as_of=clock.now_iso(), filters=filters,
            # counted unwindowed; a window aggregates (the same all-time figures: a check)
            follow_ups=store.follow_up_counts(self.store, community, not (start or end))),
            **outreach.summary_fields(self.store, community, start, end),
            **council_facts.figures(self.store, community, start, end)}

    def _resident_figures(self, community, start, end, born_by):
        """From the counters without a date window (ADR 0015); a window aggregates its facts."""
        if not (start or end) and store.counters_exact(self.store):
            return store.counted_figures(self.store, community, born_by)
        totals, served_ids = store.visit_totals(self.store, community, start, end)
        return {"registered": store.count_residents(self.store, community, end),
                "elderly_registered": store.count_residents(self.store, community, end, born_by),
                "visit_totals": totals,
                "elderly_served": store.count_elderly_among(self.store, served_ids, born_by)}

    @rpc(expected_exceptions=EXPECTED)
    def rebuild(self):
        """Forget this tenant's facts and derive them again from the residents and health
        services' own data. Returns how many facts of each kind were rebuilt. The whole
        tenant's: a token limited to some communities may not (it would forget and re-derive
        only what it sees, while the cache and the sources are the subdistrict's)."""
        if self.store.communities is not None:
            raise Forbidden("a token limited to communities may not rebuild the indicators")
        store.forget_tenant(self.store)
        residents = self._export(self.residents.export_residents, store.record_resident,
                                 domain.resident_fact)
        visits = self._export(self.health.export_completed_visits, store.record_visits,
                              domain.visit_fact, by_page=True)
        follow_ups = self._export(self.health.export_follow_ups, store.record_follow_up,
                                  domain.follow_up_fact)
        outreach.forget(self.store)
        needs = outreach.rebuild(self.store, self._export_all)
        council_facts.forget(self.store)
        proposals = self._export(partial(self.council.export_deliberation_facts, "proposals"),
                                 council_facts.from_proposal_export, dict)
        supports = self._export(partial(self.council.export_deliberation_facts, "supports"),
                                council_facts.from_support_export, dict)
        activities.forget_tenant(self.store)
        held, attendance, hours = activities.rebuild_from(
            self.store, list(self._export_all("events", "export_activities")),
            list(self._export_all("events", "export_attendance")))
        self.cache.forget(self.store.tenant)
        return {"residents": residents, "visits": visits, "follow_ups": follow_ups, **needs,
                "proposals": proposals, "supports": supports,
                "activities": held, "attendance": attendance, "volunteer_credits": hours}

    def _export_all(self, service, method):
        """Every item of a service's paged export."""
        export = getattr(getattr(self, service), method)
        cursor = None
        while True:
            page = export(limit=EXPORT_PAGE, cursor=cursor)
            yield from page["items"]
            cursor = page["next"]
            if not cursor:
                return

    def _export(self, export, record, to_fact, by_page=False):
        """Record every item of a paged export: one at a time, or `by_page` (a page's facts
        in one call, as the batched consumer records them)."""
        count, cursor = 0, None
        while True:
            page = export(limit=EXPORT_PAGE, cursor=cursor)
            facts = [to_fact(item) for item in page["items"]]
            if by_page:
                record(self.store, facts)
            else:
                for fact in facts:
                    record(self.store, fact)
            count += len(facts)
            cursor = page["next"]
            if not cursor:
                return count
