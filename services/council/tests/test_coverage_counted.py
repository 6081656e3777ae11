"""Counted coverage and the paged worklist (ADR 0017) on a real store: the figures and the
list equal the full path's (every household read) after shuffled, redelivered events; the
pages walk the list once, in the API's order, while knocks land between them; another week
still answers exactly."""
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from chassis import clock
from services.council import households, service
from services.council.needs import deadlines
from services.council.outreach import coverage_read, store
from tests.infra import staff_database

pytestmark = pytest.mark.integration
TODAY = date(2026, 12, 1)
WEEK = "2026-W49"  # 2026-11-30 .. 2026-12-06, UTC+8
START = deadlines.week_bounds(WEEK)[0]
COMMUNITIES = {"c-东": ["g-东1", "g-东2", "g-东3"], "c-西": ["g-西1", "g-西2"]}


@pytest.fixture(autouse=True)
def on_the_day(monkeypatch):
    """The projection's writes see TODAY too (its keys depend on the day they are written)."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def database(mongo, db_prefix, tenant="hongwei", communities=None):
    raw = mongo[f"{db_prefix}_council"]
    service.ensure_indexes(raw)
    return staff_database(raw, tenant, service.COMMUNITY_SCOPED, communities)


def at(day, hour=10):
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc).isoformat(timespec="milliseconds")


def history(rng, n_homes=60):
    """The registry's and council's events for a tenant, as (handler name, arguments)."""
    events = []
    for community, grids in COMMUNITIES.items():
        for grid in grids:
            events.append(("grid", {"grid_id": grid, "community_id": community,
                                    "name": grid, "worker_subs": []}))
    for n in range(n_homes):
        community = rng.choice(sorted(COMMUNITIES))
        home = {"household_id": f"h{n:03d}", "community_id": community, "compound_id": "p",
                "address": f"{n}栋", "grid_id": rng.choice(COMMUNITIES[community] + [None])}
        events.append(("household", home))
        knocked_this_week = rng.random() < 0.3
        if not knocked_this_week and rng.random() < 0.3:  # moved: counts move with it
            events.append(("household", {**home, "grid_id": rng.choice(COMMUNITIES[community])}))
        for r in range(rng.randint(1, 3)):
            born = rng.choice(("1940-05-01", "1966-12-01", "1966-12-02", "1990-01-01"))
            events.append(("resident", {"resident_id": f"r{n:03d}-{r}",
                                        "household_id": home["household_id"],
                                        "community_id": community, "birth_date": born,
                                        "tags": ["lives_alone"] if rng.random() < 0.3 else []}))
        for day in rng.sample(range(1, 28), rng.randint(0, 2)):  # before this week
            events.append(("knock", (home, "2026-W47", at(day))))
        if knocked_this_week:
            for day in range(rng.randint(1, 2)):
                events.append(("knock", (home, WEEK, at(30, 8 + day))))
    # the registry's events carry their version (households.event_version): here, the order
    # the registry wrote them in
    return [(kind, {**data, "v": f"{n:05d}"}) if kind in ("household", "resident")
            else (kind, data) for n, (kind, data) in enumerate(events)]


def apply(db, event):
    kind, data = event
    if kind == "grid":
        households.save_grid(db, data)
    elif kind == "household":
        households.save_household(db, data, data["v"])
    elif kind == "resident":
        households.save_resident(db, data["resident_id"], {
            **households.resident_fields(data), "community_id": data["community_id"]}, data["v"])
    else:  # what on_door_knocked does with council's own door_knocked
        home, week, moment = data
        store.count_knock(db, week, home["community_id"], home["grid_id"],
                          home["household_id"], moment)
        households.knocked(db, home["household_id"], moment)


def loaded(mongo, db_prefix, seed, **scope):
    rng = random.Random(seed)
    events = history(rng)
    # a household's own changes keep their order (test_household_order.py reorders them),
    # interleaved with everything else shuffled, a third of it delivered twice
    moves = [e for e in events if e[0] == "household"]
    rest = [e for e in events if e[0] != "household"]
    rest += rng.sample(rest, len(rest) // 3)
    rng.shuffle(rest)
    merged = []
    while moves or rest:
        source = moves if moves and (not rest or rng.random() < 0.3) else rest
        merged.append(source.pop(0))
    db = database(mongo, db_prefix, **scope)
    for event in merged:
        apply(db, event)
    return db


def walk(db, limit, community=None, grid=None, between=None):
    rows, cursor, pages = [], None, 0
    while True:
        answer = coverage_read.read(db, WEEK, community, grid, limit, cursor, TODAY, WEEK)
        assert len(answer["not_knocked"]) <= limit
        rows += answer["not_knocked"]
        cursor, pages = answer["not_knocked_next"], pages + 1
        if not cursor:
            return rows, answer, pages
        if between:
            between(pages)


def full(db, community=None, grid=None):
    return coverage_read.read(db, WEEK, community, grid, 10_000, None, TODAY, "another week")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_and_every_page_equal_the_full_recount(mongo, db_prefix, seed):
    db = loaded(mongo, db_prefix, seed)
    scopes = [{}] + [{"community": c} for c in COMMUNITIES] + [
        {"grid": g} for grids in COMMUNITIES.values() for g in grids]
    for scope in scopes:
        expected = full(db, **scope)
        rows, answer, pages = walk(db, 4, **scope)
        figures = ("households", "knocked", "coverage", "by_grid", "not_knocked_total")
        assert {k: answer[k] for k in figures} == {k: expected[k] for k in figures}, scope
        assert rows == expected["not_knocked"], scope  # the same households, the same order
        assert answer["not_knocked_total"] == len(rows)
        assert pages == max(1, -(-len(rows) // 4)), scope
    assert any(r["priority"] == "elderly_living_alone" for r in full(db)["not_knocked"])


def test_pages_walk_the_list_once_while_knocks_land_between_them(mongo, db_prefix):
    db = loaded(mongo, db_prefix, 7)
    before = [r["household_id"] for r in full(db, community="c-东")["not_knocked"]]
    rng = random.Random(7)
    knocked = set()

    def knock_some(page):
        for household_id in rng.sample(before, 2):  # listed already, or still to come
            home = households.households_in(db, "c-东")
            home = next(h for h in home if h["_id"] == household_id)
            store.count_knock(db, WEEK, "c-东", home.get("grid_id"), household_id, at(30, 12))
            households.knocked(db, household_id, at(30, 12))
            knocked.add(household_id)

    rows, answer, _ = walk(db, 3, community="c-东", between=knock_some)
    seen = [r["household_id"] for r in rows]
    assert len(seen) == len(set(seen))  # nobody twice
    # in the API's order, and everyone still not knocked at the end was listed
    assert seen == [h for h in before if h in set(seen)]
    assert set(before) - knocked <= set(seen)
    assert answer["not_knocked_total"] == len(set(before) - knocked)


def test_another_week_is_answered_by_the_full_path_and_pages_too(mongo, db_prefix):
    db = loaded(mongo, db_prefix, 4)
    answer = coverage_read.read(db, "2026-W47", None, None, 5, None, TODAY, WEEK)
    everything = coverage_read.read(db, "2026-W47", None, None, 10_000, None, TODAY, WEEK)
    assert everything["knocked"] > 0 and everything["not_knocked_next"] is None
    rows, cursor = answer["not_knocked"], answer["not_knocked_next"]
    while cursor:
        page = coverage_read.read(db, "2026-W47", None, None, 5, cursor, TODAY, WEEK)
        rows, cursor = rows + page["not_knocked"], page["not_knocked_next"]
    assert rows == everything["not_knocked"]
    assert answer["not_knocked_total"] == len(rows)


def test_a_scoped_caller_sees_its_communities_only(mongo, db_prefix):
    loaded(mongo, db_prefix, 5)
    scoped = database(mongo, db_prefix, communities=["c-西"])
    mine = coverage_read.read(scoped, WEEK, None, None, 500, None, TODAY, WEEK)
    admin = coverage_read.read(database(mongo, db_prefix), WEEK, "c-西", None, 500, None,
                               TODAY, WEEK)
    assert mine == admin
    other_grid = coverage_read.read(scoped, WEEK, None, "g-东1", 500, None, TODAY, WEEK)
    assert (other_grid["households"], other_grid["by_grid"], other_grid["not_knocked"],
            other_grid["not_knocked_total"]) == (0, [], [], 0)
    stranger = database(mongo, db_prefix, tenant="another")
    assert coverage_read.read(stranger, WEEK, "c-西", None, 500, None, TODAY, WEEK)[
        "households"] == 0


def test_a_resident_turning_sixty_moves_their_household_up_without_an_event(mongo, db_prefix,
                                                                          monkeypatch):
    db = database(mongo, db_prefix)
    households.save_household(db, {"household_id": "h1", "community_id": "c", "grid_id": "g",
                                   "address": "1栋", "compound_id": "p"}, "1")
    households.save_household(db, {"household_id": "h0", "community_id": "c", "grid_id": "g",
                                   "address": "0栋", "compound_id": "p"}, "2")
    households.save_resident(db, "r1", {"household_id": "h1", "birth_date": "1966-12-02",
                                        "lives_alone": True, "community_id": "c"}, "3")

    def order(today):
        answer = coverage_read.read(db, WEEK, "c", None, 10, None, today, WEEK)
        return [(r["household_id"], r["priority"]) for r in answer["not_knocked"]]

    assert order(TODAY) == [("h0", "never_knocked"), ("h1", "never_knocked")]
    tomorrow = [("h1", "elderly_living_alone"), ("h0", "never_knocked")]
    assert order(TODAY + timedelta(days=1)) == tomorrow  # no write since: from its `wy_` key
    households.save_household(db, {"household_id": "h1", "community_id": "c", "grid_id": "g",
                                   "address": "1栋", "compound_id": "p"}, "4")
    assert order(TODAY + timedelta(days=1)) == tomorrow  # written again today: the same
    monkeypatch.setattr(clock, "today", lambda: TODAY + timedelta(days=1))
    households.knocked(db, "h1", at(1))  # its next write, on the day: a `wa_` key now
    assert "wa_c" in db["households"].find_one({"_id": "h1"})
    assert order(TODAY + timedelta(days=1)) == tomorrow
    households.save_resident(db, "r1", {"lives_alone": False, "community_id": "c"}, "5")
    assert order(TODAY + timedelta(days=1))[0] == ("h0", "never_knocked")


def test_two_consumers_at_once_count_each_household_once(mongo, db_prefix):
    """Two replicas taking the same events (a redelivery racing its first delivery), moves
    between grids and residents of one household among them: the counts are the households'
    grids, once each, and the list puts the elderly living alone first, as the facts say."""
    import threading

    rng = random.Random(9)
    events = [e for e in history(rng) if e[0] in ("grid", "household", "resident")]
    db = database(mongo, db_prefix)
    for event in events:
        if event[0] == "grid":
            apply(db, event)
    homes = [e for e in events if e[0] != "grid"]
    errors = []

    def run():
        try:
            for event in homes:
                apply(database(mongo, db_prefix), event)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for scope in [{}] + [{"community": c} for c in COMMUNITIES]:
        rows, counted, _ = walk(db, 500, **scope)
        expected = full(db, **scope)
        assert (counted["households"], counted["by_grid"]) == (expected["households"],
                                                               expected["by_grid"]), scope
        assert rows == expected["not_knocked"], scope


def test_households_projected_before_the_keys_get_them_at_the_next_start(mongo, db_prefix):
    db = loaded(mongo, db_prefix, 6)
    expected = full(db)
    raw = mongo[f"{db_prefix}_council"]
    raw["households"].update_many({}, {"$unset": {name: "" for name in (
        "wl_t", "wl_c", "wl_g", "wa_t", "wa_c", "wa_g", "alone_from")}})
    raw["household_counts"].delete_many({})
    service.ensure_indexes(raw)  # marked already: nothing to do
    assert walk(db, 5)[1]["households"] == 0
    raw["schema_marks"].delete_one({"_id": households.WORKLIST_MARK})  # a store from before
    service.ensure_indexes(raw)
    rows, answer, _ = walk(db, 5)
    assert rows == expected["not_knocked"]
    assert (answer["households"], answer["by_grid"]) == (expected["households"],
                                                         expected["by_grid"])
