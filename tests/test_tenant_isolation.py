"""Tenant A's data cannot be read or changed by tenant B through any route.

Every route of /openapi.json that names an id must be listed below or in an area's own
isolation test (AREA_TESTS); a new route that is in neither fails this test until someone says
how B would try to reach A's data through it."""
import importlib

import pytest

from integrations.hospital.client import HospitalClient
from integrations.hospital.simulator import discharge
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
    ("get", "/v1/visits/{visit_id}/fhir"): None,
    ("get", "/v1/visits/{done_visit_id}/fhir"): None,
    ("get", "/v1/referrals/{referral_id}"): None,
    ("post", "/v1/patient-reviews/{review_id}/resolve"): {"resident_id": "{resident_id}"},
}
# Routes whose template names the id differently from the OpenAPI path.
ALIASES = {"/v1/visits/{done_visit_id}/fhir": "/v1/visits/{visit_id}/fhir"}
# Areas that try B against A on their own routes, with their own worlds.
AREA_TESTS = ("tests.test_activities_isolation", "tests.test_council_isolation",
              "tests.test_deliberation_isolation")


@pytest.fixture(scope="module")
def worlds(gateway_url, platform):
    a = Api(gateway_url, new_tenant(), EVERY_ROLE)
    b = Api(gateway_url, new_tenant(), EVERY_ROLE)
    community, compound, household = hierarchy(a)
    resident = a.created("/v1/residents", {"household_id": household["id"], "name": "李大爷",
                                           "birth_date": "1946-03-02", "phone": "13812345678"})
    visit = a.created("/v1/visits", {"resident_id": resident["id"],
                                     "scheduled_for": "2026-12-01T09:00:00+08:00"})
    done = a.created("/v1/visits", {"resident_id": resident["id"],
                                    "scheduled_for": "2026-12-01T09:00:00+08:00"})
    a.post(f"/v1/visits/{done['id']}/complete", {**COMPLETION, "follow_up_in_days": 1})
    referral = a.created("/v1/referrals", {"visit_id": done["id"], "department": "骨科",
                                           "urgency": "routine", "reason": "复查"})
    with HospitalClient(platform.env["GONGZHI_AMQP_URI"], tenant=a.tenant) as hospital:
        discharge(hospital, "TH-ISO-1", None, "李大爷", at="2026-11-28T09:00:00+08:00")
    [review] = wait_until(lambda: a.get("/v1/patient-reviews").json()["items"])
    wait_until(lambda: a.get("/v1/metrics/summary").json()["residents_registered"] == 1)
    wait_until(lambda: a.get("/v1/follow-ups").json()["items"])
    ids = {"resident_id": resident["id"], "visit_id": visit["id"], "done_visit_id": done["id"],
           "community_id": community["id"], "compound_id": compound["id"],
           "household_id": household["id"], "referral_id": referral["id"],
           "review_id": review["id"]}
    return a, b, ids


def test_every_route_with_an_id_is_covered(worlds):
    a, _, _ = worlds
    document = a.get("/openapi.json").json()
    with_ids = {(method, path) for path, operations in document["paths"].items()
                for method in operations if "{" in path}
    covered = {(method, ALIASES.get(path, path)) for method, path in ATTEMPTS}
    for name in AREA_TESTS:
        area = importlib.import_module(name)
        covered |= {(method, area.ALIASES.get(path, path)) for method, path in area.ATTEMPTS}
    assert with_ids <= covered, f"routes to add to ATTEMPTS: {with_ids - covered}"


@pytest.mark.parametrize("method, template", sorted(ATTEMPTS))
def test_b_gets_404_for_a_ids(worlds, method, template):
    a, b, ids = worlds
    response = b.request(method.upper(), template.format(**ids),
                         json=_body(ATTEMPTS[(method, template)], ids))
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_b_cannot_build_on_a_hierarchy(worlds, platform):
    _, b, ids = worlds
    assert b.post("/v1/compounds", {"community_id": ids["community_id"], "name": "x"}).status_code == 404
    assert b.post("/v1/households", {"compound_id": ids["compound_id"], "address": "x"}).status_code == 404
    assert b.post("/v1/residents", {"household_id": ids["household_id"], "name": "x",
                                    "birth_date": "1950-01-01"}).status_code == 404
    assert b.post("/v1/visits", {"resident_id": ids["resident_id"],
                                 "scheduled_for": "2026-12-01T09:00:00+08:00"}).status_code == 404
    assert b.post("/v1/referrals", {"visit_id": ids["done_visit_id"], "department": "骨科",
                                    "urgency": "routine", "reason": "x"}).status_code == 404
    # B's own review cannot be resolved to A's resident
    with HospitalClient(platform.env["GONGZHI_AMQP_URI"], tenant=b.tenant) as hospital:
        discharge(hospital, "TH-ISO-2", None, "王奶奶", at="2026-11-28T09:00:00+08:00")
    [review] = wait_until(lambda: b.get("/v1/patient-reviews").json()["items"])
    assert b.post(f"/v1/patient-reviews/{review['id']}/resolve",
                  {"resident_id": ids["resident_id"]}).status_code == 404
    assert b.get("/v1/patient-reviews").json()["items"][0]["status"] == "open"


def test_b_lists_and_figures_show_nothing_of_a(worlds):
    _, b, ids = worlds
    for path in ("/v1/communities", "/v1/compounds", "/v1/households", "/v1/residents",
                 "/v1/visits", f"/v1/residents?compound_id={ids['compound_id']}",
                 f"/v1/visits?resident_id={ids['resident_id']}", "/v1/follow-ups",
                 f"/v1/follow-ups?resident_id={ids['resident_id']}", "/v1/referrals",
                 f"/v1/referrals?resident_id={ids['resident_id']}"):
        assert b.get(path).json()["items"] == [], path
    reviews = b.get("/v1/patient-reviews?status=open").json()["items"]
    assert ids["review_id"] not in [r["id"] for r in reviews]  # B may have its own
    figures = b.get(f"/v1/metrics/summary?community_id={ids['community_id']}").json()
    assert figures["residents_registered"] == 0


def test_a_is_unchanged_after_all_of_b_attempts(worlds):
    a, b, ids = worlds
    for (method, template), body in ATTEMPTS.items():
        b.request(method.upper(), template.format(**ids), json=_body(body, ids))
    resident = a.get(f"/v1/residents/{ids['resident_id']}").json()
    assert resident["name"] == "李大爷"
    assert a.get(f"/v1/visits/{ids['visit_id']}").json()["status"] == "scheduled"
    assert a.get(f"/v1/referrals/{ids['referral_id']}").json()["status"] == "requested"
    assert [r["status"] for r in a.get("/v1/patient-reviews").json()["items"]] == ["open"]


def _body(body, ids):
    if isinstance(body, dict):
        return {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
    return body
