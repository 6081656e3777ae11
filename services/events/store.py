"""The only code that touches the events service's collections (always tenant-scoped).

Activity documents are hot (every sign-up changes their seat counters), so writes to them
never note the request on the document (`record=False`): nothing accumulates there. All
per-participant state lives in the registration documents."""
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from chassis import sealing
from chassis.tenancy import ensure_tenant_index

PARTNERS, ACTIVITIES, REGISTRATIONS = "partners", "activities", "registrations"
OUTBOXED = (ACTIVITIES, REGISTRATIONS)
# Community-owned (chassis/tenancy.py): a token limited to some communities sees only their
# activities and registrations. Partners serve the whole subdistrict.
COMMUNITY_SCOPED = (ACTIVITIES, REGISTRATIONS)
HOLDERS = {"_id": 1, "seat_take": 1}
# A partner's contact phone is sealed at rest (chassis/sealing.py, ADR 0011): sealed on the way
# in, opened on the way out, so the rest of the service sees clear values (answers mask it).
PARTNER_SEALED = ("contact_phone",)
AT_REST = {PARTNERS: PARTNER_SEALED}  # for chassis.rekey


def ensure_indexes(raw):
    # One live registration per resident, activity and role: live ones share live_key "live",
    # a finished one gets its own id there (no partial index needed).
    ensure_tenant_index(raw[REGISTRATIONS], [("activity_id", ASCENDING),
                                             ("resident_id", ASCENDING), ("role", ASCENDING),
                                             ("live_key", ASCENDING)],
                        unique=True, name="one_live_registration")
    ensure_tenant_index(raw[REGISTRATIONS], [("activity_id", ASCENDING),
                                             ("check_in_code", ASCENDING)],
                        unique=True, name="one_code_per_activity")
    ensure_tenant_index(raw[REGISTRATIONS], [("activity_id", ASCENDING), ("role", ASCENDING),
                                             ("status", ASCENDING), ("seq", ASCENDING)])
    ensure_tenant_index(raw[REGISTRATIONS], [("activity_id", ASCENDING), ("role", ASCENDING),
                                             ("holds_seat", ASCENDING)])
    ensure_tenant_index(raw[REGISTRATIONS], [("resident_id", ASCENDING)])
    ensure_tenant_index(raw[REGISTRATIONS], [("status", ASCENDING), ("registered_at", ASCENDING)])
    ensure_tenant_index(raw[ACTIVITIES], [("status", ASCENDING), ("starts_at", ASCENDING)])
    # No index on `partner_ids`: the stand-in store then stops matching equality on that
    # array field (measured); partner totals read few activities anyway.


def tenants(raw):
    return sorted(t for t in raw[ACTIVITIES].distinct("tenant") if t)


def _page(db, collection, query, limit, cursor, sort=None):
    query = dict(query)
    if cursor:
        query["_id"] = {"$gt": cursor}
    return db[collection].find(query, sort=sort or [("_id", ASCENDING)], limit=limit)


# -- partners -------------------------------------------------------------------------------------
def add_partner(db, partner):
    sealed = sealing.keyring().seal_fields(partner, db.tenant, PARTNERS, PARTNER_SEALED)
    return _opened(db[PARTNERS].insert_one(sealed))


def _opened(partner):
    return partner and sealing.keyring().open_fields(partner, PARTNERS, PARTNER_SEALED)


def get_partner(db, partner_id):
    return _opened(db[PARTNERS].find_one({"_id": partner_id}))


def partners_named(db, partner_ids):
    return {p["_id"]: _opened(p) for p in db[PARTNERS].find({"_id": {"$in": list(partner_ids)}})}


def list_partners(db, limit, cursor):
    return [_opened(p) for p in _page(db, PARTNERS, {}, limit, cursor)]


def partner_totals(db, partner_id):
    activities = db[ACTIVITIES].find({"partner_ids": partner_id,
                                      "status": {"$in": ["published", "completed"]}},
                                     projection={"_id": 1})
    ids = [a["_id"] for a in activities]
    if not ids:
        return {"activities": 0, "participants": 0, "volunteer_hours": 0.0}
    rows = db[REGISTRATIONS].find({"activity_id": {"$in": ids}, "status": "attended"},
                                  projection={"resident_id": 1, "hours": 1})
    return {"activities": len(ids), "participants": len({r["resident_id"] for r in rows}),
            "volunteer_hours": round(sum(r.get("hours") or 0 for r in rows), 2)}


# -- activities -----------------------------------------------------------------------------------
def add_activity(db, activity, event):
    return db[ACTIVITIES].insert_one(activity, events=[event])


def get_activity(db, activity_id):
    return db[ACTIVITIES].find_one({"_id": activity_id})


def list_activities(db, filters, start, end, limit, cursor):
    query = {key: filters[key] for key in ("community_id", "compound_id", "kind", "status")
             if filters.get(key)}
    if start or end:
        query["starts_at"] = {**({"$gte": start} if start else {}),
                              **({"$lt": end} if end else {})}
    return _page(db, ACTIVITIES, query, limit, cursor)


def activities_to_watch(db):
    """Published activities (seats may need repair or promotion) and those whose cancellation
    or completion has not reached every registration yet."""
    return db[ACTIVITIES].find({"$or": [{"status": "published"}, {"finished": False}]},
                               sort=[("_id", ASCENDING)])


def update_activity(db, query, update, events=(), record=False):
    """One conditional write; True when it matched."""
    return db[ACTIVITIES].update_one(query, update, events=list(events), record=record)


def change_activity(db, query, update, events=()):
    """A one-off transition (cancel, complete, edit): noted with its request, so a request
    delivered twice finds its first result."""
    return db[ACTIVITIES].find_one_and_update(query, update, events=list(events))


def replayed_activity(db, activity_id):
    return db[ACTIVITIES].replayed(activity_id)


def take_seat(db, query, update):
    """The guarded seat take: the activity after it, or None when the guard did not hold."""
    return db[ACTIVITIES].find_one_and_update(query, update, record=False)


def next_seq(db, activity_id):
    """The next place in the activity's queue (first come, first served)."""
    activity = db[ACTIVITIES].find_one_and_update({"_id": activity_id}, {"$inc": {"seq": 1}},
                                                  record=False)
    return activity["seq"] if activity else None


# -- registrations -----------------------------------------------------------------------------------
def add_registration(db, registration):
    """Insert; raises DuplicateKeyError when the resident already holds a live one (or the
    check-in code is taken on this activity)."""
    return db[REGISTRATIONS].insert_one(registration)


def get_registration(db, registration_id):
    return db[REGISTRATIONS].find_one({"_id": registration_id})


def live_registration(db, activity_id, resident_id, role):
    return db[REGISTRATIONS].find_one({"activity_id": activity_id, "resident_id": resident_id,
                                       "role": role, "live_key": "live"})


def registration_by_code(db, activity_id, code):
    return db[REGISTRATIONS].find_one({"activity_id": activity_id, "check_in_code": code})


def registrations_of(db, activity_id, resident_id):
    return db[REGISTRATIONS].find({"activity_id": activity_id, "resident_id": resident_id},
                                  sort=[("_id", ASCENDING)])


def update_registration(db, query, update, events=()):
    """A conditional transition of one registration; the document after it, or None."""
    return db[REGISTRATIONS].find_one_and_update(query, update, events=list(events))


def replayed_registration(db, registration_id):
    return db[REGISTRATIONS].replayed(registration_id)


def find_registrations(db, query, limit, cursor):
    return _page(db, REGISTRATIONS, query, limit, cursor)


def all_registrations(db, query):
    return db[REGISTRATIONS].find(query, sort=[("seq", ASCENDING)])


def count_registrations(db, query):
    return _count(db, REGISTRATIONS, query)


def _count(db, collection, query):
    """A count as an aggregation: the stand-in store runs `$count` in SQL (about 1 ms for 400
    documents) where count_documents reads every document (about 20 ms; measured). MongoDB
    runs both from the index."""
    rows = db[collection].aggregate([{"$match": query}, {"$count": "n"}])
    return rows[0]["n"] if rows else 0


def waitlisted(db, activity_id, role, limit):
    return db[REGISTRATIONS].find({"activity_id": activity_id, "role": role,
                                   "status": "waitlisted"}, sort=[("seq", ASCENDING)],
                                  limit=limit)


def any_waitlisted(db, activity_id, role):
    return bool(db[REGISTRATIONS].find({"activity_id": activity_id, "role": role,
                                        "status": "waitlisted"}, limit=1,
                                       projection={"_id": 1}))


def waitlisted_ahead(db, registration):
    return _count(db, REGISTRATIONS, {"activity_id": registration["activity_id"],
                                      "role": registration["role"], "status": "waitlisted",
                                      "seq": {"$lt": registration["seq"]}})


def holders(db, activity_id, role):
    """Registrations that hold a seat: `holds_seat` is set when one is confirmed and unset
    when it is cancelled, and never changes otherwise (check-in does not move it)."""
    return db[REGISTRATIONS].find({"activity_id": activity_id, "role": role,
                                   "holds_seat": True}, projection=HOLDERS)


def stale(db, status, before_iso, extra=None):
    return db[REGISTRATIONS].find({"status": status, "registered_at": {"$lt": before_iso},
                                   **(extra or {})}, sort=[("_id", ASCENDING)], limit=500)


def seats_to_return(db):
    return db[REGISTRATIONS].find({"seat_returned": False}, sort=[("_id", ASCENDING)], limit=500)


def credited_hours(db, resident_id, start, end, limit, cursor):
    query = {"resident_id": resident_id, "credited": True}
    if start or end:
        query["hours_date"] = {**({"$gte": start} if start else {}),
                               **({"$lte": end} if end else {})}
    page = _page(db, REGISTRATIONS, query, limit, cursor)
    everything = db[REGISTRATIONS].find(query, projection={"hours": 1})
    return page, round(sum(r.get("hours") or 0 for r in everything), 2)


def is_duplicate(exc):
    return isinstance(exc, DuplicateKeyError)
