"""The needs loop through the gateway: received -> dispatched -> resolved -> reopened (not
satisfied) -> resolved -> closed, with its history, the scores and the metrics following;
bad input changes nothing; a need event delivered three times counts once; rebuild = live."""
import pytest
from kombu import Connection, Exchange

from contracts import new_event
from tests.council_world import World
from tests.infra import publish_event, wait_until
from tests.test_exactly_once import _handled

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(gateway_url):
    return World(gateway_url)


def summary(api, **query):
    path = "/v1/metrics/summary" + ("?" + "&".join(f"{k}={v}" for k, v in query.items())
                                    if query else "")
    return api.get(path).json()


def test_the_whole_loop_with_a_reopening(world):
    s, resident = world.staff, world.resident(world.wang)
    raised = resident.post("/v1/needs", {"household_id": world.households[2]["id"],
                                         "resident_id": world.wang["id"],
                                         "category": "sanitation", "channel": "app",
                                         "description": "楼下装修垃圾堆放多日"})
    assert raised.status_code == 201, raised.text
    need = raised.json()
    nid = need["id"]
    assert need["status"] == "received" and need["raised_by"] == {"sub": world.wang["id"],
                                                                  "on_behalf_of": None}
    assert need["overdue"] is False and need["respond_by"] < need["resolve_by"]
    dispatched = s.post(f"/v1/needs/{nid}/dispatch", {"unit": "物业公司", "note": "请尽快清运"})
    assert dispatched.status_code == 200, dispatched.text
    assert dispatched.json()["status"] == "dispatched" and dispatched.json()["responded_at"]
    assert world.worker1.post(f"/v1/needs/{nid}/resolve",
                              {"resolution": "物业已清运"}).json()["status"] == "resolved"
    reopened = resident.post(f"/v1/needs/{nid}/rate", {"satisfied": False, "score": 2,
                                                       "comment": "还有残留"})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "reopened" and reopened.json()["reopen_count"] == 1
    assert s.post(f"/v1/needs/{nid}/dispatch", {"unit": "物业公司"}).json()["status"] == "dispatched"
    assert s.post(f"/v1/needs/{nid}/resolve", {"resolution": "已彻底清理"}).status_code == 200
    # a grid worker rates on the elderly resident's behalf
    closed = world.worker1.post(f"/v1/needs/{nid}/rate", {"satisfied": True, "score": 5})
    assert closed.status_code == 200, closed.text
    final = s.get(f"/v1/needs/{nid}").json()
    assert final["status"] == "closed"
    assert final["rating"]["by"] == {"sub": "worker-1", "on_behalf_of": world.wang["id"]}
    assert [(h["status"], h["by"]["sub"]) for h in final["history"]] == [
        ("received", world.wang["id"]), ("dispatched", "staff-1"), ("resolved", "worker-1"),
        ("reopened", world.wang["id"]), ("dispatched", "staff-1"), ("resolved", "staff-1"),
        ("closed", "worker-1")]
    assert final["history"][-1]["by"]["on_behalf_of"] == world.wang["id"]
    # closed is final
    assert s.post(f"/v1/needs/{nid}/rate", {"satisfied": True}).status_code == 409
    assert s.post(f"/v1/needs/{nid}/dispatch", {"unit": "x"}).status_code == 409

    # a second need resolved at once and rated satisfied: the rates with their counts
    other = s.created("/v1/needs", {"household_id": world.households[0]["id"],
                                    "category": "repair", "description": "水龙头漏水"})
    s.post(f"/v1/needs/{other['id']}/dispatch", {"unit": "社区维修队"})
    s.post(f"/v1/needs/{other['id']}/resolve", {"resolution": "已更换"})
    s.post(f"/v1/needs/{other['id']}/rate", {"satisfied": True})
    scores = s.get(f"/v1/needs/scores?community_id={world.community['id']}").json()
    overall = scores["overall"]
    assert overall["received"] >= 2
    units = {u["unit"]: u for u in scores["by_unit"]}
    prop = units["物业公司"]
    assert (prop["received"], prop["responded_on_time"], prop["resolved_not_reopened"],
            prop["rated"], prop["satisfied"]) == (1, 1, 0, 2, 1)
    assert (prop["response_rate"], prop["resolution_rate"], prop["satisfaction_rate"],
            prop["on_time_rate"]) == (1.0, 0.0, 0.5, 1.0)
    repair = units["社区维修队"]
    assert (repair["resolution_rate"], repair["satisfaction_rate"]) == (1.0, 1.0)
    # the metrics follow from the events, with the same arithmetic
    def figures():
        f = summary(s, community_id=world.community["id"])
        return f if f["needs_resolved"] >= 2 and f["satisfaction_rate"] is not None else None
    f = wait_until(figures, what="metrics of the needs")
    assert f["needs_received"] == overall["received"]
    assert f["resolution_rate"] == overall["resolution_rate"]
    assert f["satisfaction_rate"] == overall["satisfaction_rate"]
    assert f["response_rate"] == overall["response_rate"]
    # the resident's timeline: raised, dispatched, resolved, rated (once on their behalf)
    def timeline():
        items = s.get(f"/v1/residents/{world.wang['id']}/timeline").json()["items"]
        rated = [e for e in items if e["kind"] == "need_rated"]
        return items if len(rated) == 2 else None
    items = wait_until(timeline, what="timeline entries")
    kinds = [e["kind"] for e in items]
    assert kinds.count("need_dispatched") == 2 and kinds.count("need_resolved") == 2
    assert "need_raised" in kinds
    on_behalf = [e for e in items if e["kind"] == "need_rated"
                 and e["actor"].get("on_behalf_of") == world.wang["id"]]
    assert on_behalf and on_behalf[0]["actor"]["id"] == "worker-1"


def test_every_illegal_move_is_a_409(world):
    s = world.staff
    need = s.created("/v1/needs", {"household_id": world.households[1]["id"],
                                   "category": "safety", "description": "路灯不亮"})
    nid = need["id"]
    assert s.post(f"/v1/needs/{nid}/rate", {"satisfied": True}).status_code == 409  # received
    s.post(f"/v1/needs/{nid}/dispatch", {"unit": "街道城管"})
    assert s.post(f"/v1/needs/{nid}/dispatch", {"unit": "again"}).status_code == 409
    assert s.post(f"/v1/needs/{nid}/rate", {"satisfied": True}).status_code == 409  # dispatched
    s.post(f"/v1/needs/{nid}/resolve", {"resolution": "已修好"})
    assert s.post(f"/v1/needs/{nid}/resolve", {"resolution": "again"}).status_code == 409
    assert s.post(f"/v1/needs/{nid}/dispatch", {"unit": "x"}).status_code == 409
    after = s.get(f"/v1/needs/{nid}").json()
    assert after["status"] == "resolved" and len(after["history"]) == 3
    assert after["unit"] == "街道城管"


def test_bad_input_changes_nothing(world, gateway_url):
    s = world.staff
    home = world.households[4]
    base = {"household_id": home["id"], "category": "repair", "description": "门锁坏了"}
    for body, status in (({**base, "category": "unknown"}, 422),
                         ({**base, "description": ""}, 422), ({**base, "description": "  "}, 422),
                         ({**base, "urgency": "soon"}, 422), ({**base, "colour": "red"}, 422),
                         ({**base, "household_id": "nope"}, 404)):
        response = s.post("/v1/needs", body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
    other_tenant = World(gateway_url)
    assert other_tenant.staff.post("/v1/needs", base).status_code == 404
    assert s.get(f"/v1/needs?household_id={home['id']}").json()["items"] == []
    # a resident only for their own household
    assert world.resident(world.li).post("/v1/needs", base).status_code == 403
    need = s.created("/v1/needs", base)
    s.post(f"/v1/needs/{need['id']}/dispatch", {"unit": "物业公司"})
    assert s.post(f"/v1/needs/{need['id']}/rate", {"satisfied": True}).status_code == 409
    s.post(f"/v1/needs/{need['id']}/resolve", {"resolution": "已修"})
    bad = s.post(f"/v1/needs/{need['id']}/rate", {"satisfied": True, "score": 6})
    assert bad.status_code == 422 and "score" in bad.json()["errors"]
    assert s.post(f"/v1/needs/{need['id']}/rate", {"satisfied": True, "score": 0}).status_code == 422
    assert s.post(f"/v1/needs/{need['id']}/resolve", {}).status_code == 422
    read = s.get(f"/v1/needs/{need['id']}").json()
    assert read["status"] == "resolved" and read["rating"] is None and len(read["history"]) == 3
    # a knock with a bad need records neither the knock nor any need
    bad_knock = world.knock(s, home, needs=[{"category": "repair", "description": "好的"},
                                            {"category": "nonsense", "description": "坏的"}])
    assert bad_knock.status_code == 422
    assert s.get(f"/v1/door-knocks?household_id={home['id']}").json()["items"] == []
    assert len(s.get(f"/v1/needs?household_id={home['id']}").json()["items"]) == 1
    # the resident reads only their household's needs
    mine = world.resident(world.li).get("/v1/needs").json()["items"]
    assert mine and {n["household_id"] for n in mine} == {world.households[0]["id"]}
    assert world.resident(world.li).get(f"/v1/needs/{need['id']}").status_code == 404


def test_a_need_event_delivered_three_times_changes_the_metrics_once(world, platform):
    s = world.staff
    known = len(s.get(f"/v1/needs?community_id={world.community['id']}&limit=200").json()["items"])
    before = wait_until(lambda: (lambda f: f if f["needs_received"] == known else None)(
        summary(s, community_id=world.community["id"])), what="metrics caught up")
    data = {"need_id": "need-from-elsewhere", "version": 1,
            "household_id": world.households[3]["id"], "compound_id": world.compound["id"],
            "community_id": world.community["id"], "grid_id": world.grid2["id"],
            "resident_id": None, "category": "policy", "urgency": "normal", "channel": "phone",
            "status": "received", "unit": None, "received_at": "2026-11-30T01:00:00.000+00:00",
            "respond_by": "2026-12-01T01:00:00.000+00:00",
            "resolve_by": "2026-12-07T01:00:00.000+00:00", "responded_at": None,
            "resolved_at": None, "overdue": False, "reopen_count": 0, "ratings": 0,
            "satisfied_ratings": 0, "note": None, "description": "咨询医保政策"}
    event = new_event("council.need_received", data)
    envelope = {**event, "tenant": world.tenant, "correlation_id": "dup-need",
                "actor": {"id": "staff-1", "roles": ["community_staff"]}}
    seen = _handled(platform, "metrics", "on_need_received")
    publish_event(platform.env["GONGZHI_AMQP_URI"], envelope, times=3)
    wait_until(lambda: _handled(platform, "metrics", "on_need_received") >= seen + 3)
    # every delivery was handled before this read: three applied copies would show +3
    wait_until(lambda: summary(s, community_id=world.community["id"])["needs_received"]
               == before["needs_received"] + 1, what="one need counted")


def test_rebuild_equals_live(gateway_url):
    w = World(gateway_url)
    s = w.staff
    knock = w.knock(w.worker1, w.households[0], needs=[
        {"category": "repair", "description": "楼道灯坏了"},
        {"category": "facilities", "description": "想要儿童游乐设施"}]).json()
    first, second = knock["need_ids"]
    s.post(f"/v1/needs/{first}/dispatch", {"unit": "物业公司"})
    s.post(f"/v1/needs/{first}/resolve", {"resolution": "已换灯"})
    s.post(f"/v1/needs/{first}/rate", {"satisfied": False})
    s.post(f"/v1/needs/{second}/resolve", {"resolution": "已纳入议事"})
    s.post(f"/v1/needs/{second}/rate", {"satisfied": True, "score": 4})
    path = f"/v1/metrics/summary?community_id={w.community['id']}"

    def caught_up():
        f = s.get(path).json()
        return f if (f["households"], f["households_knocked_this_week"], f["needs_received"],
                     f["needs_resolved"], f["satisfaction_rate"]) == (5, 1, 2, 1, 0.5) else None
    live = wait_until(caught_up, what="live metrics")
    assert live["resolution_rate"] == 0.5 and live["door_knock_coverage"] == 0.2
    rebuilt = w.admin.post("/v1/metrics/rebuild")
    assert rebuilt.status_code == 200, rebuilt.text
    assert (rebuilt.json()["households"], rebuilt.json()["knocks"],
            rebuilt.json()["needs"]) == (5, 1, 2)
    after = s.get(path).json()
    for figures in (live, after):
        figures.pop("as_of")
    assert after == live


def test_an_implemented_proposal_resolves_its_linked_needs(gateway_url, platform):
    w = World(gateway_url)
    s = w.staff
    asks = [s.created("/v1/needs", {"household_id": h["id"], "category": "facilities",
                                    "description": "希望小区增设儿童游乐设施"})
            for h in w.households[:3]]
    s.post(f"/v1/needs/{asks[1]['id']}/dispatch", {"unit": "社区居委会"})
    s.post(f"/v1/needs/{asks[2]['id']}/resolve", {"resolution": "已答复"})
    clusters = s.get(f"/v1/needs/clusters?compound_id={w.compound['id']}").json()["items"]
    assert clusters == [{"compound_id": w.compound["id"], "category": "facilities",
                         "households": 3, "need_ids": sorted(a["id"] for a in asks)}]
    event = new_event("council.proposal_implemented", {
        "proposal_id": "p1", "deliberation_id": "d1", "title": "增设儿童游乐设施",
        "need_ids": [a["id"] for a in asks] + ["not-a-need"]})
    envelope = {**event, "tenant": w.tenant, "correlation_id": "proposal",
                "actor": {"id": "staff-1", "roles": ["community_staff"]}}
    with Connection(platform.env["GONGZHI_AMQP_URI"]) as connection:
        for _ in range(2):  # delivered twice: resolved once
            connection.Producer().publish(envelope, exchange=Exchange(
                "council.events", type="topic", durable=True),
                routing_key="proposal_implemented", retry=True)
    def resolved():
        reads = [s.get(f"/v1/needs/{a['id']}").json() for a in asks[:2]]
        return reads if all(r["status"] == "resolved" for r in reads) else None
    for read in wait_until(resolved, what="linked needs resolved"):
        assert read["resolution"] == "议事提案已落实：增设儿童游乐设施"
        assert read["history"][-1]["by"] == {"sub": "system", "on_behalf_of": None}
        assert [h["status"] for h in read["history"]].count("resolved") == 1
    already = s.get(f"/v1/needs/{asks[2]['id']}").json()
    assert already["resolution"] == "已答复"  # resolved before: left as it was
    rated = s.post(f"/v1/needs/{asks[0]['id']}/rate", {"satisfied": True, "score": 5})
    assert rated.status_code == 200 and rated.json()["status"] == "closed"
