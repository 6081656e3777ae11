"""Outreach routes: door-knocks (亲情敲门) and weekly coverage (services/council)."""
from chassis.rpc import BoundedRpcProxy
from gateway import roles
from gateway.api import api
from services.council.outreach import schemas as outreach_schemas


class OutreachRoutes:
    council = BoundedRpcProxy("council")

    @api("POST", "/v1/door-knocks", roles=roles.KNOCKERS, body=outreach_schemas.DoorKnockIn,
         answer=outreach_schemas.DoorKnockOut, status=201, tag="outreach",
         summary="Record a door-knock; needs heard there become tickets in the same request")
    def record_door_knock(self, request):
        return 201, self.council.record_door_knock(request.body)

    @api("GET", "/v1/door-knocks", roles=roles.STAFF, query=outreach_schemas.DoorKnockQuery,
         answer=outreach_schemas.DoorKnockOut, many=True, tag="outreach",
         summary="List door-knocks by household, grid or dates")
    def list_door_knocks(self, request):
        return self.council.list_door_knocks(request.query)

    @api("GET", "/v1/outreach/coverage", roles=roles.STAFF, query=outreach_schemas.CoverageQuery,
         answer=outreach_schemas.CoverageOut, tag="outreach",
         summary="Weekly coverage (ISO week, UTC+8) and who to knock next, a page at a time "
                 "(`limit`, default 50, at most 200; `cursor` = the `not_knocked_next` of the "
                 "page before; ADR 0017)")
    def outreach_coverage(self, request):
        return self.council.coverage(request.query)
