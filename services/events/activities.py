"""Activity rules as plain functions: creation, views, changes, cancellation, completion."""
from datetime import datetime

from chassis import clock, ids
from chassis.errors import Conflict, Invalid

ROLES = ("participant", "volunteer")
SEAT_FIELDS = {"participant": "capacity", "volunteer": "volunteer_capacity"}


def new_seats(capacity):
    """A role's seat counter: `confirmed` counts seats taken, `free` what is left (always a
    number, so that $inc works; it means nothing while `capacity` is None, no limit). Taken
    by one conditional update (services/events/seats.py)."""
    return {"capacity": capacity, "confirmed": 0, "free": capacity or 0}


def new_activity(data, community, partner_links, actor):
    return {
        "_id": ids.new_id(),
        "community_id": data["community_id"],
        "compound_id": data.get("compound_id"),
        "title": data["title"], "kind": data["kind"], "series": data.get("series"),
        "description": data.get("description"), "place": data["place"],
        "starts_at": clock.iso(data["starts_at"]), "ends_at": clock.iso(data["ends_at"]),
        "registration_closes_at": (clock.iso(data["registration_closes_at"])
                                   if data.get("registration_closes_at") else None),
        "audience_tags": sorted(set(data.get("audience_tags") or [])),
        "partners": partner_links,
        "partner_ids": sorted({link["partner_id"] for link in partner_links}),
        "issued_by": community.get("name") or community["id"],
        "status": "published",
        "seats": {"participant": new_seats(data.get("capacity")),
                  "volunteer": new_seats(data.get("volunteer_capacity"))},
        "seats_v": 0, "seq": 0, "takers": {},
        "created_at": clock.now_iso(), "created_by": actor,
        "finished": True,  # False while a cancellation or completion is spreading
    }


def seats_view(seats, waitlisted):
    capacity = seats.get("capacity")
    confirmed = seats.get("confirmed", 0)
    return {"capacity": capacity, "confirmed": confirmed, "waitlisted": waitlisted,
            "remaining": None if capacity is None else max(capacity - confirmed, 0)}


def activity_view(activity, waitlisted=None):
    waitlisted = waitlisted or {}
    keys = ("community_id", "compound_id", "title", "kind", "series", "description", "place",
            "starts_at", "ends_at", "registration_closes_at", "audience_tags", "status",
            "partners", "issued_by", "created_at")
    view = {"id": activity["_id"], **{key: activity.get(key) for key in keys}}
    view["seats"] = seats_view(activity["seats"]["participant"], waitlisted.get("participant", 0))
    view["volunteer_seats"] = seats_view(activity["seats"]["volunteer"],
                                         waitlisted.get("volunteer", 0))
    for key in ("cancel_reason", "cancelled_at", "completed_at"):
        view[key] = activity.get(key)
    return view


def patch_changes(activity, data):
    """What a PATCH changes apart from capacities (handled by the seat counters); times keep
    their order against the stored ones."""
    if activity["status"] != "published":
        raise Conflict(f"the activity is {activity['status']}; only a published one changes")
    changes = {}
    for key in ("title", "description", "place"):
        if key in data and data[key] != activity.get(key):
            changes[key] = data[key]
    for key in ("starts_at", "ends_at"):
        if data.get(key) is not None:
            value = clock.iso(data[key])
            if value != activity[key]:
                changes[key] = value
    starts = changes.get("starts_at", activity["starts_at"])
    ends = changes.get("ends_at", activity["ends_at"])
    if ends <= starts:
        raise Invalid("the request has invalid fields",
                      {"ends_at": ["An activity ends after it starts."]})
    return changes


def capacity_changes(data):
    """{role: new capacity (None: no limit)} for the capacities the PATCH names."""
    return {role: data[field] for role, field in SEAT_FIELDS.items() if field in data}


def duration_hours(activity):
    starts = datetime.fromisoformat(activity["starts_at"])
    ends = datetime.fromisoformat(activity["ends_at"])
    return round((ends - starts).total_seconds() / 3600, 2)


def check_completable(activity, now_iso):
    if activity["status"] != "published":
        raise Conflict(f"the activity is {activity['status']}; only a published one completes")
    if now_iso < activity["starts_at"]:
        raise Conflict("the activity has not started yet; it completes after starts_at")


def check_cancellable(activity):
    if activity["status"] != "published":
        raise Conflict(f"the activity is {activity['status']}; only a published one is cancelled")


def published_event_data(activity):
    return {"activity_id": activity["_id"], "community_id": activity["community_id"],
            "compound_id": activity.get("compound_id"), "title": activity["title"],
            "kind": activity["kind"], "series": activity.get("series"),
            "place": activity["place"], "starts_at": activity["starts_at"],
            "ends_at": activity["ends_at"],
            "capacity": activity["seats"]["participant"]["capacity"],
            "volunteer_capacity": activity["seats"]["volunteer"]["capacity"],
            "partner_ids": activity["partner_ids"]}


def _ref(activity):
    return {"activity_id": activity["_id"], "community_id": activity["community_id"],
            "compound_id": activity.get("compound_id"), "title": activity["title"]}


def changed_event_data(activity, changes, resident_ids):
    return {**_ref(activity), "changes": changes, "resident_ids": sorted(set(resident_ids))}


def cancelled_event_data(activity, reason, at):
    return {**_ref(activity), "reason": reason, "cancelled_at": at}


def completed_event_data(activity, at):
    return {**_ref(activity), "kind": activity["kind"], "starts_at": activity["starts_at"],
            "ends_at": activity["ends_at"], "completed_at": at,
            "partner_ids": activity["partner_ids"]}


def activity_ref(activity):
    return _ref(activity)
