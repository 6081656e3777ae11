"""The deliberation week's nameko entrypoints, as a mixin of the council service (nameko finds
entrypoints and dependency providers on base classes). Thin: load the input, ask the
registry where the resident lives, delegate to domain/lifecycle/store.

The service class provides `store` (Store with deliberation.store's collections), `call`
(CallContext) and `config`."""
import logging

from chassis import clock
from chassis.errors import EXPECTED, Conflict, NotFound, found
from chassis.rpc import BoundedRpcProxy, rpc
from chassis.schemas import page
from chassis.timer import settings_timer
from chassis.validation import load
from contracts import new_event
from services.council.deliberation import domain, lifecycle, schemas, store, sweep

_log = logging.getLogger(__name__)
EXPORT_KINDS = ("proposals", "supports")


class DeliberationEntrypoints:
    residents = BoundedRpcProxy("residents")

    # -- deliberations -------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_deliberation(self, payload):
        data = load(schemas.DeliberationIn, payload)
        # Also proves the community (and compound) exist in the caller's tenant (else 404).
        self.residents.count_households(data["community_id"], data.get("compound_id"))
        now = clock.now_iso()
        deliberation = domain.new_deliberation(data, self.call.actor_record(), now)
        deliberation = store.add_deliberation(self.store, deliberation)
        return domain.deliberation_view(self._caught_up(deliberation, now), now)

    @rpc(expected_exceptions=EXPECTED)
    def get_deliberation(self, deliberation_id):
        now = clock.now_iso()
        return domain.deliberation_view(self._deliberation(deliberation_id, now), now)

    @rpc(expected_exceptions=EXPECTED)
    def list_deliberations(self, query):
        filters = load(schemas.DeliberationQuery, query)
        now = clock.now_iso()
        rows = store.find_deliberations(self.store, filters, now, filters["limit"],
                                        filters["cursor"])
        # A week the sweep has not reached yet (within its interval) is caught up here, so
        # the list shows its threshold like a single read does.
        rows = [self._caught_up(row, now) if domain.transitions_due(row, now) else row
                for row in rows]
        return page([domain.deliberation_view(row, now) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def close_deliberation(self, deliberation_id, payload=None):
        load(schemas.DeliberationCloseIn, payload or {})
        now = clock.now_iso()
        deliberation = self._deliberation(deliberation_id, now)
        closed = lifecycle.close_now(self.store, deliberation, now, self._count_households)
        return domain.deliberation_view(closed, now)

    @settings_timer("deliberation_sweep_seconds", eager=True)
    def sweep_deliberations(self):
        raw, kick = self.store.system_scope()

        def count_households(tenant, community_id, compound_id):
            self.call.enter_tenant(tenant, sweep.SWEEPER)  # the RPC carries the tenant
            return self.residents.count_households(community_id, compound_id)

        try:
            moved = sweep.run_sweep(raw, clock.now_iso(), count_households, on_events=kick)
        except Exception:  # the store or the registry is away: the next tick tries again
            _log.warning("deliberation sweep failed", exc_info=True)
            return
        if any(moved.values()):
            _log.info("deliberation sweep: %s", moved)

    # -- proposals -----------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def submit_proposal(self, payload):
        data = load(schemas.ProposalIn, payload)
        now = clock.now_iso()
        deliberation = self._deliberation(data["deliberation_id"], now)
        by = domain.acted_by(self.call, data["author_resident_id"])
        resident = self.residents.resident_ref(data["author_resident_id"])
        domain.require_open(deliberation, now, "proposals are taken")
        domain.require_in_scope(deliberation, resident)
        self.call.act_for(data["author_resident_id"])
        proposal = domain.new_proposal(data, deliberation, by, now)
        proposal = store.add_proposal(self.store, proposal, new_event(
            "council.proposal_submitted", domain.submitted_event_data(proposal)))
        return self._proposal_view(proposal)

    @rpc(expected_exceptions=EXPECTED)
    def get_proposal(self, proposal_id):
        return self._proposal_view(self._proposal(proposal_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_proposals(self, query):
        filters = load(schemas.ProposalQuery, query)
        rows = store.find_proposals(self.store, filters, filters["limit"], filters["cursor"])
        counts = store.count_supports_of(self.store, [row["_id"] for row in rows])
        return page([domain.proposal_view(row, counts.get(row["_id"], 0)) for row in rows],
                    filters["limit"])

    # -- supports ------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def support_proposal(self, proposal_id, payload):
        data = load(schemas.SupportIn, payload)
        resident_id = data["resident_id"]
        proposal = self._proposal(proposal_id)
        now = clock.now_iso()
        deliberation = self._deliberation(proposal["deliberation_id"], now)
        by = domain.acted_by(self.call, resident_id)
        resident = self.residents.resident_ref(resident_id)
        domain.require_open(deliberation, now, "supports are taken")
        domain.require_in_scope(deliberation, resident)
        self.call.act_for(resident_id)
        key = domain.support_key(self.store.tenant, proposal_id, resident_id)
        support = domain.new_support(key, proposal, resident_id, by, now)
        created = store.add_support(self.store, support, new_event(
            "council.proposal_supported", domain.support_event_data(proposal, support, now, by)))
        if created is not None:
            return domain.support_view(created)
        # The resident's support document exists: a repeat (409), or a support withdrawn
        # earlier that this one revives (once, whatever else arrives at the same time).
        existing = store.get_support(self.store, key)
        if existing is None:  # the key was another request's: nothing of this one was stored
            raise Conflict("this support could not be recorded now; try again")
        if existing["status"] == "withdrawn":
            revived = {**existing, "version": existing["version"] + 1}
            moved = store.move_support(
                self.store, existing, "active", {"at": now, "by": by, "withdrawn_at": None},
                new_event("council.proposal_supported",
                          domain.support_event_data(proposal, revived, now, by)))
            if moved is not None:
                return domain.support_view(moved)
        replayed = store.replayed_support(self.store, key)
        if replayed is not None:
            return domain.support_view(replayed)
        raise Conflict("this resident already supports this proposal")

    @rpc(expected_exceptions=EXPECTED)
    def list_supports(self, proposal_id, query):
        filters = load(schemas.SupportQuery, query)
        self._proposal(proposal_id)  # NotFound, also for another tenant's
        rows = store.find_supports(self.store, proposal_id, filters["status"], filters["limit"],
                                   filters["cursor"])
        return page([domain.support_listed(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_support(self, proposal_id, resident_id):
        proposal = self._proposal(proposal_id)
        now = clock.now_iso()
        deliberation = self._deliberation(proposal["deliberation_id"], now)
        by = domain.acted_by(self.call, resident_id)
        domain.require_open(deliberation, now, "supports are withdrawn")
        key = domain.support_key(self.store.tenant, proposal_id, resident_id)
        existing = store.get_support(self.store, key) if isinstance(resident_id, str) else None
        if existing is None or existing["status"] != "active":
            if existing is not None and store.replayed_support(self.store, key):
                return None
            raise NotFound(f"resident {resident_id} does not support proposal {proposal_id}")
        self.call.act_for(resident_id)
        withdrawn = {**existing, "version": existing["version"] + 1}
        moved = store.move_support(
            self.store, existing, "withdrawn", {"withdrawn_at": now, "withdrawn_by": by},
            new_event("council.support_withdrawn",
                      domain.support_event_data(proposal, withdrawn, now, by)))
        if moved is None and store.replayed_support(self.store, key) is None:
            raise NotFound(f"resident {resident_id} does not support proposal {proposal_id}")
        return None

    # -- decision and progress -------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def decide_proposal(self, proposal_id, payload):
        data = load(schemas.DecisionIn, payload)
        proposal = self._proposal(proposal_id)
        now = clock.now_iso()
        deliberation = self._deliberation(proposal["deliberation_id"], now)
        try:
            domain.require_decidable(deliberation, proposal, now)
        except Conflict as exc:
            return self._replayed_or_raise(proposal_id, exc)
        decided = domain.decision(data, self.call.actor, now)
        supports = store.count_supports(self.store, proposal_id)
        moved = store.move_proposal(
            self.store, proposal_id, {"status": "open"},
            {"status": decided["outcome"], "decision": decided},
            [new_event("council.proposal_decided",
                       domain.decided_event_data(proposal, decided, supports))])
        if moved is None:
            return self._replayed_or_raise(proposal_id,
                                           Conflict("the proposal was already decided"))
        return domain.proposal_view(moved, supports)

    @rpc(expected_exceptions=EXPECTED)
    def record_progress(self, proposal_id, payload):
        data = load(schemas.ProgressIn, payload)
        proposal = self._proposal(proposal_id)
        now = clock.now_iso()
        percent, note = data["percent"], data["note"]
        try:
            changes = domain.progress_step(proposal, percent, note, now)
        except Conflict as exc:
            return self._replayed_or_raise(proposal_id, exc)
        events = [new_event("council.proposal_progressed",
                            domain.progressed_event_data(proposal, percent, note, now))]
        if changes.get("status") == "implemented":
            events.append(new_event("council.proposal_implemented",
                                    domain.implemented_event_data(proposal, note, now)))
        moved = store.move_proposal(
            self.store, proposal_id,
            {"status": "accepted", "progress.percent": {"$lte": percent}}, changes, events)
        if moved is None:
            return self._replayed_or_raise(proposal_id, Conflict(
                "the proposal's progress changed meanwhile; read it and try again"))
        return self._proposal_view(moved)

    # -- for rebuilding projections elsewhere ----------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def export_deliberation_facts(self, kind, limit=500, cursor=None):
        """Proposals or supports as their events describe them (metrics rebuilds from it)."""
        if kind not in EXPORT_KINDS:
            raise NotFound(f"no export {kind!r}")
        if kind == "proposals":
            rows = store.page_of_proposals(self.store, limit, cursor)
            items = [_proposal_fact(row) for row in rows]
        else:
            rows = store.page_of_supports(self.store, limit, cursor)
            items = [_support_fact(row) for row in rows]
        return page(items, limit)

    # -- helpers ---------------------------------------------------------------------------------
    def _count_households(self, community_id, compound_id):
        return self.residents.count_households(community_id, compound_id)

    def _caught_up(self, deliberation, now):
        return lifecycle.catch_up(self.store, deliberation, now, self._count_households)

    def _deliberation(self, deliberation_id, now):
        deliberation = found(lambda did: store.get_deliberation(self.store, did),
                             deliberation_id, "deliberation")
        return self._caught_up(deliberation, now)

    def _proposal(self, proposal_id):
        return found(lambda pid: store.get_proposal(self.store, pid), proposal_id, "proposal")

    def _proposal_view(self, proposal):
        return domain.proposal_view(proposal, store.count_supports(self.store, proposal["_id"]))

    def _replayed_or_raise(self, proposal_id, conflict):
        """A redelivered request answers what its first delivery did; anything else that
        found the proposal moved on is the conflict."""
        replayed = store.replayed_proposal(self.store, proposal_id)
        if replayed is not None:
            return self._proposal_view(replayed)
        raise conflict


def _proposal_fact(row):
    decision = row.get("decision") or {}
    return {"id": row["_id"], "proposal_id": row["_id"], "community_id": row["community_id"],
            "submitted_at": row["submitted_at"], "outcome": decision.get("outcome"),
            "decided_at": decision.get("decided_at"), "implemented_at": row.get("implemented_at")}


def _support_fact(row):
    return {"id": row["_id"], "support_id": row["_id"], "proposal_id": row["proposal_id"],
            "community_id": row["community_id"], "active": row["status"] == "active",
            "support_version": row["version"], "at": row["at"]}
