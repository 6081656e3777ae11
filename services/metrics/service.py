"""Metrics service entrypoints: event projections and the community summary."""
from nameko.dependency_providers import Config

from chassis import clock
from chassis.consumer import consume_event
from chassis.context import CallContext
from chassis.rpc import BoundedRpcProxy, rpc
from chassis.errors import EXPECTED
from chassis.health import HealthChecks
from chassis.store import Store
from chassis.validation import load
from services.metrics import activities, domain, schemas, store
from services.metrics.cache import SummaryCache

EXPORT_PAGE = 500


class MetricsService(HealthChecks):
    name = "metrics"

    config = Config()
    call = CallContext()
    store = Store(indexes=lambda raw: (store.ensure_indexes(raw),
                                       activities.ensure_indexes(raw)))  # issue 11
    cache = SummaryCache()
    residents = BoundedRpcProxy("residents")
    health = BoundedRpcProxy("health")
    events = BoundedRpcProxy("events")  # issue 11

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

    # -- community activities (issue 11) -------------------------------------------------------
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
        return {**activities.summary_fields(self.store, community, start, end), **domain.summary(
            registered=store.count_residents(self.store, community, end),
            elderly_registered=store.count_residents(self.store, community, end, born_by),
            visit_totals=totals,
            elderly_served=store.count_elderly_among(self.store, served_ids, born_by),
            as_of=clock.now_iso(), filters=filters,
            follow_ups=store.follow_up_counts(self.store, community))}

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
        activities.forget_tenant(self.store)  # issue 11
        held, attendance, hours = activities.rebuild_from(
            self.store, self._all(self.events.export_activities),
            self._all(self.events.export_attendance))
        self.cache.forget(self.store.tenant)
        return {"residents": residents, "visits": visits, "follow_ups": follow_ups,
                "activities": held, "attendance": attendance, "volunteer_credits": hours}

    def _all(self, export):
        items, cursor = [], None
        while True:
            page = export(limit=EXPORT_PAGE, cursor=cursor)
            items.extend(page["items"])
            cursor = page["next"]
            if not cursor:
                return items

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
