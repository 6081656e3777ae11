"""The report's flow end to end: a medical team visits 李大爷 at home, records what it found and
the medicine it handed out; his record and the community's figures follow by themselves."""
from datetime import date

import pytest

from tests.infra import wait_until
from tests.platform import hierarchy, staff

pytestmark = pytest.mark.integration

MEDICINES = [{"name": "降压药", "quantity": 2}, {"name": "钙片", "quantity": 1}]


def eighty_years_ago():
    today = date.today()
    return today.replace(year=today.year - 80, day=min(today.day, 28)).isoformat()


def visit_and_complete(api, resident_id):
    visit = api.created("/v1/visits", {"resident_id": resident_id,
                                       "scheduled_for": "2026-12-01T09:00:00+08:00",
                                       "reason": "腿伤，行动不便"})
    assert visit["status"] == "scheduled"
    done = api.post(f"/v1/visits/{visit['id']}/complete", {
        "symptoms": ["腿部外伤"], "history": "高血压十年", "medication": ["硝苯地平"],
        "checks": {"blood_pressure": "135/85", "glucose_mmol_l": 6.1},
        "medicines_dispensed": MEDICINES})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    return done.json()


def summary(api):
    response = api.get("/v1/metrics/summary")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_completed_home_visit_reaches_the_resident_and_the_metrics(gateway_url):
    api = staff(gateway_url)
    before = summary(api)
    community, compound, household = hierarchy(api)
    resident = api.created("/v1/residents", {
        "household_id": household["id"], "name": "李大爷", "birth_date": eighty_years_ago(),
        "phone": "13812345678", "tags": ["mobility_impaired"]})
    assert resident["name"] == "李大爷" and resident["age"] == 80
    assert "elderly" in resident["tags"] and resident["phone"] == "138****5678"

    visit = visit_and_complete(api, resident["id"])
    assert visit["medicines_dispensed"] == MEDICINES and visit["symptoms"] == ["腿部外伤"]

    health = wait_until(
        lambda: (lambda h: h if h["visits_completed"] == 1 else None)(
            api.get(f"/v1/residents/{resident['id']}").json()["health"]),
        timeout=10, what="the resident's health summary")
    assert health["medicine_packages"] == 3 and health["last_visit_at"] == visit["completed_at"]

    after = wait_until(lambda: (lambda s: s if s["visits_completed"] == 1 else None)(summary(api)),
                       timeout=10, what="the metrics summary")
    assert before["visits_completed"] == 0
    assert after["residents_registered"] == 1 and after["elderly_registered"] == 1
    assert after["residents_served"] == 1 and after["medicine_packages"] == 3
    in_community = api.get(f"/v1/metrics/summary?community_id={community['id']}").json()
    assert in_community["medicine_packages"] == 3
    elsewhere = api.get("/v1/metrics/summary?community_id=another").json()
    assert elsewhere["visits_completed"] == 0

    timeline = api.get(f"/v1/residents/{resident['id']}/timeline").json()["items"]
    assert [e["kind"] for e in timeline][:1] == ["home_visit_completed"]
    assert "腿部外伤" not in str(timeline)  # no clinical detail outside the health service


def test_a_second_subdistrict_sees_none_of_it(gateway_url):
    first, second = staff(gateway_url), staff(gateway_url)
    _, _, household = hierarchy(first)
    resident = first.created("/v1/residents", {"household_id": household["id"], "name": "李大爷",
                                               "birth_date": eighty_years_ago()})
    visit = visit_and_complete(first, resident["id"])
    wait_until(lambda: summary(first)["visits_completed"] == 1, what="first tenant's metrics")

    _, _, other_household = hierarchy(second)
    mine = second.created("/v1/residents", {"household_id": other_household["id"],
                                            "name": "王奶奶", "birth_date": "1945-05-05"})
    visit_and_complete(second, mine["id"])
    wait_until(lambda: summary(second)["visits_completed"] == 1, what="second tenant's metrics")

    for path in (f"/v1/residents/{resident['id']}", f"/v1/visits/{visit['id']}",
                 f"/v1/residents/{resident['id']}/timeline"):
        response = second.get(path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert second.post(f"/v1/visits/{visit['id']}/cancel", {}).status_code == 404
    assert second.post("/v1/visits", {"resident_id": resident["id"],
                                      "scheduled_for": "2026-12-01T09:00:00+08:00"}).status_code == 404
    names = [r["name"] for r in second.get("/v1/residents").json()["items"]]
    assert names == ["王奶奶"]
    assert summary(second)["medicine_packages"] == 3 and summary(first)["medicine_packages"] == 3
    assert first.get(f"/v1/residents/{resident['id']}").json()["health"]["visits_completed"] == 1
