"""Outreach entrypoints (a mixin of CouncilService): record door-knocks, list them, weekly
coverage; and the consumer of council's own `door_knocked` that keeps coverage and makes sure
every need heard at the door has its ticket."""
from datetime import timedelta

from chassis import clock
from chassis.config import settings_from
from chassis.consumer import consume_event
from chassis.errors import EXPECTED, NotFound
from chassis.rpc import rpc
from chassis.schemas import page
from chassis.validation import load
from contracts import new_event
from services.council import households
from services.council.needs import deadlines, transitions
from services.council.outreach import coverage_read, domain, schemas, store


class OutreachEntrypoints:

    @rpc(expected_exceptions=EXPECTED)
    def record_door_knock(self, payload):
        data = load(schemas.DoorKnockIn, payload)
        household = self.residents.household_ref(data["household_id"])  # 404 across tenants
        domain.check_may_knock(self.call, household)
        named = set(data["residents_met"]) | {n["resident_id"] for n in data["needs"]
                                              if n.get("resident_id")}
        refs = [self.residents.resident_ref(rid) for rid in sorted(named)]
        domain.check_residents_live_there(refs, household["id"], "residents_met")
        knock = domain.new_knock(data, household, self.call)
        # The knock carries its needs and its event in one write; the tickets are created
        # now and, should this process die first, by on_door_knocked from that event.
        knock = store.add_knock(self.store, knock, new_event(
            "council.door_knocked", domain.knocked_event_data(knock)))
        transitions.needs_from_knock(self.store, domain.knocked_event_data(knock),
                                     settings_from(self.config))
        return domain.knock_view(knock)

    @rpc(expected_exceptions=EXPECTED)
    def list_door_knocks(self, query):
        filters = load(schemas.DoorKnockQuery, query or {})
        start = deadlines.day_start(filters["from_"]) if filters.get("from_") else None
        end = deadlines.day_start(filters["to"] + timedelta(days=1)) if filters.get("to") else None
        rows = store.find_knocks(self.store, filters, start, end, filters["limit"],
                                 filters["cursor"])
        return page([domain.knock_view(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def coverage(self, query):
        filters = load(schemas.CoverageQuery, query or {})
        week = filters.get("week") or deadlines.current_week()
        community, grid = filters.get("community_id"), filters.get("grid_id")
        if community and not self.store.sees_community(community):
            raise NotFound(f"no community {community}")  # a summary of another community's
        return coverage_read.read(self.store, week, community, grid, filters["limit"],
                                  filters["cursor"], clock.today(), deadlines.current_week())

    @rpc(expected_exceptions=EXPECTED)
    def export_knocked_weeks(self, limit=500, cursor=None):
        """The weekly knocked sets, for rebuilding projections elsewhere (metrics)."""
        rows = store.export_weeks(self.store, limit, cursor)
        return page([{"id": row["_id"], "week": row["week"], "community_id": row["community_id"],
                      "grid_id": row.get("grid_id"), "households": row.get("households") or {}}
                     for row in rows], limit)

    @consume_event("council", "door_knocked")
    def on_door_knocked(self, envelope):
        data = envelope["data"]
        transitions.needs_from_knock(self.store, data, settings_from(self.config))
        store.count_knock(self.store, data["week"], data["community_id"], data["grid_id"],
                          data["household_id"], data["visited_at"])
        households.knocked(self.store, data["household_id"], data["visited_at"])
