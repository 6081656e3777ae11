"""What the outreach module accepts and answers."""
from marshmallow import Schema, fields, validate, validates_schema, ValidationError

from chassis.schemas import MAX_PAGE, CursorQuery, Strict
from contracts.outreach import OUTCOMES
from services.council import worklist_keys
from services.council.needs.schemas import HeardNeedIn

_id = fields.String(validate=validate.Length(min=1, max=64))


class DoorKnockIn(Strict):
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    visited_at = fields.AwareDateTime(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    residents_met = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                                load_default=list, validate=validate.Length(max=30))
    topics = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                         load_default=list, validate=validate.Length(max=20))
    note = fields.String(load_default=None, validate=validate.Length(max=1000))
    needs = fields.List(fields.Nested(HeardNeedIn), load_default=list,
                        validate=validate.Length(max=20))

    @validates_schema
    def met_means_someone(self, data, **kwargs):
        if data.get("residents_met") and data.get("outcome") != "met":
            raise ValidationError("Residents are met only when the outcome is met.",
                                  "residents_met")


class DoorKnockQuery(CursorQuery):
    household_id = _id
    grid_id = _id
    community_id = _id
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class CoverageQuery(Strict):
    week = fields.String(validate=validate.Regexp(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$",
                                                  error="An ISO week like 2026-W49."))
    community_id = _id
    grid_id = _id
    # not_knocked a page at a time (ADR 0017): `limit` households (default 50, at most 200)
    # after `cursor`, the `not_knocked_next` of the page before
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None, validate=[
        validate.Length(max=200),
        validate.Regexp(worklist_keys.CURSOR, error="Not a cursor this API gave: pass the "
                                                    "not_knocked_next of the page before.")])


class ByOut(Schema):
    sub = fields.String()
    roles = fields.List(fields.String())


class DoorKnockOut(Schema):
    id = fields.String()
    household_id = fields.String()
    compound_id = fields.String()
    community_id = fields.String()
    grid_id = fields.String(allow_none=True)
    visited_at = fields.String()
    week = fields.String()
    outcome = fields.String()
    residents_met = fields.List(fields.String())
    topics = fields.List(fields.String())
    note = fields.String(allow_none=True)
    by = fields.Nested(ByOut)
    need_ids = fields.List(fields.String())
    recorded_at = fields.String()


class GridCoverageOut(Schema):
    grid_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    households = fields.Integer()
    knocked = fields.Integer()
    coverage = fields.Float()


class NotKnockedOut(Schema):
    household_id = fields.String()
    address = fields.String(allow_none=True)
    grid_id = fields.String(allow_none=True)
    last_knocked_at = fields.String(allow_none=True)
    priority = fields.String(metadata={"description": "elderly_living_alone, never_knocked "
                                                      "or longest_since_knocked"})


class CoverageOut(Schema):
    week = fields.String()
    households = fields.Integer()
    knocked = fields.Integer()
    coverage = fields.Float()
    by_grid = fields.List(fields.Nested(GridCoverageOut))
    not_knocked = fields.List(fields.Nested(NotKnockedOut), metadata={
        "description": "A page (`limit`, default 50, at most 200) of the households not "
                       "knocked this week, in order: elderly living alone first, then never "
                       "knocked, then the oldest last knock."})
    not_knocked_total = fields.Integer(metadata={
        "description": "How many households in scope are not knocked this week (every page)."})
    not_knocked_next = fields.String(allow_none=True, metadata={
        "description": "`cursor` for the next page of not_knocked; null on the last page. "
                       "A household knocked meanwhile leaves the list; none already passed "
                       "comes again (ADR 0017)."})
