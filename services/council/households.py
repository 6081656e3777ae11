"""Council's own projection of the registry: every household (with its grid), every grid
(with its workers) and, per resident, what coverage priority needs (born when, lives alone),
kept from the registry's events so council never reads the registry's database.

`HouseholdsProjection` is an entrypoints mixin of CouncilService; the functions below are
the only code touching these collections. Every write is keyed by the registry's id, and the
registry's facts are written only where the stored ones are older than the event's (its
`event_version`), so a redelivered or reordered event leaves the newest state (ADR 0017)."""
from datetime import timedelta

from pymongo import ASCENDING

from chassis import clock, seek
from chassis.consumer import consume_event
from chassis.tenancy import ensure_tenant_index
from contracts.elderly import elderly_cutoff
from services.council import household_counts, worklist_keys

HOUSEHOLDS, GRIDS, RESIDENTS = "households", "grids", "resident_facts"


def ensure_indexes(raw):
    ensure_tenant_index(raw[HOUSEHOLDS], [("community_id", ASCENDING), ("grid_id", ASCENDING)])
    ensure_tenant_index(raw[GRIDS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("household_id", ASCENDING)])
    # The nx-27017 stand-in plans a query with a single-field index only (a tenant-led
    # compound index never matches there: bench/RESULTS.md, Growth), so coverage's two reads
    # also get one on their scalar field, and cost what the community holds, not the tenant.
    # (A `$in` of a community's household ids is no lookup there: 0.3-14 s at 100,000.)
    raw[HOUSEHOLDS].create_index([("community_id", ASCENDING)])
    raw[RESIDENTS].create_index([("community_id", ASCENDING)])
    # the worklist's keys (worklist_keys.py), each read by range from its own index
    for name in worklist_keys.FIELDS:
        raw[HOUSEHOLDS].create_index([(name, ASCENDING)])
    household_counts.ensure_indexes(raw)
    _backfill_worklist(raw)


WORKLIST_MARK = "coverage_worklist_v1"


def _backfill_worklist(raw):
    """Households projected before the worklist keys and counts existed (ADR 0017) get them
    once per store (a mark remembers), derived by the same functions the events use. Run at
    a service's start, before its consumers take events."""
    marks = raw["schema_marks"]
    if marks.find_one({"_id": WORKLIST_MARK}) is not None:
        return
    alone = {}
    for resident in raw[RESIDENTS].find({"lives_alone": True}):
        alone.setdefault((resident["tenant"], resident.get("household_id")), []).append(resident)
    shards = {}
    for home in raw[HOUSEHOLDS].find({}):
        home["alone_from"] = worklist_keys.alone_from(alone.get((home["tenant"], home["_id"]), ()))
        keys, stale = worklist_keys.key_fields(home["tenant"], home, clock.today())
        raw[HOUSEHOLDS].update_one({"_id": home["_id"]}, {
            "$set": {"alone_from": home["alone_from"], **keys},
            **({"$unset": {name: "" for name in stale}} if stale else {})})
        if home.get("community_id"):
            shard = shards.setdefault(
                household_counts.shard_id(home["tenant"], home["community_id"], home["_id"]),
                household_counts.shard_doc(home["tenant"], home["community_id"], home["_id"]))
            household_counts.add_to_shard(shard, home["_id"], home.get("grid_id"))
    for shard in shards.values():
        raw[household_counts.COUNTS].replace_one({"_id": shard["_id"]}, shard, upsert=True)
    marks.update_one({"_id": WORKLIST_MARK}, {"$set": {"done": True}}, upsert=True)


# -- writes (from events) ---------------------------------------------------------------------
# Each write to a household's inputs of the worklist (its community, grid, last knock and
# `alone_from`) is followed by _settle, which derives the keys (and, after a registry event,
# the grid's count) from the document as it now is. The keys are set only while the inputs
# are still the ones read, so a slower writer never leaves keys of an older state; a
# redelivery settles to the same.
#
# Events arrive in any order (redeliveries, two consumers, the retry path), so the registry's
# facts carry the version of the event that wrote them and are written only where the stored
# version is older or absent (documents from before versions, or created by a knock or a
# resident's event first): a late older event changes nothing.
REGISTRY_VERSION = "registry_version"  # a household's: its events carry its whole state


def event_version(envelope):
    """Sorts as the registry wrote its events: occurred_at (fixed-width UTC, milliseconds),
    then the event id (time-ordered, chassis/ids.py) between events of one millisecond.
    The "v" keeps it from looking like a time: the stand-in's update filters compare a string
    starting with one as a time to the second, and match none with more after it."""
    return f"v{envelope['occurred_at']}|{envelope['event_id']}"


def save_household(db, data, version):
    fields = {k: data.get(k) for k in ("compound_id", "community_id", "address", "grid_id")}
    written = _write_newer(db[HOUSEHOLDS], data["household_id"], fields, REGISTRY_VERSION,
                           version)
    # an older event (or this one again) writes nothing, and settles the state as it stands
    _settle(db, written or db[HOUSEHOLDS].find_one({"_id": data["household_id"]}), count=True)


def save_grid(db, data):
    fields = {k: data[k] for k in ("community_id", "name", "worker_subs")}
    db[GRIDS].update_one({"_id": data["grid_id"]}, {"$set": fields}, upsert=True)


RESIDENT_FACTS = ("household_id", "birth_date", "lives_alone")  # what resident_fields gives


def save_resident(db, resident_id, fields, version):
    """The resident's facts; then `alone_from` of the household it lived in and of the one it
    lives in now (a move, a birth date, a lives_alone tag change either)."""
    before = db[RESIDENTS].find_one({"_id": resident_id}, projection={"household_id": 1})
    after = _write_facts(db[RESIDENTS], resident_id, fields, version)
    for household_id in {(before or {}).get("household_id"), after.get("household_id")} - {None}:
        refresh_alone(db, household_id)


def _write_facts(facts, resident_id, fields, version):
    """Each fact kept at the newest event that named it: resident_updated carries only what
    changed, so one version per document would let a newer change of one field stop a late
    older change of another. Inserted whole when new; else a guarded write per fact named."""
    named = [name for name in RESIDENT_FACTS if name in fields]
    document = {"_id": resident_id, **fields, **{_fact_version(n): version for n in named}}
    if facts.insert_if_absent(document):
        return document
    rest = {k: v for k, v in fields.items() if k not in named}  # community_id: never changes
    written = None
    for name in named:
        written = _set_newer(facts, resident_id, {name: fields[name], **rest},
                             _fact_version(name), version) or written
    # a write answers the document after it; only when every fact was older, read it
    return written or facts.find_one({"_id": resident_id}, projection={"household_id": 1})


def _fact_version(name):
    return f"{name}_version"


def _write_newer(collection, doc_id, fields, stamp, version):
    """Insert the document, or set `fields` on it where `stamp` is older than `version` (or
    absent): the document as written, or None when it holds this version or a newer one."""
    document = {"_id": doc_id, **fields, stamp: version}
    if collection.insert_if_absent(document):
        return {**document, "tenant": collection.tenant}
    return _set_newer(collection, doc_id, fields, stamp, version)


def _set_newer(collection, doc_id, fields, stamp, version):
    """On an existing document (never deleted): `$lt` first, the usual case; then a document
    without the version; failing both it has one, which only grows, so `$lt` once more
    decides. Two guarded writes, not one `$or`: the stand-in answers `{_id, $or}` wrongly
    (chassis/outbox.py, unleased)."""
    update = {"$set": {**fields, stamp: version}}
    for older in ({"$lt": version}, {"$exists": False}, {"$lt": version}):
        written = collection.find_one_and_update({"_id": doc_id, stamp: older}, update,
                                                 record=False)
        if written is not None:
            return written
    return None


def refresh_alone(db, household_id, tries=5):
    """`alone_from` from the household's resident facts. Read again after the write: another
    resident's event may have written from facts without this one's (or this one from facts
    without its), and whichever writes last then sees every fact before it stops."""
    wanted = _alone_from(db, household_id)
    for _ in range(tries):
        _settle(db, db[HOUSEHOLDS].find_one_and_update(
            {"_id": household_id}, {"$set": {"alone_from": wanted}}, upsert=True, record=False))
        now = _alone_from(db, household_id)
        if now == wanted:
            return
        wanted = now


def _alone_from(db, household_id):
    return worklist_keys.alone_from(db[RESIDENTS].find(
        {"household_id": household_id}, projection={"birth_date": 1, "lives_alone": 1}))


def knocked(db, household_id, at):
    """The household's latest knock (any outcome): `$max`, so order does not matter."""
    _settle(db, db[HOUSEHOLDS].find_one_and_update(
        {"_id": household_id}, {"$max": {"last_knocked_at": at}}, upsert=True, record=False))


def _settle(db, household, count=False, tries=5):
    """`count`: the grid or community may have changed (only the registry's household events
    change them), so the household's count is placed too."""
    for _ in range(tries):
        if count and household.get("community_id"):
            household_counts.place(db, household["community_id"], household["_id"],
                                   household.get("grid_id"))
        keys, stale = worklist_keys.key_fields(db.tenant, household, clock.today())
        update = {"$set": keys, **({"$unset": {name: "" for name in stale}} if stale else {})}
        inputs = {name: household.get(name) for name in worklist_keys.INPUTS}
        if not keys:
            update.pop("$set")
        if db[HOUSEHOLDS].update_one({"_id": household["_id"], **inputs}, update, record=False):
            return
        # another writer changed an input meanwhile: settle to what it left (it settles too)
        household = db[HOUSEHOLDS].find_one({"_id": household["_id"]})


# -- reads ------------------------------------------------------------------------------------
def households_in(db, community_id=None, grid_id=None):
    query = {"community_id": {"$exists": True}}
    if community_id:
        query["community_id"] = community_id
    if grid_id:
        query["grid_id"] = grid_id
    return db[HOUSEHOLDS].find(query, sort=[("_id", ASCENDING)])


def grids_in(db, community_id=None, grid_id=None):
    query = {}
    if community_id:
        query["community_id"] = community_id
    if grid_id:
        query["_id"] = grid_id
    return db[GRIDS].find(query, sort=[("name", ASCENDING)])


WORKLIST_FIELDS = {"address": 1, "grid_id": 1, "last_knocked_at": 1, "alone_from": 1}
CHUNK = 1000  # the most keys one range read takes while a filter leaves few of them


def worklist(db, level, scope_id, week_start, today, limit, cursor=None):
    """Up to `limit` households of a scope not knocked since `week_start`, in the API's order
    after the cursor: [(part, household)]. Elderly living alone first (`wa_` keys, with those
    whose day came since their keys were written: `wy_` up to today), then the rest (`wl_`
    keys, without those): each a range of its key from the scope's prefix up to the week's
    start, read a chunk at a time."""
    part, after = worklist_keys.parse_cursor(cursor)
    start = worklist_keys.prefix(db.tenant, level, scope_id)
    found = []
    if part == worklist_keys.ELDERLY_ALONE:
        alone = _range(db, worklist_keys.ALONE + level, start, week_start, after, limit,
                       lambda h: worklist_keys.is_elderly_alone(h, today))
        alone += [h for h in _came_of_age(db, level, start, today)
                  if (h.get("last_knocked_at") or "") < week_start
                  and (after is None or worklist_keys.position(h) > after)]
        found += [(part, h) for h in sorted(alone, key=worklist_keys.position)[:limit]]
        part, after = worklist_keys.REST, None
    if len(found) < limit:
        found += [(part, h) for h in _range(
            db, worklist_keys.EVERY + level, start, week_start, after, limit - len(found),
            lambda h: not worklist_keys.is_elderly_alone(h, today))]
    return found


def _came_of_age(db, level, start, today):
    """Households where someone living alone turned elderly after their keys were written
    (few: a knock rewrites them): `wy_` keys, sorting by that day, up to today."""
    field = worklist_keys.SOON_ALONE + level
    return db[HOUSEHOLDS].find(
        {field: {"$gte": start, "$lt": start + (today + timedelta(days=1)).isoformat()}},
        sort=[(field, ASCENDING)], limit=CHUNK, projection={**WORKLIST_FIELDS, field: 1})


def _range(db, field, prefix, week_start, after, want, keep):
    found = []
    for rows in seek.chunks(db[HOUSEHOLDS], field, prefix, prefix + week_start,
                            after=prefix + after if after is not None else None, first=want,
                            most=CHUNK, projection=WORKLIST_FIELDS):
        for row in rows:
            if keep(row):
                found.append(row)
                if len(found) == want:
                    return found
    return found


def elderly_alone_households(db, household_ids, today, community_id=None):
    """Households where someone elderly (by birth date, today) who lives alone is registered.
    Read by community when the caller names one (a resident's community is its household's:
    neither a household nor a resident moves between communities) with equalities only, and
    kept to the given households and the birth cutoff here: on the stand-in a `$in` of the
    households is no index lookup (0.3-14 s at 100,000) and a range beside the equalities
    makes the store filter every document of the community (12 vs 235 ms, bench/growth.py)."""
    query = {"lives_alone": True}
    if community_id:
        query["community_id"] = community_id
    wanted, cutoff = set(household_ids), elderly_cutoff(today)
    return {row["household_id"] for row in db[RESIDENTS].find(query)
            if row.get("household_id") in wanted and str(row.get("birth_date") or "") <= cutoff
            and row.get("birth_date")}


def resident_fields(data):
    fields = {}
    if "household_id" in data:
        fields["household_id"] = data["household_id"]
    if "birth_date" in data:
        fields["birth_date"] = str(data["birth_date"])
    if "tags" in data:
        fields["lives_alone"] = "lives_alone" in (data["tags"] or [])
    return fields


class HouseholdsProjection:
    """Consumers of the registry's events (method names are unique across council's mixins:
    each becomes its own queue `council.<method>`)."""

    @consume_event("residents", "household_registered")
    def project_household_registered(self, envelope):
        save_household(self.store, envelope["data"], event_version(envelope))

    @consume_event("residents", "household_changed")
    def project_household_changed(self, envelope):
        save_household(self.store, envelope["data"], event_version(envelope))

    @consume_event("residents", "grid_changed")
    def project_grid_changed(self, envelope):
        save_grid(self.store, envelope["data"])

    @consume_event("residents", "resident_registered")
    def project_resident_registered(self, envelope):
        data = envelope["data"]
        save_resident(self.store, data["resident_id"],
                      {**resident_fields(data), "community_id": data["community_id"]},
                      event_version(envelope))

    @consume_event("residents", "resident_updated")
    def project_resident_updated(self, envelope):
        data = envelope["data"]
        fields = resident_fields(data["changes"])
        if fields:  # community_id on every document: the community scope filters by it
            save_resident(self.store, data["resident_id"],
                          {**fields, "community_id": data["community_id"]},
                          event_version(envelope))
