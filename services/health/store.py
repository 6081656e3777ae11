"""The only code that touches the health service's collections."""
from pymongo import ASCENDING

from chassis.tenancy import ensure_tenant_index

VISITS = "visits"
OUTBOXED = (VISITS,)


def ensure_indexes(raw):
    ensure_tenant_index(raw[VISITS], [("resident_id", ASCENDING), ("status", ASCENDING)])
    ensure_tenant_index(raw[VISITS], [("status", ASCENDING)])


def add_visit(db, visit, event):
    return db[VISITS].insert_one(visit, events=[event])


def get_visit(db, visit_id):
    return db[VISITS].find_one({"_id": visit_id})


def transition(db, visit_id, from_status, changes, event_for):
    """Move a visit from one status to another in one conditional write, with its event.

    Returns the visit after the change, or None when it was not in `from_status` (or absent):
    two concurrent completions cannot both succeed."""
    current = get_visit(db, visit_id)
    if current is None:
        return None
    if current["status"] != from_status:  # unless this very request made that change
        return db[VISITS].replayed(visit_id)
    event = event_for(visit_id, current, changes)
    return db[VISITS].find_one_and_update(
        {"_id": visit_id, "status": from_status}, {"$set": changes}, events=[event]
    ) or db[VISITS].replayed(visit_id)


def find_visits(db, filters, limit, cursor):
    query = {key: filters[key] for key in ("resident_id", "status") if filters.get(key)}
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[VISITS].find(query, sort=[("_id", ASCENDING)], limit=limit)


def completed_visits(db, limit, cursor):
    return find_visits(db, {"status": "completed"}, limit, cursor)
