"""Gateway routes: HTTP to bounded RPC. Each route says who may call it and what it takes and
answers; the services validate and decide."""
import json

from nameko.dependency_providers import Config

from chassis.context import CallContext
from chassis.errors import NotFound
from chassis.health import HealthChecks
from chassis.rpc import BoundedRpcProxy
from chassis.store import Store
from chassis.validation import load
from gateway import roles
from gateway.api import api
from gateway.openapi import openapi_document
from chassis.schemas import CursorQuery
from gateway.schemas import PageQuery, RebuildOut
from services.health import schemas as visit_schemas
from services.metrics import schemas as metric_schemas
from services.residents import schemas as registry_schemas



class GatewayService(HealthChecks):
    name = "gateway"

    config = Config()
    call = CallContext()
    store = Store()  # the gateway's own records (idempotency keys)
    residents = BoundedRpcProxy("residents")
    health = BoundedRpcProxy("health")
    metrics = BoundedRpcProxy("metrics")

    # -- registry ---------------------------------------------------------------------------------
    @api("POST", "/v1/communities", roles=roles.REGISTRARS, body=registry_schemas.CommunityIn,
         answer=registry_schemas.CommunityOut, status=201, tag="registry", summary="Add a community")
    def create_community(self, request):
        return 201, self.residents.create_community(request.body)

    @api("GET", "/v1/communities", roles=roles.STAFF, query=PageQuery,
         answer=registry_schemas.CommunityOut, many=True, tag="registry", summary="List communities")
    def list_communities(self, request):
        return self._hierarchy("communities", request)

    @api("POST", "/v1/compounds", roles=roles.REGISTRARS, body=registry_schemas.CompoundIn,
         answer=registry_schemas.CompoundOut, status=201, tag="registry", summary="Add a compound (小区)")
    def create_compound(self, request):
        return 201, self.residents.create_compound(request.body)

    @api("GET", "/v1/compounds", roles=roles.STAFF, query=PageQuery,
         answer=registry_schemas.CompoundOut, many=True, tag="registry", summary="List compounds")
    def list_compounds(self, request):
        return self._hierarchy("compounds", request)

    @api("POST", "/v1/households", roles=roles.HOUSEHOLD_WRITERS, body=registry_schemas.HouseholdIn,
         answer=registry_schemas.HouseholdOut, status=201, tag="registry", summary="Add a household")
    def create_household(self, request):
        return 201, self.residents.create_household(request.body)

    @api("GET", "/v1/households", roles=roles.STAFF, query=PageQuery,
         answer=registry_schemas.HouseholdOut, many=True, tag="registry", summary="List households")
    def list_households(self, request):
        return self._hierarchy("households", request)

    @api("POST", "/v1/residents", roles=roles.HOUSEHOLD_WRITERS, body=registry_schemas.ResidentIn,
         answer=registry_schemas.ResidentOut, status=201, tag="registry", summary="Register a resident")
    def register_resident(self, request):
        return 201, self.residents.register_resident(request.body)

    @api("GET", "/v1/residents", roles=roles.STAFF, query=registry_schemas.ResidentQuery,
         answer=registry_schemas.ResidentOut, many=True, tag="registry",
         summary="Search residents by tag, compound or name")
    def list_residents(self, request):
        return self.residents.list_residents(request.query)

    @api("GET", "/v1/residents/<string:resident_id>", roles=roles.STAFF + (roles.RESIDENT,),
         answer=registry_schemas.ResidentOut, tag="registry", summary="A resident (numbers masked)")
    def get_resident(self, request, resident_id):
        self._staff_or_self(request, resident_id)
        return self.residents.get_resident(resident_id)

    @api("PATCH", "/v1/residents/<string:resident_id>", roles=roles.HOUSEHOLD_WRITERS,
         body=registry_schemas.ResidentPatch, answer=registry_schemas.ResidentOut, tag="registry",
         summary="Change a resident's own fields")
    def update_resident(self, request, resident_id):
        return self.residents.update_resident(resident_id, request.body)

    @api("GET", "/v1/residents/<string:resident_id>/timeline",
         roles=roles.STAFF + (roles.RESIDENT,), answer=registry_schemas.TimelineEntryOut, many=True,
         query=CursorQuery, tag="registry", summary="One timeline across health, outreach, events and council")
    def resident_timeline(self, request, resident_id):
        self._staff_or_self(request, resident_id)
        query = load(CursorQuery(), request.query)
        return self.residents.resident_timeline(resident_id, query["limit"], query["cursor"])

    # -- home visits --------------------------------------------------------------------------------
    @api("POST", "/v1/visits", roles=roles.VISIT_ORGANISERS, body=visit_schemas.VisitIn,
         answer=visit_schemas.VisitOut, status=201, tag="health", summary="Schedule a home visit")
    def schedule_visit(self, request):
        return 201, self.health.schedule_visit(request.body)

    @api("POST", "/v1/visits/<string:visit_id>/complete", roles=roles.CLINICIANS,
         body=visit_schemas.VisitCompletionIn, answer=visit_schemas.VisitOut, tag="health",
         summary="Record what a home visit found and handed out (once)")
    def complete_visit(self, request, visit_id):
        return self.health.complete_visit(visit_id, request.body)

    @api("POST", "/v1/visits/<string:visit_id>/cancel", roles=roles.VISIT_ORGANISERS,
         body=visit_schemas.VisitCancelIn, answer=visit_schemas.VisitOut, tag="health",
         summary="Cancel a scheduled visit")
    def cancel_visit(self, request, visit_id):
        return self.health.cancel_visit(visit_id, request.body)

    @api("GET", "/v1/visits/<string:visit_id>", roles=roles.STAFF + (roles.RESIDENT,),
         answer=visit_schemas.VisitOut, tag="health",
         summary="A visit (clinical fields for medical staff and the resident only)")
    def get_visit(self, request, visit_id):
        visit = self.health.get_visit(visit_id)
        if _only_resident(request) and visit["resident_id"] != request.principal.sub:
            raise NotFound(f"no visit {visit_id}")
        return visit

    @api("GET", "/v1/visits", roles=roles.STAFF + (roles.RESIDENT,), query=visit_schemas.VisitQuery,
         answer=visit_schemas.VisitOut, many=True, tag="health", summary="List visits")
    def list_visits(self, request):
        query = dict(request.query)
        if _only_resident(request):
            query["resident_id"] = request.principal.sub
        return self.health.list_visits(query)

    @api("GET", "/v1/visits/<string:visit_id>/fhir", roles=roles.CLINICAL_RECORD_READERS,
         answer=visit_schemas.FhirBundleOut, tag="health",
         summary="A completed visit as an HL7 FHIR R4 Bundle (Encounter class HH, "
                 "Observations, MedicationDispenses)")
    def visit_fhir(self, request, visit_id):
        return self.health.visit_fhir(visit_id)

    # -- follow-ups, referrals, the hospital's patients -----------------------------------------------
    @api("GET", "/v1/follow-ups", roles=roles.FOLLOW_UP_READERS, query=visit_schemas.FollowUpQuery,
         answer=visit_schemas.FollowUpOut, many=True, tag="health",
         summary="Follow-ups by status (due, overdue, ...), kind, grid or resident")
    def list_follow_ups(self, request):
        return self.health.list_follow_ups(request.query)

    @api("POST", "/v1/referrals", roles=roles.CLINICIANS, body=visit_schemas.ReferralIn,
         answer=visit_schemas.ReferralOut, status=201, tag="health",
         summary="Refer the visited resident to the partner hospital")
    def request_referral(self, request):
        return 201, self.health.request_referral(request.body)

    @api("GET", "/v1/referrals", roles=roles.STAFF + (roles.RESIDENT,),
         query=visit_schemas.ReferralQuery, answer=visit_schemas.ReferralOut, many=True,
         tag="health", summary="List referrals (reasons for medical staff and the resident only)")
    def list_referrals(self, request):
        query = dict(request.query)
        if _only_resident(request):
            query["resident_id"] = request.principal.sub
        return self.health.list_referrals(query)

    @api("GET", "/v1/referrals/<string:referral_id>", roles=roles.STAFF + (roles.RESIDENT,),
         answer=visit_schemas.ReferralOut, tag="health", summary="A referral and its answer")
    def get_referral(self, request, referral_id):
        referral = self.health.get_referral(referral_id)
        if _only_resident(request) and referral["resident_id"] != request.principal.sub:
            raise NotFound(f"no referral {referral_id}")
        return referral

    @api("GET", "/v1/patient-reviews", roles=roles.PATIENT_REVIEWERS,
         query=visit_schemas.ReviewQuery, answer=visit_schemas.ReviewOut, many=True,
         tag="health", summary="Hospital events for patients not matched to a resident")
    def list_patient_reviews(self, request):
        return self.health.list_patient_reviews(request.query)

    @api("POST", "/v1/patient-reviews/<string:review_id>/resolve", roles=roles.PATIENT_REVIEWERS,
         body=visit_schemas.ReviewResolveIn, answer=visit_schemas.ReviewOut, tag="health",
         summary="Say which resident the patient is: links them and applies the parked events")
    def resolve_patient_review(self, request, review_id):
        return self.health.resolve_patient_review(review_id, request.body)

    # -- indicators ---------------------------------------------------------------------------------
    @api("GET", "/v1/metrics/summary", roles=roles.METRICS_READERS, query=metric_schemas.SummaryQuery,
         answer=metric_schemas.SummaryOut, tag="metrics", summary="Community indicators, live")
    def metrics_summary(self, request):
        return self.metrics.summary(request.query)

    @api("POST", "/v1/metrics/rebuild", roles=(roles.SUBDISTRICT_ADMIN, roles.PLATFORM_ADMIN),
         answer=RebuildOut, tag="metrics",
         summary="Derive the indicators again from the source services")
    def metrics_rebuild(self, request):
        return self.metrics.rebuild()

    # -- the contract ---------------------------------------------------------------------------------
    @api("GET", "/openapi.json", public=True, tag="meta", summary="This document")
    def openapi(self, request):
        return json.loads(openapi_document(type(self)))

    # -- helpers ----------------------------------------------------------------------------------------
    def _hierarchy(self, level, request):
        query = load(PageQuery(), request.query)
        limit, cursor = query.pop("limit"), query.pop("cursor")
        return self.residents.list_hierarchy(level, query, limit, cursor)

    def _staff_or_self(self, request, resident_id):
        if _only_resident(request) and request.principal.sub != resident_id:
            raise NotFound(f"no resident {resident_id}")


def _only_resident(request):
    return not request.principal.has_any(roles.STAFF)

