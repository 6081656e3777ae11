import pytest

from contracts import BadEnvelope, UnknownEvent, new_event, parse_envelope


def envelope(**overrides):
    event = new_event("health.visit_cancelled", {"visit_id": "v", "resident_id": "r",
                                                 "community_id": "k", "reason": "外出"})
    return {**event, "tenant": "hongwei", "correlation_id": None,
            "actor": {"id": "u", "roles": []}, **overrides}


def test_a_good_envelope_parses():
    parsed = parse_envelope(envelope())
    assert parsed["data"]["reason"] == "外出" and parsed["version"] == 1


def test_handlers_get_the_data_as_the_schema_loads_it():
    """Defaults reach the handler (a cancellation without a reason says None, not nothing);
    values stay in JSON form (a birth date is still its ISO string)."""
    bare = envelope()
    del bare["data"]["reason"]
    assert parse_envelope(bare)["data"]["reason"] is None
    registered = {**new_event("residents.resident_registered", {
        "resident_id": "r", "household_id": "h", "compound_id": "c", "community_id": "k",
        "name": "王秀英", "birth_date": "1948-03-02", "gender": None, "tags": [],
        "registered_at": "2026-11-20T01:00:00.000+00:00"}),
        "tenant": "hongwei", "actor": {"id": "u", "roles": []}}
    assert parse_envelope(registered)["data"]["birth_date"] == "1948-03-02"


@pytest.mark.parametrize("body, error", [
    ("not json object", BadEnvelope),
    ({"hello": 1}, BadEnvelope),
    (envelope(version=2), UnknownEvent),
    (envelope(type="health.visit_teleported"), UnknownEvent),
    (envelope(data={"visit_id": "v"}), BadEnvelope),
    (envelope(tenant=""), BadEnvelope),
])
def test_bad_messages_are_refused_with_a_reason(body, error):
    with pytest.raises(error) as refused:
        parse_envelope(body)
    assert str(refused.value)


def test_consumers_may_accept_only_some_versions():
    with pytest.raises(UnknownEvent):
        parse_envelope(envelope(), accept_versions=(2,))


def test_we_never_publish_an_event_we_would_refuse():
    with pytest.raises(BadEnvelope):
        new_event("health.visit_completed", {"visit_id": "v"})
