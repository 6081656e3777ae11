"""The needs loop's counters for the unwindowed summary: the sums of contracts/need_rates.counts
over every need of a community, kept as need facts arrive, so a summary reads a few small
documents per community instead of every need fact. The only code touching these collections.

A need's contribution to the sums is a function of its state alone (`counts([state])`). When a
need moves from version v_old to v_new, its shard changes by counts(new) - counts(old), once:

- A *shard* per (community, crc32(need id) % 16) holds the sums and, per need, the version it
  was counted at and its contribution (`needs.<key>: {v, c}`).
- The write is a compare-and-set on that entry in the same document as the sums: matched only
  while the entry is absent (first version) or still holds the version it was read with. A
  redelivery or an older version arriving late finds a version at least its own and changes
  nothing; two replicas racing on one need both read, one write matches, the other re-reads
  and applies its delta to what the first left (or finds itself stale). A crash between the
  fact and the counter leaves the counter at the old version: the redelivery applies it then.

Tenants whose need facts predate the counters are marked incomplete (`mark_incomplete`) and
their summary aggregates the facts until a rebuild derives the counters (`forget` drops it).
"""
import zlib

from pymongo import ASCENDING

from contracts.need_rates import counts

SHARDS_COLLECTION, MARKS = "summary_need_shards", "summary_outreach_marks"
COMMUNITY_SCOPED = (SHARDS_COLLECTION,)
SHARDS = 16
FIELDS = tuple(counts([]))  # received, responded_on_time, resolved, ...
MARK = "outreach_counters_v1"  # the schema mark: tenants holding facts from before the counters


def ensure_indexes(raw):
    # single-field: the nx-27017 stand-in plans only single-field indexes (counters.py)
    raw[SHARDS_COLLECTION].create_index([("tenant", ASCENDING)])


def key(need_id):
    # ids become field names: a dot or a $ would be read as a path or an operator
    return str(need_id).replace("_", "__").replace(".", "_d").replace("$", "_s")


def _shard_id(db, community_id, need_id):
    shard = zlib.crc32(str(need_id).encode()) % SHARDS
    return f"{db.tenant}:{community_id}:{shard}"


def contribution(state):
    """What one need in this state adds to the sums (only the non-zero parts are kept)."""
    return {name: n for name, n in counts([state]).items() if n}


def apply(db, need_id, state):
    """Count `state` (a need fact: community_id, version and the rate fields) in its shard
    unless the shard already counted this need at this version or a later one. True when it
    changed the sums."""
    shards = db[SHARDS_COLLECTION]
    doc_id = _shard_id(db, state["community_id"], need_id)
    entry = f"needs.{key(need_id)}"
    new = contribution(state)
    while True:
        held = shards.find_one({"_id": doc_id})
        if held is None:
            # Not an upsert: the stand-in stores a dotted path of an upsert as one literal
            # field name. Inserted empty once (here or by a racing first need), then retried.
            shards.insert_if_absent({"_id": doc_id, "community_id": state["community_id"],
                                     **{name: 0 for name in FIELDS}})
            continue
        old = (held.get("needs") or {}).get(key(need_id))
        if old is not None and old["v"] >= state["version"]:
            return False  # a redelivery, or an older version arriving after a newer one
        was = old["c"] if old else {}
        delta = {name: new.get(name, 0) - was.get(name, 0) for name in FIELDS}
        update = {"$set": {entry: {"v": state["version"], "c": new}}}
        if any(delta.values()):
            update["$inc"] = {name: n for name, n in delta.items() if n}
        guard = {f"{entry}.v": old["v"]} if old else {entry: {"$exists": False}}
        if shards.update_one({"_id": doc_id, **guard}, update, record=False):
            return True
        # another writer changed this need's entry between the read and the write: read again


def sums(db, community_id=None):
    """contracts.need_rates.counts over every counted need (of one community, or all the
    caller sees)."""
    rows = db[SHARDS_COLLECTION].aggregate([
        {"$match": {"community_id": community_id} if community_id else {}},
        {"$group": {"_id": None, **{name: {"$sum": f"${name}"} for name in FIELDS}}}])
    row = rows[0] if rows else {}
    return {name: row.get(name) or 0 for name in FIELDS}


# -- facts from before the counters -------------------------------------------------------------
def mark_incomplete(raw, tenants_holding_facts):
    """Once per store (the schema mark): every tenant that held outreach facts before these
    counters existed is answered by aggregation until a rebuild. `tenants_holding_facts` is
    called only when the mark is missing."""
    marks = raw["schema_marks"]
    if marks.find_one({"_id": MARK}) is not None:
        return
    for tenant in tenants_holding_facts():
        raw[MARKS].update_one({"_id": f"{tenant}:incomplete"}, {"$set": {"tenant": tenant}},
                              upsert=True)
    marks.update_one({"_id": MARK}, {"$set": {"done": True}}, upsert=True)


def complete(db):
    """True when this tenant's outreach counters hold every fact (no mark from before them)."""
    return db[MARKS].find_one({"_id": f"{db.tenant}:incomplete"}) is None


def forget(db):
    """For a rebuild: the counters go with the facts (and the mark: the rebuild derives both)."""
    db[SHARDS_COLLECTION].delete_many({})
    db[MARKS].delete_many({})
