"""The hospital's package without a broker: envelopes the platform accepts, CLI parsing."""
from contracts import parse_envelope
from integrations.hospital import demo_patients, simulator
from integrations.hospital.client import HospitalClient
from services.residents.identity import id_number_problem


def test_an_envelope_from_the_client_is_one_the_platform_accepts():
    client = HospitalClient("amqp://unused", tenant="hongwei", hospital_id="taihe-west")
    envelope = client.envelope("hospital.referral_declined", {
        "referral_id": "r1", "declined_at": "2026-11-28T10:00:00+08:00", "reason": "无床位"})
    parsed = parse_envelope(envelope)
    assert parsed["actor"] == {"id": "taihe-west", "roles": ["hospital"]}
    assert parsed["tenant"] == "hongwei" and parsed["data"]["reason"] == "无床位"
    assert client.envelope("hospital.referral_declined", {})["event_id"] != envelope["event_id"]


def test_a_client_serves_its_own_subdistrict_unless_told_more():
    assert HospitalClient("amqp://x", tenant="a").serves == {"a"}
    assert HospitalClient("amqp://x", tenant="a", serves=["a", "b"]).serves == {"a", "b"}


def test_demo_id_numbers_are_well_formed():
    for name, born, male, sequence in (demo_patients.DISCHARGED, demo_patients.VISITED,
                                       demo_patients.UNKNOWN):
        number = demo_patients.id_number(born, sequence, male)
        assert id_number_problem(number) is None, name
        assert number[6:14] == born.replace("-", "")
        assert int(number[16]) % 2 == (1 if male else 0)


def test_the_cli_reads_checks_and_medicines():
    assert simulator._pairs(["systolic_mmhg=135", "notes=多喝水"], "=", simulator._number) == {
        "systolic_mmhg": 135, "notes": "多喝水"}
    assert simulator._pairs(["降压药:2"], ":", str) == {"降压药": "2"}
    assert simulator.patient_id_for("r1") == simulator.patient_id_for("r1")
    assert simulator.patient_id_for("r1").startswith("TH")


def test_an_answer_goes_to_the_subdistrict_that_asked():
    sent = []

    class Recording(HospitalClient):
        def publish_raw(self, body, routing_key, message_id=None):
            sent.append((routing_key, body))

    client = Recording("amqp://unused", tenant="a", serves=["a", "b"])
    request = {"tenant": "b", "correlation_id": "c1", "data": {
        "referral_id": "r1", "resident_id": "x", "department": "骨科",
        "patient": {"patient_id": None, "name": "李大爷"}}}
    simulator.answer_referral(client, request)
    [(routing_key, body)] = sent
    assert routing_key == "referral_accepted" and body["tenant"] == "b"
    assert body["correlation_id"] == "c1" and parse_envelope(body)
