"""Visit rules as plain functions."""
from chassis import clock, ids

CLINICAL = ("symptoms", "history", "medication", "checks", "medicines_dispensed")
CLINICAL_ROLES = ("medical_staff",)


def new_visit(payload, resident_ref, actor):
    return {
        "_id": ids.new_id(),
        "resident_id": resident_ref["id"],
        "community_id": resident_ref["community_id"],
        "compound_id": resident_ref["compound_id"],
        "household_id": resident_ref["household_id"],
        "grid": resident_ref.get("grid"),
        "scheduled_for": clock.iso(payload["scheduled_for"]),
        "reason": payload.get("reason"),
        "status": "scheduled",
        "created_at": clock.now_iso(),
        "created_by": actor,
        "recorded_by": "platform",
    }


def medicine_packages(medicines):
    return sum(item["quantity"] for item in medicines)


def completion(payload, actor, recorded_by="platform"):
    """The fields a completion sets on a scheduled visit."""
    return {
        "status": "completed",
        "completed_at": clock.now_iso(),
        "completed_by": actor,
        "recorded_by": recorded_by,
        "symptoms": payload["symptoms"],
        "history": payload.get("history"),
        "medication": payload.get("medication") or [],
        "checks": payload.get("checks") or {},
        "medicines_dispensed": payload["medicines_dispensed"],
        "medicine_packages": medicine_packages(payload["medicines_dispensed"]),
        "follow_up_in_days": payload.get("follow_up_in_days"),
    }


def cancellation(payload, actor):
    return {"status": "cancelled", "cancelled_at": clock.now_iso(), "cancelled_by": actor,
            "cancel_reason": payload.get("reason")}


def scheduled_event_data(visit):
    return {key: visit[key] for key in ("resident_id", "community_id", "scheduled_for")} | {
        "visit_id": visit["_id"]}


def completed_event_data(visit_id, visit, changes):
    return {"visit_id": visit_id, "resident_id": visit["resident_id"],
            "community_id": visit["community_id"], "completed_at": changes["completed_at"],
            "medicine_packages": changes["medicine_packages"],
            "medicines_dispensed": changes["medicines_dispensed"],
            "recorded_by": changes["recorded_by"],
            "follow_up_in_days": changes.get("follow_up_in_days")}


def cancelled_event_data(visit_id, visit, changes):
    return {"visit_id": visit_id, "resident_id": visit["resident_id"],
            "community_id": visit["community_id"], "reason": changes["cancel_reason"]}


def may_see_clinical(call, visit):
    """Medical staff, and the resident themself (their token's subject is their resident id)."""
    return call.has_any(*CLINICAL_ROLES) or (
        "resident" in call.roles and call.actor == visit["resident_id"])


def visit_view(visit, clinical):
    view = {
        "id": visit["_id"],
        "resident_id": visit["resident_id"],
        "community_id": visit["community_id"],
        "status": visit["status"],
        "scheduled_for": visit["scheduled_for"],
        "reason": visit.get("reason"),
        "created_at": visit["created_at"],
        "completed_at": visit.get("completed_at"),
        "cancelled_at": visit.get("cancelled_at"),
        "cancel_reason": visit.get("cancel_reason"),
        "medicine_packages": visit.get("medicine_packages", 0),
        "recorded_by": visit.get("recorded_by", "platform"),
    }
    if visit.get("status") == "completed":
        view["follow_up_in_days"] = visit.get("follow_up_in_days")
    if clinical:
        view.update({key: visit.get(key) for key in CLINICAL})
        view["medication"] = view["medication"] or []
        view["symptoms"] = view["symptoms"] or []
        view["checks"] = view["checks"] or {}
        view["medicines_dispensed"] = view["medicines_dispensed"] or []
    return view
