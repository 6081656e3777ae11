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
