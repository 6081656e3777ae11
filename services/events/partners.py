"""Partners (schools, care homes, the hospital, property companies...): plain rules."""
from chassis import clock, ids
from chassis.masking import mask_phone

NO_TOTALS = {"activities": 0, "participants": 0, "volunteer_hours": 0.0}


def new_partner(data, actor):
    return {"_id": ids.new_id(), "name": data["name"], "kind": data["kind"],
            "contact_name": data.get("contact_name"), "contact_phone": data.get("contact_phone"),
            "created_at": clock.now_iso(), "created_by": actor}


def partner_view(partner, totals=None):
    return {"id": partner["_id"], "name": partner["name"], "kind": partner["kind"],
            "contact_name": partner.get("contact_name"),
            "contact_phone": mask_phone(partner.get("contact_phone")),
            "totals": {**NO_TOTALS, **(totals or {})}, "created_at": partner["created_at"]}


def links(requested, found):
    """The activity's partner links with names; `found` maps id -> partner document."""
    return [{"partner_id": link["partner_id"], "role": link["role"],
             "name": found[link["partner_id"]]["name"]} for link in requested]
