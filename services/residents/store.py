"""The only code that touches the residents service's collections."""
import re

from pymongo import ASCENDING, DESCENDING

from chassis import sealing, seek
from chassis.tenancy import HIDDEN, ensure_tenant_index, insert_all_absent
from contracts.elderly import elderly_cutoff

COMMUNITIES, COMPOUNDS, HOUSEHOLDS, RESIDENTS = "communities", "compounds", "households", "residents"
TIMELINE = "timeline"
SEARCH_KEYS = "search_keys"  # the resident search's index: see _search_by_key
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
    # The nx-27017 stand-in plans a query with a single-field index only (its tenant-led
    # compound indexes never match: the leading equality is rewritten for array containment),
    # so the lookups that must stay flat as a tenant grows also get one on their scalar field
    # (bench/growth.py). Never on an array field (tags): there it would change the answers.
    raw[TIMELINE].create_index([("resident_id", ASCENDING)])
    raw[RESIDENTS].create_index([("household_id", ASCENDING)])
    raw[SEARCH_KEYS].create_index([("key", ASCENDING)])
    raw[SEARCH_KEYS].create_index([("resident_id", ASCENDING)])
    raw[SEARCH_KEYS].create_index([("seek", ASCENDING)])  # the search's reads: _search_by_key
    _backfill_search_keys(raw)


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
# -- search index ---------------------------------------------------------------------------
# One document per searchable key of a resident: every two-character piece of the name
# ("王秀英" -> n:王秀, n:秀英) and every stored tag (t:低保). A search by name (`q` of two or
# more characters) or by tag reads the residents holding the key, page by page in id order,
# not every resident of the tenant. Keys are only ever a superset: the residents query still
# applies every filter itself, so a key left from an old name or tag, or written for a
# registration that then failed, changes no answer. They are written before the resident
# (stale ones removed after the change), so no crash can leave a resident unfindable. Not
# community-scoped: the residents query that follows is.
#
# Read by `seek`, one string per key doc that sorts as (tenant, key, resident id): a page is a
# range of it, sorted by it, with a limit. The nx-27017 stand-in answers that shape from its
# single-field index in O(page) (2 ms at 100,000 residents), while an equality on `key` sorted
# by `resident_id` reads and sorts every holder of the key first (30 ms; bench/growth.py), and
# any range on `_id` is evaluated in Python over the whole collection (neosqlite's _id range
# fallback). Tenant and key are length-prefixed, so no other tenant's or key's entries fall
# inside a key's range whatever characters names and tags hold.
def name_pieces(name):
    """Every two- and three-character piece of the name (the name itself when shorter). A
    query is searched by its first three characters where it has them: "王秀英" is held by
    the few residents so named, while "王秀" is held by every 王秀 and 王秀X too; by a
    bigram alone, a name with fewer matches than a page read every holder of its bigram,
    a number that grows with the tenant (bench/growth.py, search_by_name)."""
    pieces = {name[i:i + 2] for i in range(max(len(name) - 1, 1))}
    return pieces | {name[i:i + 3] for i in range(len(name) - 2)}


def search_keys(resident):
    return ({f"n:{piece}" for piece in name_pieces(resident.get("name") or "")}
            | {f"t:{tag}" for tag in resident.get("tags") or []})


def _seek_prefix(tenant, key):
    return f"{len(tenant)}:{tenant}|{len(key)}:{key}|"


def _key_docs(tenant, resident_id, keys):
    return [{"_id": f"{tenant}:{resident_id}:{key}", "tenant": tenant, "key": key,
             "resident_id": resident_id, "seek": _seek_prefix(tenant, key) + resident_id}
            for key in sorted(keys)]


def _index_keys(db, resident_id, keys):
    db[SEARCH_KEYS].insert_all_absent(_key_docs(db.tenant, resident_id, keys))


def _drop_stale_keys(db, resident_id, resident):
    db[SEARCH_KEYS].delete_many({"resident_id": resident_id,
                                 "key": {"$nin": sorted(search_keys(resident))}})


def _backfill_search_keys(raw):
    """Key documents from before `seek` get theirs, then every resident gets any key it lacks
    (those registered before the index existed, or before three-character pieces): each once
    per store (a mark remembers), idempotent, so two replicas starting together do no harm."""
    _backfill_seek(raw)
    _backfill_keys(raw)


def _backfill_seek(raw):
    """Key docs written before `seek` existed get it: once per store (a marker), and the same
    value however often or by however many replicas it runs."""
    marks = raw["schema_marks"]
    if marks.find_one({"_id": "search_keys_v2"}) is not None:
        return
    for doc in raw[SEARCH_KEYS].find({"seek": {"$exists": False}},
                                     {"tenant": 1, "key": 1, "resident_id": 1}):
        raw[SEARCH_KEYS].update_one(
            {"_id": doc["_id"]},
            {"$set": {"seek": _seek_prefix(doc["tenant"], doc["key"]) + doc["resident_id"]}})
    marks.update_one({"_id": "search_keys_v2"}, {"$set": {"done": True}}, upsert=True)


def _backfill_keys(raw, batch=200):
    """Residents indexed before three-character name pieces existed get theirs (and any
    other key they lack): once per store (a marker), inserting only what is absent, so two
    replicas starting together do no harm. A replica of the version before, still running
    in a rolling update, writes no trigram for a resident it registers meanwhile; the same
    window ADR 0016 accepted for `seek`, closed by restarting with the mark removed."""
    marks = raw["schema_marks"]
    if marks.find_one({"_id": "search_keys_v3"}) is not None:
        return
    docs = []
    for resident in raw[RESIDENTS].find({}, {"tenant": 1, "name": 1, "tags": 1}):
        docs += _key_docs(resident["tenant"], resident["_id"], search_keys(resident))
        if len(docs) >= batch:
            insert_all_absent(raw[SEARCH_KEYS], docs)
            docs = []
    insert_all_absent(raw[SEARCH_KEYS], docs)
    marks.update_one({"_id": "search_keys_v3"}, {"$set": {"done": True}}, upsert=True)


def _search_by_key(db, key, query, limit, cursor):
    """Residents matching `query` among those holding `key`, in id order after the cursor:
    a chunk of the key's resident ids at a time (a page's worth first: a tag alone, every
    candidate matches), until the page is full."""
    prefix = _seek_prefix(db.tenant, key)
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # just past every "<prefix><resident id>"
    found = []
    for rows in seek.chunks(db[SEARCH_KEYS], "seek", prefix, end,
                            after=prefix + cursor if cursor else None, first=limit,
                            most=SEARCH_CHUNK, projection={"resident_id": 1}):
        ids = [row["resident_id"] for row in rows]
        found += db[RESIDENTS].find({**query, "_id": {"$in": ids}}, sort=[("_id", ASCENDING)],
                                    limit=limit - len(found), projection=RESIDENT_FIELDS)
        if len(found) >= limit:
            break
    return found


def add_resident(db, resident, event):
    _index_keys(db, resident["_id"], search_keys(resident))
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
    searched = "name" in changes or "tags" in changes
    if searched:
        _index_keys(db, resident_id, search_keys(changes))
    updated = db[RESIDENTS].find_one_and_update(
        {"_id": resident_id}, {"$set": _sealed(db, resident_id, changes)},
        events=[event] if event else ())
    if searched and updated is not None:
        _drop_stale_keys(db, resident_id, updated)
    return _opened(updated)


SEARCH_CHUNK = 500


def search_residents(db, filters, today, limit, cursor):
    query = {key: filters[key] for key in ("compound_id", "community_id", "household_id")
             if filters.get(key)}
    tag = filters.get("tag")
    if tag == "elderly":
        query["birth_date"] = {"$lte": elderly_cutoff(today)}
    elif tag:
        query["tags"] = tag
    q = filters.get("q")
    if q:
        query["name"] = {"$regex": re.escape(q)}
    # through the search index where it has the key: a name piece, or a stored tag
    key = (f"n:{q[:3]}" if q and len(q) >= 2 else  # a name piece: q itself when shorter
           f"t:{tag}" if tag and tag != "elderly" else None)
    if key:
        return [_opened(row) for row in _search_by_key(db, key, query, limit, cursor)]
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
