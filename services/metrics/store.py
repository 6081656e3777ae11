"""The only code that touches the metrics service's collections: one fact per resident and
per completed visit, inserted idempotently, aggregated at read."""
from pymongo import ASCENDING

from chassis.tenancy import ensure_tenant_index
from services.metrics import council

RESIDENT_FACTS, VISIT_FACTS = "resident_facts", "visit_facts"
FOLLOW_UP_FACTS = "follow_up_facts"
# Community-owned facts (chassis/tenancy.py): a community-scoped caller's summary counts only
# its communities. New areas add their fact collections here.
COMMUNITY_SCOPED = (RESIDENT_FACTS, VISIT_FACTS, FOLLOW_UP_FACTS,
                    "household_facts", "knock_facts", "need_facts",  # services/metrics/outreach.py
                    "proposal_facts", "support_facts",  # services/metrics/council.py
                    "activity_facts", "attendance_facts", "hours_facts")  # .../activities.py


def ensure_indexes(raw):
    ensure_tenant_index(raw[RESIDENT_FACTS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[VISIT_FACTS], [("community_id", ASCENDING),
                                           ("completed_at", ASCENDING)])
    ensure_tenant_index(raw[FOLLOW_UP_FACTS], [("status", ASCENDING)])
    council.ensure_indexes(raw)


def record_resident(db, fact):
    return db[RESIDENT_FACTS].insert_if_absent(fact)


def move_resident(db, resident_id, changes):
    return db[RESIDENT_FACTS].update_one({"_id": resident_id}, {"$set": changes})


def record_visit(db, fact):
    # Keyed by tenant and visit id: `_id` is global, and another subdistrict's visit (or an
    # outside id) with the same id must not pass for this one's, already counted.
    return db[VISIT_FACTS].insert_if_absent(
        {**fact, "_id": f"{db.tenant}:{fact['_id']}", "visit_id": fact["_id"]})


def record_follow_up(db, fact):
    """Keep the furthest state a follow-up reached: its events may arrive in any order, and
    a status never moves back (pending < due < overdue < done)."""
    if db[FOLLOW_UP_FACTS].update_one({"_id": fact["_id"], "rank": {"$lt": fact["rank"]}},
                                      {"$set": fact}):
        return True
    return db[FOLLOW_UP_FACTS].insert_if_absent(fact)


def follow_up_counts(db, community_id=None):
    match = {"status": {"$in": ["due", "overdue"]}}
    if community_id:
        match["community_id"] = community_id
    rows = db[FOLLOW_UP_FACTS].aggregate([
        {"$match": match}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    counts = {row["_id"]: row["n"] for row in rows}
    return {"follow_ups_due": counts.get("due", 0), "follow_ups_overdue": counts.get("overdue", 0)}


def _resident_match(community_id, registered_before, born_by=None):
    match = {}
    if community_id:
        match["community_id"] = community_id
    if registered_before:
        match["registered_at"] = {"$lt": registered_before}
    if born_by:
        match["birth_date"] = {"$lte": born_by}
    return match


def count_residents(db, community_id=None, registered_before=None, born_by=None):
    rows = db[RESIDENT_FACTS].aggregate([
        {"$match": _resident_match(community_id, registered_before, born_by)},
        {"$group": {"_id": None, "n": {"$sum": 1}}}])
    return rows[0]["n"] if rows else 0


def visit_totals(db, community_id=None, start=None, end=None):
    match = {}
    if community_id:
        match["community_id"] = community_id
    if start or end:
        match["completed_at"] = {**({"$gte": start} if start else {}),
                                 **({"$lt": end} if end else {})}
    rows = db[VISIT_FACTS].aggregate([
        {"$match": match},
        {"$group": {"_id": None, "visits": {"$sum": 1},
                    "packages": {"$sum": "$medicine_packages"},
                    "residents": {"$addToSet": "$resident_id"}}}])
    if not rows:
        return {"visits_completed": 0, "medicine_packages": 0, "residents_served": 0}, []
    row = rows[0]
    return ({"visits_completed": row["visits"], "medicine_packages": row["packages"],
             "residents_served": len(row["residents"])}, row["residents"])


def count_elderly_among(db, resident_ids, born_by):
    if not resident_ids:
        return 0
    rows = db[RESIDENT_FACTS].aggregate([
        {"$match": {"_id": {"$in": list(resident_ids)}, "birth_date": {"$lte": born_by}}},
        {"$group": {"_id": None, "n": {"$sum": 1}}}])
    return rows[0]["n"] if rows else 0


def forget_tenant(db):
    """For a rebuild: the tenant's facts go, then are derived again from the sources."""
    db[RESIDENT_FACTS].delete_many({})
    db[VISIT_FACTS].delete_many({})
    db[FOLLOW_UP_FACTS].delete_many({})
