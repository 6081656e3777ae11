"""Outreach and needs indicators: households, this week's door-knock coverage and the needs
loop's rates, projected from the registry's and council's events (and rebuilt from their
exports). The only code touching these fact collections.

Need facts keep the need's state with the highest `version` seen, so redeliveries and
reordering change nothing; the rates are contracts/need_rates.py, as council's scores.

Each fact is also counted (services/metrics/need_counters.py, household_counters.py), and the
summary without a date window reads the counters; with one it aggregates the window's facts.
The counter is written after its fact and from the event itself, whether or not the fact
changed: a redelivery after a crash between the two completes the count, once."""
from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING

from chassis.tenancy import ensure_tenant_index
from contracts.need_rates import rates, rates_of
from services.metrics import household_counters, need_counters

HOUSEHOLD_FACTS, KNOCK_FACTS, NEED_FACTS = "household_facts", "knock_facts", "need_facts"
CHINA = timezone(timedelta(hours=8))
NEED_FIELDS = ("community_id", "compound_id", "status", "unit", "received_at", "respond_by",
               "resolve_by", "responded_at", "resolved_at", "overdue", "reopen_count",
               "ratings", "satisfied_ratings", "version")


def ensure_indexes(raw):
    ensure_tenant_index(raw[HOUSEHOLD_FACTS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[KNOCK_FACTS], [("week", ASCENDING), ("community_id", ASCENDING)])
    ensure_tenant_index(raw[NEED_FACTS], [("community_id", ASCENDING), ("received_at", ASCENDING)])
    need_counters.ensure_indexes(raw)
    household_counters.ensure_indexes(raw)
    need_counters.mark_incomplete(raw, lambda: _tenants_holding_facts(raw))


def _tenants_holding_facts(raw):
    return {row["_id"] for name in (HOUSEHOLD_FACTS, KNOCK_FACTS, NEED_FACTS)
            for row in raw[name].aggregate([{"$group": {"_id": "$tenant"}}])}


def current_week():
    year, week, _ = datetime.now(CHINA).isocalendar()
    return f"{year}-W{week:02d}"


# -- facts ------------------------------------------------------------------------------------
def record_household(db, data):
    inserted = db[HOUSEHOLD_FACTS].insert_if_absent(
        {"_id": data["household_id"], "community_id": data["community_id"]})
    household_counters.household_add(db, data["community_id"], data["household_id"])
    return inserted


def record_knock(db, week, community_id, household_id):
    """One fact per (week, household): a second knock that week adds nothing."""
    inserted = db[KNOCK_FACTS].insert_if_absent(
        {"_id": f"{db.tenant}:{week}:{household_id}", "week": week,
         "community_id": community_id, "household_id": household_id})
    household_counters.knock_add(db, week, community_id, household_id)
    return inserted


def record_need(db, data):
    fact = {"_id": data["need_id"], **{k: data.get(k) for k in NEED_FIELDS}}
    def forward():
        return db[NEED_FACTS].update_one({"_id": fact["_id"],
                                          "version": {"$lt": fact["version"]}}, {"$set": fact})

    # forward again after a lost insert: a racing first event inserted its (maybe older) state
    changed = forward() or db[NEED_FACTS].insert_if_absent(fact) or forward()
    need_counters.apply(db, fact["_id"], fact)
    return changed


def forget(db):
    for name in (HOUSEHOLD_FACTS, KNOCK_FACTS, NEED_FACTS):
        db[name].delete_many({})
    household_counters.forget(db)
    need_counters.forget(db)


def _count(db, collection, match):
    rows = db[collection].aggregate([{"$match": match},
                                     {"$group": {"_id": None, "n": {"$sum": 1}}}])
    return rows[0]["n"] if rows else 0


# -- the summary's fields ---------------------------------------------------------------------
def summary_fields(db, community_id=None, start=None, end=None):
    if not (start or end) and need_counters.complete(db):
        households = household_counters.households(db, community_id)
        knocked = household_counters.knocked(db, current_week(), community_id)
        figures = rates_of(need_counters.sums(db, community_id))
    else:
        households, knocked, figures = aggregated(db, community_id, start, end)
    return {
        "households": households,
        "households_knocked_this_week": knocked,
        "door_knock_coverage": round(knocked / households, 4) if households else 0.0,
        "needs_received": figures["received"],
        "needs_resolved": figures["resolved"],
        "needs_overdue": figures["overdue"],
        "response_rate": figures["response_rate"],
        "resolution_rate": figures["resolution_rate"],
        "satisfaction_rate": figures["satisfaction_rate"],
    }


def aggregated(db, community_id=None, start=None, end=None):
    """(households, knocked this week, need rates) from every fact (of the window's needs)."""
    scope = {"community_id": community_id} if community_id else {}
    # counted by an aggregation: on the nx-27017 stand-in count_documents costs ~40x as much
    # for the same facts (bench/growth.py)
    households = _count(db, HOUSEHOLD_FACTS, scope)
    knocked = _count(db, KNOCK_FACTS, {**scope, "week": current_week()})
    window = dict(scope)
    if start or end:
        window["received_at"] = {**({"$gte": start} if start else {}),
                                 **({"$lt": end} if end else {})}
    return households, knocked, rates(db[NEED_FACTS].find(window))


# -- rebuild ----------------------------------------------------------------------------------
def rebuild(db, export_all):
    """`export_all(service, method)` yields every exported item of a source service."""
    households = sum(record_household(db, item) or 1
                     for item in export_all("residents", "export_households"))
    knocks = 0
    for week in export_all("council", "export_knocked_weeks"):
        for household_id in week["households"]:
            record_knock(db, week["week"], week["community_id"], household_id)
            knocks += 1
    needs = sum(record_need(db, item) or 1 for item in export_all("council", "export_needs"))
    return {"households": households, "knocks": knocks, "needs": needs}
