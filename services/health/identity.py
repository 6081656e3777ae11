"""Matching the hospital's patients to residents, as plain functions.

A hospital event names a patient by the hospital's `patient_id` and, on first contact, the
ID-card number. The link (patient id -> resident id, per tenant) is made once: by an ID-number
match that is unambiguous, by an accepted referral, or by staff resolving a review. Anything
else waits in the review list: an event is never applied to a resident it may not be about."""
import hashlib

from chassis import clock
from chassis.masking import mask_id_number


def business_key(tenant, *parts):
    """A stable id for what the hospital may send more than once (under new event ids)."""
    return hashlib.sha1(":".join([tenant, *parts]).encode("utf-8")).hexdigest()[:24]


def new_link(patient_id, resident_id, how, actor):
    return {"patient_id": patient_id, "resident_id": resident_id, "linked_by": how,
            "linked_at": clock.now_iso(), "actor": actor}


def review(envelope, reason):
    """A parked hospital event: the ID number is kept masked only (it is a match key, and the
    match already failed); staff see who the hospital meant by name and masked number."""
    data = dict(envelope["data"])
    masked = mask_id_number(data.pop("id_number", None))
    return {"_id": "pr-" + business_key(envelope["tenant"], envelope["event_id"]),
            "event_id": envelope["event_id"], "patient_id": data["patient_id"],
            "name": data.get("name"), "id_number": masked, "reason": reason,
            "event_type": envelope["type"], "event_version": envelope["version"],
            "data": data, "status": "open", "received_at": clock.now_iso()}


def review_view(row):
    return {"id": row["_id"], **{k: row.get(k) for k in (
        "patient_id", "name", "id_number", "reason", "event_type", "status", "received_at",
        "resolved_at", "resident_id")}}
