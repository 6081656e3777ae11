"""Referral rules as plain functions: requested -> accepted | declined, answered once."""
from chassis import clock, ids


def new_referral(payload, visit, patient, actor):
    return {
        "_id": ids.new_id(), "visit_id": visit["_id"], "resident_id": visit["resident_id"],
        "community_id": visit["community_id"], "compound_id": visit.get("compound_id"),
        "department": payload["department"], "urgency": payload["urgency"],
        "reason": payload["reason"], "status": "requested",
        "requested_at": clock.now_iso(), "requested_by": actor,
        "patient_id": patient.get("patient_id"),
        "patient": patient,
    }


def requested_event_data(referral):
    return {"referral_id": referral["_id"], "visit_id": referral["visit_id"],
            **{k: referral[k] for k in ("resident_id", "community_id", "department", "urgency",
                                        "reason", "requested_at", "patient")}}


def answer(status, data):
    """The fields an answer sets: `accepted` links the hospital's patient id."""
    if status == "accepted":
        return {"status": "accepted", "answered_at": data["accepted_at"],
                "patient_id": data["patient_id"], "appointment_at": data.get("appointment_at"),
                "hospital_department": data.get("department"), "hospital_note": data.get("note")}
    return {"status": "declined", "answered_at": data["declined_at"],
            "decline_reason": data["reason"]}


def answered_event_data(referral, changes):
    return {"referral_id": referral["_id"], "resident_id": referral["resident_id"],
            "community_id": referral["community_id"], "department": referral["department"],
            "status": changes["status"], "answered_at": changes["answered_at"],
            "appointment_at": changes.get("appointment_at")}


def same_answer(referral, changes):
    """A repeated answer (the hospital sent it again) changes nothing."""
    return referral["status"] == changes["status"] and referral.get("answered_at") == changes[
        "answered_at"]


CLINICAL = ("reason", "decline_reason", "hospital_note")


def referral_view(row, clinical):
    view = {"id": row["_id"], **{k: row.get(k) for k in (
        "visit_id", "resident_id", "community_id", "department", "urgency", "status",
        "requested_at", "answered_at", "appointment_at", "patient_id")}}
    if clinical:
        view.update({k: row.get(k) for k in CLINICAL})
    return view
