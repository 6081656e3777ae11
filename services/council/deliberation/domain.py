"""Deliberation-week rules as plain functions (no broker, no store): the state clock, the
threshold arithmetic, who may act for whom, and every move a proposal may (not) make.

Times are UTC ISO strings from chassis/clock.py; they compare as strings. `now` is always a
parameter, so the rules can be driven by any clock (the sweep's `--now`, the tests)."""
import math
from fractions import Fraction

from chassis import clock, ids
from chassis.errors import Conflict, Forbidden

STATUSES = ("scheduled", "open", "closed")
PROPOSAL_STATUSES = ("open", "accepted", "rejected", "implemented")
OUTCOMES = ("accepted", "rejected")
ON_BEHALF_ROLES = ("grid_worker", "community_staff")


# -- the state clock ------------------------------------------------------------------------
def status_by_clock(opens_at, closes_at, now):
    if now < opens_at:
        return "scheduled"
    if now < closes_at:
        return "open"
    return "closed"


def effective_status(deliberation, now):
    """The further of the recorded status and the clock's: a status never moves back (an
    operator's sweep run for a later moment, or an early close, stays in force)."""
    by_clock = status_by_clock(deliberation["opens_at"], deliberation["closes_at"], now)
    recorded = deliberation["status"]
    return max(recorded, by_clock, key=STATUSES.index)


def transitions_due(deliberation, now):
    """The recorded transitions the clock calls for, in order: [], ["open"], ["close"] or
    ["open", "close"] (a week whose whole span passed unseen still opens first, so its
    threshold is fixed and both events exist)."""
    target = STATUSES.index(status_by_clock(deliberation["opens_at"], deliberation["closes_at"],
                                            now))
    current = STATUSES.index(deliberation["status"])
    return [("open", "close")[step - 1] for step in range(current + 1, target + 1)]


def require_open(deliberation, now, doing):
    status = effective_status(deliberation, now)
    if status != "open":
        raise Conflict(f"the deliberation is {status}; {doing} only while it is open")


# -- the threshold --------------------------------------------------------------------------
def threshold_supports(threshold, households):
    """Supports a proposal needs: `households_pct` of the households in scope, rounded up
    (exact arithmetic: 7% of 100 is 7, not 8), at least 1; or the fixed `supports`; None
    when the deliberation has no threshold."""
    if not threshold:
        return None
    if "supports" in threshold:
        return threshold["supports"]
    pct = Fraction(str(threshold["households_pct"]))
    return max(1, math.ceil(pct * households / 100))


def needs_households(threshold):
    return bool(threshold) and "households_pct" in threshold


def reached(supports, threshold):
    return threshold is not None and supports >= threshold


# -- deliberations ---------------------------------------------------------------------------
def new_deliberation(data, actor, now):
    opens_at, closes_at = clock.iso(data["opens_at"]), clock.iso(data["closes_at"])
    return {
        "_id": ids.new_id(), "community_id": data["community_id"],
        "compound_id": data.get("compound_id"), "title": data["title"],
        "description": data.get("description"), "opens_at": opens_at, "closes_at": closes_at,
        "threshold": data.get("threshold"), "threshold_supports": None, "households": None,
        "status": "scheduled", "opened_at": None, "closed_at": None,
        "created_at": now, "created_by": actor["id"],
    }


def opening(deliberation, households, now):
    return {"status": "open", "opened_at": now, "households": households,
            "threshold_supports": threshold_supports(deliberation.get("threshold"), households)}


def opened_event_data(deliberation, changes):
    return {"deliberation_id": deliberation["_id"], **_scope(deliberation),
            "title": deliberation["title"], "opens_at": deliberation["opens_at"],
            "closes_at": deliberation["closes_at"], "opened_at": changes["opened_at"],
            "households": changes["households"],
            "threshold_supports": changes["threshold_supports"]}


def closing(deliberation, now, early=False):
    changes = {"status": "closed", "closed_at": now}
    if early and now < deliberation["closes_at"]:
        changes["closes_at"] = now  # closed early: the week ended now
    return changes


def closed_event_data(deliberation, changes):
    return {"deliberation_id": deliberation["_id"], **_scope(deliberation),
            "title": deliberation["title"], "closed_at": changes["closed_at"]}


def check_times(opens_at, closes_at):
    if closes_at <= opens_at:
        return "closes_at must be after opens_at"
    return None


def deliberation_view(deliberation, now):
    keys = ("community_id", "compound_id", "title", "description", "opens_at", "closes_at",
            "threshold", "threshold_supports", "households", "opened_at", "closed_at",
            "created_at", "created_by")
    return {"id": deliberation["_id"], **{key: deliberation.get(key) for key in keys},
            "status": effective_status(deliberation, now)}


def _scope(document):
    return {"community_id": document["community_id"], "compound_id": document.get("compound_id")}


# -- who acts for whom ---------------------------------------------------------------------------
def acted_by(call, resident_id):
    """`{sub, on_behalf_of}` for an act concerning `resident_id`: a resident acts only for
    themself; grid workers and community staff act on a resident's behalf."""
    if call.actor == resident_id:
        return {"sub": call.actor, "on_behalf_of": None}
    if call.has_any(*ON_BEHALF_ROLES):
        return {"sub": call.actor, "on_behalf_of": resident_id}
    raise Forbidden("a resident may act only for themself")


def in_scope(deliberation, resident):
    """Does the resident live in the deliberation's compound (or community)?"""
    if deliberation.get("compound_id"):
        return resident.get("compound_id") == deliberation["compound_id"]
    return resident.get("community_id") == deliberation["community_id"]


def require_in_scope(deliberation, resident):
    if not in_scope(deliberation, resident):
        where = "compound" if deliberation.get("compound_id") else "community"
        raise Conflict(f"the resident does not live in this deliberation's {where}")


# -- proposals -----------------------------------------------------------------------------------
def new_proposal(data, deliberation, by, now):
    return {
        "_id": ids.new_id(), "deliberation_id": deliberation["_id"], **_scope(deliberation),
        "title": data["title"], "description": data["description"],
        "author_resident_id": data["author_resident_id"], "submitted_by": by,
        "need_ids": list(dict.fromkeys(data.get("need_ids") or [])),
        "status": "open", "threshold_supports": deliberation.get("threshold_supports"),
        "decision": None, "progress": {"percent": 0, "milestones": {}},
        "submitted_at": now, "implemented_at": None,
    }


def proposal_event_base(proposal):
    return {"proposal_id": proposal["_id"], "deliberation_id": proposal["deliberation_id"],
            **_scope(proposal), "title": proposal["title"],
            "author_resident_id": proposal["author_resident_id"]}


def submitted_event_data(proposal):
    return {**proposal_event_base(proposal), "submitted_at": proposal["submitted_at"],
            "submitted_by": proposal["submitted_by"], "need_ids": proposal["need_ids"],
            "threshold_supports": proposal["threshold_supports"]}


def proposal_view(proposal, supports):
    keys = ("deliberation_id", "community_id", "compound_id", "title", "description",
            "author_resident_id", "submitted_by", "status", "threshold_supports", "decision",
            "need_ids", "submitted_at", "implemented_at")
    progress = proposal.get("progress") or {}
    milestones = [progress.get("milestones", {})[key]
                  for key in sorted(progress.get("milestones", {}))]
    return {"id": proposal["_id"], **{key: proposal.get(key) for key in keys},
            "supports": supports,
            "reached_threshold": reached(supports, proposal.get("threshold_supports")),
            "progress": {"percent": progress.get("percent", 0), "milestones": milestones}}


# -- supports -------------------------------------------------------------------------------------
def support_key(tenant, proposal_id, resident_id):
    """One support document per (tenant, proposal, resident), for ever: supporting again
    after a withdrawal revives it, so the unique key never has to allow two."""
    return f"{tenant}:{proposal_id}:{resident_id}"


def new_support(key, proposal, resident_id, by, now):
    return {"_id": key, "proposal_id": proposal["_id"],
            "deliberation_id": proposal["deliberation_id"], **_scope(proposal),
            "resident_id": resident_id, "status": "active", "version": 1, "at": now, "by": by,
            "withdrawn_at": None}


def support_event_data(proposal, support, at, by):
    """For the support document as it will be after the move (its new version)."""
    return {**proposal_event_base(proposal), "support_id": support["_id"],
            "resident_id": support["resident_id"], "support_version": support["version"],
            "at": at, "by": by}


def support_view(support):
    return {"proposal_id": support["proposal_id"], "resident_id": support["resident_id"],
            "at": support["at"], "by": support["by"]}


def support_listed(support):
    """A support in the staff's list: who acted for whom, and any withdrawal."""
    return {"id": support["_id"], **support_view(support), "status": support["status"],
            "withdrawn_at": support.get("withdrawn_at"),
            "withdrawn_by": support.get("withdrawn_by")}


# -- decision and progress ---------------------------------------------------------------------------
def decision(data, by_sub, now):
    budget = data.get("budget_yuan")
    return {"outcome": data["outcome"], "answer": data["answer"],
            "budget_yuan": round(budget, 2) if budget is not None else None,
            "due_by": data["due_by"].isoformat() if data.get("due_by") else None,
            "decided_at": now, "decided_by": by_sub}


def require_decidable(deliberation, proposal, now):
    status = effective_status(deliberation, now)
    if status != "closed":
        raise Conflict(f"the deliberation is {status}; a proposal is decided after it closes")
    if proposal["status"] != "open":
        raise Conflict(f"the proposal was already decided ({proposal['status']})")


def decided_event_data(proposal, decided, supports):
    return {**proposal_event_base(proposal), **{k: decided[k] for k in (
        "outcome", "answer", "budget_yuan", "due_by", "decided_at")}, "supports": supports}


def progress_step(proposal, percent, note, now):
    """The update for a milestone, or Conflict: only an accepted proposal progresses, and its
    percentage never goes down; at 100 it is implemented."""
    if proposal["status"] != "accepted":
        raise Conflict(f"the proposal is {proposal['status']}; only an accepted proposal "
                       f"records progress")
    current = (proposal.get("progress") or {}).get("percent", 0)
    if percent < current:
        raise Conflict(f"progress is at {current}%; it cannot go back to {percent}%")
    milestone = {"percent": percent, "note": note, "at": now}
    changes = {"progress.percent": percent, f"progress.milestones.{ids.new_id()}": milestone}
    if percent == 100:
        changes.update({"status": "implemented", "implemented_at": now})
    return changes


def progressed_event_data(proposal, percent, note, now):
    return {**proposal_event_base(proposal), "percent": percent, "note": note, "at": now}


def implemented_event_data(proposal, note, now):
    return {"proposal_id": proposal["_id"], "deliberation_id": proposal["deliberation_id"],
            "title": proposal["title"], "need_ids": list(proposal.get("need_ids") or []),
            **_scope(proposal), "author_resident_id": proposal["author_resident_id"],
            "implemented_at": now, "note": note}
