"""Needs routes: the 接诉即办 loop (services/council). Who sees which need (a resident only
their household's) is decided by council from the call's roles and sub."""
from chassis.rpc import BoundedRpcProxy
from gateway import roles
from gateway.api import api
from services.council.needs import schemas as need_schemas

READERS = roles.STAFF + (roles.RESIDENT,)


class NeedsRoutes:
    council = BoundedRpcProxy("council")

    @api("POST", "/v1/needs", roles=roles.NEED_RAISERS, body=need_schemas.NeedIn,
         answer=need_schemas.NeedOut, status=201, tag="needs", summary="Raise a need (a ticket)")
    def raise_need(self, request):
        return 201, self.council.raise_need(request.body)

    @api("GET", "/v1/needs", roles=READERS, query=need_schemas.NeedQuery,
         answer=need_schemas.NeedOut, many=True, tag="needs", summary="List needs")
    def list_needs(self, request):
        return self.council.list_needs(request.query)

    @api("GET", "/v1/needs/scores", roles=roles.SCORE_READERS, query=need_schemas.ScoresQuery,
         answer=need_schemas.ScoresOut, tag="needs",
         summary="Response, resolution, satisfaction and on-time rates, overall and per unit")
    def need_scores(self, request):
        return self.council.need_scores(request.query)

    @api("GET", "/v1/needs/clusters", roles=roles.STAFF, query=need_schemas.ClustersQuery,
         answer=need_schemas.ClusterOut, many=True, tag="needs",
         summary="Categories raised by 3+ households of one compound lately")
    def need_clusters(self, request):
        return self.council.need_clusters(request.query)

    @api("GET", "/v1/needs/<string:need_id>", roles=READERS, answer=need_schemas.NeedOut,
         tag="needs", summary="A need with its history")
    def get_need(self, request, need_id):
        return self.council.get_need(need_id)

    @api("POST", "/v1/needs/<string:need_id>/dispatch", roles=roles.DISPATCHERS,
         body=need_schemas.DispatchIn, answer=need_schemas.NeedOut, tag="needs",
         summary="Dispatch to a unit (the response)")
    def dispatch_need(self, request, need_id):
        return self.council.dispatch_need(need_id, request.body)

    @api("POST", "/v1/needs/<string:need_id>/resolve", roles=roles.RESOLVERS,
         body=need_schemas.ResolveIn, answer=need_schemas.NeedOut, tag="needs",
         summary="Record the resolution")
    def resolve_need(self, request, need_id):
        return self.council.resolve_need(need_id, request.body)

    @api("POST", "/v1/needs/<string:need_id>/rate", roles=roles.RATERS,
         body=need_schemas.RateIn, answer=need_schemas.NeedOut, tag="needs",
         summary="The resident's rating (staff may rate on their behalf); "
                 "not satisfied reopens the need")
    def rate_need(self, request, need_id):
        return self.council.rate_need(need_id, request.body)
