"""Check-in rules: by code or by resident, idempotent (a repeat answers the first time)."""
from chassis import clock
from chassis.errors import Conflict


def check_in_outcome(registration):
    """'again' for a registration already checked in, 'now' for one to check in; 409 else."""
    if registration["status"] == "attended":
        return "again"
    if registration["status"] == "confirmed":
        return "now"
    raise Conflict(f"the registration is {registration['status']}; only a confirmed one "
                   "checks in")


def check_in_changes(actor_sub):
    return {"status": "attended", "checked_in_at": clock.now_iso(), "checked_in_by": actor_sub}


def attendance_event_data(activity_ref, registration, outcome, at):
    return {**activity_ref, "registration_id": registration["_id"],
            "resident_id": registration["resident_id"], "role": registration["role"],
            "outcome": outcome, "at": at}


def check_activity_open(activity):
    if activity["status"] != "published":
        raise Conflict(f"the activity is {activity['status']}; check-in is closed")
