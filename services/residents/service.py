"""Residents service entrypoints. Thin: each one loads input, then delegates to domain/store."""
from nameko.dependency_providers import Config

from chassis import clock
from chassis.consumer import consume_event
from chassis.context import CallContext
from chassis.errors import EXPECTED, NotFound, found
from chassis.health import HealthChecks
from chassis.internal_reads import internal_read
from chassis.rpc import rpc
from chassis.schemas import page
from chassis.sealing import DataKeys
from chassis.store import Store
from chassis.validation import load
from contracts import new_event
from services.residents import (council_timeline, deliberation_timeline, domain, grids, schemas,
                                store)
from services.residents.activity_timeline import ActivityTimeline


class ResidentsService(ActivityTimeline, HealthChecks):
    name = "residents"

    config = Config()
    call = CallContext()
    keys = DataKeys(sealed=store.AT_REST, lookups=store.LOOKUPS)  # ADR 0011
    store = Store(outboxed=store.OUTBOXED, indexes=store.ensure_indexes,
                  community_scoped=store.COMMUNITY_SCOPED)

    # -- hierarchy -------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_community(self, payload):
        data = load(schemas.CommunityIn, payload)
        return _hierarchy_view(store.add(self.store, store.COMMUNITIES, domain.new_community(data)))

    @rpc(expected_exceptions=EXPECTED)
    def create_compound(self, payload):
        data = load(schemas.CompoundIn, payload)
        community = _existing(self.store, store.COMMUNITIES, data["community_id"], "community")
        compound = domain.new_compound(data, community)
        return _hierarchy_view(store.add(self.store, store.COMPOUNDS, compound))

    @rpc(expected_exceptions=EXPECTED)
    def create_household(self, payload):
        data = load(schemas.HouseholdIn, payload)
        compound = _existing(self.store, store.COMPOUNDS, data["compound_id"], "compound")
        grid = self._grid_of(data.get("grid_id"), compound["community_id"])
        household = domain.new_household(data, compound, grid)
        event = new_event("residents.household_registered", grids.household_event_data(household))
        return _hierarchy_view(store.add(self.store, store.HOUSEHOLDS, household, [event]))

    # -- grids (网格) and households' places in them ----------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_grid(self, payload):
        data = load(schemas.GridIn, payload)
        community = _existing(self.store, store.COMMUNITIES, data["community_id"], "community")
        grid = grids.new_grid(data, community)
        event = new_event("residents.grid_changed", grids.grid_event_data(grid))
        return grids.grid_view(store.add(self.store, store.GRIDS, grid, [event]))

    @rpc(expected_exceptions=EXPECTED)
    def list_grids(self, query):
        filters = load(schemas.GridQuery, query or {})
        where = {"community_id": filters["community_id"]} if filters.get("community_id") else {}
        rows = store.list_all(self.store, store.GRIDS, where, filters["limit"], filters["cursor"])
        return page([grids.grid_view(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def update_household(self, household_id, payload):
        data = load(schemas.HouseholdPatch, payload, partial=True)
        current = _existing(self.store, store.HOUSEHOLDS, household_id, "household")
        grid = self._grid_of(data.get("grid_id"), current["community_id"])
        changes = grids.household_changes(data, grid)
        if not changes:
            return _hierarchy_view(current)
        event = new_event("residents.household_changed",
                          grids.household_event_data({**current, **changes}))
        return _hierarchy_view(store.change(self.store, store.HOUSEHOLDS, household_id,
                                            changes, [event]))

    @rpc(expected_exceptions=EXPECTED)
    def household_ref(self, household_id):
        """Where a household sits and who its grid workers are: for council's checks.
        NotFound when the household is not in the caller's tenant."""
        household = _existing(self.store, store.HOUSEHOLDS, household_id, "household")
        grid = store.get(self.store, store.GRIDS, household["grid_id"]) \
            if household.get("grid_id") else None
        return {**_hierarchy_view(household),
                "grid_workers": list((grid or {}).get("worker_subs") or [])}

    @rpc(expected_exceptions=EXPECTED)
    def export_households(self, limit=500, cursor=None):
        """Household facts (as their events carry them) for rebuilding projections elsewhere."""
        rows = store.list_all(self.store, store.HOUSEHOLDS, {}, limit, cursor)
        return page([grids.household_event_data(row) | {"id": row["_id"]} for row in rows], limit)

    def _grid_of(self, grid_id, community_id):
        if not grid_id:
            return None
        grid = _existing(self.store, store.GRIDS, grid_id, "grid")
        grids.check_same_community(grid, community_id)
        return grid

    @rpc(expected_exceptions=EXPECTED)
    def list_hierarchy(self, level, filters=None, limit=50, cursor=None):
        collection = {"communities": store.COMMUNITIES, "compounds": store.COMPOUNDS,
                      "households": store.HOUSEHOLDS}[level]
        rows = store.list_all(self.store, collection, filters or {}, limit, cursor)
        return page([_hierarchy_view(row) for row in rows], limit)

    # -- residents --------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def register_resident(self, payload):
        data = load(schemas.ResidentIn, payload)
        household = _existing(self.store, store.HOUSEHOLDS, data["household_id"], "household")
        resident = domain.new_resident(data, household, self.call.actor_record())
        event = new_event("residents.resident_registered", domain.registered_event_data(resident))
        return self._view(store.add_resident(self.store, resident, event))

    @rpc(expected_exceptions=EXPECTED)
    def update_resident(self, resident_id, payload):
        data = load(schemas.ResidentPatch, payload, partial=True)
        current = _existing(self.store, store.RESIDENTS, resident_id, "resident")
        changes = domain.resident_changes(data)
        changes["updated_at"] = clock.now_iso()
        visible = domain.public_changes(changes)
        event = new_event("residents.resident_updated", {
            "resident_id": resident_id, "community_id": current["community_id"],
            "changes": visible}) if visible else None
        return self._view(store.update_resident(self.store, resident_id, changes, event))

    @rpc(expected_exceptions=EXPECTED)
    def get_resident(self, resident_id):
        return self._view(_existing(self.store, store.RESIDENTS, resident_id, "resident"))

    @internal_read("/internal/residents/<string:resident_id>")
    def read_resident(self, query, resident_id):
        """get_resident over HTTP for the gateway, with the context it signed (ADR 0013)."""
        return self.get_resident(resident_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_residents(self, query):
        filters = load(schemas.ResidentQuery, query)
        rows = store.search_residents(self.store, filters, clock.today(),
                                      filters["limit"], filters["cursor"])
        today = clock.today()
        items = [domain.resident_view(row, today) for row in rows]
        return page(items, filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def resident_ref(self, resident_id):
        """Where a resident sits in the hierarchy: for other services' checks. NotFound when
        the resident is not in the caller's tenant."""
        resident = _existing(self.store, store.RESIDENTS, resident_id, "resident")
        return domain.resident_ref(resident, store.get(self.store, store.HOUSEHOLDS,
                                                       resident["household_id"]))

    @rpc(expected_exceptions=EXPECTED)
    def match_id_number(self, id_number):
        """The resident with this ID-card number, or None when none or several have it (the
        caller must not guess). The number is compared, never logged or returned."""
        if not isinstance(id_number, str) or not id_number.strip():
            return None
        rows = store.residents_with_id_number(self.store, id_number.strip(), limit=2)
        if len(rows) != 1:
            return None
        return domain.resident_ref(rows[0], store.get(self.store, store.HOUSEHOLDS,
                                                      rows[0]["household_id"]))

    @rpc(expected_exceptions=EXPECTED)
    def resident_timeline(self, resident_id, limit=50, cursor=None):
        resident = _existing(self.store, store.RESIDENTS, resident_id, "resident")
        entries = [{"id": e["_id"], **{k: e[k] for k in ("at", "kind", "summary", "source", "actor")}}
                   for e in store.timeline(self.store, resident_id, limit, cursor)]
        if len(entries) < limit:  # the registration itself closes the timeline
            entries.append({"id": f"registered-{resident_id}", "at": resident["registered_at"],
                            "kind": "registered", "summary": "登记入册", "source": "residents",
                            "actor": resident.get("registered_by") or {}})
        return {"items": entries,
                "next": entries[-1]["at"] if len(entries) == limit else None}

    @rpc(expected_exceptions=EXPECTED)
    def export_residents(self, limit=500, cursor=None):
        """Registry facts (no personal numbers) for rebuilding projections elsewhere."""
        rows = store.search_residents(self.store, {}, clock.today(), limit, cursor)
        items = [domain.registered_event_data(row) | {"id": row["_id"]} for row in rows]
        return page(items, limit)

    @rpc(expected_exceptions=EXPECTED)
    def count_households(self, community_id, compound_id=None):
        """Households registered now in a community (or one of its compounds): what the
        council's thresholds are a share of. NotFound for a place not in the tenant."""
        _existing(self.store, store.COMMUNITIES, community_id, "community")
        if compound_id is not None:
            compound = _existing(self.store, store.COMPOUNDS, compound_id, "compound")
            if compound["community_id"] != community_id:
                raise NotFound(f"no compound {compound_id} in community {community_id}")
        return store.count_households(self.store, community_id, compound_id)

    # -- what other services tell us ------------------------------------------------------------
    # Both writes are keyed by the event (the visit counted once per visit id, the timeline
    # entry inserted under the event id): they are the record that it was applied.
    @consume_event("health", "visit_completed", keyed_by_event=True)
    def on_visit_completed(self, envelope):
        data = envelope["data"]
        visit = domain.counted_visit(data)
        if not store.apply_completed_visit(self.store, data["resident_id"], visit):
            _existing(self.store, store.RESIDENTS, data["resident_id"], "resident")
        store.add_timeline_entry(self.store, domain.timeline_entry(
            envelope, data["resident_id"], "home_visit_completed",
            domain.visit_completed_summary(data)))

    @consume_event("health", "visit_scheduled")
    def on_visit_scheduled(self, envelope):
        data = envelope["data"]
        store.add_timeline_entry(self.store, domain.timeline_entry(
            envelope, data["resident_id"], "home_visit_scheduled",
            f"预约上门医疗服务：{data['scheduled_for'][:10]}"))

    @consume_event("health", "referral_requested")
    def on_referral_requested(self, envelope):
        data = envelope["data"]  # the clinical reason is not kept here
        store.add_timeline_entry(self.store, domain.timeline_entry(
            envelope, data["resident_id"], "referral_requested",
            domain.referral_summary(data)))

    @consume_event("health", "referral_answered")
    def on_referral_answered(self, envelope):
        data = envelope["data"]
        store.add_timeline_entry(self.store, domain.timeline_entry(
            envelope, data["resident_id"], f"referral_{data['status']}",
            domain.referral_summary(data)))

    @consume_event("health", "visit_cancelled")
    def on_visit_cancelled(self, envelope):
        data = envelope["data"]
        store.add_timeline_entry(self.store, domain.timeline_entry(
            envelope, data["resident_id"], "home_visit_cancelled", "上门医疗服务已取消"))

    # -- council: door-knocks and needs on the resident's timeline (issue 12) -----------------------
    @consume_event("council", "door_knocked")
    def on_door_knocked(self, envelope):
        for entry in council_timeline.knock_entries(envelope):
            store.add_timeline_entry(self.store, entry)

    @consume_event("council", "need_received")
    def on_need_received(self, envelope):
        self._need_entry(envelope)

    @consume_event("council", "need_dispatched")
    def on_need_dispatched(self, envelope):
        self._need_entry(envelope)

    @consume_event("council", "need_resolved")
    def on_need_resolved(self, envelope):
        self._need_entry(envelope)

    @consume_event("council", "need_rated")
    def on_need_rated(self, envelope):
        self._need_entry(envelope)

    def _need_entry(self, envelope):
        entry = council_timeline.need_entry(envelope)
        if entry:
            store.add_timeline_entry(self.store, entry)

    # -- the deliberation week (council) ------------------------------------------------------------
    @consume_event("council", "proposal_submitted")
    def on_proposal_submitted(self, envelope):
        deliberation_timeline.record(self.store, envelope, envelope["data"]["author_resident_id"])

    @consume_event("council", "proposal_supported")
    def on_proposal_supported(self, envelope):
        deliberation_timeline.record(self.store, envelope, envelope["data"]["resident_id"])

    @consume_event("council", "proposal_decided")
    def on_proposal_decided(self, envelope):
        deliberation_timeline.record(self.store, envelope, envelope["data"]["author_resident_id"])

    @consume_event("council", "proposal_implemented")
    def on_proposal_implemented(self, envelope):
        deliberation_timeline.record(self.store, envelope,
                                     envelope["data"].get("author_resident_id"))

    # -- helpers ------------------------------------------------------------------------------------
    def _view(self, resident):
        return domain.resident_view(resident, clock.today())


def _existing(db, collection, doc_id, what):
    return found(lambda did: store.get(db, collection, did), doc_id, what)


def _hierarchy_view(document):
    view = {k: v for k, v in document.items()
            if k not in ("tenant", "created_at") and not k.startswith("_")}
    return {"id": document["_id"], **view}

