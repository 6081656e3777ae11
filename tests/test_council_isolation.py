"""Tenant isolation on every route added with grids, door-knocks and needs: tenant B cannot
read or change tenant A's grids, households, knocks or needs by any route, and B's lists and
figures show nothing of A. (ATTEMPTS below are to be merged into
tests/test_tenant_isolation.py's, which lists every route with an id.)"""
import pytest

from tests.council_world import World
from tests.infra import wait_until

pytestmark = pytest.mark.integration

EVERY_ROLE = ["community_staff", "medical_staff", "subdistrict_admin", "grid_worker"]
ATTEMPTS = {
    ("patch", "/v1/households/{household_id}"): {"address": "改了"},
    ("get", "/v1/needs/{need_id}"): None,
    ("post", "/v1/needs/{need_id}/dispatch"): {"unit": "别的单位"},
    ("post", "/v1/needs/{need_id}/resolve"): {"resolution": "别人办的"},
    ("post", "/v1/needs/{resolved_need_id}/rate"): {"satisfied": False},
}
# Routes with an id are counted as covered by tests/test_tenant_isolation.py (AREA_TESTS).
ALIASES = {"/v1/needs/{resolved_need_id}/rate": "/v1/needs/{need_id}/rate"}


@pytest.fixture(scope="module")
def worlds(gateway_url):
    a = World(gateway_url)
    b = World(gateway_url)
    b.every = type(b.staff)(gateway_url, b.tenant, EVERY_ROLE, sub="worker-1")
    knock = a.knock(a.worker1, a.households[0], residents_met=[a.li["id"]], needs=[
        {"category": "facilities", "description": "想要儿童游乐设施"}]).json()
    resolved = a.staff.created("/v1/needs", {"household_id": a.households[1]["id"],
                                             "category": "repair", "description": "门坏了"})
    a.staff.post(f"/v1/needs/{resolved['id']}/resolve", {"resolution": "已修"})
    wait_until(lambda: a.staff.get(f"/v1/outreach/coverage?community_id="
                                   f"{a.community['id']}").json()["knocked"] == 1)
    ids = {"household_id": a.households[0]["id"], "need_id": knock["need_ids"][0],
           "resolved_need_id": resolved["id"], "community_id": a.community["id"],
           "compound_id": a.compound["id"], "grid_id": a.grid1["id"], "knock_id": knock["id"]}
    return a, b, ids


@pytest.mark.parametrize("method, template", sorted(ATTEMPTS))
def test_b_gets_404_for_a_ids(worlds, method, template):
    _, b, ids = worlds
    response = b.every.request(method.upper(), template.format(**ids),
                               json=ATTEMPTS[(method, template)])
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_b_cannot_build_on_a_territory(worlds):
    _, b, ids = worlds
    s = b.every
    assert s.post("/v1/grids", {"community_id": ids["community_id"], "name": "x"}).status_code == 404
    assert s.post("/v1/households", {"compound_id": b.compound["id"], "address": "x",
                                     "grid_id": ids["grid_id"]}).status_code == 404
    assert s.request("PATCH", f"/v1/households/{b.households[0]['id']}",
                     json={"grid_id": ids["grid_id"]}).status_code == 404
    assert s.post("/v1/door-knocks", {"household_id": ids["household_id"], "outcome": "met",
                                      "visited_at": "2026-12-01T10:00:00+08:00"}).status_code == 404
    assert s.post("/v1/needs", {"household_id": ids["household_id"], "category": "repair",
                                "description": "x"}).status_code == 404
    assert s.post("/v1/needs", {"household_id": b.households[0]["id"], "category": "repair",
                                "description": "x", "resident_id": worlds[0].li["id"]}
                  ).status_code == 404


def test_b_lists_and_figures_show_nothing_of_a(worlds):
    _, b, ids = worlds
    s = b.every
    for path in ("/v1/grids", f"/v1/grids?community_id={ids['community_id']}",
                 "/v1/door-knocks", f"/v1/door-knocks?household_id={ids['household_id']}",
                 f"/v1/door-knocks?grid_id={ids['grid_id']}", "/v1/needs",
                 f"/v1/needs?household_id={ids['household_id']}",
                 f"/v1/needs?compound_id={ids['compound_id']}",
                 f"/v1/needs/clusters?compound_id={ids['compound_id']}", "/v1/needs/clusters"):
        items = s.get(path).json()["items"]  # B has a territory of its own: none of A's
        assert not {i.get("community_id") for i in items} & {ids["community_id"]}, path
        assert not {i.get("id") for i in items} & set(ids.values()), path
        assert not {i.get("compound_id") for i in items} & {ids["compound_id"]}, path
    cover = s.get(f"/v1/outreach/coverage?community_id={ids['community_id']}").json()
    assert (cover["households"], cover["knocked"], cover["not_knocked"]) == (0, 0, [])
    scores = s.get(f"/v1/needs/scores?community_id={ids['community_id']}").json()
    assert scores["overall"]["received"] == 0 and scores["by_unit"] == []
    figures = s.get(f"/v1/metrics/summary?community_id={ids['community_id']}").json()
    assert (figures["households"], figures["needs_received"]) == (0, 0)


def test_a_is_unchanged_after_all_of_b_attempts(worlds):
    a, b, ids = worlds
    for (method, template), body in ATTEMPTS.items():
        b.every.request(method.upper(), template.format(**ids), json=body)
    need = a.staff.get(f"/v1/needs/{ids['need_id']}").json()
    assert need["status"] == "received" and need["unit"] is None and len(need["history"]) == 1
    assert a.staff.get(f"/v1/needs/{ids['resolved_need_id']}").json()["status"] == "resolved"
    households = a.staff.get(f"/v1/households?compound_id={ids['compound_id']}").json()["items"]
    assert households[0]["address"] == "永光新村1栋101"
    assert households[0]["grid_id"] == ids["grid_id"]
