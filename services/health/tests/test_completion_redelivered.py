"""What a completed visit does to follow-ups, applied again and again, late and out of order
(health's visit_completed handler is keyed by the event: no record of handled events guards
it, ADR 0014 addendum). Run against the real store, without a broker: the domain function the
handler calls, with the event's data."""
import uuid
from datetime import timedelta

import pytest

from chassis import clock
from services.health import care, domain, followups, store, sweep

pytestmark = pytest.mark.integration

GRACE = 7
RESIDENT = {"resident_id": "r-1", "community_id": "k-1", "compound_id": "c-1",
            "household_id": "h-1", "grid": "第1网格"}


RAW = {}  # tenant -> its raw health database, to read documents with their outbox


@pytest.fixture
def db(mongo, settings):
    raw = mongo[settings.database_name("health")]
    tenant_db = sweep.system_db(raw, f"sd-{uuid.uuid4().hex[:6]}")
    RAW[tenant_db.tenant] = raw
    return tenant_db


def completed_visit(db, visit_id, follow_up_in_days=None, completed_at=None):
    """A completed visit as the request stored it, and its event's data."""
    visit = {"_id": visit_id, **RESIDENT, "scheduled_for": clock.now_iso(), "reason": None,
             "created_at": clock.now_iso(), "created_by": {"id": "doctor-1"},
             **domain.completion({"symptoms": ["头晕"], "medicines_dispensed": [],
                                  "follow_up_in_days": follow_up_in_days}, {"id": "doctor-1"})}
    if completed_at:
        visit["completed_at"] = completed_at
    store.add_visit_if_new(db, visit, {"event_id": uuid.uuid4().hex, "type": "x", "data": {}})
    return domain.completed_event_data(visit_id, visit, visit)


def apply(db, data, times=1):
    for _ in range(times):
        care.after_completed_visit(db, data, GRACE)


def follow_ups(db):
    """Every follow-up of the test's tenant, with its outbox (the raw documents)."""
    return {row["_id"]: row
            for row in RAW[db.tenant][store.FOLLOW_UPS].find({"tenant": db.tenant})}


def done_events(row):
    """The follow_up_changed events with status done its writes carried (still in its outbox:
    no relay runs here)."""
    return [event for event in (row.get("_outbox") or {}).values()
            if event["data"]["status"] == "done"]


def discharge_follow_up(db, key, due_in_days, today=None):
    """A discharge follow-up due `due_in_days` local days from today."""
    today = today or followups.local_today()
    discharged = clock.iso(clock.utcnow() + timedelta(days=due_in_days - 1))
    follow_up = followups.after_discharge(key, RESIDENT, discharged, 3, today, f"dv-{key}", None)
    store.add_follow_up(db, follow_up, sweep.follow_up_event(follow_up))
    return follow_up


def test_the_same_completion_three_times_makes_and_closes_each_follow_up_once(db):
    due = discharge_follow_up(db, "a", 0)      # due today: this visit fulfils it
    later = discharge_follow_up(db, "b", 5)    # due in 5 days: it does not
    data = completed_visit(db, "v1", follow_up_in_days=10)
    apply(db, data, times=3)
    rows = follow_ups(db)
    assert rows[due["_id"]]["status"] == "done"
    assert rows[due["_id"]]["done_by_visit_id"] == "v1"
    assert len(done_events(rows[due["_id"]])) == 1
    assert rows[later["_id"]]["status"] == "pending"
    assert rows["visit-v1"]["status"] == "pending"  # the next one, made once
    assert set(rows) == {due["_id"], later["_id"], "visit-v1"}


def test_a_completion_redelivered_after_its_own_follow_up_turned_due_leaves_it_open(db):
    """The follow-up a visit asked for is due (a sweep ran for its day) when that visit's event
    comes again: it must not count as fulfilled by the visit that asked for it."""
    data = completed_visit(db, "v1", follow_up_in_days=10)
    apply(db, data)
    day = followups.local_today() + timedelta(days=10)
    assert sweep.sweep_tenant(db, day)["moved"] == 1
    apply(db, data, times=2)
    row = follow_ups(db)["visit-v1"]
    assert row["status"] == "due" and not done_events(row)


def test_an_earlier_completion_redelivered_after_a_later_one_changes_nothing(db):
    """A later event is applied before a redelivered earlier one: the later visit closed the
    follow-up; the earlier one (before its due day, or flagged after) does not re-close it, and
    the newer follow-ups the later events made stay as they are."""
    first = completed_visit(db, "v1", follow_up_in_days=3)
    apply(db, first)
    # the sweep of an operator for a later day flags v1's follow-up overdue; then v2
    assert sweep.sweep_tenant(db, followups.local_today() + timedelta(days=30))["moved"] == 1
    second = completed_visit(db, "v2", follow_up_in_days=5)
    apply(db, second)
    discharge = discharge_follow_up(db, "late", 0)  # made after both, due today
    apply(db, first, times=2)  # v1 again, twice: before its follow-up was flagged
    rows = follow_ups(db)
    assert rows["visit-v1"]["status"] == "done"
    assert rows["visit-v1"]["done_by_visit_id"] == "v2"
    assert len(done_events(rows["visit-v1"])) == 1
    assert rows["visit-v2"]["status"] == "pending"
    # due today, and v1 happened today: v1 fulfils it, first delivery or not
    assert rows[discharge["_id"]]["status"] == "done"
    assert rows[discharge["_id"]]["done_by_visit_id"] == "v1"
    apply(db, second, times=2)
    again = follow_ups(db)
    assert {k: (r["status"], r.get("done_by_visit_id")) for k, r in again.items()} == {
        k: (r["status"], r.get("done_by_visit_id")) for k, r in rows.items()}
    assert all(len(done_events(r)) <= 1 for r in again.values())


def test_a_visit_reported_late_does_not_close_a_follow_up_flagged_after_it(db):
    """A hospital's visit of yesterday, reported today: a follow-up flagged due this morning,
    with its due day today, was not fulfilled by it (its status now is not asked)."""
    follow_up = discharge_follow_up(db, "a", 0)  # created due today: flagged now
    yesterday = clock.iso(clock.utcnow() - timedelta(days=1))
    data = completed_visit(db, "hv-1", completed_at=yesterday)
    apply(db, data)
    assert follow_ups(db)[follow_up["_id"]]["status"] == "due"


def test_a_crash_between_the_close_and_the_next_follow_up_is_finished_by_the_retry(db,
                                                                                   monkeypatch):
    due = discharge_follow_up(db, "a", 0)
    data = completed_visit(db, "v1", follow_up_in_days=10)
    real = store.add_follow_up

    def crash(*args):
        raise ConnectionError("the store went away")

    monkeypatch.setattr(store, "add_follow_up", crash)
    with pytest.raises(ConnectionError):
        apply(db, data)
    assert follow_ups(db)[due["_id"]]["status"] == "done"  # closed, the next one not made
    assert "visit-v1" not in follow_ups(db)
    monkeypatch.setattr(store, "add_follow_up", real)
    apply(db, data)  # the consumer's retry
    rows = follow_ups(db)
    assert rows["visit-v1"]["status"] == "pending"
    assert len(done_events(rows[due["_id"]])) == 1


def test_a_sweep_moving_a_follow_up_on_meanwhile_does_not_make_the_close_miss_it(db,
                                                                                 monkeypatch):
    """Read pending, then moved to due by a sweep before the close is written: still closed."""
    follow_up = discharge_follow_up(db, "a", 0, today=followups.local_today() - timedelta(1))
    assert follow_up["status"] == "pending"
    real = store.open_follow_ups

    def read_then_sweep(*args):
        rows = real(*args)
        assert sweep.sweep_tenant(db, followups.local_today())["moved"] == 1
        return rows

    monkeypatch.setattr(store, "open_follow_ups", read_then_sweep)
    apply(db, completed_visit(db, "v1"))
    assert follow_ups(db)[follow_up["_id"]]["status"] == "done"
