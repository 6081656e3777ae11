"""Needs entrypoints (a mixin of CouncilService): raise, read, dispatch, resolve, rate;
scores and clusters; the overdue sweep's timer; proposals implemented resolve their needs."""
import logging
from datetime import timedelta

from chassis import clock
from chassis.config import settings_from
from chassis.consumer import consume_event
from chassis.errors import EXPECTED, Invalid, NotFound, found
from chassis.rpc import rpc
from chassis.schemas import page
from chassis.validation import load
from services.council.needs import (clusters, deadlines, domain, schemas, scores, store,
                                    sweep, transitions)
from chassis.timer import settings_timer

_log = logging.getLogger(__name__)


class NeedsEntrypoints:

    @rpc(expected_exceptions=EXPECTED)
    def raise_need(self, payload):
        data = load(schemas.NeedIn, payload)
        household = self.residents.household_ref(data["household_id"])  # 404 across tenants
        domain.check_own_household(self.call, household["id"], self._caller_household())
        on_behalf_of = None
        if data.get("resident_id"):
            ref = self.residents.resident_ref(data["resident_id"])
            if ref["household_id"] != household["id"]:
                raise Invalid("the resident does not live in this household",
                              {"resident_id": ["Not a resident of this household."]})
            if not domain.is_resident_only(self.call) or self.call.actor != ref["id"]:
                on_behalf_of = ref["id"]
        need = transitions.raise_need(self.store, data, household, settings_from(self.config),
                                      domain.actor(self.call, on_behalf_of))
        return domain.need_view(need, with_history=True)

    @rpc(expected_exceptions=EXPECTED)
    def get_need(self, need_id):
        need = found(lambda nid: store.get(self.store, nid), need_id, "need")
        return domain.need_view(domain.visible_to(self.call, need, self._caller_household()),
                                with_history=True)

    @rpc(expected_exceptions=EXPECTED)
    def list_needs(self, query):
        filters = load(schemas.NeedQuery, query or {})
        if domain.is_resident_only(self.call):
            filters["household_id"] = self._caller_household() or "-"
        rows = store.find(self.store, filters, filters["limit"], filters["cursor"])
        return page([domain.need_view(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def dispatch_need(self, need_id, payload):
        data = load(schemas.DispatchIn, payload)
        return self._move_need(need_id, "dispatch", data, domain.actor(self.call))

    @rpc(expected_exceptions=EXPECTED)
    def resolve_need(self, need_id, payload):
        data = load(schemas.ResolveIn, payload)
        return self._move_need(need_id, "resolve", data, domain.actor(self.call))

    @rpc(expected_exceptions=EXPECTED)
    def rate_need(self, need_id, payload):
        data = load(schemas.RateIn, payload)
        own = self._caller_household()
        need = found(lambda nid: store.get(self.store, nid), need_id, "need")
        domain.visible_to(self.call, need, own)
        return self._move_need(need_id, "rate", data, domain.rater(self.call, need),
                          check=lambda n: domain.visible_to(self.call, n, own))

    @rpc(expected_exceptions=EXPECTED)
    def need_scores(self, query):
        filters = load(schemas.ScoresQuery, query or {})
        start = deadlines.day_start(filters["from_"]) if filters.get("from_") else None
        end = deadlines.day_start(filters["to"] + timedelta(days=1)) if filters.get("to") else None
        community = filters.get("community_id")
        if community and not self.store.sees_community(community):
            raise NotFound(f"no community {community}")  # a summary of another community's
        rows = store.received_between(self.store, start, end, community)
        return scores.scores(rows)

    @rpc(expected_exceptions=EXPECTED)
    def need_clusters(self, query):
        filters = load(schemas.ClustersQuery, query or {})
        days = filters.get("days") or settings_from(self.config).need_cluster_days
        since = clock.iso(clock.utcnow() - timedelta(days=days))
        rows = store.received_between(self.store, since, None,
                                      compound_id=filters.get("compound_id"))
        return {"items": clusters.clusters(rows), "next": None}

    @rpc(expected_exceptions=EXPECTED)
    def export_needs(self, limit=500, cursor=None):
        """Every need's state (as its events carry it) for rebuilding projections elsewhere."""
        rows = store.export(self.store, limit, cursor)
        return page([domain.state_data(row) | {"id": row["_id"]} for row in rows], limit)

    @settings_timer("need_sweep_seconds", eager=True)
    def sweep_overdue_needs(self):
        raw, kick = self.store.system_scope()
        try:
            flagged = sweep.run_need_sweep(raw, clock.utcnow(), on_events=kick)
        except Exception:  # the store is down: the next tick tries again
            _log.warning("need sweep failed", exc_info=True)
            return
        if any(flagged.values()):
            _log.info("need sweep flagged: %s", {t: n for t, n in flagged.items() if n})

    @consume_event("council", "proposal_implemented")
    def on_proposal_implemented(self, envelope):
        """A deliberation-week proposal was implemented: its linked needs are resolved (by the
        system, through the normal path, so need_resolved goes out and residents can rate)."""
        data = envelope["data"]
        resolution = f"议事提案已落实：{data['title']}"
        for need_id in data["need_ids"]:
            need = store.get(self.store, need_id)
            if need is None or need["status"] not in domain.ALLOWED["resolve"]:
                continue  # another tenant's id, or resolved/closed already
            if data.get("community_id") and need.get("community_id") != data["community_id"]:
                # A proposal names need ids as given (unknown ones are kept, not refused: a
                # refusal would tell a community-scoped author which ids exist elsewhere), so
                # only its own community's needs follow it (an event naming no community, as
                # hand-made ones in tests, resolves as before).
                continue
            transitions.move(self.store, need_id, "resolve", {"resolution": resolution},
                             domain.SYSTEM)

    def _move_need(self, need_id, action, data, by, check=None):
        return domain.need_view(transitions.move(self.store, need_id, action, data, by, check),
                                with_history=True)

    def _caller_household(self):
        """The calling resident's household (None for staff)."""
        if not domain.is_resident_only(self.call):
            return None
        try:
            return self.residents.resident_ref(self.call.actor)["household_id"]
        except Exception as exc:  # a resident token whose sub is no resident: sees nothing
            if type(exc).__name__ == "NotFound":
                return None
            raise
