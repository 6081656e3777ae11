"""Deliberations move on by their times, driven by the sweep for a chosen moment (the
operator's command), each move recorded once with one event even when sweepers race."""
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from tests.deliberation_world import World, at
from tests.infra import wait_until
from tests.test_deliberation import Listening

pytestmark = pytest.mark.integration


def sweep(platform, tenant, now):
    return subprocess.run(
        [sys.executable, "-m", "services.council.deliberation.sweep", "--now", now,
         "--tenant", tenant], env=platform.env, capture_output=True, text=True, timeout=60)


def later(iso, **delta):
    return (datetime.fromisoformat(iso) + timedelta(**delta)).isoformat()


def test_the_sweep_opens_and_closes_once_whoever_races(platform, gateway_url):
    world = World(gateway_url, residents_in_a=4, residents_in_b=0)
    week = world.deliberation({"households_pct": 50}, opens_at=at(hours=1),
                              closes_at=at(hours=2))
    assert week["status"] == "scheduled"
    early = world.worker.post("/v1/proposals", {
        "deliberation_id": week["id"], "author_resident_id": world.residents_a[0]["id"],
        "title": "x", "description": "y"})
    assert early.status_code == 409  # not open yet
    with Listening(platform, "deliberation_opened") as opened, \
            Listening(platform, "deliberation_closed") as closed:
        with ThreadPoolExecutor(2) as pool:  # two sweepers at once
            runs = list(pool.map(lambda _: sweep(platform, world.tenant,
                                                 later(week["opens_at"], minutes=1)), range(2)))
        assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
        assert sum('"moved": {"%s": 1}' % world.tenant in run.stdout for run in runs) == 1
        seen = world.get(f"/v1/deliberations/{week['id']}")
        assert seen["threshold_supports"] == 2 and seen["households"] == 4
        assert datetime.fromisoformat(seen["opened_at"]) == datetime.fromisoformat(
            later(week["opens_at"], minutes=1))
        event = wait_until(lambda: opened(week["id"]), what="deliberation_opened")
        assert event["data"]["threshold_supports"] == 2
        # the sweep run for after the closing time closes it (a status never moves back)
        with ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(lambda _: sweep(platform, world.tenant,
                                                 later(week["closes_at"], minutes=1)), range(2)))
        assert all(run.returncode == 0 for run in runs)
        assert world.get(f"/v1/deliberations/{week['id']}")["status"] == "closed"
        wait_until(lambda: closed(week["id"]), what="deliberation_closed")
        opened(week["id"])
    assert [e["data"]["deliberation_id"] for e in opened.__self__.all].count(week["id"]) == 1
    assert [e["data"]["deliberation_id"] for e in closed.__self__.all].count(week["id"]) == 1
    late = world.worker.post("/v1/proposals", {
        "deliberation_id": week["id"], "author_resident_id": world.residents_a[0]["id"],
        "title": "x", "description": "y"})
    assert late.status_code == 409


def test_the_timer_opens_and_closes_by_the_clock_alone(platform, gateway_url):
    """No request touches the week: a replica's sweep timer records both moves, the opening
    with its threshold from the registry (an RPC made from the timer in the week's tenant)."""
    saved = dict(platform.env)
    platform.env["GONGZHI_DELIBERATION_SWEEP_SECONDS"] = "0.3"
    try:
        platform.start("council-timer", target="council")
    finally:
        platform.env.clear()
        platform.env.update(saved)
    try:
        world = World(gateway_url, residents_in_a=3, residents_in_b=0)
        with Listening(platform, "deliberation_opened") as opened, \
                Listening(platform, "deliberation_closed") as closed:
            week = world.deliberation({"households_pct": 34}, opens_at=at(seconds=2),
                                      closes_at=at(seconds=4))
            event = wait_until(lambda: opened(week["id"]), timeout=15, what="opened by the timer")
            assert event["data"]["threshold_supports"] == 2  # ceil(3 × 0.34)
            assert event["data"]["households"] == 3
            assert event["actor"]["id"] == "deliberation-sweep"
            wait_until(lambda: closed(week["id"]), timeout=15, what="closed by the timer")
        assert world.get(f"/v1/deliberations/{week['id']}")["status"] == "closed"
    finally:
        platform.stop("council-timer")
