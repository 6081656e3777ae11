"""PIPL's sensitive data at rest, on the whole platform: after a resident is registered, a
visit completed, a referral sent, and the hospital's discharges, visits and one bad message
were handled (one matched, one parked for review, one dead-lettered), neither the raw store
(every database, every collection) nor any queue of the broker holds an ID number, a phone or
a symptom in clear. The referral's clinical reason travels only where the hospital's contract
needs it (its inbox), and is sealed in the store."""
import io
import json
import subprocess
import uuid
from urllib.parse import unquote, urlparse

import pymongo
import pytest
from kombu import Connection

from chassis import deadletters, dlq
from chassis.catalog import find_consumer
from integrations.hospital import demo_patients, simulator
from tests.hospital import own_inbox
from tests.infra import wait_until
from tests.platform import new_resident, staff

pytestmark = pytest.mark.integration
DLQ_CONSUMER = "health.on_patient_discharged"


def everything_in_the_store(platform):
    client = pymongo.MongoClient(platform.env["GONGZHI_MONGO_URI"])
    prefix = platform.env["GONGZHI_DB_PREFIX"] + "_"
    try:
        return "\n".join(
            json.dumps(document, ensure_ascii=False, default=str)
            for name in client.list_database_names() if name.startswith(prefix)
            for collection in client[name].list_collection_names()
            for document in client[name][collection].find({}))
    finally:
        client.close()


def everything_in_the_broker(platform):
    """{queue: [message bodies and headers]} of every queue in the platform's vhost, read
    without taking anything (unacknowledged, given back when the channel closes)."""
    uri = platform.env["GONGZHI_AMQP_URI"]
    vhost = unquote(urlparse(uri).path[1:]) or "/"
    listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    names = [line.strip() for line in listing.splitlines()[1:] if line.strip()]
    found = {}
    with Connection(uri) as connection:
        channel = connection.channel()
        try:
            for name in names:
                bodies = found.setdefault(name, [])
                while (message := channel.basic_get(name, no_ack=False)) is not None:
                    body = message.body
                    bodies.append(body.decode("utf-8", "replace") if isinstance(body, bytes)
                                  else str(body))
                    bodies.append(json.dumps(message.headers or {}, ensure_ascii=False,
                                             default=str))
        finally:
            channel.close()
    return found


def test_no_clear_id_number_phone_or_symptom_in_the_store_or_the_queues(
        gateway_url, hospital, platform):
    api = staff(gateway_url)
    tag = uuid.uuid4().hex[:6]
    number = demo_patients.id_number("1941-09-03", 7, False)
    stranger = demo_patients.id_number("1938-02-02", 8, True)  # registered nowhere
    phone = "139" + str(uuid.uuid4().int)[:8]
    symptom, hospital_symptom, reason = f"胸闷气短{tag}", f"夜间咳嗽{tag}", f"疑似心衰{tag}"
    resident = new_resident(api, "王奶奶", "1941-09-03", id_number=number, phone=phone)
    partner_phone = "137" + str(uuid.uuid4().int)[:8]
    partner = api.created("/v1/partners", {"name": f"养老院{tag}", "kind": "elderly_care_home",
                                           "contact_name": "张院长", "contact_phone": partner_phone})
    assert partner["contact_phone"] != partner_phone  # answered masked

    visit = api.created("/v1/visits", {"resident_id": resident["id"],
                                       "scheduled_for": "2026-11-20T09:00:00+08:00"})
    completion = {"symptoms": [symptom], "history": f"高血压{tag}",
                  "medication": [f"硝苯地平{tag}"], "checks": {"blood_pressure": "135/85"},
                  "medicines_dispensed": [{"name": "钙片", "quantity": 1}]}
    for _ in range(2):  # with an Idempotency-Key: the gateway keeps the answer for a retry
        done = api.post(f"/v1/visits/{visit['id']}/complete", completion,
                        headers={"Idempotency-Key": f"complete-{tag}"})
        assert done.status_code == 200 and done.json()["symptoms"] == [symptom]
    client = hospital(api.tenant)
    inbox = own_inbox(client)
    referral = api.created("/v1/referrals", {"visit_id": visit["id"], "department": "心内科",
                                             "urgency": "routine", "reason": reason})
    assert referral["reason"] == reason  # medical staff read it back, opened

    simulator.discharge(client, "TH-P-1", number, "王奶奶", "心内科",
                        at="2026-11-28T10:30:00+08:00")
    simulator.record_visit(client, "TH-P-2", stranger, "无名氏", symptoms=[hospital_symptom])
    client.publish_raw(client.envelope("hospital.patient_discharged", {
        "patient_id": "TH-P-3", "id_number": stranger, "discharged_at": "yesterday"}),
        "patient_discharged")

    wait_until(lambda: len(api.get(f"/v1/visits?resident_id={resident['id']}").json()[
        "items"]) == 2, what="the discharge matched by ID number")
    wait_until(lambda: api.get("/v1/patient-reviews?patient_id=TH-P-2").json()["items"],
               what="the unknown patient parked for review")
    consumer = find_consumer(DLQ_CONSUMER)
    uri = platform.env["GONGZHI_AMQP_URI"]
    wait_until(lambda: [letter for letter in deadletters.list_letters(uri, consumer)
                        if letter.summary()["tenant"] == api.tenant], what="the dead letter")

    store = everything_in_the_store(platform)
    assert api.tenant in store and "王奶奶" in store  # the scan did see this tenant's data
    for secret in (number, stranger, phone, partner_phone, symptom, hospital_symptom, reason,
                   f"高血压{tag}"):
        assert secret not in store, f"{secret} lies in the store in clear"

    queues = everything_in_the_broker(platform)
    assert any(name.endswith(".dlq") and bodies for name, bodies in queues.items())
    for name, bodies in queues.items():
        text = "\n".join(bodies)
        for secret in (number, stranger, phone, symptom, hospital_symptom):
            assert secret not in text, f"{secret} waits in queue {name} in clear"
        if name != inbox:  # the one place the hospital's contract needs the reason
            assert reason not in text, f"the referral reason waits in {name} in clear"


def test_a_sealed_dead_letter_shows_masked_and_replays_to_its_original_body(
        gateway_url, hospital, platform):
    api = staff(gateway_url)
    client = hospital(api.tenant)
    stranger = demo_patients.id_number("1937-03-03", 9, True)
    bad = client.envelope("hospital.patient_discharged", {
        "patient_id": "TH-DLQ-1", "id_number": stranger, "discharged_at": "yesterday"})
    client.publish_raw(bad, "patient_discharged")
    uri = platform.env["GONGZHI_AMQP_URI"]
    consumer = find_consumer(DLQ_CONSUMER)
    wait_until(lambda: any(letter.key == bad["event_id"]
                           for letter in deadletters.list_letters(uri, consumer)),
               what="the dead letter")
    [letter] = [x for x in deadletters.list_letters(uri, consumer) if x.key == bad["event_id"]]
    assert stranger not in letter.body.decode() and letter.sealed
    assert letter.summary()["type"] == "hospital.patient_discharged"

    out = io.StringIO()
    assert dlq.main(["--amqp-uri", uri, "show", DLQ_CONSUMER, bad["event_id"]], out=out) == 0
    shown = json.loads(out.getvalue())
    assert stranger not in out.getvalue()
    assert shown["envelope"]["data"]["id_number"] == stranger[:6] + "********" + stranger[-4:]
    assert json.loads(letter.original()[0]) == bad  # the original body, byte for byte JSON

    deadletters.replay(uri, consumer, bad["event_id"])  # still bad: parked again, sealed again
    wait_until(lambda: [x for x in deadletters.list_letters(uri, consumer)
                        if x.key == bad["event_id"] and x.headers.get(
                            deadletters.REPLAYED_HEADER)], what="parked again after replay")
