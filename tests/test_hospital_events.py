"""The hospital's own events, played by the simulator over the real broker: discharges,
hospital-recorded visits, unmatched patients, and messages health must refuse."""

import pytest
import requests

from integrations.hospital import demo_patients, simulator
from services.health.tests import fhir_valid
from tests.hospital import dead_letters
from tests.infra import wait_until
from tests.platform import Api, staff
from tests.test_exactly_once import _handled

pytestmark = pytest.mark.integration

BORN = "1941-09-03"


def registered(api, name="王奶奶", born=BORN, sequence=1, grid="第3网格"):
    community = api.created("/v1/communities", {"name": "凯旋社区"})
    compound = api.created("/v1/compounds", {"community_id": community["id"], "name": "永光新村"})
    household = api.created("/v1/households", {"compound_id": compound["id"],
                                                "address": "永光新村1栋2单元302", "grid": grid})
    number = demo_patients.id_number(born, sequence, False)
    resident = api.created("/v1/residents", {
        "household_id": household["id"], "name": name, "birth_date": born, "id_number": number,
        "phone": "13912345678", "tags": ["lives_alone"]})
    return resident, number


def follow_ups(api, query):
    return api.get(f"/v1/follow-ups?{query}").json()["items"]


def test_a_discharge_schedules_a_home_follow_up_the_grid_worker_sees(gateway_url, hospital):
    api = staff(gateway_url)
    resident, number = registered(api)
    client = hospital(api.tenant)
    discharged_at = "2026-11-28T10:30:00+08:00"
    for _ in range(2):  # the hospital sends the same discharge twice, under two event ids
        simulator.discharge(client, "TH-1001", number, "王奶奶", "心内科", at=discharged_at)

    grid = Api(gateway_url, api.tenant, ["grid_worker"])
    [follow_up] = wait_until(lambda: follow_ups(grid, "grid=第3网格&kind=discharge"),
                             what="the discharge follow-up")
    assert follow_up["resident_id"] == resident["id"] and follow_up["department"] == "心内科"
    assert follow_up["due_on"] == "2026-11-29" and follow_up["overdue_after"] == "2026-12-01"
    assert follow_ups(grid, "grid=第9网格") == []
    visit = api.get(f"/v1/visits/{follow_up['visit_id']}").json()
    assert visit["status"] == "scheduled" and visit["resident_id"] == resident["id"]
    assert visit["scheduled_for"] == "2026-11-29T01:00:00.000+00:00"  # next day, 09:00 local
    assert visit["reason"] == "出院随访（心内科）"
    wait_until(lambda: "home_visit_scheduled" in [
        e["kind"] for e in api.get(f"/v1/residents/{resident['id']}/timeline").json()["items"]])
    simulator.discharge(client, "TH-1001", None, None, "心内科", at="2026-11-30T10:00:00+08:00")
    wait_until(lambda: len(follow_ups(grid, "kind=discharge")) == 2,
               what="a later discharge, matched by the patient id alone")
    assert len(api.get(f"/v1/visits?resident_id={resident['id']}").json()["items"]) == 2


def test_a_hospital_recorded_visit_counts_once_everywhere(gateway_url, hospital, platform):
    api = staff(gateway_url)
    resident, number = registered(api, "郑爷爷", "1943-12-24", 22)
    client = hospital(api.tenant)
    for _ in range(2):  # sent twice: the hospital's visit id makes it one visit
        simulator.record_visit(client, "TH-2002", number, "郑爷爷", symptoms=["血压偏高"],
                               checks={"systolic_mmhg": 150, "diastolic_mmhg": 92,
                                       "glucose_mmol_l": 6.8, "notes": "建议低盐饮食"},
                               medicines=[{"name": "降压药", "quantity": 2}],
                               visit_id="TH-HV-77", at="2026-11-28T15:00:00+08:00")
    health = wait_until(lambda: (lambda h: h if h["visits_completed"] else None)(
        api.get(f"/v1/residents/{resident['id']}").json()["health"]), what="the resident")
    figures = wait_until(lambda: (lambda s: s if s["visits_completed"] else None)(
        api.get("/v1/metrics/summary").json()), what="the metrics")
    [visit] = api.get(f"/v1/visits?resident_id={resident['id']}").json()["items"]
    assert visit["recorded_by"] == "hospital" and visit["symptoms"] == ["血压偏高"]
    assert visit["completed_at"] == "2026-11-28T07:00:00.000+00:00"
    timeline = api.get(f"/v1/residents/{resident['id']}/timeline").json()["items"]
    assert timeline[0]["summary"].startswith("医院上门医疗服务完成")
    # a third copy, by patient id alone: wait until health has handled it, then nothing moved
    handled = _handled(platform, "health", "on_hospital_visit_completed")
    simulator.record_visit(client, "TH-2002", None, None, visit_id="TH-HV-77",
                           medicines=[{"name": "降压药", "quantity": 2}])
    wait_until(lambda: _handled(platform, "health", "on_hospital_visit_completed") > handled,
               what="the third copy handled")
    assert api.get(f"/v1/residents/{resident['id']}").json()["health"] == health
    assert health["visits_completed"] == 1 and health["medicine_packages"] == 2
    figures = api.get("/v1/metrics/summary").json()
    assert figures["visits_completed"] == 1 and figures["medicine_packages"] == 2
    assert figures["elderly_served"] == 1

    bundle = api.get(f"/v1/visits/{visit['id']}/fhir").json()
    assert fhir_valid.problems(bundle) == []
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[0] == "Encounter" and kinds.count("MedicationDispense") == 1
    assert bundle["entry"][0]["resource"]["class"]["code"] == "HH"
    hospital_token = Api(gateway_url, api.tenant, ["hospital"])
    assert hospital_token.get(f"/v1/visits/{visit['id']}/fhir").status_code == 200
    other = Api(gateway_url, api.tenant, ["resident"], sub="someone-else")
    assert other.get(f"/v1/visits/{visit['id']}/fhir").status_code == 404
    grid = Api(gateway_url, api.tenant, ["grid_worker"])
    assert grid.get(f"/v1/visits/{visit['id']}/fhir").status_code == 403


def test_an_unmatched_patient_waits_for_review_then_is_resolved(gateway_url, hospital):
    api = staff(gateway_url)
    resident, _ = registered(api, "钱奶奶", "1940-02-11", 5)
    client = hospital(api.tenant)
    unknown = demo_patients.id_number("1940-02-11", 77, False)  # not the registered number
    simulator.discharge(client, "TH-3003", unknown, "钱奶奶", "骨科",
                        at="2026-11-27T09:00:00+08:00")
    simulator.record_visit(client, "TH-3003", None, "钱奶奶", visit_id="TH-HV-3003",
                           medicines=[{"name": "钙片", "quantity": 1}],
                           at="2026-11-28T09:00:00+08:00")
    reviews = wait_until(lambda: (lambda items: items if len(items) == 2 else None)(
        api.get("/v1/patient-reviews").json()["items"]), what="two parked events")
    text = api.get("/v1/patient-reviews").text
    assert unknown not in text and unknown[:6] + "********" + unknown[-4:] in text
    assert {r["reason"] for r in reviews} == {"no single resident has this ID number",
                                              "unknown patient id and no ID number to match"}
    assert follow_ups(api, "kind=discharge") == []
    assert api.get(f"/v1/residents/{resident['id']}").json()["health"]["visits_completed"] == 0

    bad = api.post(f"/v1/patient-reviews/{reviews[0]['id']}/resolve", {"resident_id": "nobody"})
    assert bad.status_code == 404
    assert api.post(f"/v1/patient-reviews/{reviews[0]['id']}/resolve", {}).status_code == 422
    resolved = api.post(f"/v1/patient-reviews/{reviews[0]['id']}/resolve",
                        {"resident_id": resident["id"]})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved" and resolved.json()["applied"]
    again = api.post(f"/v1/patient-reviews/{reviews[0]['id']}/resolve",
                     {"resident_id": resident["id"]})
    assert again.status_code == 409
    # both parked events of that patient were applied; the list is empty
    assert api.get("/v1/patient-reviews").json()["items"] == []
    assert len(api.get("/v1/patient-reviews?status=resolved").json()["items"]) == 2
    wait_until(lambda: follow_ups(api, "kind=discharge"), what="the discharge applied")
    wait_until(lambda: api.get(f"/v1/residents/{resident['id']}").json()["health"][
        "visits_completed"] == 1, what="the visit applied")
    # from now on the hospital's patient id alone finds her
    simulator.record_visit(client, "TH-3003", None, None, visit_id="TH-HV-3004")
    wait_until(lambda: api.get(f"/v1/residents/{resident['id']}").json()["health"][
        "visits_completed"] == 2, what="a linked patient's next visit")


DLQ = "evt-hospital-home_visit_completed--health.on_hospital_visit_completed.dlq"


def test_malformed_or_unknown_events_are_dead_lettered_with_a_reason(gateway_url, hospital,
                                                                     platform):
    api = staff(gateway_url)
    resident, number = registered(api, "赵爷爷", "1950-07-19", 6)
    client = hospital(api.tenant)
    good = {"patient_id": "TH-4004", "id_number": number, "hospital_visit_id": "TH-HV-4004",
            "completed_at": "2026-11-28T09:00:00+08:00", "symptoms": ["乏力"],
            "medicines_dispensed": []}
    client.publish_raw(b"{not json", "home_visit_completed", message_id="bad-json")
    client.publish_raw(client.envelope("hospital.home_visit_completed", good, version=2),
                       "home_visit_completed", message_id="bad-version")
    client.publish_raw(client.envelope("hospital.home_visit_completed",
                                       {**good, "symptoms": "乏力", "resident_id": "x"}),
                       "home_visit_completed", message_id="bad-shape")
    client.publish_raw(client.envelope("hospital.home_visit_completed",
                                       {**good, "medicines_dispensed": [
                                           {"name": "降压药", "quantity": 1000}]}),
                       "home_visit_completed", message_id="bad-quantity")
    parked = {}
    wait_until(lambda: parked.update({h.get("x-gongzhi-error", "")[:200]: b for h, b in
                                      dead_letters(platform, DLQ)}) or len(parked) >= 4,
               what="four dead letters")
    reasons = " | ".join(parked)
    assert "undecodable" in reasons or "not a JSON object" in reasons
    assert "unknown event hospital.home_visit_completed version 2" in reasons
    assert "invalid hospital.home_visit_completed v1 data" in reasons
    # health is alive and applies the next good event; nothing reached the resident before
    assert requests.get(platform.urls["health"] + "/health/ready", timeout=5).status_code == 200
    assert api.get(f"/v1/residents/{resident['id']}").json()["health"]["visits_completed"] == 0
    client.publish("hospital.home_visit_completed", good)
    wait_until(lambda: api.get(f"/v1/residents/{resident['id']}").json()["health"][
        "visits_completed"] == 1, what="the good event after the bad ones")
    # metrics consumes the same event on its own queue: it follows, not in step with residents
    wait_until(lambda: api.get("/v1/metrics/summary").json()["visits_completed"] == 1,
               what="the metrics following the good event")


def test_an_answer_to_an_unknown_referral_is_dead_lettered_at_once(gateway_url, hospital,
                                                                  platform):
    api = staff(gateway_url)
    client = hospital(api.tenant)
    client.publish("hospital.referral_declined", {"referral_id": "no-such-referral",
                                                  "declined_at": "2026-11-28T09:00:00+08:00",
                                                  "reason": "无此转诊"})
    queue = "evt-hospital-referral_declined--health.on_referral_declined.dlq"
    [(headers, _)] = wait_until(lambda: dead_letters(platform, queue), timeout=15,
                                what="the dead letter")
    assert "rejected: no referral no-such-referral" in headers["x-gongzhi-error"]
    assert headers["x-gongzhi-attempt"] == 1  # the handler said no retry can help


def test_no_log_line_holds_an_unmasked_id_number(gateway_url, hospital, platform):
    api = staff(gateway_url)
    client = hospital(api.tenant)
    number = demo_patients.id_number("1939-01-01", 99, True)  # registered nowhere
    simulator.discharge(client, "TH-LOG-1", number, "无名氏", at="2026-11-28T09:00:00+08:00")
    client.publish_raw(client.envelope("hospital.patient_discharged", {
        "patient_id": "TH-LOG-2", "id_number": number, "discharged_at": "yesterday"}),
        "patient_discharged")
    wait_until(lambda: api.get("/v1/patient-reviews").json()["items"], what="the review")
    wait_until(lambda: dead_letters(platform, "evt-hospital-patient_discharged--"
                                              "health.on_patient_discharged.dlq"),
               what="the dead letter")
    logs = "".join(path.read_text(encoding="utf-8", errors="replace")
                   for path in platform.log_dir.glob("*.log"))
    assert "parked for review" in logs  # the services did log about these events
    assert number not in logs
