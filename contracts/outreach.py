"""Events of council's outreach module (exchange `council.events`): door-knocks (亲情敲门)."""
from marshmallow import RAISE, Schema, fields, validate

OUTCOMES = ("met", "not_home", "declined")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class HeardNeedV1(_Strict):
    """A need heard at the door, as the knock carries it (its ticket id is fixed here, so
    the ticket is created once from either the request or this event)."""

    need_id = fields.String(required=True)
    category = fields.String(required=True)
    description = fields.String(required=True)
    urgency = fields.String(required=True)
    resident_id = fields.String(allow_none=True, load_default=None)


class DoorKnockedV1(_Strict):
    knock_id = fields.String(required=True)
    household_id = fields.String(required=True)
    compound_id = fields.String(required=True)
    community_id = fields.String(required=True)
    grid_id = fields.String(allow_none=True, load_default=None)
    visited_at = fields.String(required=True)
    week = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-W\d{2}$"))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    residents_met = fields.List(fields.String(), required=True)
    topics = fields.List(fields.String(), required=True)
    by = fields.String(required=True)
    recorded_at = fields.String(required=True)
    needs = fields.List(fields.Nested(HeardNeedV1), required=True)


EVENTS = {
    ("council.door_knocked", 1): DoorKnockedV1,
}
