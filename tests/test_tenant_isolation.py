"""Tenant A's data cannot be read or changed by tenant B through any route.

Every route of /openapi.json that names an id must be listed below; a new route that is not
fails this test until someone says how B would try to reach A's data through it."""
import pytest

from tests.infra import wait_until
from tests.platform import Api, hierarchy, new_tenant

pytestmark = pytest.mark.integration

EVERY_ROLE = ["community_staff", "medical_staff", "subdistrict_admin", "grid_worker"]
COMPLETION = {"symptoms": ["头晕"], "medicines_dispensed": [{"name": "降压药", "quantity": 1}]}

# (method, path template) -> body B sends; ids come from A's world.
ATTEMPTS = {
    ("get", "/v1/residents/{resident_id}"): None,
    ("patch", "/v1/residents/{resident_id}"): {"name": "改名"},
    ("get", "/v1/residents/{resident_id}/timeline"): None,
    ("get", "/v1/visits/{visit_id}"): None,
    ("post", "/v1/visits/{visit_id}/complete"): COMPLETION,
    ("post", "/v1/visits/{visit_id}/cancel"): {"reason": "x"},
}


@pytest.fixture(scope="module")
def worlds(gateway_url):
    a = Api(gateway_url, new_tenant(), EVERY_ROLE)
    b = Api(gateway_url, new_tenant(), EVERY_ROLE)
    community, compound, household = hierarchy(a)
    resident = a.created("/v1/residents", {"household_id": household["id"], "name": "李大爷",
                                           "birth_date": "1946-03-02", "phone": "13812345678"})
    visit = a.created("/v1/visits", {"resident_id": resident["id"],
                                     "scheduled_for": "2026-12-01T09:00:00+08:00"})
    wait_until(lambda: a.get("/v1/metrics/summary").json()["residents_registered"] == 1)
    ids = {"resident_id": resident["id"], "visit_id": visit["id"],
           "community_id": community["id"], "compound_id": compound["id"],
           "household_id": household["id"]}
    return a, b, ids


def test_every_route_with_an_id_is_covered(worlds):
    a, _, _ = worlds
    document = a.get("/openapi.json").json()
    with_ids = {(method, path) for path, operations in document["paths"].items()
                for method in operations if "{" in path}
    assert with_ids <= set(ATTEMPTS), f"routes to add to ATTEMPTS: {with_ids - set(ATTEMPTS)}"


@pytest.mark.parametrize("method, template", sorted(ATTEMPTS))
def test_b_gets_404_for_a_ids(worlds, method, template):
    a, b, ids = worlds
    response = b.request(method.upper(), template.format(**ids), json=ATTEMPTS[(method, template)])
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_b_cannot_build_on_a_hierarchy(worlds):
    _, b, ids = worlds
    assert b.post("/v1/compounds", {"community_id": ids["community_id"], "name": "x"}).status_code == 404
    assert b.post("/v1/households", {"compound_id": ids["compound_id"], "address": "x"}).status_code == 404
    assert b.post("/v1/residents", {"household_id": ids["household_id"], "name": "x",
                                    "birth_date": "1950-01-01"}).status_code == 404
    assert b.post("/v1/visits", {"resident_id": ids["resident_id"],
                                 "scheduled_for": "2026-12-01T09:00:00+08:00"}).status_code == 404


def test_b_lists_and_figures_show_nothing_of_a(worlds):
    _, b, ids = worlds
    for path in ("/v1/communities", "/v1/compounds", "/v1/households", "/v1/residents",
                 "/v1/visits", f"/v1/residents?compound_id={ids['compound_id']}",
                 f"/v1/visits?resident_id={ids['resident_id']}"):
        assert b.get(path).json()["items"] == [], path
    figures = b.get(f"/v1/metrics/summary?community_id={ids['community_id']}").json()
    assert figures["residents_registered"] == 0


def test_a_is_unchanged_after_all_of_b_attempts(worlds):
    a, b, ids = worlds
    for (method, template), body in ATTEMPTS.items():
        b.request(method.upper(), template.format(**ids), json=body)
    resident = a.get(f"/v1/residents/{ids['resident_id']}").json()
    assert resident["name"] == "李大爷"
    assert a.get(f"/v1/visits/{ids['visit_id']}").json()["status"] == "scheduled"
