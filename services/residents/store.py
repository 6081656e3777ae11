"""The only code that touches the residents service's collections."""
import re

from pymongo import ASCENDING, DESCENDING

from chassis.tenancy import ensure_tenant_index
from services.residents.domain import EMPTY_HEALTH, elderly_cutoff

COMMUNITIES, COMPOUNDS, HOUSEHOLDS, RESIDENTS = "communities", "compounds", "households", "residents"
VISIT_FACTS, TIMELINE = "visit_facts", "timeline"
OUTBOXED = (RESIDENTS,)


def ensure_indexes(raw):
    ensure_tenant_index(raw[RESIDENTS], [("compound_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("household_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("id_number", ASCENDING)])
    ensure_tenant_index(raw[VISIT_FACTS], [("resident_id", ASCENDING)])
    ensure_tenant_index(raw[TIMELINE], [("resident_id", ASCENDING), ("at", DESCENDING)])


# -- hierarchy ---------------------------------------------------------------------------------
def add(db, collection, document):
    return db[collection].insert_one(document)


def get(db, collection, doc_id):
    return db[collection].find_one({"_id": doc_id})


def list_all(db, collection, query, limit, cursor):
    query = dict(query)
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[collection].find(query, sort=[("_id", ASCENDING)], limit=limit)


# -- residents -----------------------------------------------------------------------------------
def add_resident(db, resident, event):
    return db[RESIDENTS].insert_one(resident, events=[event])


def get_resident(db, resident_id):
    return db[RESIDENTS].find_one({"_id": resident_id})


def find_resident_by_id_number(db, id_number):
    return db[RESIDENTS].find_one({"id_number": id_number.upper()})


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
    return db[RESIDENTS].find(query, sort=[("_id", ASCENDING)], limit=limit)


def count_residents(db):
    return db[RESIDENTS].count()


# -- projections of other services' events ---------------------------------------------------------
def record_visit_fact(db, fact):
    """Idempotent: one fact per visit id, whatever the deliveries."""
    return db[VISIT_FACTS].insert_if_absent(fact)


def health_summaries(db, resident_ids):
    rows = db[VISIT_FACTS].aggregate([
        {"$match": {"resident_id": {"$in": list(resident_ids)}}},
        {"$group": {"_id": "$resident_id", "visits_completed": {"$sum": 1},
                    "medicine_packages": {"$sum": "$medicine_packages"},
                    "last_visit_at": {"$max": "$completed_at"}}},
    ])
    summaries = {rid: dict(EMPTY_HEALTH) for rid in resident_ids}
    for row in rows:
        summaries[row["_id"]] = {"visits_completed": row["visits_completed"],
                                 "medicine_packages": row["medicine_packages"],
                                 "last_visit_at": row["last_visit_at"]}
    return summaries


def add_timeline_entry(db, entry):
    return db[TIMELINE].insert_if_absent(entry)


def timeline(db, resident_id, limit, cursor):
    query = {"resident_id": resident_id}
    if cursor:
        query["at"] = {"$lt": cursor}
    return db[TIMELINE].find(query, sort=[("at", DESCENDING)], limit=limit)
