"""Follow-ups turn due and overdue by date, with the clock in the test's hands
(`python -m services.health.sweep --today ...`), and several sweepers at once (two health
replicas, two operator runs) create and flag each follow-up exactly once."""
import json
import subprocess
import sys
from datetime import date, timedelta

import eventlet
import pymongo
import pytest
import requests

from contracts import new_event
from services.health import sweep
from services.health.followups import local_today
from tests.hospital import run_sweep
from tests.infra import ROOT, publish_event, wait_until
from tests.platform import hierarchy, new_resident, staff

pytestmark = pytest.mark.integration

COMPLETION = {"symptoms": ["头晕"], "medicines_dispensed": [{"name": "降压药", "quantity": 1}]}


def summary(api):
    return api.get("/v1/metrics/summary").json()


def counts(api, due, overdue):
    seen = []  # the figures last read, for the failure's message

    def matched():
        figures = summary(api)
        seen[:] = [(figures["follow_ups_due"], figures["follow_ups_overdue"], figures["as_of"])]
        return figures if seen[0][:2] == (due, overdue) else None

    try:
        return wait_until(matched, what=f"metrics due={due} overdue={overdue}")
    except AssertionError as failed:
        raise AssertionError(f"{failed}; last (due, overdue, as_of): {seen}") from None


def completed_with_follow_up(api, resident_id, days):
    visit = api.created("/v1/visits", {"resident_id": resident_id,
                                       "scheduled_for": "2026-12-01T09:00:00+08:00"})
    done = api.post(f"/v1/visits/{visit['id']}/complete",
                    {**COMPLETION, "follow_up_in_days": days})
    assert done.status_code == 200, done.text
    assert done.json()["follow_up_in_days"] == days
    return visit


def items(api, query):
    return api.get(f"/v1/follow-ups?{query}").json()["items"]


def test_a_follow_up_becomes_due_then_overdue_then_done(gateway_url, platform):
    api = staff(gateway_url)
    resident = new_resident(api, "张爷爷", "1944-01-27")
    completed_with_follow_up(api, resident["id"], 10)
    [pending] = wait_until(lambda: items(api, "status=pending"), what="the follow-up")
    today = local_today()
    assert pending["kind"] == "visit" and pending["due_on"] == str(today + timedelta(days=10))
    assert pending["overdue_after"] == str(today + timedelta(days=17))  # 7 days' grace
    counts(api, 0, 0)

    assert run_sweep(platform, today + timedelta(days=9), api.tenant) == {"created": 0, "moved": 0}
    assert run_sweep(platform, today + timedelta(days=10), api.tenant, cli=True) == {
        "created": 0, "moved": 1}
    assert [f["id"] for f in items(api, "status=due")] == [pending["id"]]
    live = counts(api, 1, 0)
    admin = type(api)(gateway_url, api.tenant, ["subdistrict_admin", "community_staff"])
    rebuilt = admin.post("/v1/metrics/rebuild").json()
    assert rebuilt["follow_ups"] == 1
    after = summary(api)
    live.pop("as_of"), after.pop("as_of")
    assert after == live  # the rebuild reproduces the follow-up figures
    assert run_sweep(platform, today + timedelta(days=12), api.tenant)["moved"] == 0
    assert run_sweep(platform, today + timedelta(days=18), api.tenant)["moved"] == 1
    assert items(api, "status=due") == [] and len(items(api, "status=overdue")) == 1
    counts(api, 0, 1)

    visit = api.created("/v1/visits", {"resident_id": resident["id"],
                                       "scheduled_for": "2026-12-01T09:00:00+08:00"})
    api.post(f"/v1/visits/{visit['id']}/complete", COMPLETION)
    [done] = wait_until(lambda: items(api, "status=done"), what="the follow-up done")
    assert done["done_by_visit_id"] == visit["id"]
    counts(api, 0, 0)
    assert api.get("/v1/follow-ups?status=later").status_code == 422


def test_eligible_residents_get_a_standing_monthly_visit(gateway_url, platform):
    api = staff(gateway_url)
    _, _, household = hierarchy(api)
    alone = api.created("/v1/residents", {"household_id": household["id"], "name": "王奶奶",
                                          "birth_date": "1941-09-03", "tags": ["lives_alone"]})
    api.created("/v1/residents", {"household_id": household["id"], "name": "陈大爷",
                                  "birth_date": "1947-11-30", "tags": ["party_member"]})
    api.created("/v1/residents", {"household_id": household["id"], "name": "韩阿姨",
                                  "birth_date": "1972-10-10", "tags": ["lives_alone"]})
    wait_until(lambda: summary(api)["residents_registered"] == 3)
    month = date(2027, 3, 15)
    result = wait_until(lambda: (lambda r: r if r["created"] else None)(
        run_sweep(platform, month, api.tenant)), what="the plans projected and made")
    assert result == {"created": 1, "moved": 0}
    [plan] = items(api, "kind=monthly_plan")
    assert plan["resident_id"] == alone["id"] and plan["status"] == "due"
    assert (plan["due_on"], plan["overdue_after"]) == ("2027-03-01", "2027-03-31")
    assert run_sweep(platform, month, api.tenant) == {"created": 0, "moved": 0}
    assert run_sweep(platform, date(2027, 4, 1), api.tenant) == {"created": 1, "moved": 1}
    assert [f["status"] for f in items(api, "kind=monthly_plan")] == ["overdue", "due"]
    counts(api, 1, 1)


def test_two_health_replicas_and_two_sweepers_flag_each_follow_up_once(gateway_url, platform):
    api = staff(gateway_url)
    resident = new_resident(api, "刘奶奶", "1966-06-15")
    for _ in range(12):
        completed_with_follow_up(api, resident["id"], 5)
    wait_until(lambda: len(items(api, "status=pending")) == 12, what="12 follow-ups")
    platform.start("health-2", target="health")  # a second replica, its own timer and relay
    try:
        day = (local_today() + timedelta(days=5)).isoformat()
        sweepers = [subprocess.Popen(
            [sys.executable, "-m", "services.health.sweep", "--today", day, "--tenant",
             api.tenant], cwd=ROOT, env=platform.env, stdout=subprocess.PIPE, text=True)
            for _ in range(3)]
        moved = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1])[
            "tenants"][api.tenant]["moved"] for p in sweepers]
        assert sum(moved) == 12, moved  # each follow-up moved by exactly one sweeper
        counts(api, 12, 0)
        assert len(items(api, "status=due")) == 12

        # four sweepers interleaved for sure (green threads, each yielding on every store
        # call): all read the same 12 candidates, and each move is still won exactly once
        overdue = local_today() + timedelta(days=13)
        client = pymongo.MongoClient(platform.env["GONGZHI_MONGO_URI"])
        try:
            raw = client[f"{platform.env['GONGZHI_DB_PREFIX']}_health"]
            pool = eventlet.GreenPool()
            results = list(pool.imap(lambda _: sweep.run_follow_up_sweep(
                raw, overdue, [api.tenant])[api.tenant]["moved"], range(4)))
        finally:
            client.close()
        assert sum(results) == 12, results
        counts(api, 0, 12)
    finally:
        platform.stop("health-2")


def test_this_months_plan_is_done_when_the_resident_was_visited(gateway_url, platform):
    api = staff(gateway_url)
    _, _, household = hierarchy(api)
    resident = api.created("/v1/residents", {"household_id": household["id"], "name": "孙奶奶",
                                              "birth_date": "1955-10-28",
                                              "tags": ["mobility_impaired"]})
    visit = api.created("/v1/visits", {"resident_id": resident["id"],
                                       "scheduled_for": "2026-12-01T09:00:00+08:00"})
    api.post(f"/v1/visits/{visit['id']}/complete", COMPLETION)
    wait_until(lambda: summary(api)["visits_completed"] == 1)
    # whoever makes this month's plan (this sweep or a replica's timer), it is done
    wait_until(lambda: run_sweep(platform, local_today(), api.tenant) is not None and [
        f for f in items(api, "kind=monthly_plan") if f["status"] == "done"],
        what="this month's plan, done")
    [plan] = items(api, "kind=monthly_plan")
    assert plan["done_by_visit_id"] == visit["id"]
    counts(api, 0, 0)


def test_a_completion_delivered_again_and_late_closes_and_makes_follow_ups_once(gateway_url,
                                                                                 platform):
    """Health's follow-up handler keeps no record of the events it handled (ADR 0014
    addendum): the same completion three times more, after a later visit closed its follow-up
    and a sweep turned the later one due, closes nothing more and makes nothing twice."""
    api = staff(gateway_url)
    resident = new_resident(api, "周爷爷", "1943-02-14")
    first = completed_with_follow_up(api, resident["id"], 3)
    wait_until(lambda: items(api, "status=pending"), what="the first follow-up")
    assert run_sweep(platform, local_today() + timedelta(days=3), api.tenant)["moved"] == 1
    counts(api, 1, 0)
    second = completed_with_follow_up(api, resident["id"], 5)
    [done] = wait_until(lambda: items(api, "status=done"), what="the first follow-up done")
    assert done["done_by_visit_id"] == second["id"]
    counts(api, 0, 0)
    # the second visit's follow-up turns due: the first visit's event, come again, must not
    # take it for one it fulfils (it was made after, for a day after)
    assert run_sweep(platform, local_today() + timedelta(days=5), api.tenant)["moved"] == 1
    counts(api, 1, 0)
    visit = api.get(f"/v1/visits/{first['id']}").json()
    event = new_event("health.visit_completed", {
        "visit_id": first["id"], "resident_id": resident["id"],
        "community_id": resident["community_id"], "completed_at": visit["completed_at"],
        "medicine_packages": 1, "recorded_by": "platform", "follow_up_in_days": 3,
        "medicines_dispensed": COMPLETION["medicines_dispensed"]})
    envelope = {**event, "tenant": api.tenant, "correlation_id": "again",
                "actor": {"id": "doctor-1", "roles": ["medical_staff"]}}
    before = handled(platform)
    publish_event(platform.env["GONGZHI_AMQP_URI"], envelope, times=3)
    wait_until(lambda: handled(platform) >= before + 3, what="three more deliveries handled")
    rows = {f["id"]: f for f in items(api, "resident_id=" + resident["id"])}
    assert {(f["kind"], f["status"], f.get("done_by_visit_id")) for f in rows.values()} == {
        ("visit", "done", second["id"]), ("visit", "due", None)}
    counts(api, 1, 0)
    client = pymongo.MongoClient(platform.env["GONGZHI_MONGO_URI"])
    try:
        processed = client[f"{platform.env['GONGZHI_DB_PREFIX']}_health"]["_processed"]
        assert processed.count_documents({"tenant": api.tenant,
                                          "consumer": "health.on_visit_completed"}) == 0
    finally:
        client.close()


def handled(platform):
    """Deliveries health's visit_completed handler finished, from its /metrics endpoint."""
    text = requests.get(platform.urls["health"] + "/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("gongzhi_events_handled_total{")
               and 'consumer="health.on_visit_completed"' in line)
