"""The repair sweep: finishes what a crashed process left between two writes. Every events
replica runs it on a timer (GONGZHI_ACTIVITY_SWEEP_SECONDS); every step is a conditional
single-document write that any process may repeat, so replicas sweeping at once are safe.

What it heals (docs/adr/0007-activity-capacity.md has the full table):
* a seat marker older than the stale age: given to its registration if that still waits for
  it, settled if the registration holds it, else given back;
* a registration `pending` longer than the stale age: seated or queued as a sign-up would;
* a cancelled registration whose seat is not noted returned: recount, then promote;
* a published activity with free seats and a waiting list: promote;
* a cancelled or completed activity not `finished`: carry it to every registration."""
import logging
from datetime import timedelta

from chassis import clock, context
from chassis.context import Call
from chassis.tenancy import TenantDatabase
from services.events import activities, lifecycle, seats, store

_log = logging.getLogger(__name__)
SWEEPER = "activity-sweep"


def system_db(raw, tenant, on_events=None):
    data = {}
    context.bind(data, tenant=tenant, actor=SWEEPER, roles=["system"])
    return TenantDatabase(raw, Call(data), on_events)


def run(raw, stale_seconds, on_events=None):
    results = {}
    for tenant in store.tenants(raw):
        results[tenant] = sweep_tenant(system_db(raw, tenant, on_events), stale_seconds)
    return results


def sweep_tenant(db, stale_seconds):
    before = clock.iso(clock.utcnow() - timedelta(seconds=stale_seconds))
    healed = {"markers": 0, "pending": 0, "returned": 0, "promoted": 0, "finished": 0}
    for registration in store.stale(db, "pending", before):
        activity = store.get_activity(db, registration["activity_id"])
        if activity and activity["status"] == "published":
            seats.place(db, activity, registration)
            healed["pending"] += 1
    for registration in store.seats_to_return(db):
        if registration.get("cancelled_at", "") < before:
            seats.release(db, registration["activity_id"], registration)
            healed["returned"] += 1
    for activity in store.activities_to_watch(db):
        for token, marker in list((activity.get("takers") or {}).items()):
            if marker["at"] < before:
                seats.resolve_marker(db, activity, token, marker)
                healed["markers"] += 1
        if activity["status"] == "published":
            for role in activities.ROLES:
                room = activity["seats"][role]
                if room["capacity"] is None or room["free"] > 0:  # else nobody can move up
                    healed["promoted"] += seats.promote(db, activity["_id"], role)
        elif not activity.get("finished", True):
            lifecycle.finish(db, activity)
            healed["finished"] += 1
    return healed
