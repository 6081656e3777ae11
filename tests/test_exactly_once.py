"""Each event changes the resident and the metrics once, however often it is delivered, and
concurrent completions are all counted."""
import eventlet
import pytest
from kombu import Connection, Exchange

from contracts import new_event
from tests.infra import publish_event, wait_until
from tests.platform import hierarchy, new_resident, staff

pytestmark = pytest.mark.integration


def resident_health(api, resident_id):
    return api.get(f"/v1/residents/{resident_id}").json()["health"]


def test_the_same_visit_completed_event_three_times_counts_once(platform, gateway_url):
    api = staff(gateway_url)
    resident = new_resident(api, "李大爷", "1946-03-02")
    wait_until(lambda: api.get("/v1/metrics/summary").json()["residents_registered"] == 1)
    event = new_event("health.visit_completed", {
        "visit_id": "visit-from-elsewhere", "resident_id": resident["id"],
        "community_id": resident["community_id"], "completed_at": "2026-11-20T01:00:00.000+00:00",
        "medicine_packages": 3, "recorded_by": "platform",
        "medicines_dispensed": [{"name": "降压药", "quantity": 2}, {"name": "钙片", "quantity": 1}]})
    envelope = {**event, "tenant": api.tenant, "correlation_id": "dup-test",
                "actor": {"id": "doctor-1", "roles": ["medical_staff"]}}
    publish_event(platform.env["GONGZHI_AMQP_URI"], envelope, times=3)
    wait_until(lambda: resident_health(api, resident["id"])["visits_completed"] == 1)
    wait_until(lambda: api.get("/v1/metrics/summary").json()["visits_completed"] == 1)
    # give the two duplicates every chance to be (wrongly) applied: wait until the handled
    # counters on both consumers have seen all three deliveries
    wait_until(lambda: _handled(platform, "residents", "on_visit_completed") >= 3)
    wait_until(lambda: _handled(platform, "metrics", "on_visit_completed") >= 3)
    assert resident_health(api, resident["id"])["visits_completed"] == 1
    assert resident_health(api, resident["id"])["medicine_packages"] == 3
    figures = api.get("/v1/metrics/summary").json()
    assert figures["visits_completed"] == 1 and figures["medicine_packages"] == 3


def test_an_event_id_reused_by_another_tenant_is_not_taken_for_a_duplicate(platform,
                                                                           gateway_url):
    """The record of handled events is per tenant: one subdistrict's event cannot suppress
    another's (an outside publisher may reuse ids). The second tenant's copy is sent only
    after the first was applied, so it meets the first one's record."""
    event_id = None
    for api in (staff(gateway_url), staff(gateway_url)):
        resident = new_resident(api, "赵大爷", "1945-05-05")
        data = {"visit_id": f"visit-{api.tenant}", "resident_id": resident["id"],
                "community_id": resident["community_id"],
                "completed_at": "2026-11-21T01:00:00.000+00:00", "medicine_packages": 1,
                "recorded_by": "platform", "medicines_dispensed": [{"name": "钙片", "quantity": 1}]}
        event = new_event("health.visit_completed", data)
        event_id = event_id or event["event_id"]
        with Connection(platform.env["GONGZHI_AMQP_URI"]) as connection:
            connection.Producer().publish(
                {**event, "event_id": event_id, "tenant": api.tenant,
                 "correlation_id": "reuse-test",
                 "actor": {"id": "doctor-1", "roles": ["medical_staff"]}},
                exchange=Exchange("health.events", type="topic", durable=True),
                routing_key="visit_completed", retry=True)
        wait_until(lambda: resident_health(api, resident["id"])["visits_completed"] == 1)
        wait_until(lambda: api.get("/v1/metrics/summary").json()["visits_completed"] == 1)


def _handled(platform, service, method):
    """Deliveries a consumer finished (applied + duplicate), from its /metrics endpoint."""
    import requests

    text = requests.get(platform.urls[service] + "/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if (line.startswith("gongzhi_events_handled_total{")
                and f'consumer="{service}.{method}"' in line
                and ('outcome="applied"' in line or 'outcome="duplicate"' in line)):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_fifty_visits_completed_concurrently_are_all_counted(gateway_url):
    api = staff(gateway_url)
    resident = new_resident(api, "王奶奶", "1941-09-03")
    visits = [api.created("/v1/visits", {"resident_id": resident["id"],
                                         "scheduled_for": "2026-12-01T09:00:00+08:00"})
              for _ in range(50)]

    def complete(visit):
        return api.post(f"/v1/visits/{visit['id']}/complete", {
            "symptoms": ["乏力"], "medicines_dispensed": [{"name": "维生素", "quantity": 1}]}
        ).status_code

    pool = eventlet.GreenPool(25)
    assert list(pool.imap(complete, visits)) == [200] * 50
    health = wait_until(
        lambda: (lambda h: h if h["visits_completed"] == 50 else None)(
            resident_health(api, resident["id"])), timeout=20, what="50 visits counted")
    assert health["medicine_packages"] == 50
    figures = wait_until(lambda: (lambda s: s if s["visits_completed"] == 50 else None)(
        api.get("/v1/metrics/summary").json()), timeout=20, what="50 visits in metrics")
    assert figures["residents_served"] == 1 and figures["medicine_packages"] == 50


def test_rebuilt_metrics_equal_the_live_ones(gateway_url):
    api = staff(gateway_url)
    admin = type(api)(gateway_url, api.tenant, ["subdistrict_admin", "community_staff"])
    _, _, household = hierarchy(api)
    people = [api.created("/v1/residents", {"household_id": household["id"], "name": name,
                                            "birth_date": born})
              for name, born in [("李大爷", "1938-04-12"), ("韩阿姨", "1972-10-10")]]
    for person in people:
        visit = api.created("/v1/visits", {"resident_id": person["id"],
                                           "scheduled_for": "2026-12-01T09:00:00+08:00"})
        api.post(f"/v1/visits/{visit['id']}/complete", {
            "symptoms": ["咳嗽"], "medicines_dispensed": [{"name": "止咳糖浆", "quantity": 2}]})
    live = wait_until(lambda: (lambda s: s if s["visits_completed"] == 2 else None)(
        api.get("/v1/metrics/summary").json()), what="live metrics")
    rebuilt = admin.post("/v1/metrics/rebuild")
    assert rebuilt.status_code == 200, rebuilt.text
    counts = rebuilt.json()  # other areas add their own counts beside these
    assert {key: counts[key] for key in ("residents", "visits", "follow_ups")} == {
        "residents": 2, "visits": 2, "follow_ups": 0}
    after = api.get("/v1/metrics/summary").json()
    live.pop("as_of"), after.pop("as_of")
    assert after == live
    assert live["elderly_registered"] == 1 and live["medicine_packages"] == 4
