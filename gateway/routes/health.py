"""Health routes: home visits, follow-ups, referrals and the hospital's unmatched patients.
Clinical fields are removed by the health service for callers who may not see them."""
from chassis.errors import NotFound
from chassis.internal_commands import InternalCommands
from chassis.rpc import BoundedRpcProxy
from gateway import roles
from gateway.api import api
from gateway.routes.access import only_resident
from services.health import schemas as visit_schemas


class HealthRoutes:
    health = BoundedRpcProxy("health")
    # The visit commands over HTTP, no broker (ADR 0013); no GONGZHI_HEALTH_URL: over RPC.
    health_commands = InternalCommands("health")

    @api("POST", "/v1/visits", roles=roles.VISIT_ORGANISERS, body=visit_schemas.VisitIn,
         answer=visit_schemas.VisitOut, status=201, tag="health", summary="Schedule a home visit")
    def schedule_visit(self, request):
        if self.health_commands.available:
            return 201, self.health_commands.post("/internal/visits", request.body)
        return 201, self.health.schedule_visit(request.body)

    @api("POST", "/v1/visits/<string:visit_id>/complete", roles=roles.CLINICIANS,
         body=visit_schemas.VisitCompletionIn, answer=visit_schemas.VisitOut, tag="health",
         summary="Record what a home visit found and handed out (once)")
    def complete_visit(self, request, visit_id):
        if self.health_commands.available:
            return self.health_commands.post(f"/internal/visits/{visit_id}/complete",
                                             request.body)
        return self.health.complete_visit(visit_id, request.body)

    @api("POST", "/v1/visits/<string:visit_id>/cancel", roles=roles.VISIT_ORGANISERS,
         body=visit_schemas.VisitCancelIn, answer=visit_schemas.VisitOut, tag="health",
         summary="Cancel a scheduled visit")
    def cancel_visit(self, request, visit_id):
        if self.health_commands.available:
            return self.health_commands.post(f"/internal/visits/{visit_id}/cancel",
                                             request.body)
        return self.health.cancel_visit(visit_id, request.body)

    @api("GET", "/v1/visits/<string:visit_id>", roles=roles.STAFF + (roles.RESIDENT,),
         answer=visit_schemas.VisitOut, tag="health",
         summary="A visit (clinical fields for medical staff and the resident only)")
    def get_visit(self, request, visit_id):
        visit = self.health.get_visit(visit_id)
        if only_resident(request) and visit["resident_id"] != request.principal.sub:
            raise NotFound(f"no visit {visit_id}")
        return visit

    @api("GET", "/v1/visits", roles=roles.STAFF + (roles.RESIDENT,), query=visit_schemas.VisitQuery,
         answer=visit_schemas.VisitOut, many=True, tag="health", summary="List visits")
    def list_visits(self, request):
        query = dict(request.query)
        if only_resident(request):
            query["resident_id"] = request.principal.sub
        return self.health.list_visits(query)

    @api("GET", "/v1/visits/<string:visit_id>/fhir", roles=roles.CLINICAL_RECORD_READERS,
         answer=visit_schemas.FhirBundleOut, tag="health",
         summary="A completed visit as an HL7 FHIR R4 Bundle (Encounter class HH, "
                 "Observations, MedicationDispenses)")
    def visit_fhir(self, request, visit_id):
        return self.health.visit_fhir(visit_id)

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
        if only_resident(request):
            query["resident_id"] = request.principal.sub
        return self.health.list_referrals(query)

    @api("GET", "/v1/referrals/<string:referral_id>", roles=roles.STAFF + (roles.RESIDENT,),
         answer=visit_schemas.ReferralOut, tag="health", summary="A referral and its answer")
    def get_referral(self, request, referral_id):
        referral = self.health.get_referral(referral_id)
        if only_resident(request) and referral["resident_id"] != request.principal.sub:
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
