"""Events of the residents' deliberation week (exchange `council.events`).

Every proposal event names the proposal's community (and compound, when the deliberation is
for one compound) and its author, so that consumers (metrics, the resident's timeline) need
nothing but the event. `by` says who acted and for whom: a grid worker who supported on a
resident's behalf is `{sub: <worker>, on_behalf_of: <resident>}`; the resident themself is
`{sub: <resident>, on_behalf_of: null}`."""
from marshmallow import RAISE, Schema, fields, validate


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _optional(field_class=fields.String, **kwargs):
    return field_class(allow_none=True, load_default=None, **kwargs)


class ActedByV1(_Strict):
    sub = fields.String(required=True)
    on_behalf_of = _optional()


class DeliberationOpenedV1(_Strict):
    deliberation_id = fields.String(required=True)
    community_id = fields.String(required=True)
    compound_id = _optional()
    title = fields.String(required=True)
    opens_at = fields.String(required=True)
    closes_at = fields.String(required=True)
    opened_at = fields.String(required=True)
    # The households in scope when it opened, and the threshold they gave (null: none).
    households = fields.Integer(strict=True, allow_none=True, load_default=None)
    threshold_supports = fields.Integer(strict=True, allow_none=True, load_default=None)


class DeliberationClosedV1(_Strict):
    deliberation_id = fields.String(required=True)
    community_id = fields.String(required=True)
    compound_id = _optional()
    title = fields.String(required=True)
    closed_at = fields.String(required=True)


class _ProposalEvent(_Strict):
    proposal_id = fields.String(required=True)
    deliberation_id = fields.String(required=True)
    community_id = fields.String(required=True)
    compound_id = _optional()
    title = fields.String(required=True)
    author_resident_id = fields.String(required=True)


class ProposalSubmittedV1(_ProposalEvent):
    submitted_at = fields.String(required=True)
    submitted_by = fields.Nested(ActedByV1, required=True)
    need_ids = fields.List(fields.String(), required=True)
    threshold_supports = fields.Integer(strict=True, allow_none=True, load_default=None)


class _SupportEvent(_ProposalEvent):
    support_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    # Each support or withdrawal of one resident on one proposal counts up: the latest state
    # wins whatever order events arrive in.
    support_version = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    at = fields.String(required=True)
    by = fields.Nested(ActedByV1, required=True)


class ProposalSupportedV1(_SupportEvent):
    pass


class SupportWithdrawnV1(_SupportEvent):
    pass


class ProposalDecidedV1(_ProposalEvent):
    outcome = fields.String(required=True, validate=validate.OneOf(["accepted", "rejected"]))
    answer = fields.String(required=True)
    budget_yuan = _optional(fields.Float)
    due_by = _optional()
    decided_at = fields.String(required=True)
    supports = fields.Integer(strict=True, allow_none=True, load_default=None)


class ProposalProgressedV1(_ProposalEvent):
    percent = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=100))
    note = fields.String(required=True)
    at = fields.String(required=True)


class ProposalImplementedV1(_Strict):
    """The proposal is done. The needs module resolves `need_ids` and asks the residents who
    raised them to rate the result."""

    proposal_id = fields.String(required=True)
    deliberation_id = fields.String(required=True)
    title = fields.String(required=True)
    need_ids = fields.List(fields.String(), required=True)
    community_id = _optional()
    compound_id = _optional()
    author_resident_id = _optional()
    implemented_at = _optional()
    note = _optional()


EVENTS = {
    ("council.deliberation_opened", 1): DeliberationOpenedV1,
    ("council.deliberation_closed", 1): DeliberationClosedV1,
    ("council.proposal_submitted", 1): ProposalSubmittedV1,
    ("council.proposal_supported", 1): ProposalSupportedV1,
    ("council.support_withdrawn", 1): SupportWithdrawnV1,
    ("council.proposal_decided", 1): ProposalDecidedV1,
    ("council.proposal_progressed", 1): ProposalProgressedV1,
    ("council.proposal_implemented", 1): ProposalImplementedV1,
}

# For the AsyncAPI document (contracts/asyncapi.py): what each event tells its consumers.
DESCRIPTIONS = {
    "council.deliberation_opened": "A deliberation week opened; `threshold_supports` was fixed "
                                   "now from the households in its scope. Published once.",
    "council.deliberation_closed": "A deliberation week closed (by its time, or early by "
                                   "staff). Published once; decisions may follow.",
    "council.proposal_submitted": "A resident proposed (or someone on their behalf: "
                                  "`submitted_by.on_behalf_of`). `need_ids` links the needs.",
    "council.proposal_supported": "A resident supported a proposal (once per resident; "
                                  "`support_version` orders a support after a withdrawal).",
    "council.support_withdrawn": "A resident withdrew their support while the week was open.",
    "council.proposal_decided": "The community decided a proposal after the week closed: "
                                "`outcome` accepted or rejected, with its answer.",
    "council.proposal_progressed": "An accepted proposal's implementation reached `percent`.",
    "council.proposal_implemented": "An accepted proposal is implemented. The needs module "
                                    "resolves `need_ids` and asks their residents to rate.",
}
