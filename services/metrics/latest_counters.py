"""Sums that count each item's latest state once (services/metrics/need_counters.py,
follow_up_counters.py): a shard document holds the sums and, per item, the version it was
counted at and its contribution (`items.<key>: {v, c}`). An item moving from version v_old to
v_new changes the sums by contribution(new) - contribution(old), exactly once:

the write is a compare-and-set on the item's entry in the same document as the sums, matched
only while the entry is absent (first version) or still holds the version it was read with.
A redelivery or an older version arriving late finds a version at least its own and changes
nothing; two replicas racing on one item both read, one write matches, the other re-reads and
applies its delta to what the first left (or finds itself stale). Never check-then-write.

Each caller owns its collection and passes it; this module holds only the write's rule."""
from chassis.counter_keys import field_key


def count_latest(shards, doc_id, fields, item_id, version, contribution, names):
    """Count `contribution` (a dict of non-zero sums, `names` all of them) for `item_id` at
    `version` in the shard `doc_id` of the collection `shards` (a TenantCollection), unless it
    already counted this item at this version or a later one. `fields` go on a new shard.
    True when the sums changed."""
    entry = f"items.{field_key(item_id)}"
    while True:
        held = shards.find_one({"_id": doc_id})
        if held is None:
            # Not an upsert: the stand-in stores a dotted path of an upsert as one literal
            # field name. Inserted empty once (here or by a racing first item), then retried.
            shards.insert_if_absent({"_id": doc_id, **fields, **{name: 0 for name in names}})
            continue
        old = (held.get("items") or {}).get(field_key(item_id))
        if old is not None and old["v"] >= version:
            return False  # a redelivery, or an older version arriving after a newer one
        was = old["c"] if old else {}
        delta = {name: contribution.get(name, 0) - was.get(name, 0) for name in names}
        update = {"$set": {entry: {"v": version, "c": contribution}}}
        if any(delta.values()):
            update["$inc"] = {name: n for name, n in delta.items() if n}
        guard = {f"{entry}.v": old["v"]} if old else {entry: {"$exists": False}}
        if shards.update_one({"_id": doc_id, **guard}, update, record=False):
            return True
        # another writer changed this item's entry between the read and the write: read again


def sums(shards, match, names):
    rows = shards.aggregate([{"$match": match},
                             {"$group": {"_id": None,
                                         **{name: {"$sum": f"${name}"} for name in names}}}])
    row = rows[0] if rows else {}
    return {name: row.get(name) or 0 for name in names}
