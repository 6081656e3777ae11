"""The hospital's answers to referrals: applied once, and never to the wrong resident."""
from chassis.errors import Conflict, Reject
from contracts import new_event
from services.health import identity, intake, referrals, store


def _referral(db, referral_id):
    referral = store.get_referral(db, referral_id)
    if referral is None:  # the referral is stored before it is sent: retrying cannot help
        raise Reject(f"no referral {referral_id} in this subdistrict")
    return referral


def accepted(db, data, actor):
    referral = _referral(db, data["referral_id"])
    linked = store.link_patient(db, identity.new_link(
        data["patient_id"], referral["resident_id"], "referral", actor))
    if linked != referral["resident_id"]:  # staff must look: parked at once
        raise Reject(f"patient {data['patient_id']} is linked to another resident")
    _answer(db, referral, referrals.answer("accepted", {
        **data, "accepted_at": intake.utc(data["accepted_at"]),
        "appointment_at": data.get("appointment_at") and intake.utc(data["appointment_at"])}))


def declined(db, data):
    referral = _referral(db, data["referral_id"])
    _answer(db, referral, referrals.answer("declined", {
        **data, "declined_at": intake.utc(data["declined_at"])}))


def _answer(db, referral, changes):
    if referral["status"] != "requested":
        if referrals.same_answer(referral, changes):
            return  # the hospital said it again
        raise Reject(f"referral {referral['_id']} was already {referral['status']}")
    event = new_event("health.referral_answered", referrals.answered_event_data(referral, changes))
    if store.answer_referral(db, referral["_id"], changes, event) is None:
        raise Conflict(f"referral {referral['_id']} was answered concurrently")
