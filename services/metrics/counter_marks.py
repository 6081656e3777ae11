"""Tenants whose facts predate a kind of counter: at the first start with those counters (once
per store, a schema mark) every tenant holding such facts is marked, and its summary
aggregates those facts until a rebuild (which forgets the counters with the mark and derives
both). The only code touching this collection."""
MARKS = "summary_counter_marks"


def mark_incomplete(raw, schema_mark, kind, tenants_holding_facts):
    """`tenants_holding_facts()` is called only when `schema_mark` is missing."""
    marks = raw["schema_marks"]
    if marks.find_one({"_id": schema_mark}) is not None:
        return
    for tenant in tenants_holding_facts():
        raw[MARKS].update_one({"_id": f"{tenant}:{kind}"}, {"$set": {"tenant": tenant}},
                              upsert=True)
    marks.update_one({"_id": schema_mark}, {"$set": {"done": True}}, upsert=True)


def complete(db, kind):
    """True when this tenant's counters of `kind` hold every fact (no mark from before)."""
    return db[MARKS].find_one({"_id": f"{db.tenant}:{kind}"}) is None


def forget(db, kind):
    db[MARKS].delete_many({"_id": f"{db.tenant}:{kind}"})
