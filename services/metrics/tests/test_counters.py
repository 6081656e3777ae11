"""The summary's counters (services/metrics/counters.py) answer exactly what the aggregation of
every fact answers, on the same facts, for every community and a scoped caller: whatever
the order of events, their redeliveries, birth-date changes and the daily elderly cutoff."""
import random
import threading
import uuid
from datetime import date, timedelta

import pytest

from contracts.elderly import elderly_cutoff
from chassis.counter_keys import shard_of
from services.metrics import counters, store
from tests.infra import staff_database

pytestmark = pytest.mark.integration
COMMUNITIES = ("c-东", "c-西", "c-南")


def database(mongo, db_prefix, tenant="hongwei", communities=None):
    raw = mongo[f"{db_prefix}_metrics"]
    store.ensure_indexes(raw)
    return staff_database(raw, tenant, store.COMMUNITY_SCOPED, communities)


def aggregated(db, community, born_by):
    """The summary's figures as they were computed before the counters."""
    totals, served_ids = store.visit_totals(db, community)
    return {"registered": store.count_residents(db, community),
            "elderly_registered": store.count_residents(db, community, None, born_by),
            "elderly_served": store.count_elderly_among(db, served_ids, born_by),
            "visit_totals": totals}


def facts(rng, cutoff):
    residents, visits = [], []
    for n in range(120):
        # half born within a few days of today's cutoff: the cutoff year's birth days matter
        birth = (date.fromisoformat(cutoff) + timedelta(days=rng.randint(-4, 4)) if n % 2
                 else date(1930, 1, 1) + timedelta(days=rng.randrange(80 * 365)))
        residents.append({"_id": f"r-{n}", "community_id": rng.choice(COMMUNITIES),
                          "birth_date": birth.isoformat(),
                          "registered_at": f"2025-0{rng.randint(1, 9)}-01T00:00:00.000+00:00"})
    for n in range(200):
        resident = rng.choice(residents)
        visits.append({"_id": f"v-{n}", "resident_id": resident["_id"],
                       "community_id": resident["community_id"],
                       "completed_at": f"2026-11-{rng.randint(10, 28)}T{rng.randint(0, 23):02d}"
                                       ":30:00.000+00:00",
                       "medicine_packages": rng.randrange(4)})
    return residents, visits


def assert_same(db, born_by, communities=(None, *COMMUNITIES)):
    for community in communities:
        assert store.counted_figures(db, community, born_by) == aggregated(db, community, born_by)


def test_counters_equal_the_aggregation_in_any_order_with_redeliveries(mongo, db_prefix):
    rng = random.Random(3)
    db = database(mongo, db_prefix)
    cutoff = elderly_cutoff(date.today())
    residents, visits = facts(rng, cutoff)
    # visits before and after their resident's registration, some delivered twice
    events = [("resident", r) for r in residents] + [("visit", v) for v in visits]
    rng.shuffle(events)
    for kind, fact in events + rng.sample(events, 60):
        (store.record_resident if kind == "resident" else store.record_visit)(db, dict(fact))
    assert store.counters_exact(db)
    for day in (-3, 0, 1, 2, 400, 1500):  # the cutoff moves: days, a year, a decade on
        assert_same(db, elderly_cutoff(date.today() + timedelta(days=day)))
    figures = store.counted_figures(db, None, cutoff)
    assert figures["registered"] == 120 and figures["visit_totals"]["visits_completed"] == 200
    assert 0 < figures["elderly_served"] < figures["visit_totals"]["residents_served"]

    # birth dates change (across the cutoff, within a year, to another year), some twice
    for resident in rng.sample(residents, 30):
        birth = (date.fromisoformat(cutoff) + timedelta(days=rng.randint(-400, 400))).isoformat()
        for _ in range(rng.choice((1, 2))):
            store.move_resident(db, resident["_id"], {"birth_date": birth})
    assert_same(db, cutoff)
    assert_same(db, elderly_cutoff(date.today() + timedelta(days=2)))

    # a caller limited to two communities sees only their counters
    scoped = database(mongo, db_prefix, communities=list(COMMUNITIES[:2]))
    assert_same(scoped, cutoff, (None, *COMMUNITIES[:2]))
    assert store.counted_figures(scoped, None, cutoff) != store.counted_figures(db, None, cutoff)


def test_visits_recorded_in_batches_count_as_one_by_one(mongo, db_prefix):
    """Metrics takes visits in batches (chassis/batches.py): batches of every size, holding
    the same visit twice, a resident's two visits, visits already counted (redeliveries,
    a batch split after a failure) and visits before their resident's registration, leave
    exactly the counters the same events leave one at a time."""
    rng = random.Random(11)
    # two stores, the same tenant: resident facts are keyed by the (platform-wide) resident id
    one, batched = (database(mongo, f"{db_prefix}_{n}") for n in ("a", "b"))
    cutoff = elderly_cutoff(date.today())
    residents, visits = facts(rng, cutoff)
    early, late = residents[:100], residents[100:]  # the late ones register after their visits
    for resident in early:
        store.record_resident(one, dict(resident))
        store.record_resident(batched, dict(resident))
    events = visits + rng.sample(visits, 40)
    rng.shuffle(events)
    for visit in events:
        store.record_visit(one, dict(visit))
    at = 0
    while at < len(events):
        size = rng.choice((1, 2, 10, 25))
        batch = [dict(v) for v in events[at:at + size]]
        store.record_visits(batched, batch + rng.sample(batch, min(2, len(batch))))
        at += size
    for resident in late:
        store.record_resident(one, dict(resident))
        store.record_resident(batched, dict(resident))
    for db in (one, batched):
        assert_same(db, cutoff)
    assert ({c: store.counted_figures(batched, c, cutoff) for c in (None, *COMMUNITIES)}
            == {c: store.counted_figures(one, c, cutoff) for c in (None, *COMMUNITIES)})
    figures = store.counted_figures(batched, None, cutoff)
    assert figures["visit_totals"]["visits_completed"] == 200
    assert store.record_visits(batched, [dict(v) for v in visits[:30]]) == 0  # all counted
    assert store.counted_figures(batched, None, cutoff) == figures


def test_replicas_recording_the_same_visits_in_other_batches_at_once_count_each_once(
        mongo, db_prefix):
    """Four replicas at once, each handed every visit (redeliveries, a batch split after a
    failure), in its own order and batch sizes: their guarded writes race on the same counter
    documents, and each visit and each resident still counts once."""
    rng = random.Random(17)
    db = database(mongo, db_prefix, tenant="raced")
    cutoff = elderly_cutoff(date.today())
    residents, visits = facts(rng, cutoff)
    for resident in residents:
        store.record_resident(db, dict(resident))
    plans = []
    for replica in range(4):
        order = [dict(v) for v in visits]
        random.Random(replica).shuffle(order)
        size = (1, 3, 10, 25)[replica]
        plans.append([order[at:at + size] for at in range(0, len(order), size)])
    errors = []

    def replica(batches):
        try:
            for batch in batches:
                store.record_visits(database(mongo, db_prefix, tenant="raced"), batch)
        except Exception as exc:  # noqa: BLE001 (reported below, with the others)
            errors.append(exc)
    threads = [threading.Thread(target=replica, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert_same(db, cutoff)
    totals = store.counted_figures(db, None, cutoff)["visit_totals"]
    assert totals["visits_completed"] == 200
    assert totals["medicine_packages"] == sum(v["medicine_packages"] for v in visits)
    assert totals["residents_served"] == len({v["resident_id"] for v in visits})


def test_a_rebuild_from_the_same_facts_gives_the_same_counters(mongo, db_prefix):
    rng = random.Random(5)
    db = database(mongo, db_prefix, tenant="rebuilt")
    cutoff = elderly_cutoff(date.today())
    residents, visits = facts(rng, cutoff)
    for fact in residents + visits:
        (store.record_resident if "birth_date" in fact else store.record_visit)(db, dict(fact))
    before = {c: store.counted_figures(db, c, cutoff) for c in (None, *COMMUNITIES)}
    store.forget_tenant(db)
    assert store.counted_figures(db, None, cutoff)["registered"] == 0
    for fact in residents + visits:  # rebuild order: every resident, then every visit
        (store.record_resident if "birth_date" in fact else store.record_visit)(db, dict(fact))
    assert {c: store.counted_figures(db, c, cutoff) for c in (None, *COMMUNITIES)} == before


def test_a_crash_between_fact_and_counter_is_completed_by_the_redelivery(mongo, db_prefix):
    db = database(mongo, db_prefix, tenant="crashed")
    cutoff = elderly_cutoff(date.today())
    resident = {"_id": "r-1", "community_id": "c-东", "birth_date": "1940-05-01",
                "registered_at": "2025-01-01T00:00:00.000+00:00"}
    visit = {"_id": "v-1", "resident_id": "r-1", "community_id": "c-东",
             "completed_at": "2026-11-20T01:00:00.000+00:00", "medicine_packages": 2}
    # the facts were stored, the process died before the counters were written
    db[store.RESIDENT_FACTS].insert_if_absent(dict(resident))
    db[store.VISIT_FACTS].insert_if_absent({**visit, "_id": "crashed:v-1", "visit_id": "v-1"})
    assert store.counted_figures(db, None, cutoff)["registered"] == 0
    for _ in range(2):
        store.record_resident(db, dict(resident))
        store.record_visit(db, dict(visit))
    assert store.counted_figures(db, None, cutoff) == aggregated(db, None, cutoff)
    assert store.counted_figures(db, None, cutoff)["elderly_served"] == 1


def test_a_crash_between_a_visits_counters_is_completed_by_the_redelivery(mongo, db_prefix):
    """A visit credits the resident's cohort, then the community's served shard, then the
    day: the process dying after either of the first two leaves nothing the redelivery skips."""
    cutoff = elderly_cutoff(date.today())
    for n, died_after_shard in enumerate((False, True)):
        db = database(mongo, db_prefix, tenant=f"died-{n}")
        resident = {"_id": f"r-{n}", "community_id": "c-东", "birth_date": "1940-05-01",
                    "registered_at": "2025-01-01T00:00:00.000+00:00"}
        visit = {"_id": f"v-{n}", "resident_id": f"r-{n}", "community_id": "c-东",
                 "completed_at": "2026-11-20T01:00:00.000+00:00", "medicine_packages": 2}
        store.record_resident(db, dict(resident))
        db[store.VISIT_FACTS].insert_if_absent({**visit, "_id": f"died-{n}:v-{n}",
                                                "visit_id": f"v-{n}"})
        counters.cohort_add(db, counters.SERVED, "c-东", f"r-{n}", "1940-05-01")
        if died_after_shard:
            counters.served_add(db, "c-东", f"r-{n}")
        for _ in range(2):
            store.record_visit(db, dict(visit))
        figures = store.counted_figures(db, None, cutoff)
        assert figures == aggregated(db, None, cutoff)
        assert figures["elderly_served"] == 1
        assert figures["visit_totals"] == {"visits_completed": 1, "medicine_packages": 2,
                                           "residents_served": 1}


def test_a_visit_in_another_community_than_the_registration_falls_back(mongo, db_prefix):
    db = database(mongo, db_prefix, tenant="moved")
    store.record_resident(db, {"_id": "r-1", "community_id": "c-东", "birth_date": "1940-05-01",
                               "registered_at": "2025-01-01T00:00:00.000+00:00"})
    assert store.counters_exact(db)
    store.record_visit(db, {"_id": "v-1", "resident_id": "r-1", "community_id": "c-西",
                            "completed_at": "2026-11-20T01:00:00.000+00:00",
                            "medicine_packages": 1})
    assert not store.counters_exact(db)  # the summary aggregates the facts from now on
    unregistered = database(mongo, db_prefix, tenant="visited-twice")
    for n, community in enumerate(("c-东", "c-西")):  # a resident metrics has no fact for
        store.record_visit(unregistered, {"_id": f"v-{n}", "resident_id": "r-9",
                                          "community_id": community, "medicine_packages": 0,
                                          "completed_at": "2026-11-20T01:00:00.000+00:00"})
    assert not store.counters_exact(unregistered)
    assert store.counters_exact(database(mongo, db_prefix, tenant="other"))


def test_ids_that_look_like_paths_are_counted_as_themselves(mongo, db_prefix):
    db = database(mongo, db_prefix, tenant="dotted")
    for _ in range(2):
        counters.visit_add(db, {"_id": "v.1$x", "community_id": "c-东",
                                "completed_at": "2026-11-20T01:00:00.000+00:00",
                                "medicine_packages": 3})
    assert counters.visits(db, None) == (1, 3)


def test_facts_stored_before_the_counters_are_aggregated_until_a_rebuild(mongo, db_prefix):
    raw = mongo[f"{db_prefix}_metrics"]
    fact = {"_id": "r-old", "tenant": "before", "community_id": "c-东",
            "birth_date": "1940-05-01", "registered_at": "2025-01-01T00:00:00.000+00:00"}
    raw[store.RESIDENT_FACTS].insert_one(dict(fact))  # a store from before this change
    db = database(mongo, db_prefix, tenant="before")  # its first start with the counters
    database(mongo, db_prefix, tenant="before")  # a second start marks nothing again
    assert not store.counters_exact(db)
    assert store.counters_exact(database(mongo, db_prefix, tenant="fresh"))
    store.forget_tenant(db)  # the rebuild: forget, then derive again through the consumers' code
    store.record_resident(db, {k: v for k, v in fact.items() if k != "tenant"})
    assert store.counters_exact(db)
    assert store.counted_figures(db, None, elderly_cutoff(date.today()))["registered"] == 1


def test_whether_a_resident_is_counted_served_is_read_for_that_resident_only(mongo, db_prefix):
    """The check that spares a repeat visit its credits: true once the resident is counted in
    that community, and not for another resident of the same shard, another community or
    another tenant."""
    db = database(mongo, db_prefix, tenant=f"served-{uuid.uuid4().hex[:6]}")
    others = [f"r{i}" for i in range(200)]
    resident = "a.b$居民"  # an id that looks like a path
    same_shard = next(r for r in others if shard_of(r) == shard_of(resident))
    assert not counters.is_counted_served(db, "c1", resident)
    assert counters.served_add(db, "c1", resident)
    assert counters.is_counted_served(db, "c1", resident)
    assert not counters.is_counted_served(db, "c1", same_shard)
    assert not counters.is_counted_served(db, "c2", resident)
    other_tenant = database(mongo, db_prefix, tenant=f"other-{uuid.uuid4().hex[:6]}")
    assert not counters.is_counted_served(other_tenant, "c1", resident)
    assert not counters.served_add(db, "c1", resident)
