"""Tallies: slim copies of counter documents' sums, so that a summary sums small documents.

A counter document (counters.py) keeps, beside its sums, every id it credited (the guard that
makes each credit once, in the same write) and, for a cohort, a count per birth date. The
stand-in reads a document whole, so summing the 2,000 cohorts of a 100,000-resident tenant
cost ~21 ms a sum, growing with the tenant; summing 2,000 documents holding only the sums
costs ~1.6 ms (bench/RESULTS.md, fifth session).

The copy is kept exact with no write across two documents:
- every credit to a tallied document increments its version `v` and sets `dirty` in the same
  write (`marked`);
- the fold (a metrics timer: any replica, any time, several at once) copies a dirty
  document's sums to its tally only forward (written where the tally's `v` is lower), then
  clears `dirty` only where `v` is still the one it copied;
- a reader sums the tallies and, for every document still dirty, counts the document's own
  sums instead of its tally's.
A crash between any two steps leaves the document dirty: readers use the document itself
and the next fold copies it. Each caller owns its collections and passes their names; this
module holds only the copy's rule. A tally lives in `<collection>_tallies` under the
document's own id, with its tenant and the fields a reader matches on."""
from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError

DIRTY, VERSION = "dirty", "v"
DUPLICATE_KEY = 11000
BATCH = 500


def tally_collection(name):
    return f"{name}_tallies"


def ensure_indexes(raw, name):
    # single-field: the nx-27017 stand-in plans only single-field indexes; `dirty` is held by
    # the few documents credited since the last fold, so their read stays small
    raw[name].create_index([(DIRTY, ASCENDING)])
    raw[tally_collection(name)].create_index([("tenant", ASCENDING)])


def marked(update):
    """A credit's `update`, also marking its document for the fold."""
    update.setdefault("$set", {})[DIRTY] = 1
    update.setdefault("$inc", {})[VERSION] = 1
    return update


def tally_of(document, fields, names):
    """The tally of a counter document: its tenant, `fields`, sums `names` and version."""
    return {"_id": document["_id"], "tenant": document["tenant"],
            **{field: document.get(field) for field in fields},
            **{name: document.get(name) or 0 for name in names},
            VERSION: document.get(VERSION, 0)}


def fold(raw, name, fields, names):
    """Copy every dirty document of `raw[name]` (all tenants) to its tally. How many copied."""
    documents, tallies = raw[name], raw[tally_collection(name)]
    projection = {field: 1 for field in ("tenant", VERSION, *fields, *names)}
    folded = 0
    while True:
        batch = [tally_of(doc, fields, names)
                 for doc in documents.find({DIRTY: 1}, projection).limit(BATCH)]
        if not batch:
            return folded
        try:
            tallies.bulk_write([UpdateOne(
                {"_id": tally["_id"], VERSION: {"$lt": tally[VERSION]}},
                {"$set": {k: v for k, v in tally.items() if k != "_id"}}, upsert=True)
                for tally in batch], ordered=False)
        except BulkWriteError as exc:
            # a duplicate key: that tally holds this version or a later one already
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise
        documents.bulk_write([UpdateOne({"_id": tally["_id"], VERSION: tally[VERSION]},
                                        {"$unset": {DIRTY: ""}}) for tally in batch],
                             ordered=False)
        folded += len(batch)
        if len(batch) < BATCH:
            return folded


def sums(db, name, match, names):
    """The sums `names` over the tenant's documents of `name` matching `match` (on fields
    their tallies carry): each document dirty now by its own sums, every other by its tally.

    The dirty documents are read first, then the tallies of the others. A document that was
    not dirty then had its tally equal to its sums (a credit marks it in its own write, a fold
    clears the mark only where its copy is current), and a tally only moves forward, so every
    document counts with its state at that first read or later. Reading the tallies first
    would let a fold between the two reads hide a credit: copied after the tallies were
    summed, no longer dirty when the documents were read."""
    dirty = db[name].find({**match, DIRTY: 1}, projection={n: 1 for n in names})
    others = {**match, "_id": {"$nin": [doc["_id"] for doc in dirty]}} if dirty else match
    rows = db[tally_collection(name)].aggregate([
        {"$match": others}, {"$group": {"_id": None, **{n: {"$sum": f"${n}"} for n in names}}}])
    # a field absent from every tally is summed to None by the stand-in
    total = {n: (rows[0].get(n) or 0) if rows else 0 for n in names}
    for doc in dirty:
        for n in names:
            total[n] += doc.get(n) or 0
    return total


def mark_all(raw, name):
    """Every document of `raw[name]` dirty, to be folded: for a store from before tallies."""
    raw[name].update_many({}, marked({}))


def empty(db, name, credited):
    """A rebuild's forget of the tenant's documents of `name`: their `credited` fields go,
    marked like a credit. Not deleted: a deleted document would start again at version 1,
    below the tally a fold that read it before may still write, and that stale copy would
    then pass for current. The tallies stay, behind the documents' versions, until folded."""
    db[name].update_many({}, marked({"$unset": {field: "" for field in credited}}))
