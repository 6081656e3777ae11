"""Sign-up flows: register, cancel a registration, check in. Each write is one conditional
single-document write (services/events/seats.py holds the seat protocol)."""
from chassis import clock
from chassis.errors import Conflict, NotFound, found
from contracts import new_event
from services.events import activities, checkins, registrations, seats, store

CODE_ATTEMPTS = 8


def activity_of(db, activity_id):
    return found(lambda aid: store.get_activity(db, aid), activity_id, "activity")


def registration_of(db, registration_id, as_resident=None):
    registration = found(lambda rid: store.get_registration(db, rid), registration_id,
                         "registration")
    if registration["status"] == "pending" or (
            as_resident and registration["resident_id"] != as_resident):
        raise NotFound(f"no registration {registration_id}")
    return registration


def register(db, residents, activity_id, data, actor_sub):
    activity = activity_of(db, activity_id)
    resident = residents.get_resident(data["resident_id"])  # 404 across tenants
    guardian = (residents.get_resident(data["guardian_resident_id"])
                if data.get("guardian_resident_id") else None)
    registrations.check_guardian(resident, guardian)
    registrations.check_can_register(activity, resident, data["role"], clock.now_iso())
    # One live registration per resident and role: the unique index says so (_insert).
    registration = _insert(db, activity, resident, data, None, actor_sub)
    if registration["status"] != "pending":  # a request delivered again: its first result
        return registration, None
    return seats.place(db, activity, registration)


def _insert(db, activity, resident, data, seq, actor_sub):
    for _ in range(CODE_ATTEMPTS):
        registration = registrations.new_registration(
            activity, resident, data, seq, actor_sub, registrations.new_check_in_code())
        try:
            return store.add_registration(db, registration)
        except Exception as exc:
            if not store.is_duplicate(exc):
                raise
            if store.live_registration(db, activity["_id"], resident["id"], data["role"]):
                raise Conflict(f"{resident['name']} is already registered as {data['role']}") \
                    from None
            # otherwise the check-in code was taken on this activity: draw another
    raise Conflict("could not draw a free check-in code; try again")


def cancel(db, registration_id, data, actor_sub, as_resident=None):
    registration = registration_of(db, registration_id, as_resident)
    if registration["status"] == "cancelled":
        replay = store.replayed_registration(db, registration_id)
        if replay:
            return replay
    registrations.check_cancellable(registration)
    activity = activity_of(db, registration["activity_id"])
    held = registration["status"] == "confirmed"
    changes = {"status": "cancelled", "live_key": registration["_id"],
               "cancelled_at": clock.now_iso(), "cancel_reason": data.get("reason"),
               "cancelled_by": actor_sub}
    if held:  # the seat goes back by a recount (seats.release); until then it is noted here
        changes.update({"holds_seat": False, "seat_returned": False})
    event = new_event("events.registration_cancelled", registrations.event_data(
        activities.activity_ref(activity), registration, status="cancelled"))
    event["on_behalf_of"] = (registration["resident_id"]
                             if actor_sub != registration["resident_id"] else None)
    done = store.update_registration(
        db, {"_id": registration_id, "status": registration["status"]}, {"$set": changes},
        events=[event])
    if done is None:
        current = store.get_registration(db, registration_id)
        raise Conflict(f"the registration is {current['status']}; it cannot be cancelled")
    if held:
        seats.release(db, activity["_id"], done)
    return store.get_registration(db, registration_id)


def check_in(db, activity_id, data, actor_sub):
    activity = activity_of(db, activity_id)
    checkins.check_activity_open(activity)
    registration = _to_check_in(db, activity_id, data)
    if checkins.check_in_outcome(registration) == "again":
        return registration
    changes = checkins.check_in_changes(actor_sub)
    event = new_event("events.attendance_recorded", checkins.attendance_event_data(
        activities.activity_ref(activity), registration, "attended", changes["checked_in_at"]))
    event["on_behalf_of"] = (registration["resident_id"]
                             if actor_sub != registration["resident_id"] else None)
    done = store.update_registration(
        db, {"_id": registration["_id"], "status": "confirmed"},
        {"$set": {**changes, "attendance_at": changes["checked_in_at"]}}, events=[event])
    if done is None:
        current = store.get_registration(db, registration["_id"])
        checkins.check_in_outcome(current)  # 409 unless it was checked in meanwhile
        return current
    return done


def _to_check_in(db, activity_id, data):
    if data.get("code"):
        registration = store.registration_by_code(db, activity_id,
                                                  registrations.normal_code(data["code"]))
        if registration is None:
            raise NotFound("no registration with this check-in code on this activity")
        return registration
    rows = [r for r in store.registrations_of(db, activity_id, data["resident_id"])
            if not data.get("role") or r["role"] == data["role"]]
    if not rows:
        raise NotFound(f"{data['resident_id']} has no registration on this activity")
    rank = {"attended": 0, "confirmed": 1, "waitlisted": 2}
    return sorted(rows, key=lambda r: (rank.get(r["status"], 3), r["role"] != "participant"))[0]


def position_of(db, registration):
    if registration["status"] != "waitlisted":
        return None
    return registrations.waitlist_position(store.waitlisted_ahead(db, registration))


def view(db, registration, position=None):
    """The answer; `position` when the caller just counted it (saves a count)."""
    if position is None:
        position = position_of(db, registration)
    return registrations.registration_view(registration, position)
