"""Play the partner hospital (Taihe Hospital, West Campus) against a running platform.

    python -m integrations.hospital.simulator --tenant hongwei accept-referrals [--decline]
    python -m integrations.hospital.simulator --tenant hongwei discharge --patient-id P1 \\
        [--id-number 4203...] [--name 王奶奶] [--department 骨科] [--within-days 3]
    python -m integrations.hospital.simulator --tenant hongwei record-visit --patient-id P1 \\
        [--id-number ...] --symptom 头晕 --check systolic_mmhg=135 --medicine 降压药:2
    python -m integrations.hospital.simulator --tenant hongwei demo     # what `make hospital-sim` runs

The broker is HOSPITAL_AMQP_URI (default guest on 127.0.0.1). Every line printed is JSON."""
import argparse
import hashlib
import json
import sys
from datetime import datetime, timedelta, timezone

from integrations.hospital import demo_patients
from integrations.hospital.client import DEFAULT_INBOX, HospitalClient, new_event_id, now_iso

CST = timezone(timedelta(hours=8))


def say(**fields):
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def patient_id_for(resident_id):
    """The hospital opens (or finds) a patient record: a stable id per referred person."""
    return "TH" + hashlib.sha1(resident_id.encode("utf-8")).hexdigest()[:10].upper()


def answer_referral(client, envelope, decline=False):
    data = envelope["data"]
    if decline:
        answer = client.publish("hospital.referral_declined", {
            "referral_id": data["referral_id"], "declined_at": now_iso(),
            "reason": "该科室暂无床位，请转至其他院区"}, correlation_id=envelope.get("correlation_id"),
            tenant=envelope["tenant"])
    else:
        patient_id = data["patient"].get("patient_id") or patient_id_for(data["resident_id"])
        appointment = (datetime.now(CST) + timedelta(days=3)).replace(
            hour=9, minute=0, second=0, microsecond=0)
        answer = client.publish("hospital.referral_accepted", {
            "referral_id": data["referral_id"], "patient_id": patient_id,
            "accepted_at": now_iso(), "appointment_at": appointment.isoformat(),
            "department": data["department"], "note": "请携带既往病历"},
            correlation_id=envelope.get("correlation_id"), tenant=envelope["tenant"])
    say(action=answer["type"], referral_id=data["referral_id"],
        patient=data["patient"]["name"], department=data["department"])
    return answer


def accept_referrals(client, decline=False, queue=DEFAULT_INBOX, count=None, timeout=10.0,
                     idle=None):
    answered = []

    def handle(envelope):
        if envelope.get("type") == "health.referral_requested" and envelope.get("version") == 1:
            answered.append(answer_referral(client, envelope, decline))

    client.consume(handle, queue=queue, timeout=timeout, idle=idle,
                   until=(lambda: len(answered) >= count) if count else None)
    return answered


def discharge(client, patient_id, id_number=None, name=None, department=None,
              within_days=None, at=None):
    data = {"patient_id": patient_id, "discharged_at": at or now_iso()}
    for key, value in (("id_number", id_number), ("name", name), ("department", department),
                       ("follow_up_within_days", within_days)):
        if value is not None:
            data[key] = value
    envelope = client.publish("hospital.patient_discharged", data)
    say(action="hospital.patient_discharged", patient_id=patient_id, name=name)
    return envelope


def record_visit(client, patient_id, id_number=None, name=None, symptoms=("复查",),
                 checks=None, medicines=(), visit_id=None, at=None):
    data = {"patient_id": patient_id, "hospital_visit_id": visit_id or new_event_id(),
            "completed_at": at or now_iso(), "symptoms": list(symptoms),
            "medication": [], "checks": dict(checks or {}),
            "medicines_dispensed": [dict(m) for m in medicines]}
    if id_number:
        data["id_number"] = id_number
    if name:
        data["name"] = name
    envelope = client.publish("hospital.home_visit_completed", data)
    say(action="hospital.home_visit_completed", patient_id=patient_id,
        hospital_visit_id=data["hospital_visit_id"])
    return envelope


def demo(client, wait=5.0):
    """A referral accepted, a discharge and a hospital-recorded visit (matched by ID number),
    and one discharge of a patient the platform does not know (it goes to review)."""
    accepted = accept_referrals(client, timeout=wait, idle=2.0)
    name, born, male, seq = demo_patients.DISCHARGED
    discharge(client, "TH-DEMO-0001", demo_patients.id_number(born, seq, male), name, "心内科")
    name, born, male, seq = demo_patients.VISITED
    record_visit(client, "TH-DEMO-0022", demo_patients.id_number(born, seq, male), name,
                 symptoms=["血压复查"], checks={"systolic_mmhg": 138, "diastolic_mmhg": 86,
                                             "heart_rate_bpm": 72},
                 visit_id="TH-HV-DEMO-0001")
    name, born, male, seq = demo_patients.UNKNOWN
    discharge(client, "TH-DEMO-0077", demo_patients.id_number(born, seq, male), name, "骨科")
    say(done=True, referrals_answered=len(accepted),
        see=["GET /v1/referrals", "GET /v1/follow-ups?kind=discharge",
             "GET /v1/visits?status=completed (recorded_by: hospital)", "GET /v1/patient-reviews"])


def _pairs(items, sep, cast):
    out = {}
    for item in items or ():
        key, _, value = item.partition(sep)
        out[key] = cast(value)
    return out


def _number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def main(argv=None):
    parser = argparse.ArgumentParser(description="Play the partner hospital.")
    parser.add_argument("--tenant", required=True, help="the subdistrict id (e.g. hongwei)")
    parser.add_argument("--amqp-uri", default=None)
    parser.add_argument("--hospital-id", default="taihe-west")
    parser.add_argument("--also-serve", action="append", default=[],
                        help="another subdistrict whose referrals to answer from the inbox")
    commands = parser.add_subparsers(dest="command", required=True)
    accept = commands.add_parser("accept-referrals")
    accept.add_argument("--decline", action="store_true")
    accept.add_argument("--queue", default=DEFAULT_INBOX)
    accept.add_argument("--count", type=int, default=None)
    accept.add_argument("--timeout", type=float, default=10.0)
    out = commands.add_parser("discharge")
    out.add_argument("--patient-id", required=True)
    out.add_argument("--id-number")
    out.add_argument("--name")
    out.add_argument("--department")
    out.add_argument("--within-days", type=int)
    out.add_argument("--at", help="ISO 8601 with offset (default now)")
    visit = commands.add_parser("record-visit")
    visit.add_argument("--patient-id", required=True)
    visit.add_argument("--id-number")
    visit.add_argument("--name")
    visit.add_argument("--visit-id")
    visit.add_argument("--symptom", action="append", default=None)
    visit.add_argument("--check", action="append", help="name=value, e.g. systolic_mmhg=135")
    visit.add_argument("--medicine", action="append", help="name:packages, e.g. 降压药:2")
    visit.add_argument("--at")
    run = commands.add_parser("demo")
    run.add_argument("--wait", type=float, default=5.0)
    args = parser.parse_args(argv)

    with HospitalClient(args.amqp_uri, tenant=args.tenant, hospital_id=args.hospital_id,
                        serves=[args.tenant, *args.also_serve]) as client:
        if args.command == "accept-referrals":
            accept_referrals(client, args.decline, args.queue, args.count, args.timeout)
        elif args.command == "discharge":
            discharge(client, args.patient_id, args.id_number, args.name, args.department,
                      args.within_days, args.at)
        elif args.command == "record-visit":
            medicines = [{"name": k, "quantity": int(v)}
                         for k, v in _pairs(args.medicine, ":", str).items()]
            record_visit(client, args.patient_id, args.id_number, args.name,
                         args.symptom or ["复查"], _pairs(args.check, "=", _number), medicines,
                         args.visit_id, args.at)
        else:
            demo(client, args.wait)
    return 0


if __name__ == "__main__":
    sys.exit(main())
