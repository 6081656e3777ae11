"""The summary's counters (ADR 0015): kept as the facts arrive, so an unwindowed summary
reads a few small documents per community instead of aggregating every fact of the tenant.
The only code touching these collections.

- A *cohort* per (community, birth year) counts the registered residents born in it, in
  all (`members_n`) and per birth date (`members_days.YYYY-MM-DD`), and the same for the
  residents among them with a completed visit (`served_*`). "Elderly" moves every day with
  the cutoff: it is the cohorts before the cutoff's year plus the cutoff year's birth dates
  up to it. Years, not decades: the cutoff's cohort is read whole, and the stand-in's cost
  of a `find` grows with the documents' size (a decade's: 166 ms at 100,000 residents; a
  year's: 27 ms), while the sums are aggregations that stay in the store.
- A *visit day* per (community, local day, UTC+8) sums the completed visits and medicine
  packages of that day.
- A *served shard* per (community, hash of the resident id) counts the distinct residents
  (registered or not) with a completed visit in that community.

Credited once: every counter document holds the ids it counted (`members`, `served`,
`visits`) and its `$inc` is conditional on the id being absent (removed only where the same
id is present with the value it was counted with), in one document write. A redelivered
event, or the same event from a rebuild, changes nothing; there is no read-then-write.

Summed from tallies (tallies.py): the ids and birth dates make these documents large, and
the stand-in reads each whole, so the sums are read from slim copies a timer folds, exact
meanwhile. Only the cutoff year's cohorts, a few documents, are read themselves.
"""
from collections import Counter, namedtuple
from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING

from chassis.counter_keys import field_key, shard_of
from services.metrics import tallies

COHORTS, VISIT_DAYS, SERVED_SHARDS = "summary_cohorts", "summary_visit_days", "summary_served"
# per tallied collection: the fields its readers match on, and its sums
TALLIED = {COHORTS: (("community_id", "year"), ("members_n", "served_n")),
           VISIT_DAYS: (("community_id", "day"), ("visits_n", "packages_n")),
           SERVED_SHARDS: (("community_id",), ("n",))}
# per tallied collection: what its credits write (emptied by a rebuild's forget)
CREDITED = {COHORTS: ("members", "served", "members_n", "served_n", "members_days",
                      "served_days"),
            VISIT_DAYS: ("visits", "visits_n", "packages_n"),
            SERVED_SHARDS: ("residents", "n")}
COMMUNITY_SCOPED = (COHORTS, VISIT_DAYS, SERVED_SHARDS,
                    *(tallies.tally_collection(name) for name in TALLIED))
TALLIES_MARK = "summary_tallies_v1"
CHINA = timezone(timedelta(hours=8))
MEMBERS, SERVED = "members", "served"


def ensure_indexes(raw):
    # A single-field index on `tenant`: the nx-27017 stand-in plans only single-field indexes
    # (bench/RESULTS.md, Growth), and a summary reads every counter document of its tenant.
    raw[COHORTS].create_index([("tenant", ASCENDING)])
    # the cutoff year's cohorts (every summary reads them): by year, the stand-in reads those
    # few documents instead of every cohort of the tenant (36 -> 12 ms at 100,000 residents)
    raw[COHORTS].create_index([("year", ASCENDING)])
    raw[VISIT_DAYS].create_index([("tenant", ASCENDING)])
    raw[SERVED_SHARDS].create_index([("tenant", ASCENDING)])
    for name in TALLIED:
        tallies.ensure_indexes(raw, name)
    _mark_for_tallies(raw)


def _mark_for_tallies(raw):
    """Once per store: counter documents from before the tallies are marked for the fold
    (and read themselves until it has run)."""
    marks = raw["schema_marks"]
    if marks.find_one({"_id": TALLIES_MARK}) is not None:
        return
    for name in TALLIED:
        tallies.mark_all(raw, name)
    marks.update_one({"_id": TALLIES_MARK}, {"$set": {"done": True}}, upsert=True)


def fold(raw):
    """Copy what was credited since the last fold to the tallies, every tenant's."""
    return {name: tallies.fold(raw, name, fields, names)
            for name, (fields, names) in TALLIED.items()}


def _year(birth_date):
    return int(birth_date[:4])


def _cohort_id(db, community_id, birth_date):
    return f"{db.tenant}:{community_id}:{_year(birth_date)}"


# What credit_once takes after `db`: the counter document, the guard field naming the id (its
# value what the id was counted with), the fields of a new document, and the increments.
Credit = namedtuple("Credit", "collection doc_id guard value fields increments")


def credit_once(db, collection, doc_id, guard_field, value, fields, increments):
    """`$inc` once per id: only while `guard_field` is absent from the document. Not an
    upsert: the stand-in's upsert stores a dotted `$inc` path as one literal field name, so a
    missing document is inserted empty first (once per document) and the update retried.
    Absent, or holding the id already: inserted here or by a concurrent first id, either way
    the retry counts this id once, or finds it counted."""
    query, update = _guarded_change(collection, doc_id, {guard_field: value}, increments)
    if db[collection].update_one(query, update, record=False):
        return True
    db[collection].insert_if_absent({"_id": doc_id, **fields})
    return db[collection].update_one(query, update, record=False)


def credit_each(db, credits):
    """credit_once for every `Credit`, in far fewer commands:
    a document's credits become one update guarded by all their ids' absence (as cheap to the
    stand-in as one credit: 0.98 ms for ten, 0.84 for one), and a collection's documents one
    command. Where a document is missing or holds one of the ids already, what it holds is
    read back and each credit it lacks is written alone, so each still counts once.
    Collections are written in the order their first credit comes: a caller keeps its order
    of kinds (cohort before shard before day) by passing every credit of one kind first."""
    collections = {}  # collection -> doc id -> guard field -> credit (one id twice is one)
    for credit in credits:
        collections.setdefault(credit.collection, {}).setdefault(
            credit.doc_id, {})[credit.guard] = credit
    for collection, documents in collections.items():
        groups = list(documents.values())
        if len(groups) == 1 and len(groups[0]) == 1:  # one credit: credit_once's own path
            credit_once(db, *next(iter(groups[0].values())))
            continue
        changes = [_together(collection, doc_id, group)
                   for doc_id, group in documents.items()]
        if db[collection].update_each(changes) == len(changes):
            continue
        held = held_guards(db, collection, {doc_id: list(group)
                                            for doc_id, group in documents.items()})
        for doc_id, group in documents.items():
            for guard, credit in group.items():
                if guard not in held.get(doc_id, ()):
                    credit_once(db, *credit)


def _guarded_change(collection, doc_id, guards, increments):
    """The (query, update) setting every guard field to its value and adding `increments`,
    only while none of the guards is in the document."""
    update = {"$set": dict(guards), "$inc": dict(increments)}
    if collection in TALLIED:
        tallies.marked(update)
    return {"_id": doc_id, **{guard: {"$exists": False} for guard in guards}}, update


def _together(collection, doc_id, group):
    """The change crediting every credit of `group` (guard field -> credit) at once."""
    increments = Counter()
    for credit in group.values():
        increments.update(credit.increments)
    return _guarded_change(collection, doc_id,
                           {guard: credit.value for guard, credit in group.items()}, increments)


def held_guards(db, collection, guards):
    """{doc id: the guard fields (`field.key`) among `guards[doc id]` it holds}, read in one
    command with only those entries projected (one document: by id alone, chassis/tenancy.py).
    The stand-in answers a dotted projection under the dotted name, MongoDB as a nested
    document: either says the entry is there."""
    projection = {guard: 1 for wanted in guards.values() for guard in wanted}
    held = {}
    for document in db[collection].find_by_ids(guards, projection):
        held[document["_id"]] = {
            guard for guard in guards[document["_id"]]
            if guard in document or guard.partition(".")[2] in (
                document.get(guard.partition(".")[0]) or {})}
    return held


def cohort_credit(db, kind, community_id, resident_id, birth_date):
    return Credit(COHORTS, _cohort_id(db, community_id, birth_date),
                  f"{kind}.{field_key(resident_id)}", birth_date,
                  {"community_id": community_id, "year": _year(birth_date)},
                  {f"{kind}_n": 1, f"{kind}_days.{birth_date}": 1})


def cohort_add(db, kind, community_id, resident_id, birth_date):
    return credit_once(db, *cohort_credit(db, kind, community_id, resident_id, birth_date))


def cohort_remove(db, kind, community_id, resident_id, birth_date):
    """Undo cohort_add, once: only where the resident is held with this birth date."""
    key = f"{kind}.{field_key(resident_id)}"
    return db[COHORTS].update_one(
        {"_id": _cohort_id(db, community_id, birth_date), key: birth_date},
        tallies.marked({"$unset": {key: ""},
                        "$inc": {f"{kind}_n": -1, f"{kind}_days.{birth_date}": -1}}),
        record=False)


def local_day(instant):
    return datetime.fromisoformat(instant).astimezone(CHINA).date().isoformat()


def visit_credit(db, fact):
    """`fact` as services.metrics.domain.visit_fact builds it."""
    day = local_day(fact["completed_at"])
    return Credit(VISIT_DAYS, f"{db.tenant}:{fact['community_id']}:{day}",
                  f"visits.{field_key(fact['_id'])}", fact["medicine_packages"],
                  {"community_id": fact["community_id"], "day": day},
                  {"visits_n": 1, "packages_n": fact["medicine_packages"]})


def visit_add(db, fact):
    return credit_once(db, *visit_credit(db, fact))


def _served_shard_id(db, community_id, resident_id):
    return f"{db.tenant}:{community_id}:{shard_of(resident_id)}"


def served_credit(db, community_id, resident_id):
    return Credit(SERVED_SHARDS, _served_shard_id(db, community_id, resident_id),
                  f"residents.{field_key(resident_id)}", 1, {"community_id": community_id},
                  {"n": 1})


def served_add(db, community_id, resident_id):
    """True the first time this resident is counted served in this community."""
    return credit_once(db, *served_credit(db, community_id, resident_id))


def is_counted_served(db, community_id, resident_id):
    return (community_id, resident_id) in counted_served(db, {(community_id, resident_id)})


def counted_served(db, pairs):
    """Which of these (community, resident id) pairs are counted served: their shards read in
    one command."""
    wanted = {}
    for pair in pairs:
        credit = served_credit(db, *pair)
        wanted.setdefault(credit.doc_id, {})[credit.guard] = pair
    held = held_guards(db, SERVED_SHARDS, {shard: list(keys) for shard, keys in wanted.items()})
    return {pair for shard, keys in wanted.items() for guard, pair in keys.items()
            if guard in held.get(shard, ())}


# -- reads ----------------------------------------------------------------------------------------
def _scope(community_id):
    return {"community_id": community_id} if community_id else {}


def _sums(db, match):
    found = tallies.sums(db, COHORTS, match, TALLIED[COHORTS][1])
    return {MEMBERS: found["members_n"], SERVED: found["served_n"]}


def residents(db, community_id, born_by):
    """(registered, elderly registered, elderly served) over every registration: the cohorts
    of years before the cutoff's, plus the cutoff year's birth dates up to the cutoff.
    Grouped by nothing: a `$group` by year costs the stand-in 3x one sum."""
    year = _year(born_by)
    registered = _sums(db, _scope(community_id))[MEMBERS]
    elderly = _sums(db, {**_scope(community_id), "year": {"$lt": year}})
    edge = db[COHORTS].find({**_scope(community_id), "year": year},
                            projection={"members_days": 1, "served_days": 1})
    for doc in edge:
        for kind in (MEMBERS, SERVED):
            elderly[kind] += sum(n for d, n in (doc.get(f"{kind}_days") or {}).items()
                                 if d <= born_by)
    return registered, elderly[MEMBERS], elderly[SERVED]


def visits(db, community_id):
    found = tallies.sums(db, VISIT_DAYS, _scope(community_id), TALLIED[VISIT_DAYS][1])
    return found["visits_n"], found["packages_n"]


def served(db, community_id):
    return tallies.sums(db, SERVED_SHARDS, _scope(community_id), TALLIED[SERVED_SHARDS][1])["n"]


def forget(db):
    """Emptied in place, not deleted: a document's version keeps growing across a rebuild,
    so a fold that read it before cannot leave its older copy as the tally of the new one."""
    for name in TALLIED:
        tallies.empty(db, name, CREDITED[name])
