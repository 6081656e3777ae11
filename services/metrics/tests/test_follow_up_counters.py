"""The follow-up counters (services/metrics/follow_up_counters.py) answer what the aggregation
of every follow-up fact answers, for every community and a scoped caller: whatever the order
of a follow-up's statuses, their redeliveries, two writers at once, and a rebuild."""
import random
import threading

import pytest

from services.metrics import domain, follow_up_counters, store
from services.metrics.tests.test_outreach_counters import COMMUNITIES, database

pytestmark = pytest.mark.integration


def aggregated(db, community):
    return store.follow_up_counts(db, community, counted=False)


def assert_same(db, communities=(None, *COMMUNITIES)):
    for community in communities:
        assert follow_up_counters.counts(db, community) == aggregated(db, community), community
        assert store.follow_up_counts(db, community) == aggregated(db, community)


def statuses(rng, n):
    """A follow-up's facts as its events carry them: a forward path of statuses."""
    community = rng.choice(COMMUNITIES)
    path = sorted(rng.sample(list(domain.FOLLOW_UP_RANK), rng.randint(1, 4)),
                  key=domain.FOLLOW_UP_RANK.get)
    return [domain.follow_up_fact({"follow_up_id": f"f.{n}", "resident_id": f"r-{n}",
                                   "community_id": community, "status": status})
            for status in path]


@pytest.mark.parametrize("seed", range(8))
def test_counters_equal_the_aggregation_whatever_the_order_and_redeliveries(mongo, db_prefix,
                                                                            seed):
    rng = random.Random(seed)
    db = database(mongo, db_prefix, tenant=f"follow-ups-{seed}")
    assert follow_up_counters.complete(database(mongo, db_prefix, tenant="follow-ups-fresh"))
    stream = [fact for n in range(60) for fact in statuses(rng, n)]
    rng.shuffle(stream)  # a later status may arrive before an earlier one
    for fact in stream + rng.sample(stream, len(stream) // 3):  # and some twice
        store.record_follow_up(db, dict(fact))
    assert_same(db)
    assert sum(follow_up_counters.counts(db).values()) > 0
    scoped = database(mongo, db_prefix, tenant=f"follow-ups-{seed}",
                      communities=list(COMMUNITIES[:1]))
    assert_same(scoped, (None, COMMUNITIES[0]))


def test_two_writers_at_once_count_a_follow_up_once(mongo, db_prefix):
    db = database(mongo, db_prefix, tenant="follow-ups-raced")
    rng = random.Random(9)
    for n in range(15):
        facts = [domain.follow_up_fact({"follow_up_id": f"f-{n}", "resident_id": "r",
                                        "community_id": "c-东", "status": status})
                 for status in rng.choice((("due", "due"), ("due", "overdue"),
                                           ("overdue", "overdue"), ("due", "done")))]
        barrier = threading.Barrier(2)
        errors = []

        def run(fact):
            try:
                barrier.wait(timeout=10)
                store.record_follow_up(db, dict(fact))
            except Exception as error:  # surfaced below, not lost in the thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(fact,)) for fact in facts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert_same(db, (None, "c-东"))


def test_a_rebuild_gives_the_same_counts_and_old_facts_are_aggregated(mongo, db_prefix):
    rng = random.Random(11)
    db = database(mongo, db_prefix, tenant="follow-ups-rebuilt")
    stream = [fact for n in range(30) for fact in statuses(rng, n)]
    for fact in stream:
        store.record_follow_up(db, dict(fact))
    before = {c: store.follow_up_counts(db, c) for c in (None, *COMMUNITIES)}
    store.forget_tenant(db)
    assert follow_up_counters.counts(db) == {"follow_ups_due": 0, "follow_ups_overdue": 0}
    latest = {}
    for fact in stream:  # the rebuild: each follow-up's state as health exports it
        latest[fact["_id"]] = max(latest.get(fact["_id"], fact), fact, key=lambda f: f["rank"])
    for fact in latest.values():
        store.record_follow_up(db, dict(fact))
    assert {c: store.follow_up_counts(db, c) for c in (None, *COMMUNITIES)} == before

    raw = mongo[f"{db_prefix}_metrics"]
    raw["schema_marks"].delete_one({"_id": follow_up_counters.MARK})  # a store from before
    raw[store.FOLLOW_UP_FACTS].insert_one({"_id": "f-old", "tenant": "follow-ups-before",
                                           "community_id": "c-东", "resident_id": "r",
                                           "status": "due", "rank": 1})
    old = database(mongo, db_prefix, tenant="follow-ups-before")  # its first start with them
    assert not follow_up_counters.complete(old)
    assert store.follow_up_counts(old)["follow_ups_due"] == 1  # aggregated: the old fact counts
    assert follow_up_counters.complete(database(mongo, db_prefix, tenant="follow-ups-fresh"))
