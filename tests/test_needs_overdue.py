"""Deadlines pass: the overdue sweep, run for a chosen instant (a controllable clock) by two
sweepers at once while two council replicas run, flags each late need once and publishes
council.need_overdue once per need."""
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from kombu import Connection, Exchange, Queue

from chassis import clock
from tests.council_world import World
from tests.infra import wait_until

pytestmark = pytest.mark.integration


def sweep_at(platform, moment, tenant):
    return subprocess.Popen(
        [sys.executable, "-m", "services.council.needs.sweep", "--now", clock.iso(moment),
         "--tenant", tenant], env=platform.env, stdout=subprocess.PIPE, text=True)


def sweep_together(platform, moment, tenant, sweepers=2):
    running = [sweep_at(platform, moment, tenant) for _ in range(sweepers)]
    outputs = [json.loads(p.communicate(timeout=60)[0]) for p in running]
    assert all(p.returncode == 0 for p in running)
    return [out["flagged"].get(tenant, 0) for out in outputs]


@pytest.fixture
def second_council(platform):
    platform.start("council-2", target="council")
    yield
    platform.stop("council-2")


def test_two_sweepers_with_two_replicas_flag_each_late_need_once(platform, gateway_url,
                                                                 second_council):
    w = World(gateway_url)
    s = w.staff
    overdue_seen = Queue(f"test-overdue-{w.tenant}", exchange=Exchange(
        "council.events", type="topic", durable=True), routing_key="need_overdue",
        auto_delete=False, durable=False)
    with Connection(platform.env["GONGZHI_AMQP_URI"]) as connection:
        overdue_seen(connection.channel()).declare()
    urgent = s.created("/v1/needs", {"household_id": w.households[0]["id"], "urgency": "urgent",
                                     "category": "safety", "description": "燃气味道很重"})
    normal = s.created("/v1/needs", {"household_id": w.households[1]["id"],
                                     "category": "repair", "description": "窗户关不严"})
    answered = s.created("/v1/needs", {"household_id": w.households[2]["id"],
                                       "category": "policy", "description": "咨询养老补贴"})
    s.post(f"/v1/needs/{answered['id']}/dispatch", {"unit": "社区民政"})
    more = [s.created("/v1/needs", {"household_id": w.households[n % 5]["id"],
                                    "category": "other", "description": f"第{n}件"})
            for n in range(20)]  # enough for the two sweepers to meet on the same needs
    received = clock.utcnow()
    # 3 hours on: only the urgent need missed its 2-hour response
    assert sorted(sweep_together(platform, received + timedelta(hours=3), w.tenant)) == [0, 1]
    assert s.get(f"/v1/needs/{urgent['id']}").json()["overdue"] is True
    assert s.get(f"/v1/needs/{normal['id']}").json()["overdue"] is False
    # 8 days on: the normal one missed both deadlines, the dispatched one its resolution
    flagged = sweep_together(platform, received + timedelta(days=8), w.tenant)
    assert sum(flagged) == 2 + len(more), flagged
    print(f"\nthe two sweepers flagged {flagged}")
    assert sweep_together(platform, received + timedelta(days=9), w.tenant) == [0, 0]
    for need in (urgent, normal, answered):
        read = s.get(f"/v1/needs/{need['id']}").json()
        assert read["overdue"] is True
        assert [h["note"] for h in read["history"]].count("超时未响应") + \
            [h["note"] for h in read["history"]].count("超时未办结") == 1
    assert len(s.get("/v1/needs?overdue=true").json()["items"]) == 3 + len(more)
    assert [n["id"] for n in s.get("/v1/needs?overdue=false").json()["items"]] == []
    # published once per need (through the replicas' outbox relays)
    with Connection(platform.env["GONGZHI_AMQP_URI"]) as connection:
        queue = overdue_seen(connection.channel())
        got = []

        def drain():
            while (message := queue.get(no_ack=True)) is not None:
                got.append(message.payload)
            return len(got)
        wait_until(lambda: drain() >= 3 + len(more), what="the need_overdue events")
        drain()  # and whatever came with them
        queue.delete()
    # one event per need (one event id), however many sweepers: the relays of two replicas
    # may both deliver a pending event (at least once, chassis/outbox.py); consumers dedupe
    events = {}
    for e in got:
        events.setdefault(e["data"]["need_id"], set()).add(e["event_id"])
    assert sorted(events) == sorted(n["id"] for n in (urgent, normal, answered, *more))
    assert all(len(ids) == 1 for ids in events.values()), events
    print(f"\nneed_overdue: {len(events)} events, {len(got)} deliveries")
    missed = {e["data"]["need_id"]: e["data"]["missed"] for e in got}
    assert missed[urgent["id"]] == "respond" and missed[answered["id"]] == "resolve"
    figures = wait_until(lambda: (lambda f: f if f["needs_overdue"] == 23 else None)(
        s.get(f"/v1/metrics/summary?community_id={w.community['id']}").json()))
    assert figures["needs_received"] == 23
