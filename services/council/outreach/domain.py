"""Door-knocks as plain functions: who may record one, the knock document, its event."""
from chassis import clock, ids
from chassis.errors import Forbidden, Invalid
from services.council.needs import deadlines
from services.council.needs.transitions import heard_need_id

ALL_HOUSEHOLDS = ("community_staff",)


def check_may_knock(call, household):
    """Community staff knock anywhere; a grid worker only at households of their own grids."""
    if call.has_any(*ALL_HOUSEHOLDS):
        return
    if call.actor not in (household.get("grid_workers") or []):
        raise Forbidden("a grid worker records knocks only for households of their own grids")


def check_residents_live_there(refs, household_id, field):
    wrong = [ref["id"] for ref in refs if ref["household_id"] != household_id]
    if wrong:
        raise Invalid("a resident named does not live in this household",
                      {field: [f"Not a resident of this household: {', '.join(wrong)}."]})


def new_knock(data, household, call):
    knock_id = ids.new_id()
    visited_at = data["visited_at"]
    needs = [{"need_id": heard_need_id(knock_id, index), "category": heard["category"],
              "description": heard["description"], "urgency": heard["urgency"],
              "resident_id": heard.get("resident_id")}
             for index, heard in enumerate(data.get("needs") or [])]
    return {
        "_id": knock_id, "household_id": household["id"],
        "compound_id": household["compound_id"], "community_id": household["community_id"],
        "grid_id": household.get("grid_id"), "visited_at": clock.iso(visited_at),
        "week": deadlines.iso_week(visited_at), "outcome": data["outcome"],
        "residents_met": list(dict.fromkeys(data.get("residents_met") or [])),
        "topics": data.get("topics") or [], "note": data.get("note"),
        "by": {"sub": call.actor, "roles": sorted(call.roles)},
        "needs": needs, "need_ids": [need["need_id"] for need in needs],
        "recorded_at": clock.now_iso(),
    }


def knocked_event_data(knock):
    return {"knock_id": knock["_id"],
            **{k: knock[k] for k in ("household_id", "compound_id", "community_id", "grid_id",
                                     "visited_at", "week", "outcome", "residents_met",
                                     "topics", "recorded_at", "needs")},
            "by": knock["by"]["sub"]}


def knock_view(knock):
    return {"id": knock["_id"], **{k: v for k, v in knock.items()
                                   if not k.startswith("_") and k not in ("tenant", "needs")}}
