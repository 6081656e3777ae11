"""The deliberation week's rules without a broker or a store: the threshold arithmetic, the
state clock, who may act for whom, and every illegal move (409)."""
from datetime import datetime, timezone

import pytest

from chassis import context
from chassis.context import Call
from chassis.errors import Conflict, Forbidden
from services.council.deliberation import domain

OPENS, CLOSES = "2026-12-01T00:00:00.000+00:00", "2026-12-08T00:00:00.000+00:00"
BEFORE, DURING, AFTER = ("2026-11-30T23:59:59.999+00:00", "2026-12-03T08:00:00.000+00:00",
                         "2026-12-08T00:00:00.000+00:00")


def week(status="scheduled", **extra):
    return {"_id": "d1", "community_id": "c1", "compound_id": "p1", "title": "议事周",
            "opens_at": OPENS, "closes_at": CLOSES, "status": status, **extra}


def call(sub, *roles):
    data = {}
    context.bind(data, tenant="t", actor=sub, roles=roles)
    return Call(data)


def accepted(percent=0):
    return {"_id": "p", "status": "accepted", "progress": {"percent": percent, "milestones": {}}}


# -- threshold arithmetic -------------------------------------------------------------------
@pytest.mark.parametrize("pct, households, expected", [
    (10, 100, 10), (10, 101, 11), (7, 100, 7), (33.3, 10, 4), (0.5, 1, 1), (100, 37, 37),
    (50, 3, 2), (12.5, 8, 1), (12.5, 9, 2), (1, 0, 1), (14, 50, 7), (29, 100, 29),
])
def test_households_pct_rounds_up_exactly(pct, households, expected):
    assert domain.threshold_supports({"households_pct": pct}, households) == expected


def test_fixed_supports_and_no_threshold():
    assert domain.threshold_supports({"supports": 12}, 999) == 12
    assert domain.threshold_supports(None, 50) is None
    assert not domain.needs_households({"supports": 3})
    assert domain.needs_households({"households_pct": 5})


def test_reached_threshold_is_supports_at_least_threshold():
    assert domain.reached(3, 3) and domain.reached(4, 3)
    assert not domain.reached(2, 3)
    assert not domain.reached(100, None)


def test_opening_fixes_the_threshold_from_the_households_then():
    changes = domain.opening(week(threshold={"households_pct": 10}), 41, DURING)
    assert changes == {"status": "open", "opened_at": DURING, "households": 41,
                       "threshold_supports": 5}


# -- the state clock ------------------------------------------------------------------------------
def test_status_follows_the_times():
    assert domain.status_by_clock(OPENS, CLOSES, BEFORE) == "scheduled"
    assert domain.status_by_clock(OPENS, CLOSES, OPENS) == "open"
    assert domain.status_by_clock(OPENS, CLOSES, DURING) == "open"
    assert domain.status_by_clock(OPENS, CLOSES, AFTER) == "closed"


def test_a_recorded_status_never_moves_back():
    assert domain.effective_status(week("closed"), DURING) == "closed"  # closed early
    assert domain.effective_status(week("open"), BEFORE) == "open"
    assert domain.effective_status(week("scheduled"), AFTER) == "closed"


def test_transitions_due_walk_in_order():
    assert domain.transitions_due(week("scheduled"), BEFORE) == []
    assert domain.transitions_due(week("scheduled"), DURING) == ["open"]
    assert domain.transitions_due(week("scheduled"), AFTER) == ["open", "close"]
    assert domain.transitions_due(week("open"), AFTER) == ["close"]
    assert domain.transitions_due(week("closed"), AFTER) == []
    assert domain.transitions_due(week("closed"), DURING) == []


def test_closing_early_moves_the_closing_time():
    assert domain.closing(week("open"), DURING, early=True) == {
        "status": "closed", "closed_at": DURING, "closes_at": DURING}
    assert domain.closing(week("open"), AFTER) == {"status": "closed", "closed_at": AFTER}


def test_times_are_stored_in_utc():
    data = {"community_id": "c", "title": "t",
            "opens_at": datetime(2026, 12, 1, 8, tzinfo=timezone.utc),
            "closes_at": datetime.fromisoformat("2026-12-08T08:00:00+08:00")}
    made = domain.new_deliberation(data, {"id": "staff"}, DURING)
    assert made["opens_at"] == "2026-12-01T08:00:00.000+00:00"
    assert made["closes_at"] == "2026-12-08T00:00:00.000+00:00"
    assert made["status"] == "scheduled"


# -- who acts for whom ------------------------------------------------------------------------------
def test_a_resident_acts_for_themself_only():
    assert domain.acted_by(call("r1", "resident"), "r1") == {"sub": "r1", "on_behalf_of": None}
    with pytest.raises(Forbidden):
        domain.acted_by(call("r1", "resident"), "r2")


@pytest.mark.parametrize("role", ["grid_worker", "community_staff"])
def test_grid_workers_and_staff_act_on_behalf(role):
    assert domain.acted_by(call("w1", role), "r2") == {"sub": "w1", "on_behalf_of": "r2"}


def test_other_roles_cannot_act_for_a_resident():
    with pytest.raises(Forbidden):
        domain.acted_by(call("doc", "medical_staff"), "r2")


def test_scope_is_the_compound_or_the_community():
    resident = {"compound_id": "p1", "community_id": "c1"}
    assert domain.in_scope(week(), resident)
    assert not domain.in_scope(week(), {"compound_id": "p2", "community_id": "c1"})
    assert domain.in_scope(week(compound_id=None), {"compound_id": "p2", "community_id": "c1"})
    assert not domain.in_scope(week(compound_id=None), {"compound_id": "x", "community_id": "c2"})
    with pytest.raises(Conflict):
        domain.require_in_scope(week(), {"compound_id": "p2", "community_id": "c1"})


# -- illegal moves: 409 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("status, now", [("scheduled", BEFORE), ("open", AFTER),
                                         ("closed", DURING)])
def test_proposing_or_supporting_outside_the_open_week(status, now):
    with pytest.raises(Conflict):
        domain.require_open(week(status), now, "proposals are taken")


def test_open_week_allows_proposals():
    domain.require_open(week("open"), DURING, "proposals are taken")


def test_decision_only_after_closing_and_once():
    with pytest.raises(Conflict, match="after it closes"):
        domain.require_decidable(week("open"), {"status": "open"}, DURING)
    with pytest.raises(Conflict, match="after it closes"):
        domain.require_decidable(week("scheduled"), {"status": "open"}, BEFORE)
    domain.require_decidable(week("open"), {"status": "open"}, AFTER)
    for decided in ("accepted", "rejected", "implemented"):
        with pytest.raises(Conflict, match="already decided"):
            domain.require_decidable(week("closed"), {"status": decided}, AFTER)


@pytest.mark.parametrize("status", ["open", "rejected", "implemented"])
def test_progress_only_on_accepted_proposals(status):
    with pytest.raises(Conflict):
        domain.progress_step({**accepted(), "status": status}, 10, "开工", DURING)


def test_progress_never_goes_back_and_implements_at_100():
    with pytest.raises(Conflict, match="cannot go back"):
        domain.progress_step(accepted(50), 40, "x", DURING)
    same = domain.progress_step(accepted(50), 50, "又一个节点", DURING)
    assert same["progress.percent"] == 50 and "status" not in same
    done = domain.progress_step(accepted(50), 100, "完工", DURING)
    assert done["status"] == "implemented" and done["implemented_at"] == DURING


def test_the_view_counts_supports_and_orders_milestones():
    proposal = {"_id": "p", "status": "accepted", "threshold_supports": 3,
                "progress": {"percent": 50, "milestones": {
                    "02": {"percent": 50, "note": "b", "at": "2"},
                    "01": {"percent": 20, "note": "a", "at": "1"}}}}
    view = domain.proposal_view(proposal, 3)
    assert view["supports"] == 3 and view["reached_threshold"] is True
    assert [m["note"] for m in view["progress"]["milestones"]] == ["a", "b"]
    assert domain.proposal_view(proposal, 2)["reached_threshold"] is False
