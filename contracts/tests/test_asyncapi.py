"""contracts/asyncapi.yaml is what the schemas say: regenerated and compared, its structure
checked (AsyncAPI 2.6), and real envelopes validated against it as JSON Schema."""
import copy
import re

import jsonschema
import pytest
import yaml

from contracts import asyncapi, parse_envelope
from contracts.registry import HOSPITAL_FACING, SCHEMAS
from integrations.hospital.client import HospitalClient

DOCUMENT = yaml.safe_load(asyncapi.PATH.read_text(encoding="utf-8"))
COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9.\-_]+$")


def test_the_committed_document_is_the_generated_one():
    committed = asyncapi.PATH.read_text(encoding="utf-8").split("\n", 1)[1]
    assert committed == asyncapi.render(), "run: python -m contracts.asyncapi"


def test_it_is_an_asyncapi_2_6_document():
    assert DOCUMENT["asyncapi"] == "2.6.0"
    assert set(DOCUMENT) <= {"asyncapi", "id", "info", "servers", "defaultContentType",
                             "channels", "components", "tags", "externalDocs"}
    assert {"title", "version"} <= set(DOCUMENT["info"])
    for server in DOCUMENT["servers"].values():
        assert {"url", "protocol"} <= set(server) and server["protocol"] == "amqp"
        for requirement in server.get("security", []):
            assert set(requirement) <= set(DOCUMENT["components"]["securitySchemes"])
    for name, channel in DOCUMENT["channels"].items():
        operations = set(channel) & {"publish", "subscribe"}
        assert operations, name
        assert set(channel) <= {"description", "bindings", "publish", "subscribe",
                                "parameters", "servers", "$ref"}
        for operation in operations:
            assert "message" in channel[operation]
    for section in DOCUMENT["components"].values():
        assert all(COMPONENT_KEY.match(key) for key in section)
    for ref in _refs(DOCUMENT):
        assert _resolve(ref) is not None, ref


@pytest.mark.parametrize("event_type, version", HOSPITAL_FACING)
def test_every_hospital_facing_event_is_documented_as_its_schema_says(event_type, version):
    name = f"{event_type}.v{version}"
    message = DOCUMENT["components"]["messages"][name]
    assert message["payload"]["properties"]["type"]["const"] == event_type
    assert message["payload"]["properties"]["version"]["const"] == version
    documented = DOCUMENT["components"]["schemas"][name]
    schema = SCHEMAS[(event_type, version)]()
    fields = {field.data_key or key: field for key, field in schema.fields.items()}
    assert set(documented["properties"]) == set(fields)
    assert set(documented.get("required", [])) == {k for k, f in fields.items() if f.required}
    assert documented["additionalProperties"] is False  # unknown fields are refused
    source, routing_key = event_type.split(".", 1)
    channel = DOCUMENT["channels"][f"{source}.events/{routing_key}"]
    operation = "publish" if source == "hospital" else "subscribe"
    assert channel[operation]["message"]["$ref"].endswith(name)
    assert channel["bindings"]["amqp"]["exchange"]["name"] == f"{source}.events"


EXAMPLES = {
    "hospital.referral_accepted": {"referral_id": "r1", "patient_id": "TH-1",
                                   "accepted_at": "2026-11-28T10:00:00+08:00",
                                   "appointment_at": "2026-12-01T09:00:00+08:00"},
    "hospital.referral_declined": {"referral_id": "r1", "declined_at": "2026-11-28T10:00:00Z",
                                   "reason": "暂无床位"},
    "hospital.patient_discharged": {"patient_id": "TH-1", "id_number": "420302194109030023",
                                    "name": "王奶奶", "discharged_at": "2026-11-28T10:00:00+08:00",
                                    "department": "心内科", "follow_up_within_days": 3},
    "hospital.home_visit_completed": {
        "patient_id": "TH-1", "hospital_visit_id": "HV-1", "completed_at": "2026-11-28T10:00:00Z",
        "symptoms": ["头晕"], "checks": {"systolic_mmhg": 135},
        "medicines_dispensed": [{"name": "降压药", "quantity": 2}]},
}


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_real_envelopes_agree_with_the_document_and_the_schemas(event_type):
    envelope = HospitalClient("amqp://unused", tenant="hongwei").envelope(
        event_type, EXAMPLES[event_type])
    payload = _inline(DOCUMENT["components"]["messages"][f"{event_type}.v1"]["payload"])
    jsonschema.validate(envelope, payload)
    parse_envelope(envelope)  # and the platform accepts it
    wrong = copy.deepcopy(envelope)
    wrong["data"]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, payload)


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(ref):
    node = DOCUMENT
    for part in ref.lstrip("#/").split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _inline(node):
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(_resolve(node["$ref"]))
        return {key: _inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value) for value in node]
    return node
