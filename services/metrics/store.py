"""The only code that touches the metrics service's collections: one fact per resident and
per completed visit, inserted idempotently, aggregated at read for a date window, and kept in
counters (services/metrics/counters.py, ADR 0015) for the summary without one."""
from pymongo import ASCENDING

from chassis.tenancy import ensure_tenant_index
from services.metrics import council, counters, follow_up_counters, household_counters, need_counters

RESIDENT_FACTS, VISIT_FACTS = "resident_facts", "visit_facts"
FOLLOW_UP_FACTS = "follow_up_facts"
# One document per tenant, present once a visit's community differed from its resident's
# registered one, or a resident was served in two communities: from then on the counters
# cannot answer the served figures exactly (a resident would count in two communities) and
# the summary aggregates the facts. Also `<tenant>:incomplete`: facts from before the counters.
CROSSED = "served_crossed"
# Community-owned facts (chassis/tenancy.py): a community-scoped caller's summary counts only
# its communities. New areas add their fact collections here.
COMMUNITY_SCOPED = (RESIDENT_FACTS, VISIT_FACTS, FOLLOW_UP_FACTS, *counters.COMMUNITY_SCOPED,
                    *follow_up_counters.COMMUNITY_SCOPED,
                    "household_facts", "knock_facts", "need_facts",  # services/metrics/outreach.py
                    *need_counters.COMMUNITY_SCOPED, *household_counters.COMMUNITY_SCOPED,
                    "proposal_facts", "support_facts",  # services/metrics/council.py
                    "activity_facts", "attendance_facts", "hours_facts")  # .../activities.py


def ensure_indexes(raw):
    ensure_tenant_index(raw[RESIDENT_FACTS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[VISIT_FACTS], [("community_id", ASCENDING),
                                           ("completed_at", ASCENDING)])
    ensure_tenant_index(raw[FOLLOW_UP_FACTS], [("status", ASCENDING)])
    # a resident's visits, for the served counters (single-field: see counters.ensure_indexes)
    raw[VISIT_FACTS].create_index([("resident_id", ASCENDING)])
    council.ensure_indexes(raw)
    counters.ensure_indexes(raw)
    follow_up_counters.ensure_indexes(raw)
    _mark_tenants_counted_before(raw)
    follow_up_counters.mark_incomplete(raw, lambda: {
        row["_id"] for row in raw[FOLLOW_UP_FACTS].aggregate([{"$group": {"_id": "$tenant"}}])})


def _mark_tenants_counted_before(raw):
    """Facts stored before the counters existed have none: once per store (a marker), every
    tenant holding facts then is marked, and its summary aggregates the facts until a rebuild
    (`forget_tenant` drops the mark) has derived its counters."""
    marks = raw["schema_marks"]
    if marks.find_one({"_id": "summary_counters_v1"}) is not None:
        return
    tenants = {row["_id"] for name in (RESIDENT_FACTS, VISIT_FACTS)
               for row in raw[name].aggregate([{"$group": {"_id": "$tenant"}}])}
    for tenant in tenants:
        raw[CROSSED].update_one({"_id": f"{tenant}:incomplete"}, {"$set": {"tenant": tenant}},
                                upsert=True)
    marks.update_one({"_id": "summary_counters_v1"}, {"$set": {"done": True}}, upsert=True)


def _visit_communities(db, resident_id):
    return {row["community_id"] for row in
            db[VISIT_FACTS].find({"resident_id": resident_id}, projection={"community_id": 1})}


def _mark_crossed(db):
    db[CROSSED].insert_if_absent({"_id": f"{db.tenant}:crossed"})


def counters_exact(db):
    marks = [f"{db.tenant}:crossed", f"{db.tenant}:incomplete"]
    return db[CROSSED].find_one({"_id": {"$in": marks}}) is None


def record_resident(db, fact):
    """The fact, then its cohort counters. Each step is idempotent, so a redelivery after a
    crash between them completes what the first delivery began."""
    inserted = db[RESIDENT_FACTS].insert_if_absent(fact)
    stored = fact if inserted else db[RESIDENT_FACTS].find_one({"_id": fact["_id"]})
    if stored:
        _count_resident(db, stored)
    return inserted


def _count_resident(db, fact):
    community, birth = fact["community_id"], fact["birth_date"]
    visited = _visit_communities(db, fact["_id"])  # visits that arrived before the registration
    if visited - {community}:
        _mark_crossed(db)
    if community in visited:
        counters.cohort_add(db, counters.SERVED, community, fact["_id"], birth)
    # the registration's own count last: a reader that sees the resident sees it served too
    counters.cohort_add(db, counters.MEMBERS, community, fact["_id"], birth)


def move_resident(db, resident_id, changes):
    """A new birth date moves the resident between cohort counters: out of the old one first
    (guarded by the old birth day), into the new one, then the fact. A crash anywhere leaves
    the fact's old birth date, so the redelivery repeats the same steps, each once."""
    fact = db[RESIDENT_FACTS].find_one({"_id": resident_id})
    if fact is None:
        return False
    birth = changes.get("birth_date", fact["birth_date"])
    if birth != fact["birth_date"]:
        for kind in (counters.MEMBERS, counters.SERVED):
            counters.cohort_remove(db, kind, fact["community_id"], resident_id,
                                   fact["birth_date"])
        _count_resident(db, {**fact, "birth_date": birth})
    return db[RESIDENT_FACTS].update_one({"_id": resident_id}, {"$set": changes})


def record_visit(db, fact):
    return record_visits(db, [fact])


def record_visits(db, facts):
    """One tenant's completed visits, in a few commands whatever their number (metrics takes
    them in batches, chassis/batches.py): the facts, then the residents' served counters, then
    the days' visit counters, each credited once per id, so a redelivery adds nothing. How many
    facts were new."""
    facts = list({fact["_id"]: fact for fact in facts}.values())
    if not facts:
        return 0
    # Keyed by tenant and visit id: `_id` is global, and another subdistrict's visit (or an
    # outside id) with the same id must not pass for this one's, already counted.
    inserted = db[VISIT_FACTS].insert_all_absent(
        [{**fact, "_id": f"{db.tenant}:{fact['_id']}", "visit_id": fact["_id"]}
         for fact in facts])
    residents = _resident_facts(db, {fact["resident_id"] for fact in facts})
    for fact in facts:
        resident = residents.get(fact["resident_id"])
        if resident is not None and resident["community_id"] != fact["community_id"]:
            _mark_crossed(db)
    # A resident counted served here is counted in their cohort too: every cohort is credited
    # before any shard, so a crash between them leaves the shard uncredited and the
    # redelivery does both. The read only saves writes; the credits guard themselves.
    unserved = {(fact["community_id"], fact["resident_id"]) for fact in facts}
    unserved -= counters.counted_served(db, unserved)
    cohorts, shards = [], []
    for community, resident_id in sorted(unserved):
        resident = residents.get(resident_id)
        # Not registered (yet): served in two communities? A sum of theirs would count the
        # resident twice. Marked before the credit, so a crash between them leaves it
        # uncredited and the redelivery checks again. Registered here: any other community
        # of theirs was marked by its own visit, or by the registration (which reads visits).
        if resident is None and _visit_communities(db, resident_id) - {community}:
            _mark_crossed(db)
        if resident is not None and resident["community_id"] == community:
            cohorts.append(counters.cohort_credit(db, counters.SERVED, community, resident_id,
                                                  resident["birth_date"]))
        shards.append(counters.served_credit(db, community, resident_id))
    # the visits' own counts last: a reader that sees a visit sees whom it served too
    counters.credit_each(db, cohorts + shards + [counters.visit_credit(db, fact)
                                                 for fact in facts])
    return inserted


def _resident_facts(db, resident_ids):
    return {row["_id"]: row for row in db[RESIDENT_FACTS].find_by_ids(
        sorted(resident_ids), {"community_id": 1, "birth_date": 1})}


def record_follow_up(db, fact):
    """Keep the furthest state a follow-up reached: its events may arrive in any order, and
    a status never moves back (pending < due < overdue < done). Then its counter, from the
    event whether or not the fact changed: a redelivery after a crash between the two
    completes the count, once (follow_up_counters.py)."""
    def forward():
        return db[FOLLOW_UP_FACTS].update_one({"_id": fact["_id"],
                                               "rank": {"$lt": fact["rank"]}}, {"$set": fact})

    # forward again after a lost insert: a racing first event inserted its (maybe earlier) state
    changed = forward() or db[FOLLOW_UP_FACTS].insert_if_absent(fact) or forward()
    follow_up_counters.apply(db, fact)
    return changed


def follow_up_counts(db, community_id=None, counted=True):
    """From the counters (`counted`, and unless the tenant's facts predate them), else
    aggregated from every follow-up fact."""
    if counted and follow_up_counters.complete(db):
        return follow_up_counters.counts(db, community_id)
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


def counted_figures(db, community_id, born_by):
    """The unwindowed summary's resident and visit figures from the counters. Read in the
    reverse of the order a visit credits them (cohort, served shard, visit day: record_visit),
    so a summary that counts a visit counts whom it served too."""
    visits, packages = counters.visits(db, community_id)
    served = counters.served(db, community_id)
    registered, elderly, elderly_served = counters.residents(db, community_id, born_by)
    return {"registered": registered, "elderly_registered": elderly,
            "elderly_served": elderly_served,
            "visit_totals": {"visits_completed": visits, "medicine_packages": packages,
                             "residents_served": served}}


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
    db[CROSSED].delete_many({})
    counters.forget(db)
    follow_up_counters.forget(db)
