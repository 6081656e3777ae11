"""Follow-up rules without a broker or a store."""
from datetime import date

import pytest

from services.health import followups

RESIDENT = {"resident_id": "r1", "community_id": "k", "compound_id": "c", "household_id": "h",
            "grid": "第1网格"}


@pytest.mark.parametrize("today, status", [
    ("2026-12-09", "pending"), ("2026-12-10", "due"), ("2026-12-17", "due"),
    ("2026-12-18", "overdue")])
def test_status_follows_the_date(today, status):
    assert followups.status_on(date.fromisoformat(today), "2026-12-10", "2026-12-17") == status


def test_a_visit_asks_for_the_next_one_in_local_days():
    visit = {"_id": "v1", **RESIDENT, "completed_at": "2026-11-30T17:00:00.000+00:00"}
    # 17:00 UTC on 30 November is 1 December in China
    follow_up = followups.after_visit(visit, 10, 7, date(2026, 12, 1))
    assert (follow_up["_id"], follow_up["due_on"], follow_up["overdue_after"]) == (
        "visit-v1", "2026-12-11", "2026-12-18")
    assert follow_up["status"] == "pending" and follow_up["grid"] == "第1网格"


def test_a_discharge_asks_for_a_visit_within_the_days_given():
    follow_up = followups.after_discharge("key", RESIDENT, "2026-11-28T02:30:00.000+00:00", 3,
                                          date(2026, 11, 28), "dv-key", "心内科")
    assert (follow_up["due_on"], follow_up["overdue_after"]) == ("2026-11-29", "2026-12-01")
    assert follow_up["kind"] == "discharge" and follow_up["visit_id"] == "dv-key"
    visit = followups.discharge_visit("dv-key", RESIDENT, "2026-11-28T02:30:00.000+00:00", 3,
                                      "心内科", {"id": "taihe"})
    assert visit["scheduled_for"] == "2026-11-29T01:00:00.000+00:00"  # 09:00 next local day
    assert visit["reason"] == "出院随访（心内科）" and visit["status"] == "scheduled"


def test_a_monthly_plan_is_due_all_month_under_one_id_per_month():
    plan = {**RESIDENT, "birth_date": "1941-09-03", "tags": ["lives_alone"]}
    march = followups.monthly_plan(plan, date(2027, 3, 15))
    assert (march["_id"], march["due_on"], march["overdue_after"], march["status"]) == (
        "plan-r1-2027-03", "2027-03-01", "2027-03-31", "due")
    assert followups.monthly_plan(plan, date(2027, 3, 31))["_id"] == march["_id"]
    assert followups.monthly_plan(plan, date(2027, 2, 3))["overdue_after"] == "2027-02-28"


@pytest.mark.parametrize("born, tags, eligible", [
    ("1941-09-03", ["lives_alone"], True),
    ("1941-09-03", ["mobility_impaired", "party_member"], True),
    ("1941-09-03", ["chronic_condition"], False),
    ("1972-10-10", ["lives_alone"], False),
    ("1966-12-02", ["lives_alone"], False),   # 60 only from 2 December 2026
    (None, ["lives_alone"], False),           # registry facts not projected yet
])
def test_plan_eligibility(born, tags, eligible):
    plan = {"birth_date": born, "tags": tags}
    assert followups.plan_eligible(plan, date(2026, 12, 1)) is eligible


def test_which_visit_closes_a_follow_up():
    due = {"status": "due", "due_on": "2026-12-10", "due_at": "2026-12-10T00:00:05.000+00:00"}
    early = {"status": "pending", "due_on": "2026-12-10"}
    own = {"status": "pending", "due_on": "2026-12-10", "visit_id": "v9"}
    at = "2026-12-01T02:00:00.000+00:00"
    assert followups.closes(due, "v1", date(2026, 12, 10), "2026-12-10T02:00:00.000+00:00")
    assert not followups.closes(early, "v1", date(2026, 12, 1), at)  # seen long before it is due
    assert followups.closes(early, "v1", date(2026, 12, 10), "2026-12-10T02:00:00.000+00:00")
    assert followups.closes(own, "v9", date(2026, 12, 1), at)


def test_a_follow_up_flagged_due_before_the_visit_is_closed_by_it_whatever_its_due_day():
    """An operator's sweep for a later day flagged it: a visit after that fulfils it, one
    before it does not, however late that one's event is applied (its status now is not asked)."""
    flagged = {"status": "overdue", "due_on": "2026-12-20",
               "overdue_at": "2026-12-01T03:00:00.000+00:00"}
    assert followups.closes(flagged, "v1", date(2026, 12, 1), "2026-12-01T03:00:01.000+00:00")
    assert not followups.closes(flagged, "v1", date(2026, 12, 1), "2026-12-01T02:59:59.000+00:00")
    # the same instant written with Z
    assert followups.closes(flagged, "v1", date(2026, 12, 1), "2026-12-01T03:00:00Z")
    assert not followups.closes(flagged, "v1", date(2026, 12, 1), "2026-12-01T02:59:59Z")


def test_a_follow_up_created_due_is_flagged_from_its_creation():
    plan = followups.monthly_plan({**RESIDENT, "birth_date": "1941-09-03"}, date(2027, 3, 15))
    assert plan["status"] == "due" and plan["due_at"] == plan["created_at"]
    late = followups.after_discharge("k", RESIDENT, "2026-11-01T02:30:00.000+00:00", 3,
                                     date(2026, 12, 1), "dv-k", None)
    assert late["status"] == "overdue" and late["overdue_at"] == late["created_at"]
    pending = followups.after_visit({"_id": "v1", **RESIDENT,
                                     "completed_at": "2026-12-01T02:00:00.000+00:00"}, 10, 7,
                                    date(2026, 12, 1))
    assert "due_at" not in pending and "overdue_at" not in pending


def test_local_day_of_instants_and_dates():
    assert followups.local_day("2026-11-30T16:00:00.000+00:00") == date(2026, 12, 1)
    assert followups.local_day("2026-11-30T15:59:59.000+00:00") == date(2026, 11, 30)
    assert followups.local_day("2026-11-30") == date(2026, 11, 30)


def test_a_plan_made_after_this_months_visit_starts_done():
    assert followups.month_start_instant(date(2026, 12, 15)) == "2026-11-30T16:00:00.000+00:00"
    plan = followups.monthly_plan({**RESIDENT, "birth_date": "1941-09-03"}, date(2026, 12, 15))
    done = followups.already_done(plan, {"_id": "v7", "completed_at": "2026-12-02T01:00:00Z"})
    assert (done["status"], done["done_by_visit_id"]) == ("done", "v7")
