"""The only code that touches the needs module's collection."""
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from chassis.tenancy import ensure_tenant_index

NEEDS = "needs"
OUTBOXED = (NEEDS,)
OPEN = ("received", "dispatched", "reopened")


def ensure_indexes(raw):
    ensure_tenant_index(raw[NEEDS], [("status", ASCENDING), ("overdue", ASCENDING)])
    ensure_tenant_index(raw[NEEDS], [("household_id", ASCENDING)])
    ensure_tenant_index(raw[NEEDS], [("compound_id", ASCENDING), ("received_at", DESCENDING)])
    ensure_tenant_index(raw[NEEDS], [("received_at", ASCENDING)])


def add_once(db, need, event):
    """Insert a need with its event unless one with this id exists (ids are deterministic
    for needs heard at a door): True if this call created it."""
    try:
        db[NEEDS].insert_one(need, events=[event])
        return True
    except DuplicateKeyError:
        return False


def get(db, need_id):
    return db[NEEDS].find_one({"_id": need_id})


def move(db, need, changes, events):
    """One conditional write: the change, its history entry and its events, only if nobody
    changed the need since it was read (its version). None when someone did."""
    return db[NEEDS].find_one_and_update(
        {"_id": need["_id"], "version": need["version"]}, {"$set": changes}, events=events)


def replayed(db, need_id):
    return db[NEEDS].replayed(need_id)


def find(db, filters, limit, cursor):
    query = {k: filters[k] for k in ("status", "category", "unit", "compound_id", "grid_id",
                                     "household_id", "community_id") if filters.get(k)}
    if filters.get("overdue") is not None:
        query["overdue"] = filters["overdue"]
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[NEEDS].find(query, sort=[("_id", ASCENDING)], limit=limit)


def received_between(db, start=None, end=None, community_id=None, compound_id=None):
    query = {}
    if community_id:
        query["community_id"] = community_id
    if compound_id:
        query["compound_id"] = compound_id
    if start or end:
        query["received_at"] = {**({"$gte": start} if start else {}),
                                **({"$lt": end} if end else {})}
    return db[NEEDS].find(query, projection={"history": 0, "description": 0})


def late(db, now_iso):
    """Needs that missed a deadline and are not flagged yet."""
    respond = db[NEEDS].find({"overdue": False, "status": "received",
                              "respond_by": {"$lte": now_iso}})
    resolve = db[NEEDS].find({"overdue": False, "status": {"$in": list(OPEN)},
                              "resolve_by": {"$lte": now_iso}})
    seen, rows = set(), []
    for row in respond + resolve:
        if row["_id"] not in seen:
            seen.add(row["_id"])
            rows.append(row)
    return rows


def flag_overdue(db, need, changes, event):
    """Flag once: only the sweeper whose conditional write matches publishes the event."""
    return db[NEEDS].update_one({"_id": need["_id"], "overdue": False,
                                 "version": need["version"]}, {"$set": changes}, events=[event])


def export(db, limit, cursor):
    query = {"_id": {"$gt": cursor}} if cursor else {}
    return db[NEEDS].find(query, sort=[("_id", ASCENDING)], limit=limit,
                          projection={"history": 0})
