"""The council's indicators: proposals submitted, supports, proposals accepted and
implemented, projected from the deliberation week's events and rebuilt from its export.

Order-proof and idempotent: a proposal's events each set their own fields of one fact
(submitted_at, outcome/decided_at, implemented_at), so they commute; a support's fact keeps
the state of its highest `support_version` (support, withdrawal, support again)."""
from pymongo import ASCENDING

from chassis.tenancy import ensure_tenant_index

PROPOSAL_FACTS, SUPPORT_FACTS = "proposal_facts", "support_facts"


def ensure_indexes(raw):
    ensure_tenant_index(raw[PROPOSAL_FACTS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[SUPPORT_FACTS], [("community_id", ASCENDING), ("active", ASCENDING)])


# -- live, from events ---------------------------------------------------------------------------
def _proposal(db, data, fields):
    db[PROPOSAL_FACTS].update_one(
        {"_id": data["proposal_id"]},
        {"$set": {"community_id": data.get("community_id"), **fields}}, upsert=True)


def on_submitted(db, data):
    _proposal(db, data, {"submitted_at": data["submitted_at"]})


def on_decided(db, data):
    _proposal(db, data, {"outcome": data["outcome"], "decided_at": data["decided_at"]})


def on_implemented(db, data, occurred_at):
    _proposal(db, data, {"implemented_at": data.get("implemented_at") or occurred_at})


def on_support(db, data, active):
    record_support(db, {"_id": data["support_id"], "proposal_id": data["proposal_id"],
                        "community_id": data["community_id"], "active": active,
                        "version": data["support_version"], "at": data["at"]})


def record_support(db, fact):
    """Keep the latest version; a racing first insert loses nothing (it is retried guarded)."""
    guard = {"_id": fact["_id"], "version": {"$lt": fact["version"]}}
    if db[SUPPORT_FACTS].update_one(guard, {"$set": fact}):
        return
    if not db[SUPPORT_FACTS].insert_if_absent(fact):
        db[SUPPORT_FACTS].update_one(guard, {"$set": fact})


# -- rebuilt, from the council's export ------------------------------------------------------------
def from_proposal_export(db, item):
    fields = {"submitted_at": item["submitted_at"]}
    if item.get("outcome"):
        fields.update({"outcome": item["outcome"], "decided_at": item["decided_at"]})
    if item.get("implemented_at"):
        fields["implemented_at"] = item["implemented_at"]
    _proposal(db, item, fields)


def from_support_export(db, item):
    on_support(db, item, item["active"])


def forget(db):
    db[PROPOSAL_FACTS].delete_many({})
    db[SUPPORT_FACTS].delete_many({})


# -- the summary's council fields ------------------------------------------------------------------
def _count(db, collection, match):
    rows = db[collection].aggregate([{"$match": match},
                                     {"$group": {"_id": None, "n": {"$sum": 1}}}])
    return rows[0]["n"] if rows else 0


def _within(field, community_id, start, end, **extra):
    match = {field: {"$exists": True}, **extra}
    if start or end:
        match[field] = {"$exists": True, **({"$gte": start} if start else {}),
                        **({"$lt": end} if end else {})}
    if community_id:
        match["community_id"] = community_id
    return match


def figures(db, community_id=None, start=None, end=None):
    """`from`/`to` narrow each figure by its own moment: submitted, supported, decided,
    implemented. `supports` counts supports standing now (withdrawn ones are not)."""
    return {
        "proposals_submitted": _count(db, PROPOSAL_FACTS,
                                      _within("submitted_at", community_id, start, end)),
        "supports": _count(db, SUPPORT_FACTS,
                           _within("at", community_id, start, end, active=True)),
        "proposals_accepted": _count(db, PROPOSAL_FACTS, _within(
            "decided_at", community_id, start, end, outcome="accepted")),
        "proposals_implemented": _count(db, PROPOSAL_FACTS,
                                        _within("implemented_at", community_id, start, end)),
    }
