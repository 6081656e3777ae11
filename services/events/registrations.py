"""Registration rules as plain functions: who may register, the waiting list, codes, views.

A registration document is the per-participant state (never the activity document, which
many requests change at once): its status, its place in the queue (`seq`, taken from the
activity), its seat (`holds_seat`, `seat_take`) and its check-in code."""
import secrets

from chassis import clock, ids
from chassis.errors import Conflict, Invalid

# No 0/O or 1/I: read aloud or off a phone by an elderly resident, they are confused.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
ADULT_AGE = 18
LIVE = "live"  # live_key of a live registration; a finished one gets its own id instead
LIVE_STATUSES = ("pending", "confirmed", "waitlisted", "attended")
HOLDING = ("confirmed", "attended", "no_show")  # statuses that hold a seat


def new_check_in_code(choice=secrets.choice):
    return "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(code):
    return (code or "").strip().upper()


def check_can_register(activity, resident, role, now_iso):
    """409 with the reason when the activity or the resident does not allow it."""
    if activity["status"] != "published":
        raise Conflict(f"the activity is {activity['status']}; registration is closed")
    closes = activity.get("registration_closes_at")
    if closes and now_iso > closes:
        raise Conflict(f"registration closed at {closes}")
    audience = activity.get("audience_tags") or []
    if role == "participant" and audience and not set(audience) & set(resident.get("tags") or []):
        raise Conflict(f"this activity is for residents tagged {', '.join(audience)}")


def check_guardian(resident, guardian):
    """A minor registers with a guardian who is a registered adult (someone else)."""
    if resident["age"] >= ADULT_AGE:
        return
    if guardian is None:
        raise Invalid("a minor needs a guardian",
                      {"guardian_resident_id": ["A resident under 18 registers with a guardian "
                                                "(a registered adult)."]})
    if guardian["id"] == resident["id"] or guardian["age"] < ADULT_AGE:
        raise Invalid("the guardian must be an adult",
                      {"guardian_resident_id": ["The guardian must be a registered adult."]})


def new_registration(activity, resident, data, seq, actor_sub, code):
    on_behalf_of = resident["id"] if actor_sub != resident["id"] else None
    return {
        "_id": ids.new_id(), "activity_id": activity["_id"],
        "community_id": activity["community_id"], "compound_id": activity.get("compound_id"),
        "resident_id": resident["id"], "role": data["role"], "status": "pending",
        "live_key": LIVE, "seq": seq, "check_in_code": code,
        "guardian_resident_id": data.get("guardian_resident_id"), "note": data.get("note"),
        "registered_at": clock.now_iso(),
        "registered_by": {"sub": actor_sub, "on_behalf_of": on_behalf_of},
        "checked_in_at": None, "checked_in_by": None, "hours": None,
    }


def waitlist_position(seqs_ahead):
    """1-based place in the queue: how many waitlisted of the same role registered earlier."""
    return seqs_ahead + 1


def promotion_order(waitlisted):
    """First registered, first promoted: by the sequence number the activity handed out."""
    return sorted(waitlisted, key=lambda registration: registration["seq"])


def registration_view(registration, position=None):
    keys = ("activity_id", "resident_id", "role", "status", "check_in_code", "registered_at",
            "registered_by", "guardian_resident_id", "note", "checked_in_at", "checked_in_by",
            "hours", "cancelled_at")
    view = {"id": registration["_id"], **{key: registration.get(key) for key in keys}}
    view["waitlist_position"] = position if registration["status"] == "waitlisted" else None
    view["queue_number"] = registration.get("seq")
    return view


def event_data(activity_ref, registration, status=None, position=None):
    return {**activity_ref, "registration_id": registration["_id"],
            "resident_id": registration["resident_id"], "role": registration["role"],
            "status": status or registration["status"], "waitlist_position": position,
            "registered_by": registration["registered_by"], "at": clock.now_iso()}


def on_behalf_of(registration):
    return registration["registered_by"].get("on_behalf_of")


def check_cancellable(registration):
    if registration["status"] not in ("confirmed", "waitlisted"):
        raise Conflict(f"the registration is {registration['status']}; only a confirmed or "
                       "waitlisted one is cancelled")
