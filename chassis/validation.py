"""Loading input through marshmallow with one error shape: Invalid(detail, {field: [msgs]})."""
from functools import cache

from marshmallow import ValidationError

from chassis.errors import Invalid


@cache
def schema_instance(schema_class):
    """One instance per schema class serves every load (a load keeps no state on it):
    building a marshmallow schema costs more than most loads (py-spy, fifth session: 8-10% of
    health's samples were Schema.__init__, one per request)."""
    return schema_class()


def load(schema, payload, partial=False):
    """`schema`: a marshmallow Schema class (its one instance is used), or an instance."""
    if isinstance(schema, type):
        schema = schema_instance(schema)
    if not isinstance(payload, dict):
        raise Invalid("the body must be a JSON object", {"_schema": ["Expected a JSON object."]})
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as exc:
        raise Invalid("the request has invalid fields", _flatten(exc.messages)) from None


def _flatten(messages):
    """marshmallow nests errors for lists and nested schemas; keep the nesting but make sure
    every leaf is a list of strings (JSON-friendly across RPC)."""
    if isinstance(messages, dict):
        return {str(key): _flatten(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [m if isinstance(m, str) else _flatten(m) for m in messages]
    return [str(messages)]
