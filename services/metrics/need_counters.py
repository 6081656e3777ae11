"""The needs loop's counters for the unwindowed summary: the sums of contracts/need_rates.counts
over every need of a community, kept as need facts arrive, so a summary reads a few small
documents per community instead of every need fact. The only code touching this collection.

A need's contribution to the sums is a function of its state alone (`counts([state])`); a
*shard* per (community, crc32(need id) % 16) holds the sums and each need's counted version,
changed by counts(new) - counts(old) exactly once (the compare-and-set of latest_counters.py).
A crash between the fact and the counter leaves the counter at the old version: the
redelivery applies it then.

Tenants whose outreach facts predate these counters are marked (`counter_marks`, kind
`outreach`, schema mark `outreach_counters_v1`) and aggregated until a rebuild.
"""
from pymongo import ASCENDING

from contracts.need_rates import counts
from services.metrics import counter_marks, latest_counters
from chassis.counter_keys import shard_of

SHARDS_COLLECTION = "summary_need_shards"
COMMUNITY_SCOPED = (SHARDS_COLLECTION,)
FIELDS = tuple(counts([]))  # received, responded_on_time, resolved, ...
KIND, MARK = "outreach", "outreach_counters_v1"  # households' and knocks' counters too


def ensure_indexes(raw):
    # single-field: the nx-27017 stand-in plans only single-field indexes (counters.py)
    raw[SHARDS_COLLECTION].create_index([("tenant", ASCENDING)])


def shard_id(tenant, community_id, need_id):
    return f"{tenant}:{community_id}:{shard_of(need_id)}"


def contribution(state):
    """What one need in this state adds to the sums (only the non-zero parts are kept)."""
    return {name: n for name, n in counts([state]).items() if n}


def apply(db, need_id, state):
    """Count `state` (a need fact: community_id, version and the rate fields) unless its shard
    already counted this need at this version or a later one. True when the sums changed."""
    return latest_counters.count_latest(
        db[SHARDS_COLLECTION], shard_id(db.tenant, state["community_id"], need_id),
        {"community_id": state["community_id"]}, need_id, state["version"],
        contribution(state), FIELDS)


def sums(db, community_id=None):
    """contracts.need_rates.counts over every counted need (of one community, or all the
    caller sees)."""
    return latest_counters.sums(db[SHARDS_COLLECTION],
                                {"community_id": community_id} if community_id else {}, FIELDS)


def mark_incomplete(raw, tenants_holding_facts):
    counter_marks.mark_incomplete(raw, MARK, KIND, tenants_holding_facts)


def complete(db):
    return counter_marks.complete(db, KIND)


def forget(db):
    """For a rebuild: the counters go with the facts (and the mark: the rebuild derives both)."""
    db[SHARDS_COLLECTION].delete_many({})
    counter_marks.forget(db, KIND)
