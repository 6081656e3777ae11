"""Events service entrypoints: partners, activities, registrations, check-in, volunteer hours.
Thin: each loads its input and delegates to the domain modules (signup, lifecycle, seats)."""
import logging
from datetime import datetime, time, timedelta, timezone

from nameko.dependency_providers import Config

from chassis import clock
from chassis.config import settings_from
from chassis.context import CallContext
from chassis.errors import EXPECTED, NotFound, found
from chassis.health import HealthChecks
from chassis.rpc import BoundedRpcProxy, rpc
from chassis.schemas import page
from chassis.sealing import DataKeys
from chassis.store import Store
from chassis.timer import settings_timer
from chassis.validation import load
from contracts import new_event
from services.events import activities, hours, lifecycle, partners, schemas, signup, store, sweep

_log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))


class EventsService(HealthChecks):
    name = "events"

    config = Config()
    call = CallContext()
    keys = DataKeys(sealed=store.AT_REST)  # ADR 0011
    store = Store(outboxed=store.OUTBOXED, indexes=store.ensure_indexes,
                  community_scoped=store.COMMUNITY_SCOPED)
    residents = BoundedRpcProxy("residents")

    # -- partners ---------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_partner(self, payload):
        data = load(schemas.PartnerIn, payload)
        partner = store.add_partner(self.store, partners.new_partner(data, self.call.actor))
        return partners.partner_view(partner)

    @rpc(expected_exceptions=EXPECTED)
    def get_partner(self, partner_id):
        partner = found(lambda pid: store.get_partner(self.store, pid), partner_id, "partner")
        return partners.partner_view(partner, store.partner_totals(self.store, partner_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_partners(self, query):
        filters = load(schemas.PageQuery, query or {})
        rows = store.list_partners(self.store, filters["limit"], filters["cursor"])
        return page([partners.partner_view(row, store.partner_totals(self.store, row["_id"]))
                     for row in rows], filters["limit"])

    # -- activities -------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_activity(self, payload):
        data = load(schemas.ActivityIn, payload)
        community = self._one("communities", {"_id": data["community_id"]}, "community")
        if data.get("compound_id"):
            self._one("compounds", {"_id": data["compound_id"],
                                    "community_id": data["community_id"]}, "compound")
        requested = data.get("partners") or []
        named = store.partners_named(self.store, {link["partner_id"] for link in requested})
        for link in requested:
            if link["partner_id"] not in named:
                raise NotFound(f"no partner {link['partner_id']}")
        activity = activities.new_activity(data, community, partners.links(requested, named),
                                           self.call.actor_record())
        event = new_event("events.activity_published", activities.published_event_data(activity))
        return self._activity_view(store.add_activity(self.store, activity, event))

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, activity_id):
        return self._activity_view(signup.activity_of(self.store, activity_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_activities(self, query):
        filters = load(schemas.ActivityQuery, query or {})
        start, end = _window(filters)
        rows = store.list_activities(self.store, filters, start, end, filters["limit"],
                                     filters["cursor"])
        return page([self._activity_view(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def update_activity(self, activity_id, payload):
        data = load(schemas.ActivityPatch, payload, partial=True)
        return self._activity_view(lifecycle.edit(self.store, activity_id, data))

    @rpc(expected_exceptions=EXPECTED)
    def cancel_activity(self, activity_id, payload):
        data = load(schemas.ActivityCancelIn, payload)
        return self._activity_view(lifecycle.cancel(self.store, activity_id, data))

    @rpc(expected_exceptions=EXPECTED)
    def complete_activity(self, activity_id, payload):
        data = load(schemas.ActivityCompleteIn, payload or {})
        return self._activity_view(lifecycle.complete(self.store, activity_id, data))

    # -- registrations ------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def register(self, activity_id, payload, as_resident=None):
        """`as_resident`: the caller is that resident and may register only themself."""
        data = load(schemas.RegistrationIn, payload)
        if as_resident and data["resident_id"] != as_resident:
            raise NotFound(f"no resident {data['resident_id']}")
        registration, position = signup.register(self.store, self.residents, activity_id,
                                                 data, self.call.actor)
        return signup.view(self.store, registration, position)

    @rpc(expected_exceptions=EXPECTED)
    def list_activity_registrations(self, activity_id, query):
        filters = load(schemas.RegistrationQuery, query or {})
        signup.activity_of(self.store, activity_id)
        return self._registrations({"activity_id": activity_id}, filters)

    @rpc(expected_exceptions=EXPECTED)
    def list_registrations(self, query, as_resident=None):
        filters = load(schemas.RegistrationQuery, query or {})
        if as_resident:
            filters["resident_id"] = as_resident
        return self._registrations({}, filters)

    @rpc(expected_exceptions=EXPECTED)
    def cancel_registration(self, registration_id, payload, as_resident=None):
        data = load(schemas.RegistrationCancelIn, payload or {})
        registration = signup.cancel(self.store, registration_id, data, self.call.actor,
                                     as_resident)
        return signup.view(self.store, registration)

    @rpc(expected_exceptions=EXPECTED)
    def check_in(self, activity_id, payload):
        data = load(schemas.CheckInIn, payload)
        return signup.view(self.store, signup.check_in(self.store, activity_id, data,
                                                       self.call.actor))

    @rpc(expected_exceptions=EXPECTED)
    def volunteer_hours(self, resident_id, query):
        filters = load(schemas.HoursQuery, query or {})
        self.residents.get_resident(resident_id)  # 404 for another tenant's resident
        start = filters["from_"].isoformat() if filters.get("from_") else None
        end = filters["to"].isoformat() if filters.get("to") else None
        rows, total = store.credited_hours(self.store, resident_id, start, end,
                                           filters["limit"], filters["cursor"])
        answer = page([hours.record_item(row) for row in rows], filters["limit"])
        return {"resident_id": resident_id, "total_hours": total, **answer}

    # -- exports for rebuilding projections elsewhere (metrics) -----------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def export_activities(self, limit=500, cursor=None):
        """Completed activities as their activity_completed events carry them."""
        rows = store.list_activities(self.store, {"status": "completed"}, None, None, limit,
                                     cursor)
        items = [activities.completed_event_data(row, row["completed_at"]) | {"id": row["_id"]}
                 for row in rows]
        return page(items, limit)

    @rpc(expected_exceptions=EXPECTED)
    def export_attendance(self, limit=500, cursor=None):
        """Attendance outcomes and credited hours, as their events carry them."""
        rows = store.find_registrations(
            self.store, {"status": {"$in": ["attended", "no_show"]}}, limit, cursor)
        return page([_attendance_item(row) for row in rows], limit)

    # -- the repair sweep -------------------------------------------------------------------------
    @settings_timer("activity_sweep_seconds", eager=True)
    def sweep(self):
        raw, kick = self.store.system_scope()
        try:
            results = sweep.run(raw, settings_from(self.config).activity_stale_seconds,
                                on_events=kick)
        except Exception:  # the store is down: the next tick tries again
            _log.warning("activity sweep failed", exc_info=True)
            return
        healed = {t: r for t, r in results.items() if any(r.values())}
        if healed:
            _log.info("activity sweep healed: %s", healed)

    # -- helpers ------------------------------------------------------------------------------------
    def _one(self, level, filters, what):
        items = self.residents.list_hierarchy(level, filters, 1)["items"]
        if not items:
            raise NotFound(f"no {what} {filters['_id']}")
        return items[0]

    def _registrations(self, query, filters):
        query = dict(query)
        for key in ("status", "role", "resident_id"):
            if filters.get(key):
                query[key] = filters[key]
        if "status" not in query:
            query["status"] = {"$ne": "pending"}  # in flight: not a registration yet
        rows = store.find_registrations(self.store, query, filters["limit"], filters["cursor"])
        return page([signup.view(self.store, row) for row in rows], filters["limit"])

    def _activity_view(self, activity):
        waitlisted = {role: store.count_registrations(self.store, {
            "activity_id": activity["_id"], "role": role, "status": "waitlisted"})
            for role in activities.ROLES}
        return activities.activity_view(activity, waitlisted)


def _window(filters):
    """`from`/`to` are local calendar days (UTC+8), as UTC instants [start, end)."""
    def start_of(day):
        return clock.iso(datetime.combine(day, time(), CHINA))

    start = start_of(filters["from_"]) if filters.get("from_") else None
    end = start_of(filters["to"] + timedelta(days=1)) if filters.get("to") else None
    return start, end


def _attendance_item(row):
    item = {"id": row["_id"], "registration_id": row["_id"], "activity_id": row["activity_id"],
            "community_id": row["community_id"], "compound_id": row.get("compound_id"),
            "resident_id": row["resident_id"], "role": row["role"],
            "outcome": "attended" if row["status"] == "attended" else "no_show",
            "at": row.get("attendance_at") or row.get("checked_in_at") or row["registered_at"],
            "hours": row.get("hours") if row.get("credited") else None,
            "hours_at": row.get("hours_at")}
    return item


