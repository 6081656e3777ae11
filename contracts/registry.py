"""Every known (type, version) and its schema; building and parsing envelopes."""
from marshmallow import ValidationError

from chassis import clock, ids
from chassis.validation import schema_instance
from contracts import activities, health, hospital, residents
from contracts import deliberation, needs, outreach  # council
from contracts.envelope import EnvelopeSchema

SCHEMAS = {**residents.EVENTS, **health.EVENTS, **hospital.EVENTS, **activities.EVENTS}
SCHEMAS.update({**outreach.EVENTS, **needs.EVENTS, **deliberation.EVENTS})  # council
# What the hospital publishes or reads: documented for its integrators in asyncapi.yaml.
HOSPITAL_FACING = sorted(
    [key for key in SCHEMAS if key[0].startswith("hospital.")]
    + [("health.referral_requested", 1)])

_envelope_schema = EnvelopeSchema()


class BadEnvelope(ValueError):
    """The message is not an envelope we can read (goes straight to the dead-letter queue)."""


class UnknownEvent(BadEnvelope):
    """A type or version this code does not know (never guessed at: dead-lettered)."""


def known_versions(event_type):
    return sorted(version for (kind, version) in SCHEMAS if kind == event_type)


def latest_version(event_type):
    versions = known_versions(event_type)
    if not versions:
        raise UnknownEvent(f"unknown event type {event_type!r}")
    return versions[-1]


def new_event(event_type, data, version=None):
    """An event without its context yet: the store completes it (tenant, actor, correlation)."""
    version = version or latest_version(event_type)
    schema = SCHEMAS.get((event_type, version))
    if schema is None:
        raise UnknownEvent(f"unknown event {event_type} v{version}")
    try:
        schema_instance(schema).load(data)  # an event we publish must be one we would accept
    except ValidationError as exc:
        raise BadEnvelope(f"refusing to publish an invalid {event_type}: {exc.messages}") from None
    return {
        "event_id": ids.new_id(),
        "type": event_type,
        "version": version,
        "occurred_at": clock.now_iso(),
        "data": data,
    }


def parse_envelope(body, accept_versions=None):
    """Validate an incoming message; returns the envelope with `data` as its schema loads it
    (defaults filled in), in JSON form again (dates as ISO strings), so handlers see what the
    contract says rather than what the publisher happened to send."""
    if not isinstance(body, dict):
        raise BadEnvelope(f"the message body is {type(body).__name__}, not a JSON object")
    try:
        envelope = _envelope_schema.load(body)
    except ValidationError as exc:
        raise BadEnvelope(f"invalid envelope: {exc.messages}") from None
    key = (envelope["type"], envelope["version"])
    schema = SCHEMAS.get(key)
    if schema is None or (accept_versions and envelope["version"] not in accept_versions):
        raise UnknownEvent(f"unknown event {key[0]} version {key[1]}")
    data_schema = schema_instance(schema)
    try:
        envelope["data"] = data_schema.dump(data_schema.load(envelope["data"]))
    except ValidationError as exc:
        raise BadEnvelope(f"invalid {key[0]} v{key[1]} data: {exc.messages}") from None
    return envelope
