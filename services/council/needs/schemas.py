"""What the needs module accepts (RPC arguments, also the gateway's HTTP bodies) and answers."""
from marshmallow import Schema, fields, validate, validates_schema, ValidationError

from chassis.schemas import CursorQuery, Strict
from contracts.needs import CATEGORIES, CHANNELS, STATUSES, URGENCIES

_id = fields.String(validate=validate.Length(min=1, max=64))


def _text(maximum, required=True):
    return fields.String(required=required, validate=validate.Length(min=1, max=maximum))


class HeardNeedIn(Strict):
    """A need heard at a door (inside a door-knock)."""

    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = _text(1000)
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    resident_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class NeedIn(Strict):
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    resident_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = _text(1000)
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    channel = fields.String(load_default="walk_in", validate=validate.OneOf(CHANNELS))


class DispatchIn(Strict):
    unit = _text(100)
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class ResolveIn(Strict):
    resolution = _text(1000)


class RateIn(Strict):
    satisfied = fields.Boolean(required=True)
    score = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, validate=validate.Length(max=500))


class NeedQuery(CursorQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    unit = fields.String(validate=validate.Length(min=1, max=100))
    compound_id = _id
    grid_id = _id
    household_id = _id
    community_id = _id
    overdue = fields.Boolean()


class ScoresQuery(Strict):
    community_id = _id
    from_ = fields.Date(data_key="from")
    to = fields.Date()

    @validates_schema
    def window_is_ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("`from` is after `to`.", "from")


class ClustersQuery(Strict):
    compound_id = _id
    days = fields.Integer(validate=validate.Range(min=1, max=365))


class ActorOut(Schema):
    sub = fields.String()
    on_behalf_of = fields.String(allow_none=True)


class HistoryOut(Schema):
    status = fields.String()
    at = fields.String()
    by = fields.Nested(ActorOut)
    note = fields.String(allow_none=True)


class RatingOut(Schema):
    satisfied = fields.Boolean()
    score = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    at = fields.String()
    by = fields.Nested(ActorOut)


class NeedOut(Schema):
    id = fields.String()
    household_id = fields.String()
    compound_id = fields.String()
    community_id = fields.String()
    grid_id = fields.String(allow_none=True)
    resident_id = fields.String(allow_none=True)
    category = fields.String()
    description = fields.String()
    urgency = fields.String()
    channel = fields.String()
    status = fields.String()
    unit = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    received_at = fields.String()
    respond_by = fields.String()
    resolve_by = fields.String()
    responded_at = fields.String(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    overdue = fields.Boolean()
    reopen_count = fields.Integer()
    rating = fields.Nested(RatingOut, allow_none=True)
    raised_by = fields.Nested(ActorOut)
    knock_id = fields.String(allow_none=True)
    history = fields.List(fields.Nested(HistoryOut), metadata={"description": "single read only"})


class RatesOut(Schema):
    received = fields.Integer()
    responded_on_time = fields.Integer()
    resolved = fields.Integer()
    resolved_not_reopened = fields.Integer()
    resolved_on_time = fields.Integer()
    rated = fields.Integer()
    satisfied = fields.Integer()
    overdue = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    resolution_rate = fields.Float(allow_none=True)
    satisfaction_rate = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)


class UnitRatesOut(RatesOut):
    unit = fields.String()


class ScoresOut(Schema):
    overall = fields.Nested(RatesOut)
    by_unit = fields.List(fields.Nested(UnitRatesOut))


class ClusterOut(Schema):
    compound_id = fields.String()
    category = fields.String()
    households = fields.Integer()
    need_ids = fields.List(fields.String())
