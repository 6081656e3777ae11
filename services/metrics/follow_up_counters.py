"""Follow-ups due and overdue, counted as their facts arrive, so every summary reads a few
small documents per community instead of aggregating every follow-up fact. The only code
touching this collection.

A follow-up's status only moves forward (its rank: pending < due < overdue < done, as
store.record_follow_up keeps it); a *shard* per (community, crc32(follow-up id) % 16) holds
the sums and each follow-up's counted rank, changed by the move's difference exactly once (the
compare-and-set of latest_counters.py, with the rank as the version).

Tenants holding follow-up facts at the first start with these counters are marked
(`counter_marks`, kind `follow_ups`, schema mark `follow_up_counters_v1`) and aggregated until
a rebuild.
"""
from pymongo import ASCENDING

from services.metrics import counter_marks, latest_counters
from chassis.counter_keys import shard_of

SHARDS_COLLECTION = "summary_follow_up_shards"
COMMUNITY_SCOPED = (SHARDS_COLLECTION,)
FIELDS = ("due", "overdue")
KIND, MARK = "follow_ups", "follow_up_counters_v1"


def ensure_indexes(raw):
    # single-field: the nx-27017 stand-in plans only single-field indexes (counters.py)
    raw[SHARDS_COLLECTION].create_index([("tenant", ASCENDING)])


def shard_id(tenant, community_id, follow_up_id):
    return f"{tenant}:{community_id}:{shard_of(follow_up_id)}"


def contribution(fact):
    return {fact["status"]: 1} if fact["status"] in FIELDS else {}


def apply(db, fact):
    """`fact` as services.metrics.domain.follow_up_fact builds it."""
    return latest_counters.count_latest(
        db[SHARDS_COLLECTION], shard_id(db.tenant, fact["community_id"], fact["_id"]),
        {"community_id": fact["community_id"]}, fact["_id"], fact["rank"],
        contribution(fact), FIELDS)


def counts(db, community_id=None):
    found = latest_counters.sums(db[SHARDS_COLLECTION],
                                 {"community_id": community_id} if community_id else {}, FIELDS)
    return {"follow_ups_due": found["due"], "follow_ups_overdue": found["overdue"]}


def mark_incomplete(raw, tenants_holding_facts):
    counter_marks.mark_incomplete(raw, MARK, KIND, tenants_holding_facts)


def complete(db):
    return counter_marks.complete(db, KIND)


def forget(db):
    db[SHARDS_COLLECTION].delete_many({})
    counter_marks.forget(db, KIND)
