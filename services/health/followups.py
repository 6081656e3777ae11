"""Follow-up rules as plain functions: a follow-up is pending until its due day, due until
`overdue_after`, then overdue; a completed visit makes it done. Days are local (UTC+8)."""
import calendar
from datetime import date, datetime, timedelta

from chassis import clock
from services.health.schemas import CHINA_STANDARD_TIME
from contracts.elderly import ELDERLY_AGE, age_on

OPEN = ("pending", "due", "overdue")
FLAGGED = ("due", "overdue")  # each stamped once, when first reached: `due_at`, `overdue_at`
PLAN_TAGS = ("lives_alone", "mobility_impaired")


def local_today():
    return datetime.now(CHINA_STANDARD_TIME).date()


def local_day(iso_instant):
    """The local (UTC+8) calendar day of a stored UTC instant or a date string."""
    if len(iso_instant) == 10:
        return date.fromisoformat(iso_instant)
    moment = datetime.fromisoformat(iso_instant.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_STANDARD_TIME)
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def status_on(today: date, due_on: str, overdue_after: str):
    if today < date.fromisoformat(due_on):
        return "pending"
    if today <= date.fromisoformat(overdue_after):
        return "due"
    return "overdue"


def _follow_up(follow_up_id, kind, resident, due_on, overdue_after, today, **extra):
    status = status_on(today, due_on.isoformat(), overdue_after.isoformat())
    created_at = clock.now_iso()
    # Created due or overdue: flagged from its creation on, as the sweep records a move
    # (`due_at`, `overdue_at`): which visits fulfil it follows from these instants (closes).
    flagged = {f"{status}_at": created_at} if status in FLAGGED else {}
    return {
        "_id": follow_up_id, "kind": kind,
        "resident_id": resident["resident_id"], "community_id": resident["community_id"],
        "compound_id": resident.get("compound_id"), "household_id": resident.get("household_id"),
        "grid": resident.get("grid"),
        "due_on": due_on.isoformat(), "overdue_after": overdue_after.isoformat(),
        "status": status, "created_at": created_at, **flagged, **extra,
    }


def after_visit(visit, days, grace_days, today):
    """A completed visit asked to see the resident again in `days` days."""
    due = local_day(visit["completed_at"]) + timedelta(days=days)
    return _follow_up(f"visit-{visit['_id']}", "visit", _where(visit), due,
                      due + timedelta(days=grace_days), today, source_visit_id=visit["_id"])


def after_discharge(key, resident, discharged_at, within_days, today, visit_id, department):
    """A home visit within `within_days` days of the discharge day."""
    day = local_day(discharged_at)
    due = day + timedelta(days=min(1, within_days))
    return _follow_up(f"discharge-{key}", "discharge", resident, due,
                      day + timedelta(days=within_days), today, visit_id=visit_id,
                      department=department)


def monthly_plan(plan, today):
    """This month's standing home visit for an eligible resident: due all month."""
    first = today.replace(day=1)
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return _follow_up(f"plan-{plan['resident_id']}-{today:%Y-%m}", "monthly_plan", plan,
                      first, last, today)


def month_start_instant(today):
    """The UTC instant local (UTC+8) midnight of the month's first day."""
    return clock.iso(datetime.combine(today.replace(day=1), datetime.min.time(),
                                      CHINA_STANDARD_TIME))


def already_done(follow_up, visit):
    """A plan made after this month's visit already happened starts done."""
    return {**follow_up, "status": "done", "done_at": visit["completed_at"],
            "done_by_visit_id": visit["_id"]}


def plan_eligible(plan, today):
    """Elderly, and living alone or with impaired mobility."""
    if not plan.get("birth_date"):
        return False
    born = date.fromisoformat(plan["birth_date"])
    return age_on(born, today) >= ELDERLY_AGE and bool(set(plan.get("tags") or ()) & set(PLAN_TAGS))


def closes(follow_up, visit_id, completed_day, completed_at):
    """Does completing this visit fulfil the follow-up? Its own visit always does; any visit
    does once the follow-up is due: on or after its due day, or after the sweep (or its
    creation) flagged it due or overdue, whatever day the sweep was run for. A visit long
    before the due day does not.

    Only facts that never change once set are asked (the visit's id and instant, the due day,
    the instants the follow-up was flagged), not its status now: the answer is the same
    whenever the completion is applied, first or redelivered, before or after later events
    moved the follow-up on, so health's visit_completed handler is keyed by the event
    (ADR 0014 addendum)."""
    if follow_up.get("visit_id") == visit_id:
        return True
    if date.fromisoformat(follow_up["due_on"]) <= completed_day:
        return True
    visited = _instant(completed_at)
    return any(follow_up.get(f"{status}_at") and _instant(follow_up[f"{status}_at"]) <= visited
               for status in FLAGGED)


def _instant(iso_instant):
    """Instants compared as such (an outside publisher may write `Z` for `+00:00`)."""
    return datetime.fromisoformat(iso_instant.replace("Z", "+00:00"))


def discharge_visit(visit_id, resident, discharged_at, within_days, department, actor):
    day = local_day(discharged_at) + timedelta(days=min(1, within_days))
    return {
        "_id": visit_id, **{k: resident[k] for k in ("community_id", "compound_id", "household_id")},
        "resident_id": resident["resident_id"],
        "scheduled_for": clock.iso(datetime.combine(day, datetime.min.time().replace(hour=9),
                                                    CHINA_STANDARD_TIME)),
        "reason": f"出院随访（{department}）" if department else "出院随访",
        "status": "scheduled", "created_at": clock.now_iso(), "created_by": actor,
        "recorded_by": "platform", "grid": resident.get("grid"),
    }


def changed_event_data(follow_up):
    return {"follow_up_id": follow_up["_id"], **{k: follow_up[k] for k in (
        "resident_id", "community_id", "kind", "status", "due_on", "overdue_after")}}


def follow_up_view(row):
    return {"id": row["_id"], **{k: row.get(k) for k in (
        "kind", "status", "resident_id", "community_id", "compound_id", "household_id", "grid",
        "due_on", "overdue_after", "visit_id", "source_visit_id", "department", "created_at",
        "done_at", "done_by_visit_id")}}


def _where(visit):
    return {"resident_id": visit["resident_id"], **{k: visit.get(k) for k in (
        "community_id", "compound_id", "household_id", "grid")}}
