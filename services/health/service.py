"""Health service entrypoints: home visits."""
from nameko.dependency_providers import Config

from chassis.context import CallContext
from chassis.rpc import BoundedRpcProxy, rpc
from chassis.errors import EXPECTED, Conflict, NotFound
from chassis.health import HealthChecks
from chassis.store import Store
from chassis.validation import load
from contracts import new_event
from services.health import domain, schemas, store


class HealthService(HealthChecks):
    name = "health"

    config = Config()
    call = CallContext()
    store = Store(outboxed=store.OUTBOXED, indexes=store.ensure_indexes)
    residents = BoundedRpcProxy("residents")

    @rpc(expected_exceptions=EXPECTED)
    def schedule_visit(self, payload):
        data = load(schemas.VisitIn(), payload)
        resident = self.residents.resident_ref(data["resident_id"])  # NotFound across tenants
        visit = domain.new_visit(data, resident, self.call.actor_record())
        return self._view(store.add_visit(
            self.store, visit,
            new_event("health.visit_scheduled", domain.scheduled_event_data(visit))))

    @rpc(expected_exceptions=EXPECTED)
    def complete_visit(self, visit_id, payload):
        data = load(schemas.VisitCompletionIn(), payload)
        changes = domain.completion(data, self.call.actor_record())
        return self._transition(visit_id, changes, "health.visit_completed",
                                domain.completed_event_data)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_visit(self, visit_id, payload):
        data = load(schemas.VisitCancelIn(), payload or {})
        changes = domain.cancellation(data, self.call.actor_record())
        return self._transition(visit_id, changes, "health.visit_cancelled",
                                domain.cancelled_event_data)

    @rpc(expected_exceptions=EXPECTED)
    def get_visit(self, visit_id):
        visit = store.get_visit(self.store, visit_id) if isinstance(visit_id, str) else None
        if visit is None:
            raise NotFound(f"no visit {visit_id}")
        return self._view(visit)

    @rpc(expected_exceptions=EXPECTED)
    def list_visits(self, query):
        filters = load(schemas.VisitQuery(), query)
        rows = store.find_visits(self.store, filters, filters["limit"], filters["cursor"])
        items = [self._view(row) for row in rows]
        return {"items": items,
                "next": items[-1]["id"] if len(items) == filters["limit"] else None}

    @rpc(expected_exceptions=EXPECTED)
    def export_completed_visits(self, limit=500, cursor=None):
        """Completed-visit facts (no clinical detail) for rebuilding projections elsewhere."""
        rows = store.completed_visits(self.store, limit, cursor)
        items = [domain.completed_event_data(row["_id"], row, row) | {"id": row["_id"]}
                 for row in rows]
        return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}

    def _transition(self, visit_id, changes, event_type, event_data):
        def event_for(vid, visit, change):
            return new_event(event_type, event_data(vid, visit, change))

        visit = store.transition(self.store, visit_id, "scheduled", changes, event_for)
        if visit is None:
            current = store.get_visit(self.store, visit_id)
            if current is None:
                raise NotFound(f"no visit {visit_id}")
            raise Conflict(f"the visit is {current['status']}; only a scheduled visit can be "
                           f"{changes['status']}")
        return self._view(visit)

    def _view(self, visit):
        return domain.visit_view(visit, domain.may_see_clinical(self.call, visit))
