"""The only code that touches the outreach module's collections: door-knocks (with their
needs and events, outbox) and the weekly coverage projection (one document per ISO week and
grid, or community for households without a grid, with the set of households knocked that
week and its count)."""
from pymongo import ASCENDING

from chassis.tenancy import ensure_tenant_index

KNOCKS, WEEKS = "door_knocks", "coverage_weeks"
OUTBOXED = (KNOCKS,)
NO_GRID = "-"


def ensure_indexes(raw):
    ensure_tenant_index(raw[KNOCKS], [("household_id", ASCENDING), ("visited_at", ASCENDING)])
    ensure_tenant_index(raw[KNOCKS], [("grid_id", ASCENDING), ("visited_at", ASCENDING)])
    ensure_tenant_index(raw[WEEKS], [("week", ASCENDING), ("community_id", ASCENDING)])


def add_knock(db, knock, event):
    return db[KNOCKS].insert_one(knock, events=[event])


def find_knocks(db, filters, start, end, limit, cursor):
    query = {k: filters[k] for k in ("household_id", "grid_id", "community_id") if filters.get(k)}
    if start or end:
        query["visited_at"] = {**({"$gte": start} if start else {}),
                               **({"$lt": end} if end else {})}
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[KNOCKS].find(query, sort=[("_id", ASCENDING)], limit=limit)


def week_id(db, week, community_id, grid_id):
    # Households without a grid get a set per community: one set per tenant (before ADR 0017)
    # held every community's, under the community_id of whichever was knocked first.
    return f"{db.tenant}:{week}:{grid_id or f'{NO_GRID}:{community_id}'}"


def count_knock(db, week, community_id, grid_id, household_id, at):
    """Add a household to its week's knocked set and count it, once: the guard (not yet in
    the set) and the counter are in one document write, so redeliveries count nothing twice."""
    doc_id = week_id(db, week, community_id, grid_id)
    db[WEEKS].insert_if_absent({"_id": doc_id, "week": week, "community_id": community_id,
                                "grid_id": grid_id, "knocked": 0, "households": {}})
    key = f"households.{household_id}"
    return db[WEEKS].update_one({"_id": doc_id, key: {"$exists": False}},
                                {"$set": {key: at}, "$inc": {"knocked": 1}})


def weeks(db, week, community_id=None, grid_id=None):
    query = {"week": week}
    if community_id:
        query["community_id"] = community_id
    if grid_id:
        query["grid_id"] = grid_id
    return db[WEEKS].find(query)


def knocked_counts(db, week, community_id=None, grid_id=None):
    """{grid id or NO_GRID: households knocked} of a week: the counters only, not the sets."""
    query = {"week": week, **({"community_id": community_id} if community_id else {}),
             **({"grid_id": grid_id} if grid_id else {})}
    totals = {}
    for doc in db[WEEKS].find(query, projection={"grid_id": 1, "knocked": 1}):
        grid = doc.get("grid_id") or NO_GRID
        totals[grid] = totals.get(grid, 0) + (doc.get("knocked") or 0)
    return totals


def export_weeks(db, limit, cursor):
    query = {"_id": {"$gt": cursor}} if cursor else {}
    return db[WEEKS].find(query, sort=[("_id", ASCENDING)], limit=limit)
