"""What follows a completed visit, whoever recorded it (the platform or the hospital): it
fulfils the resident's open follow-ups, and may ask for the next one. Run by health's own
consumer of health.visit_completed, so it is retried like any projection; every write is keyed
by the event (ADR 0014 addendum), so a second run, however late, changes nothing: a close is
decided by facts that never change (followups.closes) and written only while the follow-up is
open, and the next follow-up is inserted under an id made of the visit's."""
from services.health import followups, store
from services.health.sweep import follow_up_event


def after_completed_visit(db, data, grace_days):
    completed_day = followups.local_day(data["completed_at"])
    for follow_up in store.open_follow_ups(db, data["resident_id"]):
        if followups.closes(follow_up, data["visit_id"], completed_day, data["completed_at"]):
            store.close_follow_up(db, follow_up["_id"], {
                "status": "done", "done_at": data["completed_at"],
                "done_by_visit_id": data["visit_id"]},
                follow_up_event({**follow_up, "status": "done"}))
    if "follow_up_in_days" in data and not data["follow_up_in_days"]:
        return  # the event says no follow-up was asked for: no need to read the visit
    visit = store.get_visit(db, data["visit_id"])
    if visit and visit.get("follow_up_in_days"):
        follow_up = followups.after_visit(visit, visit["follow_up_in_days"], grace_days,
                                          followups.local_today())
        store.add_follow_up(db, follow_up, follow_up_event(follow_up))


def plan_facts(data):
    """What the standing plan needs from a registration."""
    return {"resident_id": data["resident_id"], "birth_date": data["birth_date"],
            "tags": data["tags"], **{k: data[k] for k in (
                "community_id", "compound_id", "household_id")}}


def plan_changes(changes):
    """A registry change that matters to the plan, which is then looked at again this month."""
    relevant = {k: v for k, v in changes.items() if k in ("birth_date", "tags")}
    return {**relevant, "planned_month": None} if relevant else None
