"""The envelope every event travels in."""
from marshmallow import RAISE, Schema, fields, validate


class ActorSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True)
    roles = fields.List(fields.String(), load_default=list)
    on_behalf_of = fields.String(allow_none=True)


class EnvelopeSchema(Schema):
    """`type` is "<source service>.<event name>"; `data` is checked by the type's own schema."""

    class Meta:
        unknown = RAISE

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+\.[a-z_]+$"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.String(required=True)
    tenant = fields.String(required=True, validate=validate.Length(min=1, max=64))
    correlation_id = fields.String(allow_none=True, load_default=None)
    actor = fields.Nested(ActorSchema, required=True)
    data = fields.Dict(required=True)
