"""contracts/asyncapi.yaml (AsyncAPI 2.6), generated from the event schemas in contracts/:

    python -m contracts.asyncapi          # rewrite contracts/asyncapi.yaml

The application described is the platform; channels are (exchange, routing key) pairs on
RabbitMQ. `publish` operations are what the hospital publishes (the platform receives them);
`subscribe` operations are what the hospital receives. A test regenerates the document and
compares it with the committed file, so the document cannot drift from the schemas."""
import sys
from pathlib import Path

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from contracts.envelope import ActorSchema
from contracts.registry import HOSPITAL_FACING, SCHEMAS

PATH = Path(__file__).with_name("asyncapi.yaml")
VERSION = "1.0.0"

DESCRIPTIONS = {
    "hospital.referral_accepted": "The hospital took a referral. `patient_id` links the "
                                  "resident to the hospital's patient record from now on.",
    "hospital.referral_declined": "The hospital cannot take a referral; `reason` says why.",
    "hospital.patient_discharged": "A patient went home. The platform schedules a home "
                                   "follow-up visit within `follow_up_within_days` (default: "
                                   "the platform's GONGZHI_DISCHARGE_FOLLOW_UP_DAYS, 3) and "
                                   "shows it to the resident's grid worker.",
    "hospital.home_visit_completed": "Hospital staff visited a patient at home and recorded it "
                                     "in the hospital's system. Recorded once per "
                                     "`hospital_visit_id`, however often it is sent.",
    "health.referral_requested": "A community medical team refers a resident to the hospital. "
                                 "Delivered to the hospital's inbox queue; answer with "
                                 "hospital.referral_accepted or hospital.referral_declined.",
}
# Every other event the platform publishes, documented beside the hospital's (any consumer
# binds its own queue to the exchange). An event without a written description is described by
# its schema's docstring.
from contracts import deliberation  # noqa: E402
DESCRIPTIONS.update(deliberation.DESCRIPTIONS)
PLATFORM_EVENTS = sorted(key for key in SCHEMAS if key not in HOSPITAL_FACING)


def _description(event_type, version):
    if event_type in DESCRIPTIONS:
        return DESCRIPTIONS[event_type]
    doc = " ".join((SCHEMAS[(event_type, version)].__doc__ or "").split())
    source = event_type.split(".", 1)[0]
    return doc or f"`{event_type}`, published by the {source} service."

IDENTIFY = ("\n\nThe patient is named by `patient_id`; on first contact add `id_number` (the "
            "ID-card number), which the platform matches to exactly one resident or else "
            "holds the event for staff review. It is never stored or passed on.")


def _converter():
    spec = APISpec("contracts", VERSION, "3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=lambda schema: None)])
    return spec.plugins[0].converter


def _json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema (AsyncAPI's default schema format)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    if node.get("type") == "object" and "properties" in node:
        node["additionalProperties"] = False
    return node


def schema_of(schema_cls):
    return _json_schema(_converter().schema2jsonschema(schema_cls))


def _envelope(event_type, version, data_schema):
    return {
        "type": "object", "additionalProperties": False,
        "required": ["event_id", "type", "version", "occurred_at", "tenant", "actor", "data"],
        "properties": {
            "event_id": {"type": "string", "minLength": 1, "maxLength": 64,
                         "description": "unique (ULID or UUID); a reused id is a duplicate"},
            "type": {"type": "string", "const": event_type},
            "version": {"type": "integer", "const": version},
            "occurred_at": {"type": "string", "format": "date-time"},
            "tenant": {"type": "string", "minLength": 1, "maxLength": 64,
                       "description": "the subdistrict id, e.g. hongwei"},
            "correlation_id": {"type": ["string", "null"]},
            "actor": {"$ref": "#/components/schemas/Actor"},
            "data": data_schema,
        },
    }


def _message_name(event_type, version):
    return f"{event_type}.v{version}"


def build():
    channels, messages, schemas = {}, {}, {"Actor": schema_of(ActorSchema)}
    for event_type, version in HOSPITAL_FACING + PLATFORM_EVENTS:
        source, name = event_type.split(".", 1)
        for_hospital = (event_type, version) in HOSPITAL_FACING
        message = _message_name(event_type, version)
        schemas[message] = schema_of(SCHEMAS[(event_type, version)])
        from_hospital = source == "hospital"
        messages[message] = {
            "messageId": message, "name": message, "title": f"{event_type} v{version}",
            "summary": _description(event_type, version).split(". ")[0].rstrip(".") + ".",
            "description": _description(event_type, version) + (IDENTIFY if "id_number" in schemas[
                message]["properties"] else ""),
            "contentType": "application/json",
            "payload": _envelope(event_type, version, {"$ref": f"#/components/schemas/{message}"}),
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": event_type,
                                  "bindingVersion": "0.2.0"}},
        }
        operation = {
            "operationId": ("receive_" if from_hospital else "send_") + name,
            "summary": ("The hospital publishes this; the platform applies it once."
                        if from_hospital else "The platform publishes this for the hospital."
                        if for_hospital else "The platform publishes this (persistent, "
                                             "from its outbox, at least once)."),
            "bindings": {"amqp": {"deliveryMode": 2, "ack": True, "bindingVersion": "0.2.0"}},
            "message": {"$ref": f"#/components/messages/{message}"},
        }
        channel = {
            "description": f"Exchange `{source}.events` (topic), routing key `{name}`."
                           + ("" if from_hospital or not for_hospital else " Bound for the "
                              "hospital to its inbox queue `hospital.inbox` "
                              "(GONGZHI_HOSPITAL_INBOX)."),
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": f"{source}.events", "type": "topic", "durable": True,
                "autoDelete": False, "vhost": "/"}, "bindingVersion": "0.2.0"}},
            ("publish" if from_hospital else "subscribe"): operation,
        }
        channels.setdefault(f"{source}.events/{name}", {}).update(channel)
    return {
        "asyncapi": "2.6.0",
        "id": "urn:gongzhi:hospital-integration",
        "info": {
            "title": "Gongzhi (共治) ⇄ partner hospital events", "version": VERSION,
            "description": "What the partner hospital (e.g. Taihe Hospital, West Campus) and "
                           "the platform say to each other over RabbitMQ. Every message is the "
                           "platform's envelope with the event's `data`. A message the "
                           "platform cannot read, or of a type or version it does not know, is "
                           "dead-lettered with the reason, never applied. Guide: "
                           "contracts/HOSPITAL.md.",
            # The official parser (tools/asyncapi) asks for both. The url and email are in the
            # reserved .example domain: an installation puts its own integration desk here.
            "contact": {"name": "Gongzhi platform team (the subdistrict's operator of the "
                                "platform)", "url": "https://gongzhi.example/hospital",
                        "email": "integration@gongzhi.example"},
            "license": {"name": "Proprietary: shared with partner hospitals under their "
                                "integration agreement"},
        },
        "defaultContentType": "application/json",
        "tags": [{"name": "hospital", "description": "The partner hospital's integration"},
                 {"name": "home-care", "description": "Referrals, discharges, home visits"}],
        "servers": {"broker": {
            "url": "{host}:{port}", "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": "The platform's RabbitMQ; the hospital has its own user (see "
                           "contracts/HOSPITAL.md for its permissions).",
            "variables": {"host": {"default": "rabbitmq"}, "port": {"default": "5672",
                                                                    "enum": ["5672", "5671"]}},
            "security": [{"hospitalUser": []}]}},
        "channels": channels,
        "components": {
            "messages": messages, "schemas": schemas,
            "securitySchemes": {"hospitalUser": {
                "type": "userPassword",
                "description": "A broker user for the hospital: write on exchange "
                               "hospital.events, read on queue hospital.inbox, nothing else."}},
        },
    }


def render():
    return yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100)


def main():
    PATH.write_text("# Generated by `python -m contracts.asyncapi` from contracts/*.py: "
                    "do not edit by hand.\n" + render(), encoding="utf-8")
    print(f"wrote {PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
