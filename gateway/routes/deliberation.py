"""The residents' deliberation week (居民议事周): deliberations, proposals, supports,
decisions and progress. Who acts for whom is the council's to record; the token says who."""
from chassis.rpc import BoundedRpcProxy
from gateway import roles
from gateway.api import api
from services.council.deliberation import schemas as delib_schemas

TAG = "deliberation"


class DeliberationRoutes:
    council = BoundedRpcProxy("council")

    @api("POST", "/v1/deliberations", roles=roles.DELIBERATION_ORGANISERS,
         body=delib_schemas.DeliberationIn, answer=delib_schemas.DeliberationOut, status=201,
         tag=TAG, summary="Schedule a deliberation week for a community or one compound")
    def create_deliberation(self, request):
        return 201, self.council.create_deliberation(request.body)

    @api("GET", "/v1/deliberations", roles=roles.ALL, query=delib_schemas.DeliberationQuery,
         answer=delib_schemas.DeliberationOut, many=True, tag=TAG,
         summary="List deliberations (status as of now: scheduled, open, closed)")
    def list_deliberations(self, request):
        return self.council.list_deliberations(request.query)

    @api("GET", "/v1/deliberations/<string:deliberation_id>", roles=roles.ALL,
         answer=delib_schemas.DeliberationOut, tag=TAG, summary="A deliberation")
    def get_deliberation(self, request, deliberation_id):
        return self.council.get_deliberation(deliberation_id)

    @api("POST", "/v1/deliberations/<string:deliberation_id>/close",
         roles=roles.DELIBERATION_ORGANISERS, body=delib_schemas.DeliberationCloseIn,
         answer=delib_schemas.DeliberationOut, tag=TAG,
         summary="End the week now, before its closing time (idempotent)")
    def close_deliberation(self, request, deliberation_id):
        return self.council.close_deliberation(deliberation_id, request.body or {})

    @api("POST", "/v1/proposals", roles=roles.PROPOSERS, body=delib_schemas.ProposalIn,
         answer=delib_schemas.ProposalOut, status=201, tag=TAG,
         summary="Propose (a resident for themself; grid worker or staff on their behalf)")
    def submit_proposal(self, request):
        return 201, self.council.submit_proposal(request.body)

    @api("GET", "/v1/proposals", roles=roles.ALL, query=delib_schemas.ProposalQuery,
         answer=delib_schemas.ProposalOut, many=True, tag=TAG, summary="List proposals")
    def list_proposals(self, request):
        return self.council.list_proposals(request.query)

    @api("GET", "/v1/proposals/<string:proposal_id>", roles=roles.ALL,
         answer=delib_schemas.ProposalOut, tag=TAG,
         summary="A proposal with its supports, decision and progress")
    def get_proposal(self, request, proposal_id):
        return self.council.get_proposal(proposal_id)

    @api("POST", "/v1/proposals/<string:proposal_id>/supports", roles=roles.PROPOSERS,
         body=delib_schemas.SupportIn, answer=delib_schemas.SupportOut, status=201, tag=TAG,
         summary="Support a proposal: once per resident (a repeat is 409)")
    def support_proposal(self, request, proposal_id):
        return 201, self.council.support_proposal(proposal_id, request.body)

    @api("GET", "/v1/proposals/<string:proposal_id>/supports", roles=roles.STAFF,
         query=delib_schemas.SupportQuery, answer=delib_schemas.SupportListedOut, many=True,
         tag=TAG, summary="Who supports a proposal, and who acted on their behalf")
    def list_supports(self, request, proposal_id):
        return self.council.list_supports(proposal_id, request.query)

    @api("DELETE", "/v1/proposals/<string:proposal_id>/supports/<string:resident_id>",
         roles=roles.PROPOSERS, status=204, tag=TAG,
         summary="Withdraw a support while the deliberation is open")
    def withdraw_support(self, request, proposal_id, resident_id):
        self.council.withdraw_support(proposal_id, resident_id)
        return 204, None

    @api("POST", "/v1/proposals/<string:proposal_id>/decision",
         roles=roles.DELIBERATION_ORGANISERS, body=delib_schemas.DecisionIn,
         answer=delib_schemas.ProposalOut, tag=TAG,
         summary="Decide a proposal once, after the deliberation closed")
    def decide_proposal(self, request, proposal_id):
        return self.council.decide_proposal(proposal_id, request.body)

    @api("POST", "/v1/proposals/<string:proposal_id>/progress",
         roles=roles.DELIBERATION_ORGANISERS, body=delib_schemas.ProgressIn,
         answer=delib_schemas.ProposalOut, tag=TAG,
         summary="Record an accepted proposal's progress (implemented at 100%)")
    def record_progress(self, request, proposal_id):
        return self.council.record_progress(proposal_id, request.body)
