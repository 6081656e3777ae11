"""Tenant B cannot read or change tenant A's partners, activities, registrations or hours
through any activity route: ids answer 404 and lists leave A's records out.

Every activity route of /openapi.json that names an id must be listed in ATTEMPTS (the lead
may fold these into tests/test_tenant_isolation.py's ATTEMPTS)."""
import pytest

from tests.activities_helpers import World, iso_in
from tests.platform import Api

pytestmark = pytest.mark.integration

EVERY_ROLE = ["community_staff", "subdistrict_admin", "grid_worker", "medical_staff"]
ATTEMPTS = {
    ("get", "/v1/partners/{partner_id}"): None,
    ("get", "/v1/activities/{activity_id}"): None,
    ("patch", "/v1/activities/{activity_id}"): {"capacity": 50},
    ("post", "/v1/activities/{activity_id}/cancel"): {"reason": "x"},
    ("post", "/v1/activities/{done_activity_id}/complete"): {},
    ("post", "/v1/activities/{activity_id}/registrations"): {"resident_id": "{b_resident_id}"},
    ("get", "/v1/activities/{activity_id}/registrations"): None,
    ("post", "/v1/registrations/{registration_id}/cancel"): {},
    ("post", "/v1/activities/{activity_id}/check-ins"): {"code": "{code}"},
    ("get", "/v1/volunteers/{resident_id}/hours"): None,
}
ALIASES = {"/v1/activities/{done_activity_id}/complete": "/v1/activities/{activity_id}/complete"}


@pytest.fixture(scope="module")
def worlds(gateway_url):
    a = World(gateway_url, residents=1)
    a.api = Api(gateway_url, a.api.tenant, EVERY_ROLE)
    b = World(gateway_url, residents=1)
    b.api = Api(gateway_url, b.api.tenant, EVERY_ROLE)
    partner = a.api.created("/v1/partners", {"name": "永光新村物业", "kind": "property_company"})
    activity = a.activity(capacity=5, partners=[{"partner_id": partner["id"], "role": "host"}])
    done = a.activity(starts_at=iso_in(-2), ends_at=iso_in(-1))
    registration = a.register(activity, a.residents[0]).json()
    ids = {"partner_id": partner["id"], "activity_id": activity["id"],
           "done_activity_id": done["id"], "registration_id": registration["id"],
           "resident_id": a.residents[0]["id"], "b_resident_id": b.residents[0]["id"],
           "code": registration["check_in_code"]}
    return a, b, ids


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value.format(**ids) if isinstance(value, str) else value


def test_every_activity_route_with_an_id_is_covered(worlds):
    a, _, _ = worlds
    document = a.api.get("/openapi.json").json()
    with_ids = {(method, path) for path, operations in document["paths"].items()
                for method, operation in operations.items()
                if "{" in path and "activities" in operation.get("tags", [])}
    covered = {(method, ALIASES.get(path, path)) for method, path in ATTEMPTS}
    assert with_ids and with_ids <= covered, f"routes to add to ATTEMPTS: {with_ids - covered}"


@pytest.mark.parametrize("method, template", sorted(ATTEMPTS))
def test_b_gets_404_for_a_ids(worlds, method, template):
    a, b, ids = worlds
    response = b.api.request(method.upper(), template.format(**ids),
                             json=_fill(ATTEMPTS[(method, template)], ids))
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_a_data_is_unchanged_and_b_lists_are_empty(worlds):
    a, b, ids = worlds
    activity = a.api.get(f"/v1/activities/{ids['activity_id']}").json()
    assert activity["status"] == "published" and activity["seats"]["capacity"] == 5
    assert activity["seats"]["confirmed"] == 1
    assert a.api.get(f"/v1/activities/{ids['done_activity_id']}").json()["status"] == "published"
    [registration] = a.registrations(activity)
    assert registration["status"] == "confirmed" and registration["checked_in_at"] is None
    for path in ("/v1/activities", "/v1/partners", "/v1/registrations",
                 f"/v1/registrations?resident_id={ids['resident_id']}"):
        assert b.api.get(path).json()["items"] == [], path
    # and B cannot build on A's community or partners
    assert b.api.post("/v1/activities", {
        "community_id": a.community["id"], "title": "x", "kind": "other", "place": "x",
        "starts_at": iso_in(1), "ends_at": iso_in(2)}).status_code == 404
    assert b.api.post("/v1/activities", {
        "community_id": b.community["id"], "title": "x", "kind": "other", "place": "x",
        "starts_at": iso_in(1), "ends_at": iso_in(2),
        "partners": [{"partner_id": ids["partner_id"], "role": "host"}]}).status_code == 404


def test_a_resident_sees_only_their_own(worlds, gateway_url):
    a, _, ids = worlds
    other = a.resident("韩阿姨", "1972-10-10")
    as_other = a.as_resident(other)
    assert as_other.get("/v1/registrations").json()["items"] == []
    assert as_other.get(f"/v1/registrations?resident_id={ids['resident_id']}").json()["items"] == []
    assert as_other.post(f"/v1/registrations/{ids['registration_id']}/cancel", {}).status_code == 404
    assert as_other.get(f"/v1/volunteers/{ids['resident_id']}/hours").status_code == 404
    mine = a.as_resident(a.residents[0]).get("/v1/registrations").json()["items"]
    assert [r["id"] for r in mine] == [ids["registration_id"]]
