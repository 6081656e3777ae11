"""Tenant A's deliberation week cannot be read or changed by tenant B through any route.

Every deliberation route of /openapi.json that names an id must be listed below; a new one
that is not fails this test until someone says how B would try to reach A's data through it."""
import pytest

from tests.deliberation_world import STAFF_ROLES, World
from tests.infra import wait_until
from tests.platform import Api, new_tenant

pytestmark = pytest.mark.integration

EVERY_ROLE = STAFF_ROLES + ["grid_worker"]
ATTEMPTS = {
    ("get", "/v1/deliberations/{deliberation_id}"): None,
    ("post", "/v1/deliberations/{deliberation_id}/close"): {},
    ("get", "/v1/proposals/{proposal_id}"): None,
    ("post", "/v1/proposals/{proposal_id}/supports"): {"resident_id": "{resident_id}"},
    ("get", "/v1/proposals/{proposal_id}/supports"): None,
    ("delete", "/v1/proposals/{proposal_id}/supports/{resident_id}"): None,
    ("post", "/v1/proposals/{closed_proposal_id}/decision"): {"outcome": "rejected",
                                                              "answer": "x"},
    ("post", "/v1/proposals/{accepted_proposal_id}/progress"): {"percent": 100, "note": "x"},
}
ALIASES = {"/v1/proposals/{closed_proposal_id}/decision": "/v1/proposals/{proposal_id}/decision",
           "/v1/proposals/{accepted_proposal_id}/progress":
               "/v1/proposals/{proposal_id}/progress"}
# Routes without an id in the path, where B names A's ids in the body or query.
BODY_ATTEMPTS = [
    ("/v1/deliberations", {"community_id": "{community_id}", "title": "x",
                           "opens_at": "2026-01-01T00:00:00+08:00",
                           "closes_at": "2099-01-01T00:00:00+08:00"}),
    ("/v1/proposals", {"deliberation_id": "{deliberation_id}",
                       "author_resident_id": "{resident_id}", "title": "x",
                       "description": "y"}),
]


@pytest.fixture(scope="module")
def worlds(gateway_url):
    a = World(gateway_url, residents_in_a=2, residents_in_b=0)
    b = Api(gateway_url, new_tenant(), EVERY_ROLE, sub="staff-b")
    week = a.deliberation({"supports": 1})
    proposal = a.proposal(week)
    resident = a.residents_a[1]
    assert a.support(proposal, resident).status_code == 201
    past = a.deliberation({"supports": 1})
    closed = a.proposal(past, title="已截止的议题")
    accepted = a.proposal(past, title="已采纳的议题")
    a.close(past)
    assert a.staff.post(f"/v1/proposals/{accepted['id']}/decision",
                        {"outcome": "accepted", "answer": "好"}).status_code == 200
    ids = {"deliberation_id": week["id"], "proposal_id": proposal["id"],
           "closed_proposal_id": closed["id"], "accepted_proposal_id": accepted["id"],
           "resident_id": resident["id"], "community_id": a.community["id"],
           "past_id": past["id"]}
    return a, b, ids


def test_every_deliberation_route_with_an_id_is_covered(worlds):
    a, _, _ = worlds
    document = a.staff.get("/openapi.json").json()
    with_ids = {(method, path) for path, operations in document["paths"].items()
                for method, operation in operations.items()
                if "{" in path and operation.get("tags") == ["deliberation"]}
    covered = {(method, ALIASES.get(path, path)) for method, path in ATTEMPTS}
    assert with_ids and with_ids <= covered, f"routes to add to ATTEMPTS: {with_ids - covered}"


@pytest.mark.parametrize("method, template", sorted(ATTEMPTS))
def test_b_gets_404_for_a_ids(worlds, method, template):
    _, b, ids = worlds
    response = b.request(method.upper(), template.format(**ids),
                         json=_body(ATTEMPTS[(method, template)], ids))
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("path, body", BODY_ATTEMPTS)
def test_b_cannot_name_a_ids_in_bodies(worlds, path, body):
    _, b, ids = worlds
    response = b.post(path, _body(body, ids))
    assert response.status_code == 404, response.text


def test_b_lists_and_figures_show_nothing_of_a(worlds):
    _, b, ids = worlds
    for path in ("/v1/deliberations", f"/v1/deliberations?community_id={ids['community_id']}",
                 "/v1/deliberations?status=open", "/v1/proposals",
                 f"/v1/proposals?deliberation_id={ids['deliberation_id']}"):
        response = b.get(path)
        assert response.status_code == 200 and response.json()["items"] == [], path
    figures = b.get("/v1/metrics/summary").json()
    assert figures["proposals_submitted"] == 0 and figures["supports"] == 0


def test_a_is_unchanged_after_all_of_b_attempts(worlds):
    a, b, ids = worlds
    for (method, template), body in ATTEMPTS.items():
        b.request(method.upper(), template.format(**ids), json=_body(body, ids))
    for path, body in BODY_ATTEMPTS:
        b.post(path, _body(body, ids))
    assert a.get(f"/v1/deliberations/{ids['deliberation_id']}")["status"] == "open"
    proposal = a.get(f"/v1/proposals/{ids['proposal_id']}")
    assert proposal["supports"] == 1
    assert a.get(f"/v1/proposals/{ids['closed_proposal_id']}")["status"] == "open"
    accepted = a.get(f"/v1/proposals/{ids['accepted_proposal_id']}")
    assert accepted["status"] == "accepted" and accepted["progress"]["percent"] == 0
    assert len(a.get(f"/v1/proposals?deliberation_id={ids['deliberation_id']}")["items"]) == 1
    wait_until(lambda: a.get("/v1/metrics/summary")["proposals_submitted"] == 3)


def _body(body, ids):
    if isinstance(body, dict):
        return {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
    return body
