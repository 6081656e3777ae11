"""Needs as tickets, as plain functions: creation, the state machine, views, event data.

    received ──dispatch──▶ dispatched ──resolve──▶ resolved ──rate(satisfied)──▶ closed
       │                                  ▲          │
       └────────────resolve───────────────┤          └──rate(not satisfied)──▶ reopened
                                          └──────────────resolve / dispatch ◀───┘

Anything else is a 409. Dispatching (or resolving on the spot) is the response."""
from chassis import clock
from chassis.errors import Conflict, Forbidden, NotFound
from services.council.needs import deadlines

ALLOWED = {
    "dispatch": ("received", "reopened"),
    "resolve": ("received", "dispatched", "reopened"),
    "rate": ("resolved",),
}
STAFF = ("grid_worker", "medical_staff", "community_staff", "subdistrict_admin")
STATE_FIELDS = ("household_id", "compound_id", "community_id", "grid_id", "resident_id",
                "category", "urgency", "channel", "status", "unit", "received_at",
                "respond_by", "resolve_by", "responded_at", "resolved_at", "overdue",
                "reopen_count", "ratings", "satisfied_ratings", "version")
SYSTEM = {"sub": "system", "on_behalf_of": None}


def actor(call, on_behalf_of=None):
    return {"sub": call.actor, "on_behalf_of": on_behalf_of}


def is_resident_only(call):
    return not call.has_any(*STAFF)


def new_need(need_id, data, household, received_at, settings, raised_by, knock_id=None):
    respond_by, resolve_by = deadlines.deadlines(received_at, data["urgency"], settings)
    at = clock.iso(received_at)
    return {
        "_id": need_id, "household_id": household["id"],
        "compound_id": household["compound_id"], "community_id": household["community_id"],
        "grid_id": household.get("grid_id"), "resident_id": data.get("resident_id"),
        "category": data["category"], "description": data["description"],
        "urgency": data["urgency"], "channel": data.get("channel") or "door_knock",
        "status": "received", "unit": None, "resolution": None,
        "received_at": at, "respond_by": respond_by, "resolve_by": resolve_by,
        "responded_at": None, "resolved_at": None, "overdue": False, "missed": None,
        "reopen_count": 0, "ratings": 0, "satisfied_ratings": 0, "rating": None,
        "raised_by": raised_by, "knock_id": knock_id, "version": 1,
        "history": [{"status": "received", "at": at, "by": raised_by, "note": None}],
    }


def state_data(need, **extra):
    """What every need event carries: the need's state after the change."""
    return {"need_id": need["_id"], **{k: need.get(k) for k in STATE_FIELDS},
            "overdue": bool(need.get("overdue")), "note": None, **extra}


def check_allowed(need, action):
    if need["status"] not in ALLOWED[action]:
        raise Conflict(f"the need is {need['status']}; it cannot be {action}d now"
                       if action != "rate" else
                       f"the need is {need['status']}; only a resolved need can be rated")


def _moved(need, status, by, note, now, **changes):
    entry = {"status": status, "at": now, "by": by, "note": note}
    return {**changes, "status": status, "version": need["version"] + 1,
            "history": [*need["history"], entry]}


def dispatch(need, data, by, now):
    check_allowed(need, "dispatch")
    changes = _moved(need, "dispatched", by, data.get("note") or f"派单至{data['unit']}", now,
                     unit=data["unit"], responded_at=need["responded_at"] or now)
    return changes, [("council.need_dispatched", {"note": data.get("note")})]


def resolve(need, data, by, now):
    check_allowed(need, "resolve")
    changes = _moved(need, "resolved", by, data["resolution"], now,
                     resolution=data["resolution"], resolved_at=now,
                     responded_at=need["responded_at"] or now)
    return changes, [("council.need_resolved", {"resolution": data["resolution"]})]


def rate(need, data, by, now):
    check_allowed(need, "rate")
    satisfied = data["satisfied"]
    status = "closed" if satisfied else "reopened"
    rating = {"satisfied": satisfied, "score": data.get("score"),
              "comment": data.get("comment"), "at": now, "by": by}
    changes = _moved(need, status, by, data.get("comment"), now, rating=rating,
                     ratings=need["ratings"] + 1,
                     satisfied_ratings=need["satisfied_ratings"] + (1 if satisfied else 0),
                     reopen_count=need["reopen_count"] + (0 if satisfied else 1))
    events = [("council.need_rated", {"satisfied": satisfied, "score": data.get("score"),
                                      "comment": data.get("comment")})]
    if not satisfied:
        events.append(("council.need_reopened", {"note": data.get("comment")}))
    return changes, events


def rater(call, need, own_resident_id=None):
    """Who rates: the resident themself, or staff on the resident's (household's) behalf."""
    if is_resident_only(call):
        return actor(call)
    return actor(call, need.get("resident_id") or f"household:{need['household_id']}")


def visible_to(call, need, own_household_id):
    """A resident sees only their household's needs; others' answer 404."""
    if is_resident_only(call) and need["household_id"] != own_household_id:
        raise NotFound(f"no need {need['_id']}")
    return need


def check_own_household(call, household_id, own_household_id):
    if is_resident_only(call) and household_id != own_household_id:
        raise Forbidden("a resident raises needs only for their own household")


def need_view(need, with_history=False):
    view = {"id": need["_id"], **{k: v for k, v in need.items()
                                  if not k.startswith("_") and k not in ("tenant", "history",
                                                                          "missed", "version",
                                                                          "ratings",
                                                                          "satisfied_ratings")}}
    view["overdue"] = bool(view.get("overdue"))  # the stand-in store may answer 1 for true
    if view.get("rating"):
        view["rating"] = {**view["rating"], "satisfied": bool(view["rating"]["satisfied"])}
    if with_history:
        view["history"] = need.get("history") or []
    return view
