"""Community activity routes: partners, activities, registrations, check-in, volunteer hours.
A resident acts only for themself: the gateway passes `as_resident` and the events service
answers 404 for anyone else's records, exactly as if they did not exist."""
from chassis.rpc import BoundedRpcProxy
from gateway import roles
from gateway.api import api
from gateway.routes.access import only_resident, staff_or_self
from services.events import schemas as event_schemas

EVERYONE = roles.ALL


def _as_resident(request):
    return request.principal.sub if only_resident(request) else None


class ActivityRoutes:
    events = BoundedRpcProxy("events")

    @api("POST", "/v1/partners", roles=roles.ORGANISERS, body=event_schemas.PartnerIn,
         answer=event_schemas.PartnerOut, status=201, tag="activities",
         summary="Register a partner (school, care home, hospital, property company...)")
    def create_partner(self, request):
        return 201, self.events.create_partner(request.body)

    @api("GET", "/v1/partners", roles=roles.STAFF, query=event_schemas.PageQuery,
         answer=event_schemas.PartnerOut, many=True, tag="activities",
         summary="Partners with their live totals")
    def list_partners(self, request):
        return self.events.list_partners(request.query)

    @api("GET", "/v1/partners/<string:partner_id>", roles=roles.STAFF,
         answer=event_schemas.PartnerOut, tag="activities", summary="A partner and its totals")
    def get_partner(self, request, partner_id):
        return self.events.get_partner(partner_id)

    @api("POST", "/v1/activities", roles=roles.ORGANISERS, body=event_schemas.ActivityIn,
         answer=event_schemas.ActivityOut, status=201, tag="activities",
         summary="Publish a community activity")
    def create_activity(self, request):
        return 201, self.events.create_activity(request.body)

    @api("GET", "/v1/activities", roles=EVERYONE, query=event_schemas.ActivityQuery,
         answer=event_schemas.ActivityOut, many=True, tag="activities", summary="List activities")
    def list_activities(self, request):
        return self.events.list_activities(request.query)

    @api("GET", "/v1/activities/<string:activity_id>", roles=EVERYONE,
         answer=event_schemas.ActivityOut, tag="activities", summary="An activity and its seats")
    def get_activity(self, request, activity_id):
        return self.events.get_activity(activity_id)

    @api("PATCH", "/v1/activities/<string:activity_id>", roles=roles.ORGANISERS,
         body=event_schemas.ActivityPatch, answer=event_schemas.ActivityOut, tag="activities",
         summary="Change an activity (registrants are told; lowering a capacity below the "
                 "confirmed count is 409)")
    def update_activity(self, request, activity_id):
        return self.events.update_activity(activity_id, request.body)

    @api("POST", "/v1/activities/<string:activity_id>/cancel", roles=roles.ORGANISERS,
         body=event_schemas.ActivityCancelIn, answer=event_schemas.ActivityOut,
         tag="activities", summary="Cancel an activity (every registration with it)")
    def cancel_activity(self, request, activity_id):
        return self.events.cancel_activity(activity_id, request.body)

    @api("POST", "/v1/activities/<string:activity_id>/complete", roles=roles.ORGANISERS,
         body=event_schemas.ActivityCompleteIn, answer=event_schemas.ActivityOut,
         tag="activities", summary="Complete an activity: no-shows marked, volunteer hours "
                                   "credited once")
    def complete_activity(self, request, activity_id):
        return self.events.complete_activity(activity_id, request.body)

    @api("POST", "/v1/activities/<string:activity_id>/registrations", roles=roles.REGISTRANTS,
         body=event_schemas.RegistrationIn, answer=event_schemas.RegistrationOut, status=201,
         tag="activities", summary="Register a resident (confirmed, or waitlisted when full)")
    def register(self, request, activity_id):
        return 201, self.events.register(activity_id, request.body, _as_resident(request))

    @api("GET", "/v1/activities/<string:activity_id>/registrations", roles=roles.STAFF,
         query=event_schemas.RegistrationQuery, answer=event_schemas.RegistrationOut, many=True,
         tag="activities", summary="An activity's registrations")
    def list_activity_registrations(self, request, activity_id):
        return self.events.list_activity_registrations(activity_id, request.query)

    @api("GET", "/v1/registrations", roles=roles.STAFF + (roles.RESIDENT,),
         query=event_schemas.RegistrationQuery, answer=event_schemas.RegistrationOut, many=True,
         tag="activities", summary="Registrations of a resident (a resident: their own)")
    def list_registrations(self, request):
        return self.events.list_registrations(request.query, _as_resident(request))

    @api("POST", "/v1/registrations/<string:registration_id>/cancel",
         roles=roles.REGISTRANTS, body=event_schemas.RegistrationCancelIn,
         answer=event_schemas.RegistrationOut, tag="activities",
         summary="Cancel a registration (the next on the waiting list is promoted)")
    def cancel_registration(self, request, registration_id):
        return self.events.cancel_registration(registration_id, request.body,
                                               _as_resident(request))

    @api("POST", "/v1/activities/<string:activity_id>/check-ins", roles=roles.CHECKERS,
         body=event_schemas.CheckInIn, answer=event_schemas.RegistrationOut, tag="activities",
         summary="Check a resident in by code or by resident id (a repeat answers the first)")
    def check_in(self, request, activity_id):
        return self.events.check_in(activity_id, request.body)

    @api("GET", "/v1/volunteers/<string:resident_id>/hours", roles=roles.STAFF + (roles.RESIDENT,),
         query=event_schemas.HoursQuery, answer=event_schemas.HoursOut, tag="activities",
         summary="A volunteer's service record (志愿服务记录): hours and who issued them")
    def volunteer_hours(self, request, resident_id):
        staff_or_self(request, resident_id)
        return self.events.volunteer_hours(resident_id, request.query)
