"""Raising needs and moving them through the loop, over the store: one conditional write per
move (the change, its history entry and its events together), retried when a concurrent
writer (a sweep flagging it overdue) changed the need in between."""
from datetime import datetime

from chassis import clock, ids
from chassis.errors import Conflict, NotFound
from contracts import new_event
from services.council.needs import domain, store

MOVES = {"dispatch": domain.dispatch, "resolve": domain.resolve, "rate": domain.rate}


def event(event_type, need, by=None, **extra):
    built = new_event(event_type, domain.state_data(need, **extra))
    if by and by.get("on_behalf_of"):
        built["on_behalf_of"] = by["on_behalf_of"]  # the store records it in the actor
    return built


def received_event(need):
    return event("council.need_received", need, need["raised_by"],
                 description=need["description"])


def raise_need(db, data, household, settings, raised_by):
    need = domain.new_need(ids.new_id(), data, household, clock.utcnow(), settings, raised_by)
    return db[store.NEEDS].insert_one(need, events=[received_event(need)])


def heard_need_id(knock_id, index):
    """Needs heard at a door get ids from their knock: whoever creates them first (the
    request, or council's consumer of the knock's event) creates the only copy."""
    return f"{knock_id}N{index + 1}"


def needs_from_knock(db, knock, settings):
    """Create the tickets a knock carries; safe to repeat. Returns how many were new."""
    household = {"id": knock["household_id"], "compound_id": knock["compound_id"],
                 "community_id": knock["community_id"], "grid_id": knock.get("grid_id")}
    received_at = datetime.fromisoformat(knock["recorded_at"])
    created = 0
    for heard in knock["needs"]:
        raised_by = {"sub": knock["by"], "on_behalf_of": heard.get("resident_id")}
        need = domain.new_need(heard["need_id"], {**heard, "channel": "door_knock"}, household,
                               received_at, settings, raised_by, knock_id=knock["knock_id"])
        created += store.add_once(db, need, received_event(need))
    return created


def move(db, need_id, action, data, by, check=None):
    for _ in range(5):
        need = store.get(db, need_id)
        if need is None:
            raise NotFound(f"no need {need_id}")
        if check:
            check(need)
        replay = store.replayed(db, need_id)
        if replay is not None:  # this very request already made the move
            return replay
        changes, events = MOVES[action](need, data, by, clock.now_iso())
        after = {**need, **changes}
        built = [event(kind, after, by, **extra) for kind, extra in events]
        moved = store.move(db, need, changes, built)
        if moved is not None:
            return moved
    raise Conflict(f"the need {need_id} kept changing; try again")
