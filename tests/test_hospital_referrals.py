"""Referral round trip through the hospital simulator over the real broker: a visit refers,
health publishes health.referral_requested, the hospital answers, and the referral's status
and the resident's timeline follow."""
import pytest

from integrations.hospital import simulator
from tests.hospital import own_inbox
from tests.infra import wait_until
from tests.platform import Api, new_resident, staff

pytestmark = pytest.mark.integration

COMPLETION = {"symptoms": ["腿部外伤"], "medicines_dispensed": [{"name": "活血止痛膏", "quantity": 1}]}


def referred(api, resident, department, reason="腿伤愈合缓慢"):
    visit = api.created("/v1/visits", {"resident_id": resident["id"],
                                       "scheduled_for": "2026-12-01T09:00:00+08:00"})
    assert api.post(f"/v1/visits/{visit['id']}/complete", COMPLETION).status_code == 200
    referral = api.created("/v1/referrals", {"visit_id": visit["id"], "department": department,
                                             "urgency": "routine", "reason": reason})
    assert referral["status"] == "requested" and referral["reason"] == reason
    return referral


def status_of(api, referral_id, wanted):
    return wait_until(lambda: (lambda r: r if r["status"] == wanted else None)(
        api.get(f"/v1/referrals/{referral_id}").json()), what=f"referral {wanted}")


def test_a_referral_is_accepted_and_another_declined(gateway_url, hospital):
    api = staff(gateway_url)
    resident = new_resident(api, "李大爷", "1938-04-12")
    client = hospital(api.tenant)
    inbox = own_inbox(client)

    first = referred(api, resident, "骨科")
    answered = simulator.accept_referrals(client, queue=inbox, count=1, timeout=15)
    assert [a["data"]["referral_id"] for a in answered] == [first["id"]]
    accepted = status_of(api, first["id"], "accepted")
    assert accepted["patient_id"] == simulator.patient_id_for(resident["id"])
    assert accepted["appointment_at"] and accepted["hospital_note"] == "请携带既往病历"

    second = referred(api, resident, "心内科", reason="胸闷待查")
    simulator.accept_referrals(client, decline=True, queue=inbox, count=1, timeout=15)
    declined = status_of(api, second["id"], "declined")
    assert declined["decline_reason"] == "该科室暂无床位，请转至其他院区"

    kinds = wait_until(lambda: (lambda k: k if "referral_declined" in k else None)(
        [e["kind"] for e in api.get(f"/v1/residents/{resident['id']}/timeline").json()["items"]]),
        what="the timeline")
    assert {"referral_requested", "referral_accepted", "referral_declined"} <= set(kinds)
    timeline = api.get(f"/v1/residents/{resident['id']}/timeline").json()["items"]
    assert any(e["summary"].startswith("医院已接收转诊（骨科）") for e in timeline)
    assert "胸闷待查" not in str(timeline)  # the clinical reason stays in health

    # the acceptance linked the hospital's patient: the second request already carried it
    assert declined["patient_id"] == accepted["patient_id"]
    grid = Api(gateway_url, api.tenant, ["grid_worker"])
    seen = grid.get(f"/v1/referrals?resident_id={resident['id']}").json()["items"]
    assert len(seen) == 2 and all("reason" not in r for r in seen)  # no clinical detail


def test_an_answer_is_applied_once_and_a_contradiction_is_refused(gateway_url, hospital):
    api = staff(gateway_url)
    resident = new_resident(api, "王奶奶", "1941-09-03")
    client = hospital(api.tenant)
    inbox = own_inbox(client)
    referral = referred(api, resident, "眼科", reason="视物模糊")
    [request] = [envelope for envelope in _requests(client, inbox, 1)]
    for _ in range(2):  # the hospital sends its answer twice
        client.publish("hospital.referral_accepted", {
            "referral_id": referral["id"], "patient_id": "TH-EYE-1",
            "accepted_at": "2026-11-29T10:00:00+08:00"})
    status_of(api, referral["id"], "accepted")
    timeline = wait_until(lambda: (lambda t: t if any(
        e["kind"] == "referral_accepted" for e in t) else None)(
        api.get(f"/v1/residents/{resident['id']}/timeline").json()["items"]))
    assert [e["kind"] for e in timeline].count("referral_accepted") == 1
    assert request["data"]["patient"]["name"] == "王奶奶"


def _requests(client, inbox, count):
    seen = []
    client.consume(seen.append, queue=inbox, until=lambda: len(seen) >= count, timeout=15)
    return seen
