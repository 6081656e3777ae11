"""contracts/asyncapi-activities.yaml is what contracts/activities.py says, and real events
the events service would publish validate against it as JSON Schema."""
import jsonschema
import yaml

from contracts import asyncapi_activities, new_event
from contracts.activities import EVENTS

DOCUMENT = yaml.safe_load(asyncapi_activities.PATH.read_text(encoding="utf-8"))


def test_the_committed_document_is_the_generated_one():
    committed = asyncapi_activities.PATH.read_text(encoding="utf-8").split("\n", 1)[1]
    assert committed == asyncapi_activities.render(), "run: python -m contracts.asyncapi_activities"


def test_every_activity_event_has_a_channel():
    assert DOCUMENT["asyncapi"] == "2.6.0"
    names = {f"events.events/{t.split('.', 1)[1]}" for t, _ in EVENTS}
    assert names == set(DOCUMENT["channels"])


def test_a_real_event_validates():
    event = new_event("events.volunteer_hours_credited", {
        "activity_id": "a", "community_id": "c", "compound_id": None, "title": "学雷锋",
        "registration_id": "r", "resident_id": "p", "hours": 2.5, "date": "2026-03-05",
        "issued_by": "凯旋社区", "at": "2026-03-05T04:00:00.000+00:00"})
    envelope = {**event, "tenant": "hongwei", "correlation_id": None,
                "actor": {"id": "staff-1", "roles": ["community_staff"], "on_behalf_of": "p"}}
    message = DOCUMENT["components"]["messages"]["events.volunteer_hours_credited.v1"]
    jsonschema.validate(envelope, {"components": DOCUMENT["components"], **message["payload"]})
    envelope["data"]["hours"] = "two"
    try:
        jsonschema.validate(envelope, {"components": DOCUMENT["components"],
                                       **message["payload"]})
    except jsonschema.ValidationError:
        return
    raise AssertionError("a wrong event passed the schema")
