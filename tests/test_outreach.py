"""Door-knocks through the gateway: needs heard at a door become tickets in the same request,
grid workers knock only in their own grids, and the week's coverage puts the elderly living
alone first."""
import pytest

from tests.council_world import World
from tests.infra import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(gateway_url):
    return World(gateway_url)


def test_a_knock_with_two_needs_makes_two_tickets(world):
    response = world.knock(world.worker1, world.households[0], residents_met=[world.li["id"]],
                           topics=["医保政策"], note="李大爷腿伤恢复中", needs=[
        {"category": "repair", "description": "楼道灯坏了", "resident_id": world.li["id"]},
        {"category": "elderly_care", "description": "希望有人帮忙买菜", "urgency": "urgent"}])
    assert response.status_code == 201, response.text
    knock = response.json()
    assert knock["grid_id"] == world.grid1["id"] and knock["by"]["sub"] == "worker-1"
    assert len(knock["need_ids"]) == 2
    needs = [world.staff.get(f"/v1/needs/{nid}").json() for nid in knock["need_ids"]]
    assert [n["category"] for n in needs] == ["repair", "elderly_care"]
    assert [n["description"] for n in needs] == ["楼道灯坏了", "希望有人帮忙买菜"]
    assert {n["status"] for n in needs} == {"received"} and {n["channel"] for n in needs} == {"door_knock"}
    assert needs[0]["raised_by"] == {"sub": "worker-1", "on_behalf_of": world.li["id"]}
    assert needs[1]["urgency"] == "urgent"
    listed = world.staff.get(f"/v1/needs?household_id={world.households[0]['id']}").json()
    assert {n["id"] for n in listed["items"]} >= set(knock["need_ids"])
    # the resident's timeline shows the knock (met) and the need raised for them
    kinds = wait_until(lambda: {e["kind"] for e in world.staff.get(
        f"/v1/residents/{world.li['id']}/timeline").json()["items"]} >= {"door_knocked",
                                                                        "need_raised"} or None)
    assert kinds


def test_a_grid_worker_outside_their_grid_gets_403_and_nothing_is_recorded(world):
    outside = world.households[3]  # grid 2
    response = world.knock(world.worker1, outside, needs=[{"category": "repair",
                                                           "description": "漏水"}])
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert world.staff.get(f"/v1/door-knocks?household_id={outside['id']}").json()["items"] == []
    assert world.staff.get(f"/v1/needs?household_id={outside['id']}").json()["items"] == []
    # community staff knock anywhere
    assert world.knock(world.staff, outside, outcome="not_home").status_code == 201


def test_coverage_of_this_week_lists_the_elderly_living_alone_first(gateway_url):
    w = World(gateway_url)
    assert w.knock(w.worker1, w.households[1]).status_code == 201
    assert w.knock(w.worker2, w.households[4], outcome="not_home").status_code == 201
    path = f"/v1/outreach/coverage?community_id={w.community['id']}"
    cover = wait_until(lambda: (lambda c: c if c["households"] == 5 and c["knocked"] == 2
                                else None)(w.staff.get(path).json()), what="coverage")
    assert cover["coverage"] == 0.4
    grids = {g["grid_id"]: g for g in cover["by_grid"]}
    assert (grids[w.grid1["id"]]["households"], grids[w.grid1["id"]]["knocked"]) == (3, 1)
    assert (grids[w.grid2["id"]]["households"], grids[w.grid2["id"]]["knocked"]) == (2, 1)
    first = cover["not_knocked"][0]
    assert first["household_id"] == w.households[2]["id"]  # 王奶奶, 85, lives alone
    assert first["priority"] == "elderly_living_alone"
    assert [n["priority"] for n in cover["not_knocked"][1:]] == ["never_knocked"] * 2
    one_grid = w.staff.get(f"/v1/outreach/coverage?grid_id={w.grid2['id']}").json()
    assert (one_grid["households"], one_grid["knocked"]) == (2, 1)
    last_week = w.staff.get(f"{path}&week=2020-W01").json()
    assert last_week["knocked"] == 0 and last_week["week"] == "2020-W01"
    # knocked last week only: this week's list puts it after the never-knocked
    assert w.knock(w.staff, w.households[2], visited_at="2020-01-01T10:00:00+08:00",
                   outcome="not_home").status_code == 201
    wait_until(lambda: w.staff.get(path).json()["not_knocked"][0].get("last_knocked_at"))
    again = w.staff.get(path).json()["not_knocked"]
    assert again[0]["household_id"] == w.households[2]["id"]  # still first: elderly alone
    assert again[0]["last_knocked_at"].startswith("2020-01-01")
