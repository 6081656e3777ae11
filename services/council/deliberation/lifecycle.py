"""Moving a deliberation on by its times: scheduled -> open (its threshold fixed from the
households in scope at that moment) -> closed, each move recorded once with its event.

Both the sweep (every replica, on a timer) and any request that finds a deliberation behind
its clock call `catch_up`; each move is a conditional update, so whoever comes second
writes nothing and publishes nothing."""
from contracts import new_event
from services.council.deliberation import domain, store


def catch_up(db, deliberation, now, count_households):
    """The deliberation with every move its clock calls for recorded. `count_households`
    (community_id, compound_id) -> int asks the registry, only when a share is needed."""
    return moves_made(db, deliberation, now, count_households)[0]


def moves_made(db, deliberation, now, count_households):
    """(the deliberation caught up, how many of its moves this caller wrote)."""
    made = 0
    for move in domain.transitions_due(deliberation, now):
        if deliberation["status"] == ("scheduled" if move == "open" else "open"):
            moved = _open(db, deliberation, now, count_households) if move == "open" \
                else _close(db, deliberation, now)
            made += moved is not None
            deliberation = moved or store.get_deliberation(db, deliberation["_id"])
    return deliberation, made


def close_now(db, deliberation, now, count_households):
    """Staff end the week early (it opens first when it had not yet: its threshold and events
    exist like any other week's). Returns the closed deliberation."""
    deliberation = catch_up(db, deliberation, now, count_households)
    if deliberation["status"] == "scheduled":
        deliberation = _open(db, deliberation, now, count_households) or \
            store.get_deliberation(db, deliberation["_id"])
    if deliberation["status"] == "open":
        deliberation = _close(db, deliberation, now, early=True) or \
            store.get_deliberation(db, deliberation["_id"])
    return deliberation


def _open(db, deliberation, now, count_households):
    households = None
    if domain.needs_households(deliberation.get("threshold")):
        households = count_households(deliberation["community_id"],
                                      deliberation.get("compound_id"))
    changes = domain.opening(deliberation, households, now)
    event = new_event("council.deliberation_opened",
                      domain.opened_event_data(deliberation, changes))
    return store.move_deliberation(db, deliberation["_id"], ["scheduled"], changes, event)


def _close(db, deliberation, now, early=False):
    changes = domain.closing(deliberation, now, early)
    event = new_event("council.deliberation_closed",
                      domain.closed_event_data(deliberation, changes))
    return store.move_deliberation(db, deliberation["_id"], ["open"], changes, event)
