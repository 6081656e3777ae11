"""Registry rules as plain functions: no broker, no store."""
import re
from datetime import date

from chassis import clock, ids
from chassis.errors import Invalid
from chassis.masking import mask_id_number, mask_phone
from contracts.elderly import ELDERLY_AGE, age_on, elderly_cutoff  # noqa: F401 (re-exported)

def stored_tags(tags):
    """`elderly` follows from the birth date at every read; it is never stored."""
    return sorted(set(tags) - {"elderly"})


def new_community(payload):
    return {"_id": ids.new_id(), "name": payload["name"], "created_at": clock.now_iso()}


def new_compound(payload, community):
    return {"_id": ids.new_id(), "community_id": community["_id"], "name": payload["name"],
            "created_at": clock.now_iso()}


def new_household(payload, compound, grid=None):
    """`grid` is the free-text label of before grids were entities; with a `grid_id` it
    follows the grid's name (health's follow-ups filter by it)."""
    return {"_id": ids.new_id(), "compound_id": compound["_id"],
            "community_id": compound["community_id"], "address": payload["address"],
            "grid_id": grid["_id"] if grid else None,
            "grid": payload.get("grid") or (grid["name"] if grid else None),
            "created_at": clock.now_iso()}


def new_resident(payload, household, actor):
    now = clock.now_iso()
    return {
        "_id": ids.new_id(),
        "household_id": household["_id"],
        "compound_id": household["compound_id"],
        "community_id": household["community_id"],
        "name": payload["name"],
        "birth_date": payload["birth_date"].isoformat(),
        "gender": payload.get("gender"),
        "phone": payload.get("phone"),
        "id_number": (payload.get("id_number") or "").upper() or None,
        "tags": stored_tags(payload.get("tags") or []),
        "registered_at": now,
        "registered_by": actor,
        "updated_at": now,
    }


def resident_changes(payload):
    """The stored fields a PATCH changes, normalised as on registration."""
    changes = {}
    for key, value in payload.items():
        if key == "birth_date":
            value = value.isoformat()
        elif key == "tags":
            value = stored_tags(value)
        elif key == "id_number" and value:
            value = value.upper()
        changes[key] = value
    return changes


def registered_event_data(resident):
    return {
        "resident_id": resident["_id"],
        "household_id": resident["household_id"],
        "compound_id": resident["compound_id"],
        "community_id": resident["community_id"],
        "name": resident["name"],
        "birth_date": resident["birth_date"],
        "gender": resident["gender"],
        "tags": resident["tags"],
        "registered_at": resident["registered_at"],
    }


def public_changes(changes):
    """What a resident_updated event may carry: never the phone or the ID number."""
    return {k: v for k, v in changes.items() if k not in ("phone", "id_number", "updated_at")}


EMPTY_HEALTH = {"visits_completed": 0, "last_visit_at": None, "medicine_packages": 0}


def resident_view(resident, today: date):
    """A resident as answers show it: computed age and elderly tag, numbers masked."""
    born = date.fromisoformat(resident["birth_date"])
    age = age_on(born, today)
    tags = list(resident.get("tags") or [])
    if age >= ELDERLY_AGE:
        tags = ["elderly", *tags]
    return {
        "id": resident["_id"],
        "household_id": resident["household_id"],
        "compound_id": resident["compound_id"],
        "community_id": resident["community_id"],
        "name": resident["name"],
        "birth_date": resident["birth_date"],
        "age": age,
        "gender": resident.get("gender"),
        "tags": tags,
        "phone": mask_phone(resident.get("phone")),
        "id_number": mask_id_number(resident.get("id_number")),
        "health": {**EMPTY_HEALTH, **(resident.get("health") or {})},
        "registered_at": resident["registered_at"],
        "updated_at": resident.get("updated_at", resident["registered_at"]),
    }


VISIT_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def counted_visit(data):
    """What the registry counts of a completed visit (no clinical detail). The visit id becomes
    a field name in the resident's document, so it must be a plain id."""
    if not VISIT_ID.fullmatch(str(data["visit_id"])):
        raise Invalid("visit_id is not a plain id", {"visit_id": ["not a plain id"]})
    return {"visit_id": data["visit_id"], "completed_at": data["completed_at"],
            "medicine_packages": data["medicine_packages"]}


def timeline_entry(envelope, resident_id, kind, summary):
    return {"_id": envelope["event_id"], "resident_id": resident_id, "at": envelope["occurred_at"],
            "kind": kind, "summary": summary, "source": envelope["type"].split(".")[0],
            "actor": envelope["actor"], "community_id": envelope["data"].get("community_id")}


def visit_completed_summary(data):
    packages = data["medicine_packages"]
    who = "医院" if data.get("recorded_by") == "hospital" else "社区医疗队"
    return f"{who}上门医疗服务完成，发放药品 {packages} 份"


def resident_ref(resident, household):
    """Who and where a resident is, for other services (no phone, no ID number)."""
    return {key: resident[key] for key in ("household_id", "compound_id", "community_id")} | {
        "id": resident["_id"], "name": resident["name"], "birth_date": resident["birth_date"],
        "gender": resident.get("gender"), "grid": (household or {}).get("grid"),
        "grid_id": (household or {}).get("grid_id")}


def referral_summary(data):
    """Timeline text for a referral and its answer (never the clinical reason)."""
    status = data.get("status")
    if status == "accepted":
        when = f"，预约 {data['appointment_at'][:10]}" if data.get("appointment_at") else ""
        return f"医院已接收转诊（{data['department']}）{when}"
    if status == "declined":
        return f"医院未接收转诊（{data['department']}）"
    return f"转诊至合作医院（{data['department']}）"


