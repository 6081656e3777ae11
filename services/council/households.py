"""Council's own projection of the registry: every household (with its grid), every grid
(with its workers) and, per resident, what coverage priority needs (born when, lives alone),
kept from the registry's events so council never reads the registry's database.

`HouseholdsProjection` is an entrypoints mixin of CouncilService; the functions below are
the only code touching these collections. Every write is an upsert by the registry's id, so
a redelivered or reordered event leaves the same state (a later change wins by `updated_at`
where order matters)."""
from pymongo import ASCENDING

from chassis.consumer import consume_event
from chassis.tenancy import ensure_tenant_index
from contracts.elderly import elderly_cutoff

HOUSEHOLDS, GRIDS, RESIDENTS = "households", "grids", "resident_facts"


def ensure_indexes(raw):
    ensure_tenant_index(raw[HOUSEHOLDS], [("community_id", ASCENDING), ("grid_id", ASCENDING)])
    ensure_tenant_index(raw[GRIDS], [("community_id", ASCENDING)])
    ensure_tenant_index(raw[RESIDENTS], [("household_id", ASCENDING)])
    # The nx-27017 stand-in plans a query with a single-field index only (a tenant-led
    # compound index never matches there: bench/RESULTS.md, Growth), so coverage's two reads
    # also get one on their scalar field, and cost what the community holds, not the tenant.
    # (A `$in` of a community's household ids is no lookup there: 0.3-14 s at 100,000.)
    raw[HOUSEHOLDS].create_index([("community_id", ASCENDING)])
    raw[RESIDENTS].create_index([("community_id", ASCENDING)])


# -- writes (from events) ---------------------------------------------------------------------
def save_household(db, data):
    fields = {k: data.get(k) for k in ("compound_id", "community_id", "address", "grid_id")}
    db[HOUSEHOLDS].update_one({"_id": data["household_id"]}, {"$set": fields}, upsert=True)


def save_grid(db, data):
    fields = {k: data[k] for k in ("community_id", "name", "worker_subs")}
    db[GRIDS].update_one({"_id": data["grid_id"]}, {"$set": fields}, upsert=True)


def save_resident(db, resident_id, fields):
    db[RESIDENTS].update_one({"_id": resident_id}, {"$set": fields}, upsert=True)


def knocked(db, household_id, at):
    """The household's latest knock (any outcome): `$max`, so order does not matter."""
    db[HOUSEHOLDS].update_one({"_id": household_id}, {"$max": {"last_knocked_at": at}},
                              upsert=True)


# -- reads ------------------------------------------------------------------------------------
def households_in(db, community_id=None, grid_id=None):
    query = {"community_id": {"$exists": True}}
    if community_id:
        query["community_id"] = community_id
    if grid_id:
        query["grid_id"] = grid_id
    return db[HOUSEHOLDS].find(query, sort=[("_id", ASCENDING)])


def grids_in(db, community_id=None, grid_id=None):
    query = {}
    if community_id:
        query["community_id"] = community_id
    if grid_id:
        query["_id"] = grid_id
    return db[GRIDS].find(query, sort=[("name", ASCENDING)])


def elderly_alone_households(db, household_ids, today, community_id=None):
    """Households where someone elderly (by birth date, today) who lives alone is registered.
    Read by community when the caller names one (a resident's community is its household's:
    neither a household nor a resident moves between communities) with equalities only, and
    kept to the given households and the birth cutoff here: on the stand-in a `$in` of the
    households is no index lookup (0.3-14 s at 100,000) and a range beside the equalities
    makes the store filter every document of the community (12 vs 235 ms, bench/growth.py)."""
    query = {"lives_alone": True}
    if community_id:
        query["community_id"] = community_id
    wanted, cutoff = set(household_ids), elderly_cutoff(today)
    return {row["household_id"] for row in db[RESIDENTS].find(query)
            if row.get("household_id") in wanted and str(row.get("birth_date") or "") <= cutoff
            and row.get("birth_date")}


def resident_fields(data):
    fields = {}
    if "household_id" in data:
        fields["household_id"] = data["household_id"]
    if "birth_date" in data:
        fields["birth_date"] = str(data["birth_date"])
    if "tags" in data:
        fields["lives_alone"] = "lives_alone" in (data["tags"] or [])
    return fields


class HouseholdsProjection:
    """Consumers of the registry's events (method names are unique across council's mixins:
    each becomes its own queue `council.<method>`)."""

    @consume_event("residents", "household_registered")
    def project_household_registered(self, envelope):
        save_household(self.store, envelope["data"])

    @consume_event("residents", "household_changed")
    def project_household_changed(self, envelope):
        save_household(self.store, envelope["data"])

    @consume_event("residents", "grid_changed")
    def project_grid_changed(self, envelope):
        save_grid(self.store, envelope["data"])

    @consume_event("residents", "resident_registered")
    def project_resident_registered(self, envelope):
        data = envelope["data"]
        save_resident(self.store, data["resident_id"],
                      {**resident_fields(data), "community_id": data["community_id"]})

    @consume_event("residents", "resident_updated")
    def project_resident_updated(self, envelope):
        data = envelope["data"]
        fields = resident_fields(data["changes"])
        if fields:  # community_id on every document: the community scope filters by it
            save_resident(self.store, data["resident_id"],
                          {**fields, "community_id": data["community_id"]})
