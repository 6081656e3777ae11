"""The residents' deliberation week end to end, through the gateway: thresholds from the live
registry, one support per resident under concurrency and two council replicas, acting on a
resident's behalf, decisions once after closing, progress to implemented, and what the
timeline and the metrics show."""
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from kombu import Connection, Exchange, Queue

from contracts import new_event
from tests.deliberation_world import World, at
from tests.infra import publish_event, wait_until

pytestmark = pytest.mark.integration

COUNCIL_FIELDS = ("proposals_submitted", "supports", "proposals_accepted",
                  "proposals_implemented")


@pytest.fixture(scope="module")
def two_councils(platform):
    """A second council replica beside the platform's, for this module's tests."""
    platform.start("council-2", target="council")
    yield platform
    platform.stop("council-2")


def council_figures(world):
    figures = world.get("/v1/metrics/summary")
    return {key: figures[key] for key in COUNCIL_FIELDS}


def handled(platform, service, method):
    text = requests.get(platform.urls[service] + "/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if (line.startswith("gongzhi_events_handled_total{")
                and f'consumer="{service}.{method}"' in line
                and ('outcome="applied"' in line or 'outcome="duplicate"' in line)):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_threshold_from_the_households_in_scope_when_it_opens(gateway_url):
    world = World(gateway_url, residents_in_a=7, residents_in_b=2)
    scheduled = world.deliberation({"households_pct": 30}, opens_at=at(days=1),
                                   closes_at=at(days=8))
    assert scheduled["status"] == "scheduled" and scheduled["threshold_supports"] is None
    week = world.deliberation({"households_pct": 30})  # 7 households in compound A
    assert week["status"] == "open"
    assert week["households"] == 7 and week["threshold_supports"] == 3  # ceil(2.1)
    whole = world.deliberation({"households_pct": 10}, compound=False)  # 9 in the community
    assert whole["threshold_supports"] == 1 and whole["households"] == 9
    fixed = world.deliberation({"supports": 5})
    assert fixed["threshold_supports"] == 5
    listed = world.get(f"/v1/deliberations?community_id={world.community['id']}&status=open")
    assert {d["id"] for d in listed["items"]} == {week["id"], whole["id"], fixed["id"]}
    assert [d["id"] for d in world.get("/v1/deliberations?status=scheduled")["items"]] == [
        scheduled["id"]]
    # the threshold was fixed when it opened: a household added later changes nothing
    world._resident(world.compound_a, "永光新村99号", "新住户")
    assert world.get(f"/v1/deliberations/{week['id']}")["threshold_supports"] == 3
    proposal = world.proposal(week)
    assert proposal["threshold_supports"] == 3 and proposal["reached_threshold"] is False
    for resident in world.residents_a[:3]:
        assert world.support(proposal, resident).status_code == 201
    seen = world.get(f"/v1/proposals/{proposal['id']}")
    assert seen["supports"] == 3 and seen["reached_threshold"] is True


def test_ten_concurrent_supports_of_one_resident_make_one(gateway_url, two_councils):
    world = World(gateway_url, residents_in_a=1, residents_in_b=0)
    proposal = world.proposal(world.deliberation({"supports": 1}))
    resident = world.residents_a[0]
    api = world.as_resident(resident)
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(lambda _: world.support(proposal, resident, api).status_code,
                                   range(10)))
    elapsed = time.monotonic() - started
    assert statuses == [201] + [409] * 9
    print(f"\n10 concurrent supports of one resident: one 201, nine 409 in {elapsed:.2f}s")
    seen = world.get(f"/v1/proposals/{proposal['id']}")
    assert seen["supports"] == 1 and seen["reached_threshold"] is True
    wait_until(lambda: council_figures(world)["supports"] == 1, what="metrics supports")


def test_fifty_residents_through_two_replicas_make_fifty(gateway_url, two_councils):
    world = World(gateway_url, residents_in_a=50, residents_in_b=0)
    proposal = world.proposal(world.deliberation({"households_pct": 50}))
    assert proposal["threshold_supports"] == 25
    apis = [world.as_resident(resident) for resident in world.residents_a]
    started = time.monotonic()
    with ThreadPoolExecutor(25) as pool:
        statuses = list(pool.map(lambda pair: world.support(proposal, *pair).status_code,
                                 zip(world.residents_a, apis)))
    elapsed = time.monotonic() - started
    assert statuses == [201] * 50
    print(f"\n50 concurrent supports through two council replicas: {elapsed:.2f}s "
          f"({50 / elapsed:.0f}/s)")
    seen = world.get(f"/v1/proposals/{proposal['id']}")
    assert seen["supports"] == 50 and seen["reached_threshold"] is True
    wait_until(lambda: council_figures(world)["supports"] == 50, what="metrics supports")


def test_supports_on_behalf_carry_the_actor_to_the_timeline(gateway_url):
    world = World(gateway_url, residents_in_a=2, residents_in_b=0)
    author, elder = world.residents_a
    proposal = world.proposal(world.deliberation({"supports": 2}), author=author)
    assert proposal["submitted_by"] == {"sub": "worker-1", "on_behalf_of": author["id"]}
    answer = world.support(proposal, elder, world.worker)
    assert answer.status_code == 201, answer.text
    assert answer.json()["by"] == {"sub": "worker-1", "on_behalf_of": elder["id"]}
    own = world.support(proposal, author)
    assert own.json()["by"] == {"sub": author["id"], "on_behalf_of": None}
    listed = {s["resident_id"]: s for s in world.get(
        f"/v1/proposals/{proposal['id']}/supports")["items"]}
    assert listed[elder["id"]]["by"] == {"sub": "worker-1", "on_behalf_of": elder["id"]}
    assert listed[author["id"]]["by"]["on_behalf_of"] is None
    assert world.as_resident(elder).get(
        f"/v1/proposals/{proposal['id']}/supports").status_code == 403  # staff only

    def entries(resident, kind):
        items = world.get(f"/v1/residents/{resident['id']}/timeline")["items"]
        return [item for item in items if item["kind"] == kind]

    [supported] = wait_until(lambda: entries(elder, "proposal_supported"))
    assert supported["actor"]["id"] == "worker-1"
    assert supported["actor"]["on_behalf_of"] == elder["id"]
    assert "增设儿童游乐设施" in supported["summary"]
    [submitted] = wait_until(lambda: entries(author, "proposal_submitted"))
    assert submitted["actor"]["on_behalf_of"] == author["id"]
    [self_support] = wait_until(lambda: entries(author, "proposal_supported"))
    assert not self_support["actor"].get("on_behalf_of")


def test_who_may_propose_and_support(gateway_url):
    world = World(gateway_url, residents_in_a=2, residents_in_b=1)
    week = world.deliberation({"supports": 2})
    proposal = world.proposal(week)
    outsider = world.residents_b[0]
    # a resident of another compound: neither proposes nor supports (409)
    assert world.support(proposal, outsider, world.worker).status_code == 409
    assert world.support(proposal, outsider).status_code == 409
    response = world.worker.post("/v1/proposals", {
        "deliberation_id": week["id"], "author_resident_id": outsider["id"], "title": "x",
        "description": "y"})
    assert response.status_code == 409, response.text
    # a resident acts only for themself (403), and only residents, grid workers and staff act
    first, second = world.residents_a
    assert world.support(proposal, second, world.as_resident(first)).status_code == 403
    medical = world.staff.__class__(gateway_url, world.tenant, ["medical_staff"], sub="doc")
    assert medical.post(f"/v1/proposals/{proposal['id']}/supports",
                        {"resident_id": first["id"]}).status_code == 403
    assert world.get(f"/v1/proposals/{proposal['id']}")["supports"] == 0


def test_withdraw_while_open_then_support_again(gateway_url):
    world = World(gateway_url, residents_in_a=1, residents_in_b=0)
    proposal = world.proposal(world.deliberation({"supports": 1}))
    resident = world.residents_a[0]
    api = world.as_resident(resident)
    path = f"/v1/proposals/{proposal['id']}/supports/{resident['id']}"
    assert world.support(proposal, resident).status_code == 201
    deleted = api.request("DELETE", path)
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.request("DELETE", path).status_code == 404
    [withdrawn] = world.get(f"/v1/proposals/{proposal['id']}/supports?status=withdrawn")["items"]
    assert withdrawn["withdrawn_by"] == {"sub": resident["id"], "on_behalf_of": None}
    assert world.get(f"/v1/proposals/{proposal['id']}")["supports"] == 0
    assert world.support(proposal, resident).status_code == 201
    assert world.support(proposal, resident).status_code == 409
    assert world.get(f"/v1/proposals/{proposal['id']}")["supports"] == 1
    wait_until(lambda: council_figures(world)["supports"] == 1)


def test_closing_decision_progress_and_implementation(gateway_url, platform):
    world = World(gateway_url, residents_in_a=3, residents_in_b=0)
    week = world.deliberation({"households_pct": 50})
    need_ids = ["need-1", "need-2"]
    proposal = world.proposal(week, need_ids=need_ids)
    other = world.proposal(week, title="修缮单元门禁")
    for resident in world.residents_a[:2]:
        assert world.support(proposal, resident).status_code == 201
    pid = proposal["id"]
    decision = {"outcome": "accepted", "answer": "同意，由社区出资建设", "budget_yuan": 28000,
                "due_by": "2027-03-31"}
    early = world.staff.post(f"/v1/proposals/{pid}/decision", decision)
    assert early.status_code == 409 and "closes" in early.json()["detail"]
    assert world.staff.post(f"/v1/proposals/{pid}/progress",
                            {"percent": 10, "note": "x"}).status_code == 409
    with Listening(platform, "proposal_implemented") as implemented:
        closed = world.close(week)
        assert closed["status"] == "closed"
        assert [d["id"] for d in world.get("/v1/deliberations?status=closed")["items"]] == [
            week["id"]]
        assert world.get("/v1/deliberations?status=open")["items"] == []
        assert world.close(week)["closed_at"] == closed["closed_at"]  # idempotent
        resident = world.residents_a[2]
        assert world.support(proposal, resident).status_code == 409
        assert world.as_resident(world.residents_a[0]).request(
            "DELETE", f"/v1/proposals/{pid}/supports/{world.residents_a[0]['id']}"
        ).status_code == 409
        assert world.worker.post("/v1/proposals", {
            "deliberation_id": week["id"], "author_resident_id": resident["id"],
            "title": "迟到的议题", "description": "x"}).status_code == 409
        decided = world.staff.post(f"/v1/proposals/{pid}/decision", decision)
        assert decided.status_code == 200, decided.text
        body = decided.json()
        assert body["status"] == "accepted" and body["decision"]["budget_yuan"] == 28000
        assert body["supports"] == 2 and body["reached_threshold"] is True
        again = world.staff.post(f"/v1/proposals/{pid}/decision",
                                 {"outcome": "rejected", "answer": "改主意"})
        assert again.status_code == 409
        rejected = world.staff.post(f"/v1/proposals/{other['id']}/decision",
                                    {"outcome": "rejected", "answer": "预算不足"})
        assert rejected.json()["status"] == "rejected"
        assert world.staff.post(f"/v1/proposals/{other['id']}/progress",
                                {"percent": 10, "note": "x"}).status_code == 409
        half = world.staff.post(f"/v1/proposals/{pid}/progress",
                                {"percent": 50, "note": "场地平整完成"})
        assert half.status_code == 200 and half.json()["progress"]["percent"] == 50
        back = world.staff.post(f"/v1/proposals/{pid}/progress", {"percent": 40, "note": "x"})
        assert back.status_code == 409
        done = world.staff.post(f"/v1/proposals/{pid}/progress",
                                {"percent": 100, "note": "设施安装完成，投入使用"}).json()
        assert done["status"] == "implemented" and done["implemented_at"]
        assert [m["percent"] for m in done["progress"]["milestones"]] == [50, 100]
        assert world.staff.post(f"/v1/proposals/{pid}/progress",
                                {"percent": 100, "note": "x"}).status_code == 409
        event = wait_until(lambda: implemented(pid), what="proposal_implemented")
    assert event["data"]["need_ids"] == need_ids
    assert event["data"]["deliberation_id"] == week["id"]
    assert event["data"]["title"] == "增设儿童游乐设施"
    wait_until(lambda: council_figures(world) == {
        "proposals_submitted": 2, "supports": 2, "proposals_accepted": 1,
        "proposals_implemented": 1}, what="council figures")
    author = world.residents_a[0]
    wait_until(lambda: {e["kind"] for e in world.get(
        f"/v1/residents/{author['id']}/timeline")["items"]} >= {
        "proposal_submitted", "proposal_decided", "proposal_implemented"},
        what="the author's timeline")
    listed = world.get(f"/v1/proposals?deliberation_id={week['id']}&status=implemented")
    assert [p["id"] for p in listed["items"]] == [pid]
    assert listed["items"][0]["supports"] == 2


def test_rebuild_equals_live(gateway_url):
    world = World(gateway_url, residents_in_a=3, residents_in_b=0)
    week = world.deliberation({"supports": 2})
    first = world.proposal(week)
    second = world.proposal(week, title="增加休闲座椅")
    for resident in world.residents_a:
        world.support(first, resident)
    world.support(second, world.residents_a[0])
    gone = world.residents_a[1]
    world.as_resident(gone).request("DELETE", f"/v1/proposals/{first['id']}/supports/{gone['id']}")
    world.close(week)
    world.staff.post(f"/v1/proposals/{first['id']}/decision", {"outcome": "accepted", "answer": "好"})
    world.staff.post(f"/v1/proposals/{first['id']}/progress", {"percent": 100, "note": "完成"})
    expected = {"proposals_submitted": 2, "supports": 3, "proposals_accepted": 1,
                "proposals_implemented": 1}
    wait_until(lambda: council_figures(world) == expected, what="live figures")
    rebuilt = world.staff.post("/v1/metrics/rebuild").json()
    assert rebuilt["proposals"] == 2 and rebuilt["supports"] == 4  # 4 documents, 1 withdrawn
    assert council_figures(world) == expected


def test_the_same_supported_event_three_times_counts_once(gateway_url, platform):
    world = World(gateway_url, residents_in_a=1, residents_in_b=0)
    resident = world.residents_a[0]
    event = new_event("council.proposal_supported", {
        "proposal_id": "proposal-elsewhere", "deliberation_id": "d-elsewhere",
        "community_id": world.community["id"], "compound_id": None, "title": "外来议题",
        "author_resident_id": resident["id"], "support_id": f"s-{uuid.uuid4().hex}",
        "resident_id": resident["id"], "support_version": 1, "at": at(),
        "by": {"sub": resident["id"], "on_behalf_of": None}})
    envelope = {**event, "tenant": world.tenant, "correlation_id": "dup-test",
                "actor": {"id": resident["id"], "roles": ["resident"]}}
    before = handled(platform, "metrics", "on_proposal_supported")
    publish_event(platform.env["GONGZHI_AMQP_URI"], envelope, times=3)
    wait_until(lambda: handled(platform, "metrics", "on_proposal_supported") >= before + 3,
               what="three deliveries handled")
    assert council_figures(world)["supports"] == 1


def test_bad_input_changes_nothing(gateway_url):
    world = World(gateway_url, residents_in_a=1, residents_in_b=0)
    week = world.deliberation({"supports": 1})
    proposal = world.proposal(week)
    resident = world.residents_a[0]
    staff, pid = world.staff, proposal["id"]
    base = {"community_id": world.community["id"], "title": "议事周",
            "opens_at": at(minutes=-1), "closes_at": at(days=1)}
    cases = [
        ("/v1/deliberations", {**base, "colour": "red"}, 422),
        ("/v1/deliberations", {**base, "title": "  "}, 422),
        ("/v1/deliberations", {**base, "closes_at": at(days=-1)}, 422),
        ("/v1/deliberations", {**base, "opens_at": "2026-12-01T08:00:00"}, 422),  # no offset
        ("/v1/deliberations", {**base, "threshold": {"households_pct": 10, "supports": 3}}, 422),
        ("/v1/deliberations", {**base, "threshold": {"households_pct": 0}}, 422),
        ("/v1/deliberations", {**base, "threshold": {"supports": "many"}}, 422),
        ("/v1/deliberations", {**base, "community_id": "no-such-community"}, 404),
        ("/v1/proposals", {"deliberation_id": week["id"], "author_resident_id": resident["id"],
                           "title": "", "description": "x"}, 422),
        ("/v1/proposals", {"deliberation_id": week["id"], "author_resident_id": resident["id"],
                           "title": "x", "description": "y", "extra": 1}, 422),
        ("/v1/proposals", {"deliberation_id": "no-such", "author_resident_id": resident["id"],
                           "title": "x", "description": "y"}, 404),
        (f"/v1/proposals/{pid}/supports", {"resident_id": resident["id"], "x": 1}, 422),
        (f"/v1/proposals/{pid}/supports", {}, 422),
        (f"/v1/proposals/{pid}/supports", {"resident_id": "no-such-resident"}, 404),
        (f"/v1/proposals/{pid}/decision", {"outcome": "maybe", "answer": "x"}, 422),
        (f"/v1/proposals/{pid}/decision", {"outcome": "accepted", "answer": "x",
                                           "budget_yuan": -1}, 422),
        (f"/v1/proposals/{pid}/progress", {"percent": 101, "note": "x"}, 422),
        (f"/v1/proposals/{pid}/progress", {"percent": 50.5, "note": "x"}, 422),
        (f"/v1/proposals/{pid}/progress", {"percent": 50, "note": ""}, 422),
        ("/v1/proposals/no-such-proposal/supports", {"resident_id": resident["id"]}, 404),
    ]
    for path, body, status in cases:
        response = staff.post(path, body)
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
    malformed = staff.request("POST", "/v1/proposals", data=b"{not json",
                              headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert staff.get("/v1/deliberations?status=maybe").status_code == 422
    assert staff.get("/v1/proposals?limit=500").status_code == 422
    # nothing changed
    assert [d["id"] for d in world.get(
        f"/v1/deliberations?community_id={world.community['id']}")["items"]] == [week["id"]]
    seen = world.get(f"/v1/proposals/{pid}")
    assert seen["supports"] == 0 and seen["status"] == "open" and seen["decision"] is None
    assert [p["id"] for p in world.get(f"/v1/proposals?deliberation_id={week['id']}")[
        "items"]] == [pid]


def test_chinese_text_round_trips(gateway_url):
    world = World(gateway_url, residents_in_a=1, residents_in_b=0)
    week = world.deliberation()
    assert week["threshold_supports"] is None
    proposal = world.proposal(week, title="李大爷：增设儿童游乐设施（滑梯、秋千）")
    assert world.get(f"/v1/proposals/{proposal['id']}")["title"] == \
        "李大爷：增设儿童游乐设施（滑梯、秋千）"
    assert proposal["reached_threshold"] is False


class Listening:
    """A test consumer of one council event, bound before the event can be published."""

    def __init__(self, platform, routing_key):
        self.uri = platform.env["GONGZHI_AMQP_URI"]
        self.routing_key = routing_key
        self.seen = {}
        self.all = []

    def __enter__(self):
        self.connection = Connection(self.uri)
        exchange = Exchange("council.events", type="topic", durable=True)
        self.queue = Queue(f"test-{uuid.uuid4().hex}", exchange=exchange,
                           routing_key=self.routing_key, exclusive=True, auto_delete=True)
        self.consumer = self.connection.Consumer([self.queue], callbacks=[self._on],
                                                 accept=["json"])
        self.consumer.consume()
        return self.find

    def _on(self, body, message):
        body = json.loads(body) if isinstance(body, (str, bytes)) else body
        data = body["data"]
        key = data.get("proposal_id") or data.get("deliberation_id")
        self.seen[key] = body
        self.all.append(body)
        message.ack()

    def find(self, key):
        try:
            self.connection.drain_events(timeout=0.2)
        except Exception:  # socket.timeout: nothing yet
            pass
        return self.seen.get(key)

    def __exit__(self, *exc):
        self.consumer.cancel()
        self.connection.release()


def test_support_events_out_of_order_keep_the_latest_state(gateway_url, platform):
    """A withdrawal (version 2) and its support (version 1) travel on different queues and
    may be applied in either order: the withdrawal, being later, stands."""
    world = World(gateway_url, residents_in_a=1, residents_in_b=0)
    resident = world.residents_a[0]
    data = {"proposal_id": "p-elsewhere", "deliberation_id": "d-elsewhere",
            "community_id": world.community["id"], "compound_id": None, "title": "外来议题",
            "author_resident_id": resident["id"], "support_id": f"s-{uuid.uuid4().hex}",
            "resident_id": resident["id"], "at": at(),
            "by": {"sub": resident["id"], "on_behalf_of": None}}
    before = handled(platform, "metrics", "on_proposal_supported")
    before_withdrawn = handled(platform, "metrics", "on_support_withdrawn")
    with Connection(platform.env["GONGZHI_AMQP_URI"]) as connection:
        producer = connection.Producer()
        exchange = Exchange("council.events", type="topic", durable=True)
        for event_type, version in (("council.support_withdrawn", 2),
                                    ("council.proposal_supported", 1)):
            event = new_event(event_type, {**data, "support_version": version})
            producer.publish({**event, "tenant": world.tenant, "correlation_id": None,
                              "actor": {"id": resident["id"], "roles": ["resident"]}},
                             exchange=exchange, routing_key=event_type.split(".")[1],
                             retry=True)
    wait_until(lambda: handled(platform, "metrics", "on_proposal_supported") >= before + 1,
               what="the late support handled")
    wait_until(lambda: handled(platform, "metrics", "on_support_withdrawn")
               >= before_withdrawn + 1, what="the withdrawal handled")
    assert council_figures(world)["supports"] == 0  # in whichever order they were applied
