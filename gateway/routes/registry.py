"""Registry routes: the territorial tree (communities, compounds, households) and residents."""
from chassis.internal_reads import InternalReads
from chassis.rpc import BoundedRpcProxy
from chassis.schemas import CursorQuery
from chassis.validation import load
from gateway import roles
from gateway.api import api
from gateway.routes.access import staff_or_self
from gateway.schemas import PageQuery
from services.residents import schemas as registry_schemas


class RegistryRoutes:
    residents = BoundedRpcProxy("residents")
    residents_reads = InternalReads("residents")  # reads over HTTP, no broker (ADR 0013)

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
        staff_or_self(request, resident_id)
        if self.residents_reads.available:
            return self.residents_reads.get(f"/internal/residents/{resident_id}")
        return self.residents.get_resident(resident_id)  # no GONGZHI_RESIDENTS_URL: over RPC

    @api("PATCH", "/v1/residents/<string:resident_id>", roles=roles.HOUSEHOLD_WRITERS,
         body=registry_schemas.ResidentPatch, answer=registry_schemas.ResidentOut, tag="registry",
         summary="Change a resident's own fields")
    def update_resident(self, request, resident_id):
        return self.residents.update_resident(resident_id, request.body)

    @api("GET", "/v1/residents/<string:resident_id>/timeline",
         roles=roles.STAFF + (roles.RESIDENT,), answer=registry_schemas.TimelineEntryOut, many=True,
         query=CursorQuery, tag="registry", summary="One timeline across health, outreach, events and council")
    def resident_timeline(self, request, resident_id):
        staff_or_self(request, resident_id)
        query = load(CursorQuery, request.query)
        return self.residents.resident_timeline(resident_id, query["limit"], query["cursor"])

    # -- grids (网格) and households' places in them (issue 12) ----------------------------------
    @api("POST", "/v1/grids", roles=roles.REGISTRARS, body=registry_schemas.GridIn,
         answer=registry_schemas.GridOut, status=201, tag="registry",
         summary="Add a grid (网格) with its grid workers")
    def create_grid(self, request):
        return 201, self.residents.create_grid(request.body)

    @api("GET", "/v1/grids", roles=roles.STAFF, query=registry_schemas.GridQuery,
         answer=registry_schemas.GridOut, many=True, tag="registry", summary="List grids")
    def list_grids(self, request):
        return self.residents.list_grids(request.query)

    @api("PATCH", "/v1/households/<string:household_id>", roles=roles.REGISTRARS,
         body=registry_schemas.HouseholdPatch, answer=registry_schemas.HouseholdOut,
         tag="registry", summary="Move a household to a grid, or correct its address")
    def update_household(self, request, household_id):
        return self.residents.update_household(household_id, request.body)

    def _hierarchy(self, level, request):
        query = load(PageQuery, request.query)
        limit, cursor = query.pop("limit"), query.pop("cursor")
        return self.residents.list_hierarchy(level, query, limit, cursor)
