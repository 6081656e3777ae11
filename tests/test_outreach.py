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


def test_the_worklist_comes_a_page_at_a_time_and_bad_paging_is_422(gateway_url):
    """ADR 0017: limit and cursor walk the whole list once, in the order of one big page;
    the total counts every page; a knock between pages takes its household off the rest."""
    w = World(gateway_url)
    path = f"/v1/outreach/coverage?community_id={w.community['id']}"
    whole = wait_until(lambda: (lambda c: c if c["households"] == 5 and c["not_knocked"][0][
        "priority"] == "elderly_living_alone" else None)(w.staff.get(path).json()))
    assert whole["not_knocked_total"] == 5 and whole["not_knocked_next"] is None
    first = w.staff.get(f"{path}&limit=2").json()
    assert first["not_knocked"] == whole["not_knocked"][:2] and first["not_knocked_total"] == 5
    knocked = whole["not_knocked"][-1]["household_id"]  # not shown yet
    assert w.knock(w.staff, next(h for h in w.households if h["id"] == knocked),
                   outcome="not_home").status_code == 201
    wait_until(lambda: w.staff.get(path).json()["knocked"] == 1)
    rows, cursor = list(first["not_knocked"]), first["not_knocked_next"]
    while cursor:
        page = w.staff.get(f"{path}&limit=2", params={"cursor": cursor}).json()
        assert len(page["not_knocked"]) <= 2
        rows, cursor = rows + page["not_knocked"], page["not_knocked_next"]
    assert [r["household_id"] for r in rows] == [r["household_id"] for r in whole["not_knocked"]
                                                 if r["household_id"] != knocked]
    for bad, field in (("limit=0", "limit"), ("limit=201", "limit"), ("limit=x", "limit"),
                       ("cursor=nonsense", "cursor")):
        response = w.staff.get(f"{path}&{bad}")
        assert response.status_code == 422 and field in response.json()["errors"], bad


def test_grids_in_the_registry(world):
    s = world.staff
    grids = s.get(f"/v1/grids?community_id={world.community['id']}").json()["items"]
    assert {g["name"] for g in grids} == {"第1网格", "第2网格"}
    assert world.households[0]["grid_id"] == world.grid1["id"]
    assert world.households[0]["grid"] == "第1网格"  # the old label follows the grid's name
    other = s.created("/v1/communities", {"name": "红卫社区"})
    elsewhere = s.created("/v1/grids", {"community_id": other["id"], "name": "第9网格",
                                        "worker_subs": ["worker-9"]})
    wrong = s.post("/v1/households", {"compound_id": world.compound["id"], "address": "x",
                                      "grid_id": elsewhere["id"]})
    assert wrong.status_code == 422 and "grid_id" in wrong.json()["errors"]
    home = world.households[4]
    patch = s.request("PATCH", f"/v1/households/{home['id']}", json={"grid_id": elsewhere["id"]})
    assert patch.status_code == 422
    assert s.request("PATCH", f"/v1/households/{home['id']}",
                     json={"colour": "red"}).status_code == 422
    assert world.worker1.request("PATCH", f"/v1/households/{home['id']}",
                                 json={"grid_id": world.grid1["id"]}).status_code == 403
    assert s.post("/v1/grids", {"community_id": world.community["id"], "name": ""}).status_code == 422
    # moving a household into grid 1 lets grid 1's worker knock there, at once
    assert world.knock(world.worker1, home).status_code == 403
    moved = s.request("PATCH", f"/v1/households/{home['id']}", json={"grid_id": world.grid1["id"]})
    assert moved.status_code == 200 and moved.json()["grid_id"] == world.grid1["id"]
    assert world.knock(world.worker1, home).status_code == 201
    s.request("PATCH", f"/v1/households/{home['id']}", json={"grid_id": world.grid2["id"]})


def test_concurrent_dispatches_of_one_need_succeed_once(world):
    import eventlet

    s = world.staff
    need = s.created("/v1/needs", {"household_id": world.households[0]["id"],
                                   "category": "repair", "description": "电梯故障"})
    pool = eventlet.GreenPool(10)
    codes = list(pool.imap(lambda n: s.post(f"/v1/needs/{need['id']}/dispatch",
                                            {"unit": f"单位{n}"}).status_code, range(10)))
    assert sorted(codes) == [200] + [409] * 9
    read = s.get(f"/v1/needs/{need['id']}").json()
    assert [h["status"] for h in read["history"]] == ["received", "dispatched"]


def test_a_knock_whose_request_died_before_its_tickets_gets_them_from_its_event(world,
                                                                               platform):
    """The knock's event carries its needs: council's consumer creates the tickets the
    request did not (as after a crash between the two writes), once however often."""
    from kombu import Connection, Exchange

    from chassis import clock
    from contracts import new_event

    home = world.households[1]
    knock_id = "KNOCKLOST" + world.tenant.replace("-", "")
    data = {"knock_id": knock_id, "household_id": home["id"], "compound_id": home["compound_id"],
            "community_id": home["community_id"], "grid_id": home["grid_id"],
            "visited_at": clock.now_iso(), "week": "2026-W49", "outcome": "met",
            "residents_met": [world.han["id"]], "topics": [], "by": "worker-1",
            "recorded_at": clock.now_iso(), "needs": [
                {"need_id": f"{knock_id}N1", "category": "repair", "description": "下水道堵了",
                 "urgency": "normal", "resident_id": world.han["id"]},
                {"need_id": f"{knock_id}N2", "category": "policy", "description": "咨询低保",
                 "urgency": "normal", "resident_id": None}]}
    envelope = {**new_event("council.door_knocked", data), "tenant": world.tenant,
                "correlation_id": "lost", "actor": {"id": "worker-1", "roles": ["grid_worker"]}}
    with Connection(platform.env["GONGZHI_AMQP_URI"]) as connection:
        for copy in range(2):  # the same event twice, then a fresh copy (a second relay pass)
            connection.Producer().publish(envelope, exchange=Exchange(
                "council.events", type="topic", durable=True), routing_key="door_knocked",
                retry=True)
        connection.Producer().publish({**envelope, "event_id": envelope["event_id"] + "X"},
                                      exchange=Exchange("council.events", type="topic",
                                                        durable=True),
                                      routing_key="door_knocked", retry=True)
    needs = wait_until(lambda: (lambda items: items if len(items) == 2 else None)(
        [n for n in world.staff.get(f"/v1/needs?household_id={home['id']}&limit=200")
         .json()["items"] if n.get("knock_id") == knock_id]), what="tickets from the event")
    assert sorted(n["id"] for n in needs) == [f"{knock_id}N1", f"{knock_id}N2"]
    one = world.staff.get(f"/v1/needs/{knock_id}N1").json()
    assert one["raised_by"] == {"sub": "worker-1", "on_behalf_of": world.han["id"]}
    assert one["channel"] == "door_knock" and len(one["history"]) == 1


def test_a_retried_knock_with_its_idempotency_key_records_one_knock_and_its_needs_once(world):
    from chassis import clock

    home = world.households[2]
    body = {"household_id": home["id"], "visited_at": clock.now_iso(), "outcome": "met",
            "residents_met": [world.wang["id"]],
            "needs": [{"category": "medical", "description": "想预约上门量血压",
                       "resident_id": world.wang["id"]}]}
    first = world.worker1.post("/v1/door-knocks", body, headers={"Idempotency-Key": "k-1"})
    again = world.worker1.post("/v1/door-knocks", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    knocks = world.staff.get(f"/v1/door-knocks?household_id={home['id']}").json()["items"]
    assert [k["id"] for k in knocks] == [first.json()["id"]]
    needs = world.staff.get(f"/v1/needs?household_id={home['id']}").json()["items"]
    assert [n["id"] for n in needs] == first.json()["need_ids"]
    bad_week = world.staff.get("/v1/outreach/coverage?week=2026-49")
    assert bad_week.status_code == 422 and "week" in bad_week.json()["errors"]
    late = world.knock(world.worker1, home, outcome="not_home", residents_met=[world.wang["id"]])
    assert late.status_code == 422  # nobody is met when nobody was home
