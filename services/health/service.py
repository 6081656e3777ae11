"""Health service entrypoints: home visits, follow-ups, referrals, the hospital's events."""
import logging

from nameko.dependency_providers import Config

from chassis.config import settings_from
from chassis.consumer import consume_event
from chassis.context import CallContext
from chassis.rpc import BoundedRpcProxy, rpc
from chassis.errors import EXPECTED, Conflict, NotFound, found
from chassis.health import HealthChecks
from chassis.internal_commands import internal_command
from chassis.schemas import page
from chassis.sealing import DataKeys
from chassis.store import Store
from chassis.validation import load
from contracts import new_event
from services.health import (answers, care, domain, fhir, followups, identity, intake,
                             referrals, schemas, store, sweep)
from services.health.inbox import HospitalInbox
from chassis.timer import settings_timer

_log = logging.getLogger(__name__)


class HealthService(HealthChecks):
    name = "health"

    config = Config()
    call = CallContext()
    keys = DataKeys(sealed=store.SEALED)  # ADR 0011
    store = Store(outboxed=store.OUTBOXED, indexes=store.ensure_indexes,
                  community_scoped=store.COMMUNITY_SCOPED)
    residents = BoundedRpcProxy("residents")
    hospital_inbox = HospitalInbox()

    # The visit commands are served over RPC and, for the gateway, as internal commands over
    # HTTP (ADR 0013): the same method, the same request id for the same request.
    @rpc(expected_exceptions=EXPECTED)
    @internal_command("/internal/visits")
    def schedule_visit(self, payload):
        data = load(schemas.VisitIn, payload)
        resident = self.residents.resident_ref(data["resident_id"])  # NotFound across tenants
        visit = domain.new_visit(data, resident, self.call.actor_record())
        return self._view(store.add_visit(
            self.store, visit,
            new_event("health.visit_scheduled", domain.scheduled_event_data(visit))))

    @rpc(expected_exceptions=EXPECTED)
    @internal_command("/internal/visits/<string:visit_id>/complete")
    def complete_visit(self, visit_id, payload):
        data = load(schemas.VisitCompletionIn, payload)
        changes = domain.completion(data, self.call.actor_record())
        return self._transition(visit_id, changes, "health.visit_completed",
                                domain.completed_event_data)

    @rpc(expected_exceptions=EXPECTED)
    @internal_command("/internal/visits/<string:visit_id>/cancel")
    def cancel_visit(self, visit_id, payload):
        data = load(schemas.VisitCancelIn, payload or {})
        changes = domain.cancellation(data, self.call.actor_record())
        return self._transition(visit_id, changes, "health.visit_cancelled",
                                domain.cancelled_event_data)

    @rpc(expected_exceptions=EXPECTED)
    def get_visit(self, visit_id):
        return self._view(self._visit(visit_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_visits(self, query):
        filters = load(schemas.VisitQuery, query)
        rows = store.find_visits(self.store, filters, filters["limit"], filters["cursor"])
        return page([self._view(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def export_completed_visits(self, limit=500, cursor=None):
        """Completed-visit facts (no clinical detail) for rebuilding projections elsewhere."""
        rows = store.completed_visits(self.store, limit, cursor)
        items = [domain.completed_event_data(row["_id"], row, row) | {"id": row["_id"]}
                 for row in rows]
        return page(items, limit)

    # -- follow-ups ----------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def list_follow_ups(self, query):
        filters = load(schemas.FollowUpQuery, query)
        rows = store.find_follow_ups(self.store, filters, filters["limit"], filters["cursor"])
        return page([followups.follow_up_view(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def export_follow_ups(self, limit=500, cursor=None):
        """Follow-up facts (as their events carry them) for rebuilding projections elsewhere."""
        rows = store.find_follow_ups(self.store, {}, limit, cursor)
        items = [followups.changed_event_data(row) | {"id": row["_id"]} for row in rows]
        return page(items, limit)

    @settings_timer("follow_up_sweep_seconds", eager=True)
    def sweep_follow_ups(self):
        raw, kick = self.store.system_scope()
        try:
            results = sweep.run_follow_up_sweep(raw, followups.local_today(), on_events=kick)
        except Exception:  # the store is down: the next tick tries again
            _log.warning("follow-up sweep failed", exc_info=True)
            return
        changed = {t: r for t, r in results.items() if r["created"] or r["moved"]}
        if changed:
            _log.info("follow-up sweep: %s", changed)

    # Keyed (ADR 0014 addendum): its close rule asks only facts that never change, its
    # writes are a close while open and an insert under the visit's id: no _processed record.
    @consume_event("health", "visit_completed", keyed_by_event=True)
    def on_visit_completed(self, envelope):
        care.after_completed_visit(self.store, envelope["data"],
                                   settings_from(self.config).follow_up_grace_days)

    @consume_event("residents", "resident_registered")
    def on_resident_registered(self, envelope):
        data = envelope["data"]
        store.save_plan_facts(self.store, data["resident_id"], care.plan_facts(data))

    @consume_event("residents", "resident_updated")
    def on_resident_updated(self, envelope):
        changes = care.plan_changes(envelope["data"]["changes"])
        if changes:
            store.save_plan_facts(self.store, envelope["data"]["resident_id"], changes)

    # -- referrals ---------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def request_referral(self, payload):
        data = load(schemas.ReferralIn, payload)
        visit = self._visit(data["visit_id"])
        if visit["status"] == "cancelled":
            raise Conflict("a cancelled visit cannot refer")
        ref = self.residents.resident_ref(visit["resident_id"])
        patient = {"patient_id": store.patient_of(self.store, visit["resident_id"]),
                   "name": ref["name"], "birth_date": ref.get("birth_date"),
                   "gender": ref.get("gender")}
        referral = referrals.new_referral(data, visit, patient, self.call.actor_record())
        store.add_referral(self.store, referral, new_event(
            "health.referral_requested", referrals.requested_event_data(referral)))
        return self._referral_view(referral)

    @rpc(expected_exceptions=EXPECTED)
    def get_referral(self, referral_id):
        return self._referral_view(
            found(lambda rid: store.get_referral(self.store, rid), referral_id, "referral"))

    @rpc(expected_exceptions=EXPECTED)
    def list_referrals(self, query):
        filters = load(schemas.ReferralQuery, query)
        rows = store.find_referrals(self.store, filters, filters["limit"], filters["cursor"])
        return page([self._referral_view(row) for row in rows], filters["limit"])

    @consume_event("hospital", "referral_accepted")
    def on_referral_accepted(self, envelope):
        answers.accepted(self.store, envelope["data"], envelope["actor"])

    @consume_event("hospital", "referral_declined")
    def on_referral_declined(self, envelope):
        answers.declined(self.store, envelope["data"])

    # -- the hospital's discharges and visits -----------------------------------------------------------
    @consume_event("hospital", "patient_discharged")
    def on_patient_discharged(self, envelope):
        intake.receive(self.store, self.residents, envelope, settings_from(self.config))

    @consume_event("hospital", "home_visit_completed")
    def on_hospital_visit_completed(self, envelope):
        intake.receive(self.store, self.residents, envelope, settings_from(self.config))

    @rpc(expected_exceptions=EXPECTED)
    def list_patient_reviews(self, query):
        filters = load(schemas.ReviewQuery, query)
        rows = store.find_reviews(self.store, filters, filters["limit"], filters["cursor"])
        return page([identity.review_view(row) for row in rows], filters["limit"])

    @rpc(expected_exceptions=EXPECTED)
    def resolve_patient_review(self, review_id, payload):
        """Staff say who the patient is: link them, and apply every event parked for them."""
        data = load(schemas.ReviewResolveIn, payload)
        review = intake.resolve_review(self.store, self.residents, review_id,
                                       data["resident_id"], settings_from(self.config),
                                       self.call.actor_record())
        return identity.review_view(review) | {"applied": review.get("applied")}

    # -- FHIR ------------------------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def visit_fhir(self, visit_id):
        visit = self._visit(visit_id)
        if not (domain.may_see_clinical(self.call, visit) or self.call.has_any("hospital")):
            raise NotFound(f"no visit {visit_id}")  # a resident asking for someone else's
        if visit["status"] != "completed":
            raise Conflict(f"the visit is {visit['status']}; only a completed visit has a record")
        return fhir.visit_bundle(visit)

    def _referral_view(self, referral):
        return referrals.referral_view(referral, domain.may_see_clinical(self.call, referral))

    def _transition(self, visit_id, changes, event_type, event_data):
        def event_for(vid, visit, change):
            return new_event(event_type, event_data(vid, visit, change))

        visit = store.transition(self.store, visit_id, "scheduled", changes, event_for)
        if visit is None:
            current = self._visit(visit_id)
            raise Conflict(f"the visit is {current['status']}; only a scheduled visit can be "
                           f"{changes['status']}")
        return self._view(visit)

    def _visit(self, visit_id):
        return found(lambda vid: store.get_visit(self.store, vid), visit_id, "visit")

    def _view(self, visit):
        return domain.visit_view(visit, domain.may_see_clinical(self.call, visit))
