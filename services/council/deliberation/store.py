"""The only code that touches the deliberation week's collections.

Supports are documents of their own (never a list or counter inside the proposal, which
every supporter would then write): one per (tenant, proposal, resident) under a unique index,
and a proposal's count is the number of its active support documents, counted when read
(docs/adr/0009-one-support-per-resident.md)."""
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from chassis.tenancy import ensure_tenant_index

DELIBERATIONS, PROPOSALS, SUPPORTS = "deliberations", "proposals", "supports"
COLLECTIONS = (DELIBERATIONS, PROPOSALS, SUPPORTS)
OUTBOXED = COLLECTIONS  # each carries the events of its own changes


def ensure_indexes(raw):
    ensure_tenant_index(raw[DELIBERATIONS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[DELIBERATIONS], [("status", ASCENDING), ("closes_at", ASCENDING)])
    ensure_tenant_index(raw[PROPOSALS], [("deliberation_id", ASCENDING)])
    ensure_tenant_index(raw[PROPOSALS], [("status", ASCENDING)])
    # The rule itself: one support document per resident per proposal.
    ensure_tenant_index(raw[SUPPORTS], [("proposal_id", ASCENDING), ("resident_id", ASCENDING)],
                        unique=True, name="one_support_per_resident")
    ensure_tenant_index(raw[SUPPORTS], [("proposal_id", ASCENDING), ("status", ASCENDING)])


def _page(db, collection, query, limit, cursor):
    query = dict(query)
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[collection].find(query, sort=[("_id", ASCENDING)], limit=limit)


# -- deliberations ------------------------------------------------------------------------------
def add_deliberation(db, deliberation):
    return db[DELIBERATIONS].insert_one(deliberation)


def get_deliberation(db, deliberation_id):
    return db[DELIBERATIONS].find_one({"_id": deliberation_id})


def find_deliberations(db, filters, now, limit, cursor):
    query = {}
    if filters.get("community_id"):
        query["community_id"] = filters["community_id"]
    status = filters.get("status")
    # The status a reader sees is the further of the recorded one and the clock's.
    if status == "scheduled":
        query.update({"status": "scheduled", "opens_at": {"$gt": now}})
    elif status == "open":
        query.update({"status": {"$in": ["scheduled", "open"]}, "opens_at": {"$lte": now},
                      "closes_at": {"$gt": now}})
    elif status == "closed":
        # Two reads merged, not one `$or`: beside the tenant's condition the nx-27017 stand-in
        # answered other tenants' closed weeks to a top-level `$or` (seen with the demo's
        # tenant and a test's in one store).
        rows = {row["_id"]: row for branch in ({"status": "closed"}, {"closes_at": {"$lte": now}})
                for row in _page(db, DELIBERATIONS, {**query, **branch}, limit, cursor)}
        return [rows[key] for key in sorted(rows)][:limit] if limit else list(rows.values())
    return _page(db, DELIBERATIONS, query, limit, cursor)


def move_deliberation(db, deliberation_id, from_statuses, changes, event):
    """A conditional status change with its event: of two replicas (or a sweep and a
    request) making the same move, exactly one writes, so each event exists once."""
    return db[DELIBERATIONS].find_one_and_update(
        {"_id": deliberation_id, "status": {"$in": list(from_statuses)}}, {"$set": changes},
        events=[event])


def deliberations_to_move(db, now):
    """Deliberations the clock has moved on: scheduled ones whose opening came, open ones
    whose closing came."""
    return (db[DELIBERATIONS].find({"status": "scheduled", "opens_at": {"$lte": now}},
                                   sort=[("_id", ASCENDING)])
            + db[DELIBERATIONS].find({"status": "open", "closes_at": {"$lte": now}},
                                     sort=[("_id", ASCENDING)]))


def tenants(raw):
    return sorted(t for t in raw[DELIBERATIONS].distinct("tenant") if t)


# -- proposals -----------------------------------------------------------------------------------
def add_proposal(db, proposal, event):
    return db[PROPOSALS].insert_one(proposal, events=[event])


def get_proposal(db, proposal_id):
    return db[PROPOSALS].find_one({"_id": proposal_id})


def find_proposals(db, filters, limit, cursor):
    query = {key: filters[key] for key in ("deliberation_id", "status") if filters.get(key)}
    return _page(db, PROPOSALS, query, limit, cursor)


def move_proposal(db, proposal_id, guard, changes, events):
    """Change a proposal only if it still is as `guard` says (its status, its progress):
    the document after the change, or None (a concurrent move won, or nothing matched)."""
    return db[PROPOSALS].find_one_and_update(
        {"_id": proposal_id, **guard}, {"$set": changes}, events=events)


def replayed_proposal(db, proposal_id):
    """The proposal as this very request already changed it (a redelivered request)."""
    return db[PROPOSALS].replayed(proposal_id)


# -- supports ------------------------------------------------------------------------------------
def add_support(db, support, event):
    """Insert the support with its event: None when the resident's support document exists
    already (the unique index decides, whatever arrives at once on however many replicas)."""
    try:
        return db[SUPPORTS].insert_one(support, events=[event])
    except DuplicateKeyError:
        return None


def get_support(db, support_id):
    return db[SUPPORTS].find_one({"_id": support_id})


def move_support(db, support, to_status, changes, event):
    """active <-> withdrawn, conditional on the version read: of concurrent moves of one
    resident's support exactly one wins."""
    return db[SUPPORTS].find_one_and_update(
        {"_id": support["_id"], "status": support["status"], "version": support["version"]},
        {"$set": {**changes, "status": to_status, "version": support["version"] + 1}},
        events=[event])


def replayed_support(db, support_id):
    """The support as this very request already changed it (a redelivered request)."""
    return db[SUPPORTS].replayed(support_id)


def count_supports(db, proposal_id):
    return db[SUPPORTS].count({"proposal_id": proposal_id, "status": "active"})


def count_supports_of(db, proposal_ids):
    if not proposal_ids:
        return {}
    rows = db[SUPPORTS].aggregate([
        {"$match": {"proposal_id": {"$in": list(proposal_ids)}, "status": "active"}},
        {"$group": {"_id": "$proposal_id", "n": {"$sum": 1}}}])
    return {row["_id"]: row["n"] for row in rows}


def find_supports(db, proposal_id, status, limit, cursor):
    query = {"proposal_id": proposal_id}
    if status:
        query["status"] = status
    return _page(db, SUPPORTS, query, limit, cursor)


def page_of_supports(db, limit, cursor):
    return _page(db, SUPPORTS, {}, limit, cursor)


def page_of_proposals(db, limit, cursor):
    return _page(db, PROPOSALS, {}, limit, cursor)
