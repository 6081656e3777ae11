"""The only code touching `household_counts`: how many households council's projection holds
per grid, kept as the registry's events arrive so coverage never counts the households one
by one (ADR 0017).

One document per (community, crc32(household id) % 16) holds, per household, the grid it is
counted in (`members.<id>`) and the sums per grid (`grids.<grid>`; "-" for none). Placing a
household is a compare-and-set on its entry and the sums in that one document: matched only
while the entry is still what was read, so a redelivered event changes nothing, a move
between grids moves one count, and of two writers at once the loser re-reads and finds the
household placed (or places it from what the winner left)."""
from pymongo import ASCENDING

from chassis.counter_keys import field_key, shard_of

COUNTS = "household_counts"
NO_GRID = "-"
TRIES = 20


def ensure_indexes(raw):
    raw[COUNTS].create_index([("community_id", ASCENDING)])


def shard_id(tenant, community_id, household_id):
    return f"{tenant}:{community_id}:{shard_of(household_id)}"


def shard_doc(tenant, community_id, household_id):
    return {"_id": shard_id(tenant, community_id, household_id), "tenant": tenant,
            "community_id": community_id, "members": {}, "grids": {}}


def add_to_shard(doc, household_id, grid_id):
    """What place() leaves, applied to a shard document in memory (for loaders: bench)."""
    grid = field_key(grid_id or NO_GRID)
    held = doc["members"].get(field_key(household_id))
    if held != grid:
        doc["members"][field_key(household_id)] = grid
        doc["grids"][grid] = doc["grids"].get(grid, 0) + 1
        if held is not None:
            doc["grids"][held] -= 1
    return doc


def place(db, community_id, household_id, grid_id):
    """Count the household in its grid, once; True if a count moved."""
    doc_id = shard_id(db.tenant, community_id, household_id)
    member, grid = field_key(household_id), field_key(grid_id or NO_GRID)
    key = f"members.{member}"
    for _ in range(TRIES):
        doc = db[COUNTS].find_one({"_id": doc_id})
        if doc is None:
            # Not an upsert: the stand-in's upsert stores a dotted `$inc` path as one literal
            # field name. Inserted empty once (here or by a concurrent first household).
            db[COUNTS].insert_if_absent({k: v for k, v in shard_doc(
                db.tenant, community_id, household_id).items() if k != "tenant"})
            continue
        held = (doc.get("members") or {}).get(member)
        if held == grid:
            return False
        increments = {f"grids.{grid}": 1, **({f"grids.{held}": -1} if held else {})}
        condition = {key: held} if held else {key: {"$exists": False}}
        if db[COUNTS].update_one({"_id": doc_id, **condition},
                                 {"$set": {key: grid}, "$inc": increments}, record=False):
            return True
    raise RuntimeError(f"household {household_id}: its count kept changing under us")


def counts(db, community_id=None):
    """{grid id or NO_GRID: households} of a community (or the tenant: every community)."""
    totals = {}
    query = {"community_id": community_id} if community_id else {}
    for doc in db[COUNTS].find(query, projection={"grids": 1}):
        for grid, n in (doc.get("grids") or {}).items():
            totals[grid] = totals.get(grid, 0) + n
    return totals
