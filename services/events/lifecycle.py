"""An activity's life after publication: edits (time, place, capacity), cancellation and
completion. Cancelling and completing flip the activity first (with its event), then reach
every registration with conditional writes, then mark the activity `finished`; a crash in
between leaves `finished: false`, and the sweep runs the rest again (each step once)."""
from chassis import clock
from chassis.errors import Conflict
from contracts import new_event
from services.events import activities, checkins, hours, registrations, seats, store
from services.events.signup import activity_of


def edit(db, activity_id, data):
    activity = activity_of(db, activity_id)
    changes = activities.patch_changes(activity, data)
    capacities = activities.capacity_changes(data)
    for role, new in capacities.items():  # check all before changing any
        if new is not None and activity["seats"][role]["confirmed"] > new:
            seats.recount(db, activity_id, role)
            confirmed = activity_of(db, activity_id)["seats"][role]["confirmed"]
            if confirmed > new:
                raise Conflict(f"{confirmed} {role}s are confirmed; the capacity cannot go "
                               f"below that ({new})")
    for role, new in capacities.items():
        seats.change_capacity(db, activity_id, role, new)
    told = {**changes, **{activities.SEAT_FIELDS[role]: new for role, new in capacities.items()
                          if new != activity["seats"][role]["capacity"]}}
    if told:
        residents = [r["resident_id"] for r in store.all_registrations(
            db, {"activity_id": activity_id, "live_key": registrations.LIVE})]
        event = new_event("events.activity_changed",
                          activities.changed_event_data(activity, told, residents))
        update = {"$set": changes} if changes else {"$inc": {"edits": 1}}
        if store.change_activity(db, {"_id": activity_id, "status": "published"}, update,
                                 events=[event]) is None:
            raise Conflict("the activity is no longer published")
    return activity_of(db, activity_id)


def cancel(db, activity_id, data):
    activity = activity_of(db, activity_id)
    if activity["status"] == "cancelled" and store.replayed_activity(db, activity_id):
        return activity
    activities.check_cancellable(activity)
    at = clock.now_iso()
    event = new_event("events.activity_cancelled",
                      activities.cancelled_event_data(activity, data["reason"], at))
    done = store.change_activity(
        db, {"_id": activity_id, "status": "published"},
        {"$set": {"status": "cancelled", "cancel_reason": data["reason"], "cancelled_at": at,
                  "finished": False}}, events=[event])
    if done is None:
        activities.check_cancellable(activity_of(db, activity_id))
    finish(db, done or activity_of(db, activity_id))
    return activity_of(db, activity_id)


def complete(db, activity_id, data):
    activity = activity_of(db, activity_id)
    if activity["status"] == "completed" and store.replayed_activity(db, activity_id):
        return activity
    now = clock.now_iso()
    activities.check_completable(activity, now)
    attended = store.all_registrations(db, {"activity_id": activity_id, "status": "attended"})
    given = hours.overrides(data.get("hours") or [], attended,
                            activities.duration_hours(activity))
    for registration_id, figure in given.items():  # noted first, so a crash keeps them
        store.update_registration(db, {"_id": registration_id, "status": "attended",
                                       "credited": {"$exists": False}},
                                  {"$set": {"hours_given": figure}})
    event = new_event("events.activity_completed", activities.completed_event_data(activity, now))
    done = store.change_activity(
        db, {"_id": activity_id, "status": "published"},
        {"$set": {"status": "completed", "completed_at": now, "finished": False}},
        events=[event])
    if done is None:
        activities.check_completable(activity_of(db, activity_id), now)
    finish(db, done or activity_of(db, activity_id))
    return activity_of(db, activity_id)


def finish(db, activity):
    """Carry a cancellation or completion to every registration; safe to repeat."""
    if activity["status"] == "cancelled":
        _spread_cancellation(db, activity)
    elif activity["status"] == "completed":
        _mark_no_shows(db, activity)
        _credit_hours(db, activity)
    else:
        return
    store.update_activity(db, {"_id": activity["_id"], "finished": False},
                          {"$set": {"finished": True}})


def _spread_cancellation(db, activity):
    ref = activities.activity_ref(activity)
    for registration in store.all_registrations(
            db, {"activity_id": activity["_id"], "live_key": registrations.LIVE}):
        event = new_event("events.registration_cancelled", registrations.event_data(
            ref, registration, status="activity_cancelled"))
        store.update_registration(
            db, {"_id": registration["_id"], "status": registration["status"],
                 "live_key": registrations.LIVE},
            {"$set": {"status": "activity_cancelled", "live_key": registration["_id"],
                      "cancelled_at": activity["cancelled_at"]}}, events=[event])


def _mark_no_shows(db, activity):
    ref = activities.activity_ref(activity)
    for registration in store.all_registrations(db, {"activity_id": activity["_id"],
                                                     "status": "confirmed"}):
        event = new_event("events.attendance_recorded", checkins.attendance_event_data(
            ref, registration, "no_show", activity["completed_at"]))
        event["on_behalf_of"] = registration["resident_id"]
        store.update_registration(
            db, {"_id": registration["_id"], "status": "confirmed"},
            {"$set": {"status": "no_show", "live_key": registration["_id"],
                      "attendance_at": activity["completed_at"]}}, events=[event])


def _credit_hours(db, activity):
    duration = activities.duration_hours(activity)
    for registration in store.all_registrations(
            db, {"activity_id": activity["_id"], "status": "attended", "role": "volunteer",
                 "credited": {"$exists": False}}):
        figure = hours.credited(registration, duration)
        at = clock.now_iso()
        data = hours.hours_event_data(activity, registration, figure, at)
        event = new_event("events.volunteer_hours_credited", data)
        event["on_behalf_of"] = registration["resident_id"]
        store.update_registration(  # once: the guard and the credit are one write
            db, {"_id": registration["_id"], "status": "attended",
                 "credited": {"$exists": False}},
            {"$set": {"credited": True, "hours": figure, "hours_at": at,
                      "hours_date": data["date"], "title": activity["title"],
                      "issued_by": activity["issued_by"]}}, events=[event])
