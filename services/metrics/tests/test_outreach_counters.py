"""The outreach counters (services/metrics/need_counters.py, household_counters.py) answer exactly
what the aggregation of every fact answers, for every community and a scoped caller: whatever
the order of a need's versions, their redeliveries, two writers at once, a crash between the
fact and its counter, and a rebuild."""
import random
import threading

import pytest

from services.metrics import household_counters, need_counters, outreach, store
from tests.infra import staff_database

pytestmark = pytest.mark.integration
COMMUNITIES = ("c-东", "c-西", "c-南")
STATUSES = ("received", "dispatched", "resolved", "closed", "reopened")


def database(mongo, db_prefix, tenant="hongwei", communities=None):
    raw = mongo[f"{db_prefix}_metrics"]
    store.ensure_indexes(raw)
    outreach.ensure_indexes(raw)
    return staff_database(raw, tenant, store.COMMUNITY_SCOPED, communities)


def versions(rng, need_id, community):
    """A need's states, version 1 up: each its own mix of the fields the rates read."""
    received = f"2026-11-{rng.randint(1, 20):02d}T08:00:00+08:00"
    states = []
    for version in range(1, rng.randint(2, 6)):
        responded = rng.choice((None, received.replace("08:00", "09:00")))
        status = rng.choice(STATUSES)
        states.append({
            "need_id": need_id, "community_id": community, "compound_id": "p", "unit": "物业",
            "status": status, "received_at": received,
            "respond_by": received.replace("08:00", rng.choice(("08:30", "10:00"))),
            "resolve_by": received.replace("08:00", "20:00"), "responded_at": responded,
            "resolved_at": (received.replace("08:00", rng.choice(("12:00", "23:00")))
                            if status in ("resolved", "closed") else None),
            "overdue": rng.random() < 0.3, "reopen_count": rng.choice((0, 0, 1)),
            "ratings": rng.randint(0, 2), "satisfied_ratings": rng.randint(0, 1),
            "version": version})
    return states


def aggregated(db, community):
    households, knocked, figures = outreach.aggregated(db, community)
    return households, knocked, figures


def counted(db, community):
    return (household_counters.households(db, community),
            household_counters.knocked(db, outreach.current_week(), community),
            outreach.rates_of(need_counters.sums(db, community)))


def assert_same(db, communities=(None, *COMMUNITIES)):
    for community in communities:
        assert counted(db, community) == aggregated(db, community), community
        assert outreach.summary_fields(db, community)["needs_received"] == \
            aggregated(db, community)[2]["received"]


def events(rng, needs=40, households=30):
    out = []
    for n in range(needs):
        out += [("need", state) for state in versions(rng, f"n-{n}", rng.choice(COMMUNITIES))]
    week = outreach.current_week()
    for n in range(households):
        community = rng.choice(COMMUNITIES)
        out.append(("household", {"household_id": f"h.{n}", "community_id": community}))
        if n % 2:
            out.append(("knock", (week, community, f"h.{n}")))
            out.append(("knock", ("2020-W01", community, f"h.{n}")))  # another week's
    return out


def deliver(db, kind, item):
    if kind == "need":
        outreach.record_need(db, dict(item))
    elif kind == "household":
        outreach.record_household(db, dict(item))
    else:
        outreach.record_knock(db, *item)


@pytest.mark.parametrize("seed", range(12))
def test_counters_equal_the_aggregation_whatever_the_order_and_redeliveries(mongo, db_prefix,
                                                                            seed):
    rng = random.Random(seed)
    db = database(mongo, db_prefix, tenant=f"orders-{seed}")
    assert need_counters.complete(db)
    stream = events(rng)
    rng.shuffle(stream)  # versions of a need out of order: older ones arrive after newer
    for kind, item in stream + rng.sample(stream, len(stream) // 3):  # and some twice
        deliver(db, kind, item)
    assert_same(db)
    figures = counted(db, None)
    assert figures[0] == 30 and figures[1] == 15 and figures[2]["received"] == 40
    scoped = database(mongo, db_prefix, tenant=f"orders-{seed}", communities=list(COMMUNITIES[:2]))
    assert_same(scoped, (None, *COMMUNITIES[:2]))
    assert counted(scoped, None) != counted(db, None)


def test_the_latest_version_counts_not_the_last_delivered(mongo, db_prefix):
    db = database(mongo, db_prefix, tenant="latest")
    first, second = versions(random.Random(1), "n-1", "c-东")[:2]
    first = {**first, "status": "received", "responded_at": None, "overdue": False}
    second = {**second, "status": "resolved", "responded_at": second["received_at"],
              "respond_by": second["received_at"], "resolved_at": second["received_at"],
              "reopen_count": 0}
    for state in (second, first, second, first):
        outreach.record_need(db, dict(state))
    sums = need_counters.sums(db)
    assert sums["received"] == 1 and sums["resolved"] == 1 and sums["responded_on_time"] == 1


def test_a_crash_between_fact_and_counter_is_completed_by_the_redelivery(mongo, db_prefix):
    db = database(mongo, db_prefix, tenant="crashed")
    state = versions(random.Random(2), "n-1", "c-东")[0]
    # the fact was stored, the process died before the counters were written
    db[outreach.NEED_FACTS].insert_if_absent(
        {"_id": "n-1", **{k: state.get(k) for k in outreach.NEED_FIELDS}})
    db[outreach.HOUSEHOLD_FACTS].insert_if_absent({"_id": "h-1", "community_id": "c-东"})
    assert need_counters.sums(db)["received"] == 0
    for _ in range(2):
        outreach.record_need(db, dict(state))
        outreach.record_household(db, {"household_id": "h-1", "community_id": "c-东"})
    assert_same(db)
    assert need_counters.sums(db)["received"] == 1 and household_counters.households(db) == 1


@pytest.mark.parametrize("same_version", [True, False])
def test_two_writers_at_once_count_a_need_once(mongo, db_prefix, same_version):
    """Two replicas apply one need's versions at the same moment, many times over: each race
    leaves the sums of the latest version alone."""
    db = database(mongo, db_prefix, tenant=f"raced-{same_version}")
    rng = random.Random(4)
    for n in range(15):
        states = versions(rng, f"n-{n}", "c-东")
        while len(states) < 2:
            states = versions(rng, f"n-{n}", "c-东")
        pair = (states[-1], states[-1]) if same_version else (states[-2], states[-1])
        barrier = threading.Barrier(2)
        errors = []

        def run(state):
            try:
                barrier.wait(timeout=10)
                need_counters.apply(db, state["need_id"], {**state, "_id": state["need_id"]})
            except Exception as error:  # surfaced below, not lost in the thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(state,)) for state in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        db[outreach.NEED_FACTS].insert_if_absent(
            {"_id": f"n-{n}", **{k: states[-1].get(k) for k in outreach.NEED_FIELDS}})
        assert need_counters.sums(db)["received"] == n + 1
    assert_same(db, (None, "c-东"))


def test_one_household_credited_once_from_two_threads(mongo, db_prefix):
    db = database(mongo, db_prefix, tenant="raced-households")
    for n in range(20):
        barrier = threading.Barrier(2)
        results = []

        def run(household=f"h-{n}"):
            barrier.wait(timeout=10)
            results.append(household_counters.household_add(db, "c-东", household))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [False, True]
    assert household_counters.households(db) == 20


def test_a_rebuild_from_the_same_facts_gives_the_same_counters(mongo, db_prefix):
    rng = random.Random(7)
    db = database(mongo, db_prefix, tenant="rebuilt")
    stream = events(rng)
    rng.shuffle(stream)
    for kind, item in stream:
        deliver(db, kind, item)
    before = {c: counted(db, c) for c in (None, *COMMUNITIES)}
    latest = {}
    for kind, item in stream:
        if kind == "need" and item["version"] >= latest.get(item["need_id"], {}).get("version", 0):
            latest[item["need_id"]] = item
    exports = {"export_households": [i for k, i in stream if k == "household"],
               "export_knocked_weeks": [{"week": week, "community_id": c, "households": [h]}
                                        for k, (week, c, h) in
                                        ((k, i) for k, i in stream if k == "knock")],
               "export_needs": list(latest.values())}
    outreach.forget(db)
    assert counted(db, None)[2]["received"] == 0
    outreach.rebuild(db, lambda service, method: iter(exports[method]))
    assert {c: counted(db, c) for c in (None, *COMMUNITIES)} == before
    assert_same(db)


def test_facts_stored_before_the_counters_are_aggregated_until_a_rebuild(mongo, db_prefix):
    raw = mongo[f"{db_prefix}_metrics"]
    raw["schema_marks"].delete_one({"_id": need_counters.MARK})  # a store from before them
    raw[outreach.NEED_FACTS].insert_one({"_id": "n-old", "tenant": "before",
                                         **{k: None for k in outreach.NEED_FIELDS},
                                         "community_id": "c-东", "status": "received",
                                         "respond_by": "x", "version": 1})
    db = database(mongo, db_prefix, tenant="before")  # its first start with the counters
    database(mongo, db_prefix, tenant="before")  # a second start marks nothing again
    assert not need_counters.complete(db)
    assert outreach.summary_fields(db)["needs_received"] == 1  # aggregated: the old fact counts
    assert need_counters.complete(database(mongo, db_prefix, tenant="fresh"))
    outreach.forget(db)  # the rebuild: forget, then derive again through the consumers' code
    outreach.record_need(db, {"need_id": "n-old", "community_id": "c-东", "status": "received",
                              "respond_by": "x", "version": 1})
    assert need_counters.complete(db)
    assert outreach.summary_fields(db)["needs_received"] == 1


def test_two_first_deliveries_at_once_leave_the_latest_fact(mongo, db_prefix):
    """Two versions of a new need arrive at two replicas together: whichever inserts first,
    the fact (and so the windowed summary) ends at the later one, as the counter does."""
    db = database(mongo, db_prefix, tenant="raced-facts")
    rng = random.Random(8)
    for n in range(40):  # each race is lost only sometimes
        states = versions(rng, f"n-{n}", "c-东")
        while len(states) < 2:
            states = versions(rng, f"n-{n}", "c-东")
        barrier = threading.Barrier(2)

        def run(state):
            barrier.wait(timeout=10)
            outreach.record_need(db, dict(state))

        threads = [threading.Thread(target=run, args=(state,)) for state in states[:2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert db[outreach.NEED_FACTS].find_one({"_id": f"n-{n}"})["version"] == 2
    assert_same(db, (None, "c-东"))
