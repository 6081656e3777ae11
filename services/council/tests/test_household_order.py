"""The registry's events in any order (redeliveries, two consumers, the retry path) leave
council's projection at the newest registry state (ADR 0017, addendum): a late older
household change or a redelivered registration does not move a household back to its old
grid, its count or its worklist keys; a late older resident change does not undo a newer one."""
import random
import threading
from datetime import date, datetime, timezone

import pytest

from chassis import clock, ids
from services.council import household_counts, households, service
from services.council.needs import deadlines
from tests.infra import staff_database

pytestmark = pytest.mark.integration
TODAY = date(2026, 12, 1)
START = deadlines.week_bounds("2026-W49")[0]


@pytest.fixture(autouse=True)
def on_the_day(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def db(mongo, db_prefix):
    raw = mongo[f"{db_prefix}_council"]
    service.ensure_indexes(raw)
    return staff_database(raw, "hongwei", service.COMMUNITY_SCOPED)


def version(day, minute=0, ms=0):
    """An event's version as the projection's consumers derive it from the envelope."""
    moment = datetime(2026, 11, day, 10, minute, 0, ms * 1000, tzinfo=timezone.utc)
    return households.event_version({"occurred_at": clock.iso(moment), "event_id": ids.new_id()})


def home(grid, address="1栋", household_id="h1"):
    return {"household_id": household_id, "community_id": "c", "compound_id": "p",
            "address": address, "grid_id": grid}


def counted(db):
    return {grid: n for grid, n in household_counts.counts(db, "c").items() if n}


def listed(db, grid):
    return [h["_id"] for _, h in households.worklist(db, "g", grid, START, TODAY, 50)]


def test_a_late_older_change_and_a_redelivered_registration_leave_the_newest_grid(db):
    registered, old_change, new_change = version(1), version(2), version(3)
    households.save_household(db, home("g-A"), registered)
    households.save_household(db, home("g-B", "1栋101"), new_change)
    households.save_household(db, home("g-A", "1栋1"), old_change)  # late
    households.save_household(db, home("g-A"), registered)  # redelivered
    stored = db[households.HOUSEHOLDS].find_one({"_id": "h1"})
    assert (stored["grid_id"], stored["address"]) == ("g-B", "1栋101")
    assert stored[households.REGISTRY_VERSION] == new_change
    assert counted(db) == {"g-B": 1}
    assert listed(db, "g-A") == [] and listed(db, "g-B") == ["h1"]
    assert [h["_id"] for h in households.households_in(db, grid_id="g-A")] == []


def test_changes_a_millisecond_apart_keep_their_order(db):
    """The version compares to the millisecond on the stand-in too (see event_version)."""
    households.save_household(db, home("g-A"), version(1))
    households.save_household(db, home("g-C"), version(2, ms=2))
    households.save_household(db, home("g-B"), version(2, ms=1))  # late, 1 ms older
    assert db[households.HOUSEHOLDS].find_one({"_id": "h1"})["grid_id"] == "g-C"
    assert counted(db) == {"g-C": 1}


def test_a_knock_before_the_registration_takes_the_registrys_fields_and_then_its_order(db):
    """A knock upserts the household without a version (absent counts as oldest): the
    registration's fields land on it, and from then on the versions decide."""
    households.knocked(db, "h1", "2026-11-02T02:00:00.000+00:00")
    assert households.REGISTRY_VERSION not in db[households.HOUSEHOLDS].find_one({"_id": "h1"})
    registered, moved = version(1), version(3)
    households.save_household(db, home("g-A"), registered)
    stored = db[households.HOUSEHOLDS].find_one({"_id": "h1"})
    assert (stored["grid_id"], stored["community_id"], stored["last_knocked_at"]) == (
        "g-A", "c", "2026-11-02T02:00:00.000+00:00")
    assert counted(db) == {"g-A": 1} and listed(db, "g-A") == ["h1"]
    households.save_household(db, home("g-B"), moved)
    households.save_household(db, home("g-A"), registered)  # redelivered after the move
    assert db[households.HOUSEHOLDS].find_one({"_id": "h1"})["grid_id"] == "g-B"
    assert counted(db) == {"g-B": 1} and listed(db, "g-A") == []


def test_shuffled_versions_delivered_at_once_leave_the_newest(db):
    """Four consumers at once, each given every version of five households (shuffled, each
    ending on an older one so that the last writer is never the newest): the newest wins."""
    rng = random.Random(17)
    grids = ["g-A", "g-B", "g-C", "g-D", "g-E", "g-F"]
    events = [(home(grid, f"{n}栋", f"h{h}"), version(n + 1, h))
              for h in range(5) for n, grid in enumerate(grids)]
    newest = {data["household_id"]: (data["grid_id"], at) for data, at in events}  # the last
    errors = []

    def run(seed):
        mine = random.Random(seed).sample(events, len(events))
        # each household's newest first (a stable sort keeps the shuffle), the older after it
        mine.sort(key=lambda e: e[1] != newest[e[0]["household_id"]][1])
        try:
            for data, at in mine:
                households.save_household(db, data, at)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(rng.random(),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    stored = {h["_id"]: h["grid_id"] for h in households.households_in(db, community_id="c")}
    assert stored == {h: grid for h, (grid, _) in newest.items()}
    assert counted(db) == {"g-F": 5}
    assert sorted(listed(db, "g-F")) == sorted(newest) and listed(db, "g-A") == []


def resident(db, changes, at, resident_id="r1"):
    households.save_resident(db, resident_id, {**households.resident_fields(changes),
                                               "community_id": "c"}, at)


def test_late_older_resident_changes_keep_each_fields_newest(db):
    """resident_updated carries only what changed: a late older birth date still lands beside
    a newer lives_alone tag, and a late older move does not take the resident back."""
    households.save_household(db, home("g-A", household_id="h1"), version(1))
    households.save_household(db, home("g-A", household_id="h2"), version(1))
    born_change, tagged, old_move, new_move = version(3), version(4), version(5), version(6)
    resident(db, {"household_id": "h1", "birth_date": "1990-01-01", "tags": []}, version(2))
    resident(db, {"tags": ["lives_alone"]}, tagged)
    resident(db, {"birth_date": "1940-05-01"}, born_change)  # late, but the only birth change
    assert db[households.HOUSEHOLDS].find_one({"_id": "h1"})["alone_from"] == "2000-05-01"
    resident(db, {"household_id": "h2"}, new_move)
    resident(db, {"household_id": "h1"}, old_move)  # late
    resident(db, {"household_id": "h1", "birth_date": "1990-01-01", "tags": []},
             version(2))  # the registration redelivered
    facts = db[households.RESIDENTS].find_one({"_id": "r1"})
    assert (facts["household_id"], facts["birth_date"], facts["lives_alone"]) == (
        "h2", "1940-05-01", True)
    alone = {h["_id"]: h.get("alone_from") for h in households.households_in(db)}
    assert alone == {"h1": None, "h2": "2000-05-01"}
    first = households.worklist(db, "g", "g-A", START, TODAY, 50)
    assert [(part, h["_id"]) for part, h in first] == [("a", "h2"), ("r", "h1")]
