"""The only code that touches the residents service's collections."""
import re

from pymongo import ASCENDING, DESCENDING

from chassis.tenancy import HIDDEN, ensure_tenant_index
from contracts.elderly import elderly_cutoff

COMMUNITIES, COMPOUNDS, HOUSEHOLDS, RESIDENTS = "communities", "compounds", "households", "residents"
TIMELINE = "timeline"
OUTBOXED = (RESIDENTS,)
# A resident's document keeps the ids of the visits already counted in its health summary (the
# idempotency guard of apply_completed_visit); answers never need them.
RESIDENT_FIELDS = {**HIDDEN, "counted_visits": 0}


def ensure_indexes(raw):
    ensure_tenant_index(raw[RESIDENTS], [("compound_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("household_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("id_number", ASCENDING)])
    ensure_tenant_index(raw[HOUSEHOLDS], [("community_id", ASCENDING), ("compound_id", ASCENDING)])
    ensure_tenant_index(raw[TIMELINE], [("resident_id", ASCENDING), ("at", DESCENDING)])


# -- hierarchy ---------------------------------------------------------------------------------
def add(db, collection, document):
    return db[collection].insert_one(document)


def get(db, collection, doc_id):
    projection = RESIDENT_FIELDS if collection == RESIDENTS else None
    return db[collection].find_one({"_id": doc_id}, projection)


def list_all(db, collection, query, limit, cursor):
    query = dict(query)
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[collection].find(query, sort=[("_id", ASCENDING)], limit=limit)


# -- residents -----------------------------------------------------------------------------------
def add_resident(db, resident, event):
    return db[RESIDENTS].insert_one(resident, events=[event])


def get_resident(db, resident_id):
    return db[RESIDENTS].find_one({"_id": resident_id}, RESIDENT_FIELDS)


def find_resident_by_id_number(db, id_number):
    return db[RESIDENTS].find_one({"id_number": id_number.upper()}, RESIDENT_FIELDS)


def residents_with_id_number(db, id_number, limit):
    return db[RESIDENTS].find({"id_number": id_number.upper()}, limit=limit)


def update_resident(db, resident_id, changes, event):
    return db[RESIDENTS].find_one_and_update(
        {"_id": resident_id}, {"$set": changes}, events=[event] if event else ())


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
    return db[RESIDENTS].find(query, sort=[("_id", ASCENDING)], limit=limit,
                              projection=RESIDENT_FIELDS)


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
    return db[TIMELINE].insert_if_absent(entry)


def timeline(db, resident_id, limit, cursor):
    query = {"resident_id": resident_id}
    if cursor:
        query["at"] = {"$lt": cursor}
    return db[TIMELINE].find(query, sort=[("at", DESCENDING)], limit=limit)
