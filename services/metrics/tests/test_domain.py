from datetime import date

from services.metrics import domain


def test_date_filters_are_local_days_as_utc_instants():
    start, end = domain.window(date(2026, 11, 1), date(2026, 11, 30))
    assert start == "2026-10-31T16:00:00.000+00:00"
    assert end == "2026-11-30T16:00:00.000+00:00"
    assert domain.window(None, None) == (None, None)


def test_facts_carry_no_clinical_detail():
    fact = domain.visit_fact({"visit_id": "v", "resident_id": "r", "community_id": "k",
                              "completed_at": "t", "medicine_packages": 3,
                              "medicines_dispensed": [], "recorded_by": "platform"})
    assert fact == {"_id": "v", "resident_id": "r", "community_id": "k", "completed_at": "t",
                    "medicine_packages": 3}


def test_a_follow_up_fact_ranks_its_status():
    data = {"follow_up_id": "f", "resident_id": "r", "community_id": "k", "kind": "visit",
            "status": "overdue", "due_on": "2026-12-10", "overdue_after": "2026-12-17"}
    fact = domain.follow_up_fact(data)
    assert fact == {"_id": "f", "community_id": "k", "resident_id": "r", "status": "overdue",
                    "rank": 2}
    ranks = [domain.follow_up_fact({**data, "status": s})["rank"]
             for s in ("pending", "due", "overdue", "done")]
    assert ranks == sorted(ranks)
