"""What health does with the hospital's events: find the resident (or park the event for
review), then apply it. Application is idempotent by business keys the hospital cannot vary
(its visit id; the patient and discharge time), so a hospital that publishes the same fact
twice under two event ids still changes things once."""
import logging
from datetime import datetime

from chassis import clock
from chassis.errors import Conflict, found
from contracts import new_event
from services.health import domain, followups, identity, store

_log = logging.getLogger(__name__)

DISCHARGED = "hospital.patient_discharged"
VISITED = "hospital.home_visit_completed"


def utc(text):
    return clock.iso(datetime.fromisoformat(text.replace("Z", "+00:00")))


def whereabouts(ref):
    """A residents.resident_ref answer as the fields health keeps on its documents."""
    return {"resident_id": ref["id"], **{k: ref.get(k) for k in (
        "community_id", "compound_id", "household_id", "grid")}}


def find_resident(db, residents, data, actor):
    """The resident this patient is, or None when it cannot be said for sure."""
    patient_id = data["patient_id"]
    resident_id = store.linked_resident(db, patient_id)
    if resident_id:
        return residents.resident_ref(resident_id)
    if not data.get("id_number"):
        return None
    match = residents.match_id_number(data["id_number"])
    if not match:
        return None
    linked = store.link_patient(db, identity.new_link(patient_id, match["id"], "id_number", actor))
    return match if linked == match["id"] else None


def unmatched_reason(data):
    if data.get("id_number"):
        return "no single resident has this ID number"
    return "unknown patient id and no ID number to match"


def apply(db, event_type, data, resident_ref, settings, actor):
    if event_type == DISCHARGED:
        return apply_discharge(db, data, resident_ref, settings, actor)
    if event_type == VISITED:
        return apply_hospital_visit(db, data, resident_ref)
    raise ValueError(f"nothing to apply for {event_type}")


def apply_discharge(db, data, resident_ref, settings, actor):
    resident = whereabouts(resident_ref)
    discharged_at = utc(data["discharged_at"])
    key = identity.business_key(db.tenant, data["patient_id"], discharged_at)
    within = data.get("follow_up_within_days") or settings.discharge_follow_up_days
    visit = followups.discharge_visit(f"dv-{key}", resident, discharged_at, within,
                                      data.get("department"), actor)
    store.add_visit_if_new(db, visit, new_event("health.visit_scheduled",
                                                domain.scheduled_event_data(visit)))
    follow_up = followups.after_discharge(key, resident, discharged_at, within,
                                          followups.local_today(), visit["_id"],
                                          data.get("department"))
    store.add_follow_up(db, follow_up, new_event("health.follow_up_changed",
                                                 followups.changed_event_data(follow_up)))
    return visit["_id"]


def apply_hospital_visit(db, data, resident_ref):
    resident = whereabouts(resident_ref)
    visit_id = "hv-" + identity.business_key(db.tenant, data["hospital_visit_id"])
    completed_at = utc(data["completed_at"])
    visit = {
        "_id": visit_id, **{k: resident[k] for k in ("resident_id", "community_id",
                                                     "compound_id", "household_id", "grid")},
        "scheduled_for": completed_at, "reason": "医院上门医疗服务", "created_at": clock.now_iso(),
        "created_by": {"id": "hospital"}, "hospital_visit_id": data["hospital_visit_id"],
        "patient_id": data["patient_id"],
        **domain.completion(data, {"id": "hospital"}, recorded_by="hospital"),
        "completed_at": completed_at,
    }
    event = new_event("health.visit_completed",
                      domain.completed_event_data(visit_id, visit, visit))
    store.add_visit_if_new(db, visit, event)
    return visit_id


def park(db, envelope, reason):
    store.park_for_review(db, identity.review(envelope, reason))


def receive(db, residents, envelope, settings):
    """A discharge or a hospital-recorded visit: applied to its resident, or parked."""
    data = envelope["data"]
    resident = find_resident(db, residents, data, envelope["actor"])
    if resident is None:
        park(db, envelope, unmatched_reason(data))
        _log.warning("%s for an unmatched patient parked for review", envelope["type"])
        return None
    return apply(db, envelope["type"], data, resident, settings, envelope["actor"])


def resolve_review(db, residents, review_id, resident_id, settings, actor):
    """Staff say who the patient is: link them, then apply every event parked for them (apply
    first, it is idempotent; then close: a crash in between loses nothing)."""
    review = found(lambda rid: store.get_review(db, rid), review_id, "patient review")
    if review["status"] != "open":
        raise Conflict(f"the review is {review['status']}")
    resident = residents.resident_ref(resident_id)  # NotFound across tenants
    linked = store.link_patient(db, identity.new_link(review["patient_id"], resident["id"],
                                                      "review", actor))
    if linked != resident["id"]:
        raise Conflict(f"patient {review['patient_id']} is linked to another resident")
    answer = None
    for row in store.find_reviews(db, {"status": "open", "patient_id": review["patient_id"]},
                                  200, None):
        applied = apply(db, row["event_type"], row["data"], resident, settings, actor)
        closed = store.close_review(db, row["_id"], {
            "status": "resolved", "resident_id": resident["id"], "resolved_by": actor,
            "resolved_at": clock.now_iso(), "applied": applied})
        if row["_id"] == review_id:
            answer = closed
    if answer is None:
        raise Conflict("the review was resolved concurrently")
    return answer
