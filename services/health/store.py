"""The only code that touches the health service's collections."""
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from chassis import sealing
from chassis.tenancy import ensure_tenant_index

VISITS, FOLLOW_UPS, REFERRALS = "visits", "follow_ups", "referrals"
CARE_PLANS, PATIENT_LINKS, PATIENT_REVIEWS = "care_plans", "patient_links", "patient_reviews"
OUTBOXED = (VISITS, FOLLOW_UPS, REFERRALS)
OPEN_FOLLOW_UPS = ("pending", "due", "overdue")
# Community-owned (chassis/tenancy.py): each carries its resident's top-level community_id.
# The hospital's patient links and unmatched patients belong to no community yet: they stay
# tenant-wide (resolving one still needs a resident the caller may see).
COMMUNITY_SCOPED = (VISITS, FOLLOW_UPS, REFERRALS, CARE_PLANS)

# Clinical fields sealed at rest (chassis/sealing.py, ADR 0011): sealed here on the way in,
# opened on the way out, so the rest of the service sees clear values. A parked hospital event
# keeps its data (which may hold symptoms) sealed whole.
SEALED = {
    VISITS: ("symptoms", "history", "medication", "checks"),
    REFERRALS: ("reason", "decline_reason", "hospital_note"),
    PATIENT_REVIEWS: ("data",),
}


def _sealed(db, collection, record, fields):
    return sealing.keyring().seal_fields(fields, db.tenant, collection, SEALED[collection],
                                         record=record)


def _opened(collection, document):
    return sealing.keyring().open_fields(document, collection, SEALED[collection])


def _all_opened(collection, documents):
    return [_opened(collection, document) for document in documents]


def ensure_indexes(raw):
    ensure_tenant_index(raw[VISITS], [("resident_id", ASCENDING), ("status", ASCENDING)])
    ensure_tenant_index(raw[VISITS], [("status", ASCENDING)])
    ensure_tenant_index(raw[FOLLOW_UPS], [("status", ASCENDING), ("due_on", ASCENDING)])
    ensure_tenant_index(raw[FOLLOW_UPS], [("resident_id", ASCENDING), ("status", ASCENDING)])
    ensure_tenant_index(raw[REFERRALS], [("resident_id", ASCENDING)])
    ensure_tenant_index(raw[PATIENT_LINKS], [("resident_id", ASCENDING)])
    ensure_tenant_index(raw[PATIENT_REVIEWS], [("status", ASCENDING), ("patient_id", ASCENDING)])


def _insert_new(db, collection, document, events=()):
    """Insert with its events, unless a document with this _id exists: True if inserted."""
    if collection in SEALED:
        document = _sealed(db, collection, document["_id"], document)
    try:
        db[collection].insert_one(document, events=list(events))
        return True
    except DuplicateKeyError:
        return False


def _page(db, collection, query, limit, cursor):
    query = dict(query)
    if cursor:
        query["_id"] = {"$gt": cursor}
    rows = db[collection].find(query, sort=[("_id", ASCENDING)], limit=limit)
    return _all_opened(collection, rows) if collection in SEALED else rows


def tenant_scoped_id(db, key):
    """Ids derived from an outside key must not collide across tenants (_id is global)."""
    return f"{db.tenant}:{key}"


# -- visits ------------------------------------------------------------------------------------
def add_visit(db, visit, event):
    return _opened(VISITS, db[VISITS].insert_one(_sealed(db, VISITS, visit["_id"], visit),
                                                 events=[event]))


def add_visit_if_new(db, visit, event):
    return _insert_new(db, VISITS, visit, [event])


def get_visit(db, visit_id):
    return _opened(VISITS, db[VISITS].find_one({"_id": visit_id}))


def _replayed_visit(db, visit_id):
    return _opened(VISITS, db[VISITS].replayed(visit_id))


# What a transition's events are made of (domain.completed_event_data, cancelled_event_data).
TRANSITION_FIELDS = {"status": 1, "resident_id": 1, "community_id": 1}


def transition(db, visit_id, from_status, changes, event_for):
    """Move a visit from one status to another in one conditional write, with its event.

    Returns the visit after the change, or None when it was not in `from_status` (or absent):
    two concurrent completions cannot both succeed. The visit is read only for what the status
    check and the events need (no clinical field is read, so none is opened)."""
    current = db[VISITS].find_one({"_id": visit_id}, TRANSITION_FIELDS)
    if current is None:
        return None
    if current["status"] != from_status:  # unless this very request made that change
        return _replayed_visit(db, visit_id)
    event = event_for(visit_id, current, changes)
    return _opened(VISITS, db[VISITS].find_one_and_update(
        {"_id": visit_id, "status": from_status},
        {"$set": _sealed(db, VISITS, visit_id, changes)}, events=[event]
    )) or _replayed_visit(db, visit_id)


def find_visits(db, filters, limit, cursor):
    query = {key: filters[key] for key in ("resident_id", "status") if filters.get(key)}
    return _page(db, VISITS, query, limit, cursor)


def completed_visit_since(db, resident_id, since_iso):
    visits = db[VISITS].find({"resident_id": resident_id, "status": "completed",
                              "completed_at": {"$gte": since_iso}}, limit=1)
    return _opened(VISITS, visits[0]) if visits else None


def completed_visits(db, limit, cursor):
    return find_visits(db, {"status": "completed"}, limit, cursor)


# -- follow-ups ----------------------------------------------------------------------------------
def add_follow_up(db, follow_up, event):
    """Created once: concurrent creators (replicas, redeliveries) cannot make two."""
    return _insert_new(db, FOLLOW_UPS, follow_up, [event])


def move_follow_up(db, follow_up_id, from_status, changes, event):
    """A conditional status change: only one of several concurrent sweeps wins it."""
    return db[FOLLOW_UPS].update_one({"_id": follow_up_id, "status": from_status},
                                     {"$set": changes}, events=[event])


def close_follow_up(db, follow_up_id, changes, event):
    """Done, once: only while it is open, whatever status it reached since it was read (a
    sweep moving it on meanwhile does not make the visit's close miss it). A second close,
    by a redelivery or another visit, matches nothing and writes no event."""
    return db[FOLLOW_UPS].update_one(
        {"_id": follow_up_id, "status": {"$in": list(OPEN_FOLLOW_UPS)}},
        {"$set": changes}, events=[event])


def follow_ups_to_move(db, today_iso):
    """Open follow-ups whose due day has come (their status may have to move on)."""
    return db[FOLLOW_UPS].find({"status": {"$in": ["pending", "due"]},
                                "due_on": {"$lte": today_iso}}, sort=[("_id", ASCENDING)])


def open_follow_ups(db, resident_id):
    return db[FOLLOW_UPS].find({"resident_id": resident_id,
                                "status": {"$in": list(OPEN_FOLLOW_UPS)}})


def find_follow_ups(db, filters, limit, cursor):
    query = {key: filters[key] for key in ("status", "kind", "grid", "community_id",
                                           "resident_id") if filters.get(key)}
    return _page(db, FOLLOW_UPS, query, limit, cursor)


# -- standing plans (a projection of the registry) ---------------------------------------------------
def save_plan_facts(db, resident_id, facts):
    db[CARE_PLANS].update_one({"_id": resident_id}, {"$set": facts}, upsert=True)


def plans_to_make(db, month):
    """Residents whose plan for `month` (YYYY-MM) has not been made yet."""
    return db[CARE_PLANS].find({"planned_month": {"$ne": month}})


def plan_made(db, resident_id, month):
    db[CARE_PLANS].update_one({"_id": resident_id}, {"$set": {"planned_month": month}})


# -- referrals -----------------------------------------------------------------------------------------
def add_referral(db, referral, event):
    return _opened(REFERRALS, db[REFERRALS].insert_one(
        _sealed(db, REFERRALS, referral["_id"], referral), events=[event]))


def get_referral(db, referral_id):
    return _opened(REFERRALS, db[REFERRALS].find_one({"_id": referral_id}))


def answer_referral(db, referral_id, changes, event):
    return _opened(REFERRALS, db[REFERRALS].find_one_and_update(
        {"_id": referral_id, "status": "requested"},
        {"$set": _sealed(db, REFERRALS, referral_id, changes)}, events=[event]))


def find_referrals(db, filters, limit, cursor):
    query = {key: filters[key] for key in ("resident_id", "status", "visit_id") if filters.get(key)}
    return _page(db, REFERRALS, query, limit, cursor)


# -- the hospital's patients -----------------------------------------------------------------------------
def linked_resident(db, patient_id):
    link = db[PATIENT_LINKS].find_one({"_id": tenant_scoped_id(db, patient_id)})
    return link["resident_id"] if link else None


def patient_of(db, resident_id):
    links = db[PATIENT_LINKS].find({"resident_id": resident_id}, limit=1)
    return links[0]["patient_id"] if links else None


def link_patient(db, link):
    """Link once; returns the resident the patient is linked to (an earlier link wins)."""
    db[PATIENT_LINKS].insert_if_absent({"_id": tenant_scoped_id(db, link["patient_id"]), **link})
    return linked_resident(db, link["patient_id"])


def park_for_review(db, review):
    return db[PATIENT_REVIEWS].insert_if_absent(
        _sealed(db, PATIENT_REVIEWS, review["_id"], review))


def get_review(db, review_id):
    return _opened(PATIENT_REVIEWS, db[PATIENT_REVIEWS].find_one({"_id": review_id}))


def find_reviews(db, filters, limit, cursor):
    query = {key: filters[key] for key in ("status", "patient_id") if filters.get(key)}
    return _page(db, PATIENT_REVIEWS, query, limit, cursor)


def close_review(db, review_id, changes):
    """open -> resolved, once."""
    return _opened(PATIENT_REVIEWS, db[PATIENT_REVIEWS].find_one_and_update(
        {"_id": review_id, "status": "open"}, {"$set": changes}))
