"""Activity indicators (issue 11): facts from the events service, one per completed activity,
per attendance outcome and per hours credit, each inserted once under its own id (however
often an event arrives), aggregated at read. The rebuild derives the same facts from the
events service's exports (`export_activities`, `export_attendance`).

This module is the only code that touches these three collections."""
from pymongo import ASCENDING

from chassis.tenancy import ensure_tenant_index

HELD, ATTENDANCE, HOURS = "activity_facts", "attendance_facts", "hours_facts"
FIELDS = ("activities_held", "activity_participants", "attendances", "no_shows",
          "volunteer_hours", "volunteers_active", "partners_engaged")


def ensure_indexes(raw):
    for name, key in ((HELD, "starts_at"), (ATTENDANCE, "at"), (HOURS, "at")):
        ensure_tenant_index(raw[name], [("community_id", ASCENDING), (key, ASCENDING)])


# -- facts, the same from an event's data and from an export item ------------------------------------
def held_fact(data):
    return {"_id": data["activity_id"], "community_id": data["community_id"],
            "starts_at": data["starts_at"], "partner_ids": list(data["partner_ids"])}


def attendance_fact(data):
    return {"_id": data["registration_id"], "community_id": data["community_id"],
            "resident_id": data["resident_id"], "role": data["role"],
            "outcome": data["outcome"], "at": data["at"]}


def hours_fact(data):
    return {"_id": data["registration_id"], "community_id": data["community_id"],
            "resident_id": data["resident_id"], "hours": float(data["hours"]),
            "at": data["at"]}


def record(db, collection, fact):
    return db[collection].insert_if_absent(fact)


def rebuild_from(db, activity_items, attendance_items):
    held = sum(record(db, HELD, held_fact(item)) for item in activity_items)
    attended = hours = 0
    for item in attendance_items:
        attended += record(db, ATTENDANCE, attendance_fact(item))
        if item.get("hours") is not None:
            hours += record(db, HOURS, hours_fact(
                {**item, "at": item.get("hours_at") or item["at"]}))
    return held, attended, hours


def forget_tenant(db):
    for name in (HELD, ATTENDANCE, HOURS):
        db[name].delete_many({})


# -- the summary's activity fields ----------------------------------------------------------------
def _match(community_id, key, start, end):
    match = {}
    if community_id:
        match["community_id"] = community_id
    if start or end:
        match[key] = {**({"$gte": start} if start else {}), **({"$lt": end} if end else {})}
    return match


def summary_fields(db, community_id=None, start=None, end=None):
    held = db[HELD].find(_match(community_id, "starts_at", start, end),
                         projection={"partner_ids": 1})
    attendance = db[ATTENDANCE].find(_match(community_id, "at", start, end),
                                     projection={"resident_id": 1, "outcome": 1})
    credits = db[HOURS].find(_match(community_id, "at", start, end),
                             projection={"resident_id": 1, "hours": 1})
    attended = [row for row in attendance if row["outcome"] == "attended"]
    return {
        "activities_held": len(held),
        "activity_participants": len({row["resident_id"] for row in attended}),
        "attendances": len(attended),
        "no_shows": len(attendance) - len(attended),
        "volunteer_hours": round(sum(row["hours"] for row in credits), 2),
        "volunteers_active": len({row["resident_id"] for row in credits if row["hours"] > 0}),
        "partners_engaged": len({p for row in held for p in row.get("partner_ids") or []}),
    }
