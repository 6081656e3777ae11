"""The only code that touches the residents service's collections."""
import re

from pymongo import ASCENDING, DESCENDING

from chassis import sealing
from chassis.tenancy import HIDDEN, ensure_tenant_index
from contracts.elderly import elderly_cutoff

COMMUNITIES, COMPOUNDS, HOUSEHOLDS, RESIDENTS = "communities", "compounds", "households", "residents"
TIMELINE = "timeline"
GRIDS = "grids"
OUTBOXED = (RESIDENTS, HOUSEHOLDS, GRIDS)
# Community-owned collections (chassis/tenancy.py): a token limited to some communities sees
# only theirs. A community is owned through its own id; the rest carry `community_id`.
COMMUNITY_SCOPED = {COMMUNITIES: "_id", COMPOUNDS: "community_id", HOUSEHOLDS: "community_id",
                    RESIDENTS: "community_id", TIMELINE: "community_id", GRIDS: "community_id"}
# A resident's document keeps the ids of the visits already counted in its health summary (the
# idempotency guard of apply_completed_visit); answers never need them.
RESIDENT_FIELDS = {**HIDDEN, "counted_visits": 0, "id_number_hash": 0}
# Sealed at rest (chassis/sealing.py, ADR 0011): this module seals on the way in and opens on
# the way out, so the rest of the service sees clear values. The ID number is found by its
# keyed hash, never by the number.
SEALED = ("phone", "id_number")
ID_NUMBER_HASH = "id_number_hash"
AT_REST = {RESIDENTS: SEALED}                           # for chassis.rekey
LOOKUPS = {RESIDENTS: {ID_NUMBER_HASH: "id_number"}}


def _sealed(db, resident_id, fields):
    keys = sealing.keyring()
    sealed = keys.seal_fields(fields, db.tenant, RESIDENTS, SEALED, record=resident_id)
    if "id_number" in fields:
        sealed[ID_NUMBER_HASH] = keys.lookup(fields["id_number"], db.tenant,
                                             f"{RESIDENTS}.id_number")
    return sealed


def _opened(resident):
    return sealing.keyring().open_fields(resident, RESIDENTS, SEALED)


def ensure_indexes(raw):
    ensure_tenant_index(raw[RESIDENTS], [("compound_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("household_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [(ID_NUMBER_HASH, ASCENDING)])
    ensure_tenant_index(raw[HOUSEHOLDS], [("community_id", ASCENDING), ("compound_id", ASCENDING)])
    ensure_tenant_index(raw[TIMELINE], [("resident_id", ASCENDING), ("at", DESCENDING)])
    ensure_tenant_index(raw[GRIDS], [("community_id", ASCENDING)])


# -- hierarchy ---------------------------------------------------------------------------------
def add(db, collection, document, events=()):
    return db[collection].insert_one(document, events=list(events))


def change(db, collection, doc_id, changes, events=()):
    """Set fields of a hierarchy document (household, grid) with the events it causes."""
    return db[collection].find_one_and_update({"_id": doc_id}, {"$set": changes},
                                              events=list(events))


def get(db, collection, doc_id):
    if collection == RESIDENTS:
        return get_resident(db, doc_id)
    return db[collection].find_one({"_id": doc_id})


def list_all(db, collection, query, limit, cursor):
    query = dict(query)
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[collection].find(query, sort=[("_id", ASCENDING)], limit=limit)


# -- residents -----------------------------------------------------------------------------------
def add_resident(db, resident, event):
    stored = db[RESIDENTS].insert_one(_sealed(db, resident["_id"], resident), events=[event])
    stored.pop(ID_NUMBER_HASH, None)
    return _opened(stored)


def get_resident(db, resident_id):
    return _opened(db[RESIDENTS].find_one({"_id": resident_id}, RESIDENT_FIELDS))


def residents_with_id_number(db, id_number, limit):
    hashes = sealing.keyring().lookups(id_number.upper(), db.tenant, f"{RESIDENTS}.id_number")
    rows = db[RESIDENTS].find({ID_NUMBER_HASH: {"$in": hashes}}, limit=limit,
                              projection=RESIDENT_FIELDS)
    return [_opened(row) for row in rows]


def update_resident(db, resident_id, changes, event):
    return _opened(db[RESIDENTS].find_one_and_update(
        {"_id": resident_id}, {"$set": _sealed(db, resident_id, changes)},
        events=[event] if event else ()))


def search_residents(db, filters, today, limit, cursor):
    query = {key: filters[key] for key in ("compound_id", "community_id", "household_id")
             if filters.get(key)}
    tag = filters.get("tag")
    if tag == "elderly":
        query["birth_date"] = {"$lte": elderly_cutoff(today)}
    elif tag:
        query["tags"] = tag
    if filters.get("q"):
        query["name"] = {"$regex": re.escape(filters["q"])}
    if cursor:
        query["_id"] = {"$gt": cursor}
    return [_opened(row) for row in db[RESIDENTS].find(
        query, sort=[("_id", ASCENDING)], limit=limit, projection=RESIDENT_FIELDS)]


def count_households(db, community_id, compound_id=None):
    query = {"community_id": community_id}
    if compound_id:
        query["compound_id"] = compound_id
    return db[HOUSEHOLDS].count(query)


def count_residents(db):
    return db[RESIDENTS].count()


# -- projections of other services' events ---------------------------------------------------------
def apply_completed_visit(db, resident_id, visit):
    """Count a completed visit into the resident's health summary, once per visit id.

    One atomic document update: the guard (this visit not yet counted) and the counters change
    together, so a redelivery, a crash between steps or 50 concurrent completions can neither
    skip nor double a visit, and a read of the resident needs no second query. False when
    nothing matched: the visit was already counted, or there is no such resident."""
    counted = f"counted_visits.{visit['visit_id']}"
    return db[RESIDENTS].update_one(
        {"_id": resident_id, counted: {"$exists": False}},
        {"$set": {counted: True},
         "$inc": {"health.visits_completed": 1,
                  "health.medicine_packages": visit["medicine_packages"]},
         "$max": {"health.last_visit_at": visit["completed_at"]}})


def add_timeline_entry(db, entry):
    """Entries carry their resident's community (the scope narrows on it): from the event
    when it says, else from the resident (consumers see the whole tenant)."""
    if not entry.get("community_id"):
        resident = db[RESIDENTS].find_one({"_id": entry["resident_id"]}, {"community_id": 1})
        entry = {**entry, "community_id": (resident or {}).get("community_id")}
    return db[TIMELINE].insert_if_absent(entry)


def timeline(db, resident_id, limit, cursor):
    query = {"resident_id": resident_id}
    if cursor:
        query["at"] = {"$lt": cursor}
    return db[TIMELINE].find(query, sort=[("at", DESCENDING)], limit=limit)
