"""The capacity invariant: confirmed registrations of a role never exceed its capacity, under
concurrent sign-ups, cancellations, capacity changes, several replicas and a crash between
any two writes, with no transactions. docs/adr/0007-activity-capacity.md says why it holds.

The activity document carries, per role, `seats.<role>: {capacity, confirmed, free}`:
`confirmed` counts seats taken, `free` = capacity - confirmed. A seat is taken by ONE
conditional update (`free > 0` → free-1, confirmed+1) that also leaves a marker
`takers.<token>: {r: registration, role, at}` naming who took it. A registration becomes
confirmed only by a conditional write that names the token (`seat_take`) and sets
`holds_seat`; then the marker goes. A marker whose registration did not get the seat is
given back (marker removed and the seat returned in one write, so once). A cancellation
changes only the registration; the counter is then recounted from the registrations that
hold seats plus the unresolved markers, written only if the activity did not change since it
was read (`seats_v`). Every step is a single-document conditional write, so any process may
repeat or finish another's work: the sweep (services/events/sweep.py) does, for anything
left stale by a crash."""
import logging
import time
from datetime import timedelta

from chassis import clock, ids
from chassis.errors import Conflict
from contracts import new_event
from services.events import activities, registrations, store

_log = logging.getLogger(__name__)
ATTEMPTS = 20
# How long a promoter waits for seats in flight: 50 × 10 ms (time.sleep is green in a
# service), for markers younger than IN_FLIGHT_SECONDS.
SETTLE_WAITS, SETTLE_PAUSE, IN_FLIGHT_SECONDS = 50, 0.01, 2


def _marker(token):
    return f"takers.{token}"


def take(db, activity_id, role, registration_id, activity=None, number=False):
    """Take a seat for a registration: (token, queue number) or (None, None) when the role is
    full or the activity is no longer published. `activity`: a fresh read to start from (one
    read fewer); `number`: hand out the next queue number in the same write."""
    token = ids.new_id()
    marker = {"r": registration_id, "role": role, "at": clock.now_iso()}
    for _ in range(ATTEMPTS):
        activity = activity or store.get_activity(db, activity_id)
        if activity is None or activity["status"] != "published":
            return None, None
        seats = activity["seats"][role]
        query = {"_id": activity_id, "status": "published"}
        update = {"$inc": {f"seats.{role}.confirmed": 1, "seats_v": 1, **(
                      {"seq": 1} if number else {})},
                  "$set": {_marker(token): marker}}
        if seats["capacity"] is None:
            query[f"seats.{role}.capacity"] = None
        else:
            if seats["free"] <= 0:
                return None, None
            query[f"seats.{role}.free"] = {"$gt": 0}
            update["$inc"][f"seats.{role}.free"] = -1
        after = store.take_seat(db, query, update)
        if after is not None:
            return token, after["seq"]
        activity = None  # changed meanwhile: read it again
    return None, None


def settle(db, activity_id, token):
    """The registration holds the seat now: the marker goes, the count stays."""
    store.update_activity(db, {"_id": activity_id, _marker(token): {"$exists": True}},
                          {"$unset": {_marker(token): ""}, "$inc": {"seats_v": 1}})


def give_back(db, activity_id, role, token):
    """A seat taken for nobody (the registration went elsewhere): returned once, because the
    marker that counted it goes in the same write."""
    return store.update_activity(
        db, {"_id": activity_id, _marker(token): {"$exists": True}},
        {"$unset": {_marker(token): ""},
         "$inc": {f"seats.{role}.confirmed": -1, f"seats.{role}.free": 1, "seats_v": 1}})


def confirm(db, activity, registration, token, seq=None):
    """Give the taken seat to the registration (pending → confirmed, waitlisted → promoted),
    with its event; `seq` its queue number if it has none yet. None (and the seat given
    back) when the registration went elsewhere."""
    ref = activities.activity_ref(activity)
    current = registration
    for _ in range(ATTEMPTS):
        if current is None:
            break
        if current.get("holds_seat") and current.get("seat_take") == token:
            settle(db, activity["_id"], token)  # another process finished our work
            return current
        if current["status"] not in ("pending", "waitlisted"):
            break
        kind = "promoted" if current["status"] == "waitlisted" else "confirmed"
        event = new_event(f"events.registration_{kind}",
                          registrations.event_data(ref, current, status="confirmed"))
        event["on_behalf_of"] = registrations.on_behalf_of(current)
        changes = {"status": "confirmed", "holds_seat": True, "seat_take": token,
                   "confirmed_at": clock.now_iso(), "promoted": kind == "promoted"}
        if current.get("seq") is None:
            changes["seq"] = seq if seq is not None else store.next_seq(db, activity["_id"])
        done = store.update_registration(
            db, {"_id": current["_id"], "status": current["status"]}, {"$set": changes},
            events=[event])
        if done is not None:
            settle(db, activity["_id"], token)
            return done
        current = store.get_registration(db, current["_id"])
    give_back(db, activity["_id"], registration["role"], token)
    return None


def waitlist(db, activity, registration):
    """pending → waitlisted, with its event and position: (registration, position)."""
    if registration.get("seq") is None:
        registration = {**registration, "seq": store.next_seq(db, activity["_id"])}
    position = registrations.waitlist_position(store.waitlisted_ahead(db, registration))
    event = new_event("events.registration_waitlisted", registrations.event_data(
        activities.activity_ref(activity), registration, status="waitlisted", position=position))
    event["on_behalf_of"] = registrations.on_behalf_of(registration)
    done = store.update_registration(
        db, {"_id": registration["_id"], "status": "pending"},
        {"$set": {"status": "waitlisted", "seq": registration["seq"]}}, events=[event])
    return done, position


def place(db, activity, registration):
    """Seat a pending registration, or queue it: (registration, waitlist position or None).
    While others wait, a newcomer queues too (first registered, first promoted); a seat freed
    meanwhile is then promoted in order. `activity` is a fresh read."""
    role = registration["role"]
    queue_first = store.any_waitlisted(db, activity["_id"], role)
    token, seq = (None, None) if queue_first else take(
        db, activity["_id"], role, registration["_id"], activity=activity, number=True)
    if token is not None:
        done = confirm(db, activity, registration, token, seq)
        if done is not None:
            return done, None
        return store.get_registration(db, registration["_id"]), None
    done, position = waitlist(db, activity, registration)
    # A seat may have come free between the failed take and the queueing, its promoter having
    # seen nobody waiting yet: promote now rather than at the next sweep. Not needed when
    # others were waiting already (a freed seat went to the earliest of them).
    promoted = 0 if queue_first else promote(db, activity["_id"], role)
    if done is None or promoted:
        current = store.get_registration(db, registration["_id"])
        return current, None  # None: the answer counts the position afresh
    return done, position


def promote(db, activity_id, role):
    """Fill free seats from the waiting list, earliest first. Safe to run anywhere, any time:
    two promoters cannot give one seat twice (take) nor one registration two seats (confirm).

    It returns once the role is full with no seat in flight, or nobody waits: a seat another
    promoter took (a replica's sweep, a sign-up) may yet be given back, when both chose the
    same registration and the other lost. Stopping at "full" while such a seat is out left a
    capacity raise answered halfway, one promotion short (seen in CI), so a promoter waits for
    seats in flight, briefly: a crashed taker's seat is the repair sweep's (resolve_marker)."""
    promoted, skip, waits = 0, set(), 0
    for _ in range(10000):
        activity = store.get_activity(db, activity_id)
        if activity is None or activity["status"] != "published":
            return promoted
        seats = activity["seats"][role]
        if seats["capacity"] is not None and seats["free"] <= 0:
            if waits < SETTLE_WAITS and _in_flight(activity, role):
                waits += 1
                time.sleep(SETTLE_PAUSE)
                continue
            return promoted
        queue = [w for w in store.waitlisted(db, activity_id, role, limit=len(skip) + 1)
                 if w["_id"] not in skip]
        if not queue:
            return promoted
        candidate = registrations.promotion_order(queue)[0]
        token, _ = take(db, activity_id, role, candidate["_id"])
        if token is None:
            continue  # filled meanwhile: the next read says whether for good
        skip.add(candidate["_id"])
        if confirm(db, activity, candidate, token) is not None:
            promoted += 1
    return promoted


def _in_flight(activity, role):
    """Seats of `role` taken moments ago and not yet given or returned (fresh markers: an
    older one is a crashed taker's, left to the sweep, so nobody waits on it)."""
    since = clock.iso(clock.utcnow() - timedelta(seconds=IN_FLIGHT_SECONDS))
    return any(m["role"] == role and m["at"] >= since
               for m in (activity.get("takers") or {}).values())


def recount(db, activity_id, role):
    """Make the counter what the registrations say: holders plus seats taken and not yet
    resolved. Written only if nothing touched the seats since the read (compare-and-set on
    `seats_v`), so a concurrent take or give-back is never overwritten."""
    for _ in range(ATTEMPTS):
        activity = store.get_activity(db, activity_id)
        if activity is None:
            return False
        seats = activity["seats"][role]
        markers = {token for token, m in (activity.get("takers") or {}).items()
                   if m["role"] == role}
        rows = store.holders(db, activity_id, role)
        held = {row.get("seat_take") for row in rows}
        confirmed = len(rows) + len(markers - held)
        if confirmed == seats["confirmed"]:
            return True
        free = seats["capacity"] - confirmed if seats["capacity"] is not None else 0
        if store.update_activity(db, {"_id": activity_id, "seats_v": activity["seats_v"]},
                                 {"$set": {f"seats.{role}.confirmed": confirmed,
                                           f"seats.{role}.free": free},
                                  "$inc": {"seats_v": 1}}):
            return True
    return False


def release(db, activity_id, registration):
    """After a seat-holding registration was cancelled: recount, note the seat returned on
    the registration, promote the next in line."""
    if recount(db, activity_id, registration["role"]):
        store.update_registration(db, {"_id": registration["_id"], "seat_returned": False},
                                  {"$set": {"seat_returned": True}})
    promote(db, activity_id, registration["role"])


def change_capacity(db, activity_id, role, new):
    """Set a role's capacity. Lowering it below the seats taken → 409; raising it promotes."""
    recount(db, activity_id, role)
    for _ in range(ATTEMPTS):
        activity = store.get_activity(db, activity_id)
        seats = activity["seats"][role]
        old = seats["capacity"]
        if old == new:
            return
        if new is not None and seats["confirmed"] > new:
            raise Conflict(f"{seats['confirmed']} {role}s are confirmed; the capacity cannot "
                           f"go below that ({new})")
        field = f"seats.{role}"
        query = {"_id": activity_id, "status": "published"}
        if old is not None and new is not None:
            # Guarded, not compare-and-set: holds however many sign-ups arrive meanwhile.
            query.update({f"{field}.capacity": old, f"{field}.free": {"$gte": old - new}})
            update = {"$set": {f"{field}.capacity": new},
                      "$inc": {f"{field}.free": new - old, "seats_v": 1}}
        else:
            query["seats_v"] = activity["seats_v"]
            free = new - seats["confirmed"] if new is not None else 0
            update = {"$set": {f"{field}.capacity": new, f"{field}.free": free},
                      "$inc": {"seats_v": 1}}
        if store.update_activity(db, query, update):
            if new is None or old is None or new > old:
                promote(db, activity_id, role)
            return
        if store.get_activity(db, activity_id)["status"] != "published":
            raise Conflict("the activity is no longer published")
    raise Conflict("the activity is busy; try the change again")


def resolve_marker(db, activity, token, marker):
    """A seat taken long ago and not resolved (its taker crashed): give it to its
    registration if that still waits for it, else give it back."""
    registration = store.get_registration(db, marker["r"])
    if registration is None:
        give_back(db, activity["_id"], marker["role"], token)
    elif registration.get("holds_seat") and registration.get("seat_take") == token:
        settle(db, activity["_id"], token)
    elif registration["status"] in ("pending", "waitlisted") and activity["status"] == "published":
        confirm(db, activity, registration, token)
    else:
        give_back(db, activity["_id"], marker["role"], token)
