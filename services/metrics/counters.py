"""The summary's counters (ADR 0015): kept as the facts arrive, so an unwindowed summary
reads a few small documents per community instead of aggregating every fact of the tenant.
The only code touching these collections.

- A *cohort* per (community, birth year) counts the registered residents born that year,
  in all (`members_n`) and per birth day (`members_days.MM-DD`), and the same for the
  residents among them with a completed visit (`served_*`). "Elderly" moves every day with
  the cutoff: it is the cohorts before the cutoff's year plus the cutoff year's days up to it.
- A *visit day* per (community, local day, UTC+8) sums the completed visits and medicine
  packages of that day.

Credited once: every counter document holds the ids it counted (`members`, `served`,
`visits`) and its `$inc` is conditional on the id being absent (removed only where the same
id is present with the value it was counted with), in one document write. A redelivered
event, or the same event from a rebuild, changes nothing; there is no read-then-write.
"""
from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING

COHORTS, VISIT_DAYS = "summary_cohorts", "summary_visit_days"
COMMUNITY_SCOPED = (COHORTS, VISIT_DAYS)
CHINA = timezone(timedelta(hours=8))
MEMBERS, SERVED = "members", "served"


def ensure_indexes(raw):
    # A single-field index on `tenant`: the nx-27017 stand-in plans only single-field indexes
    # (bench/RESULTS.md, Growth), and a summary reads every counter document of its tenant.
    raw[COHORTS].create_index([("tenant", ASCENDING)])
    raw[VISIT_DAYS].create_index([("tenant", ASCENDING)])


def _key(resident_or_visit_id):
    # ids become field names: a dot or a $ would be read as a path or an operator. Escaped
    # one to one (the stand-in's paths take ASCII safely).
    return (str(resident_or_visit_id).replace("_", "__").replace(".", "_d")
            .replace("$", "_s"))


def _cohort_id(db, community_id, birth_date):
    return f"{db.tenant}:{community_id}:{birth_date[:4]}"


def _credit(db, collection, doc_id, guard_field, value, fields, increments):
    """`$inc` once per id: only while `guard_field` is absent from the document. Not an
    upsert: the stand-in's upsert stores a dotted `$inc` path as one literal field name, so a
    missing document is inserted empty first (once per document) and the update retried."""
    update = {"$set": {guard_field: value}, "$inc": increments}
    query = {"_id": doc_id, guard_field: {"$exists": False}}
    if db[collection].update_one(query, update, record=False):
        return True
    # Absent, or holding the id already. Inserted here or by a concurrent first id: either
    # way the retry counts this id once, or finds it counted.
    db[collection].insert_if_absent({"_id": doc_id, **fields})
    return db[collection].update_one(query, update, record=False)


def cohort_add(db, kind, community_id, resident_id, birth_date):
    day = birth_date[5:10]
    return _credit(db, COHORTS, _cohort_id(db, community_id, birth_date),
                   f"{kind}.{_key(resident_id)}", day,
                   {"community_id": community_id, "year": int(birth_date[:4])},
                   {f"{kind}_n": 1, f"{kind}_days.{day}": 1})


def cohort_remove(db, kind, community_id, resident_id, birth_date):
    """Undo cohort_add, once: only where the resident is held with this birth day."""
    day = birth_date[5:10]
    key = f"{kind}.{_key(resident_id)}"
    return db[COHORTS].update_one(
        {"_id": _cohort_id(db, community_id, birth_date), key: day},
        {"$unset": {key: ""}, "$inc": {f"{kind}_n": -1, f"{kind}_days.{day}": -1}},
        record=False)


def is_served(db, community_id, resident_id, birth_date):
    return db[COHORTS].find_one(
        {"_id": _cohort_id(db, community_id, birth_date),
         f"{SERVED}.{_key(resident_id)}": {"$exists": True}}, {"_id": 1}) is not None


def local_day(instant):
    return datetime.fromisoformat(instant).astimezone(CHINA).date().isoformat()


def visit_add(db, fact):
    """`fact` as services.metrics.domain.visit_fact builds it."""
    day = local_day(fact["completed_at"])
    return _credit(db, VISIT_DAYS, f"{db.tenant}:{fact['community_id']}:{day}",
                   f"visits.{_key(fact['_id'])}", fact["medicine_packages"],
                   {"community_id": fact["community_id"], "day": day},
                   {"visits_n": 1, "packages_n": fact["medicine_packages"]})


# -- reads ----------------------------------------------------------------------------------------
def _scope(community_id):
    return {"community_id": community_id} if community_id else {}


def residents(db, community_id, born_by):
    """(registered, elderly registered, elderly served) over every registration: the cohorts
    of years before the cutoff's, plus the cutoff year's birth days up to the cutoff."""
    year, day = int(born_by[:4]), born_by[5:10]
    by_year = db[COHORTS].aggregate([
        {"$match": _scope(community_id)},
        {"$group": {"_id": "$year", "members": {"$sum": "$members_n"},
                    "served": {"$sum": "$served_n"}}}])
    # a cohort without a served resident has no `served_n`: the stand-in sums that to None
    registered = sum(row["members"] or 0 for row in by_year)
    elderly = {MEMBERS: sum(row["members"] or 0 for row in by_year if row["_id"] < year),
               SERVED: sum(row["served"] or 0 for row in by_year if row["_id"] < year)}
    edge = db[COHORTS].find({**_scope(community_id), "year": year},
                            projection={"members_days": 1, "served_days": 1})
    for doc in edge:
        for kind in (MEMBERS, SERVED):
            elderly[kind] += sum(n for d, n in (doc.get(f"{kind}_days") or {}).items()
                                 if d <= day)
    return registered, elderly[MEMBERS], elderly[SERVED]


def visits(db, community_id):
    rows = db[VISIT_DAYS].aggregate([
        {"$match": _scope(community_id)},
        {"$group": {"_id": None, "visits": {"$sum": "$visits_n"},
                    "packages": {"$sum": "$packages_n"}}}])
    row = rows[0] if rows else {}
    return row.get("visits") or 0, row.get("packages") or 0


def forget(db):
    db[COHORTS].delete_many({})
    db[VISIT_DAYS].delete_many({})
