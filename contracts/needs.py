"""Events of council's needs module (exchange `council.events`): the 接诉即办 loop.

Every need event carries the need's state after the change (`version` counts its
transitions), so a projection keeps the highest version it saw and is right whatever order
or however often the events arrive."""
from marshmallow import RAISE, Schema, fields, validate

CATEGORIES = ("repair", "sanitation", "elderly_care", "medical", "safety", "neighbourhood",
              "policy", "facilities", "other")
URGENCIES = ("normal", "urgent")
CHANNELS = ("door_knock", "phone", "walk_in", "app")
STATUSES = ("received", "dispatched", "resolved", "closed", "reopened")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class NeedStateV1(_Strict):
    need_id = fields.String(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    household_id = fields.String(required=True)
    compound_id = fields.String(required=True)
    community_id = fields.String(required=True)
    grid_id = fields.String(allow_none=True, load_default=None)
    resident_id = fields.String(allow_none=True, load_default=None)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    unit = fields.String(allow_none=True, load_default=None)
    received_at = fields.String(required=True)
    respond_by = fields.String(required=True)
    resolve_by = fields.String(required=True)
    responded_at = fields.String(allow_none=True, load_default=None)
    resolved_at = fields.String(allow_none=True, load_default=None)
    overdue = fields.Boolean(required=True)
    reopen_count = fields.Integer(required=True, strict=True)
    ratings = fields.Integer(required=True, strict=True)
    satisfied_ratings = fields.Integer(required=True, strict=True)
    note = fields.String(allow_none=True, load_default=None)


class NeedReceivedV1(NeedStateV1):
    description = fields.String(required=True)


class NeedResolvedV1(NeedStateV1):
    resolution = fields.String(required=True)


class NeedRatedV1(NeedStateV1):
    satisfied = fields.Boolean(required=True)
    score = fields.Integer(allow_none=True, load_default=None)
    comment = fields.String(allow_none=True, load_default=None)


class NeedOverdueV1(NeedStateV1):
    missed = fields.String(required=True, validate=validate.OneOf(["respond", "resolve"]))


EVENTS = {
    ("council.need_received", 1): NeedReceivedV1,
    ("council.need_dispatched", 1): NeedStateV1,
    ("council.need_resolved", 1): NeedResolvedV1,
    ("council.need_rated", 1): NeedRatedV1,
    ("council.need_reopened", 1): NeedStateV1,
    ("council.need_overdue", 1): NeedOverdueV1,
}
