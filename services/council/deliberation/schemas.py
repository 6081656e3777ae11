"""What the deliberation week accepts (RPC arguments, also the gateway's HTTP bodies) and
answers. Unknown fields are rejected; text is stripped and must not be empty."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis.schemas import CursorQuery, Strict
from services.council.deliberation.domain import OUTCOMES, PROPOSAL_STATUSES, STATUSES

_ID = validate.Length(min=1, max=64)


def _text(maximum, required=True):
    return fields.String(required=required, validate=validate.Length(min=1, max=maximum))


class ThresholdIn(Strict):
    """Exactly one of: a share of the households in scope (when it opens), or a number."""

    households_pct = fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False))
    supports = fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000))

    @validates_schema
    def exactly_one(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError("Give exactly one of households_pct or supports.", "_schema")


class DeliberationIn(Strict):
    community_id = fields.String(required=True, validate=_ID)
    compound_id = fields.String(validate=_ID, load_default=None)
    title = _text(200)
    description = fields.String(validate=validate.Length(max=4000), load_default=None)
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    threshold = fields.Nested(ThresholdIn, load_default=None)

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            raise ValidationError("closes_at must be after opens_at.", "closes_at")


class DeliberationQuery(CursorQuery):
    community_id = fields.String(validate=_ID)
    status = fields.String(validate=validate.OneOf(STATUSES))


class DeliberationCloseIn(Strict):
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


class ProposalIn(Strict):
    deliberation_id = fields.String(required=True, validate=_ID)
    author_resident_id = fields.String(required=True, validate=_ID)
    title = _text(200)
    description = _text(4000)
    need_ids = fields.List(fields.String(validate=_ID), validate=validate.Length(max=200),
                           load_default=list)


class ProposalQuery(CursorQuery):
    deliberation_id = fields.String(validate=_ID)
    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUSES))


class SupportQuery(CursorQuery):
    status = fields.String(validate=validate.OneOf(["active", "withdrawn"]),
                           load_default="active")


class SupportIn(Strict):
    resident_id = fields.String(required=True, validate=_ID)


class DecisionIn(Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    answer = _text(4000)
    budget_yuan = fields.Float(validate=validate.Range(min=0, max=1_000_000_000),
                               load_default=None)
    due_by = fields.Date(load_default=None)


class ProgressIn(Strict):
    percent = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    note = _text(1000)


# -- answers ----------------------------------------------------------------------------------
class ActedByOut(Schema):
    sub = fields.String()
    on_behalf_of = fields.String(allow_none=True)


class DeliberationOut(Schema):
    id = fields.String()
    community_id = fields.String()
    compound_id = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    opens_at = fields.String()
    closes_at = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    threshold = fields.Dict(allow_none=True)
    threshold_supports = fields.Integer(allow_none=True, metadata={
        "description": "fixed when it opens: households_pct of the households in scope, "
                       "rounded up, or the fixed supports"})
    households = fields.Integer(allow_none=True)
    opened_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
    created_at = fields.String()
    created_by = fields.String()


class MilestoneOut(Schema):
    percent = fields.Integer()
    note = fields.String()
    at = fields.String()


class ProgressOut(Schema):
    percent = fields.Integer()
    milestones = fields.List(fields.Nested(MilestoneOut))


class DecisionOut(Schema):
    outcome = fields.String()
    answer = fields.String()
    budget_yuan = fields.Float(allow_none=True)
    due_by = fields.String(allow_none=True)
    decided_at = fields.String()
    decided_by = fields.String()


class ProposalOut(Schema):
    id = fields.String()
    deliberation_id = fields.String()
    community_id = fields.String()
    compound_id = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    author_resident_id = fields.String()
    submitted_by = fields.Nested(ActedByOut)
    status = fields.String(metadata={"enum": list(PROPOSAL_STATUSES)})
    supports = fields.Integer()
    threshold_supports = fields.Integer(allow_none=True)
    reached_threshold = fields.Boolean()
    decision = fields.Nested(DecisionOut, allow_none=True)
    progress = fields.Nested(ProgressOut)
    need_ids = fields.List(fields.String())
    submitted_at = fields.String()
    implemented_at = fields.String(allow_none=True)


class SupportOut(Schema):
    proposal_id = fields.String()
    resident_id = fields.String()
    at = fields.String()
    by = fields.Nested(ActedByOut)


class SupportListedOut(SupportOut):
    id = fields.String()
    status = fields.String(metadata={"enum": ["active", "withdrawn"]})
    withdrawn_at = fields.String(allow_none=True)
    withdrawn_by = fields.Nested(ActedByOut, allow_none=True)
