"""Households and this week's door-knocks, counted as their facts arrive, for the unwindowed
summary (instead of an aggregation over every household and knock fact of the tenant). The
only code touching these collections.

- A *household shard* per (community, crc32(household id) % 16) counts the community's
  registered households (`n`).
- A *knock shard* per (ISO week, community, crc32(household id) % 16) counts the households
  knocked at that week (`n`); the summary reads the current week's.

Credited once: a shard holds the ids it counted (`households.<key>`) and its `$inc` is
conditional on the id being absent, in the same document write (the pattern of counters.py).
A redelivery, a rebuild or a crash between the fact and its counter counts each id once.
Sharded so that no document grows with the community: a shard holds ~1/16 of its ids.
"""
from pymongo import ASCENDING

from chassis.counter_keys import field_key, shard_of
from services.metrics.counters import credit_once

HOUSEHOLD_SHARDS, KNOCK_SHARDS = "summary_household_shards", "summary_knock_shards"
COMMUNITY_SCOPED = (HOUSEHOLD_SHARDS, KNOCK_SHARDS)


def ensure_indexes(raw):
    # single-field: the nx-27017 stand-in plans only single-field indexes (counters.py)
    raw[HOUSEHOLD_SHARDS].create_index([("tenant", ASCENDING)])
    raw[KNOCK_SHARDS].create_index([("week", ASCENDING)])


def household_shard_id(tenant, community_id, household_id):
    return f"{tenant}:{community_id}:{shard_of(household_id)}"


def knock_shard_id(tenant, week, community_id, household_id):
    return f"{tenant}:{week}:{community_id}:{shard_of(household_id)}"


def _credit(db, collection, doc_id, household_id, fields):
    return credit_once(db, collection, doc_id, f"households.{field_key(household_id)}", 1,
                       fields, {"n": 1})


def household_add(db, community_id, household_id):
    return _credit(db, HOUSEHOLD_SHARDS, household_shard_id(db.tenant, community_id, household_id),
                   household_id, {"community_id": community_id})


def knock_add(db, week, community_id, household_id):
    return _credit(db, KNOCK_SHARDS, knock_shard_id(db.tenant, week, community_id, household_id),
                   household_id, {"community_id": community_id, "week": week})


def _sum(db, collection, match):
    rows = db[collection].aggregate([{"$match": match},
                                     {"$group": {"_id": None, "n": {"$sum": "$n"}}}])
    return (rows[0].get("n") or 0) if rows else 0


def households(db, community_id=None):
    return _sum(db, HOUSEHOLD_SHARDS, {"community_id": community_id} if community_id else {})


def knocked(db, week, community_id=None):
    return _sum(db, KNOCK_SHARDS,
                {"week": week, **({"community_id": community_id} if community_id else {})})


def forget(db):
    for name in (HOUSEHOLD_SHARDS, KNOCK_SHARDS):
        db[name].delete_many({})
