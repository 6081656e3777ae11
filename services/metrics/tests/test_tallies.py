"""The summary sums slim tallies of its counters (services/metrics/tallies.py), folded behind
the credits: whatever has or has not been folded, after a fold cut short between its two
writes, with folds racing the credits and each other, the counted figures are what the
aggregation of every fact answers. Run against the real store, without a broker."""
import random
import threading
import uuid
from datetime import date

import pytest

from contracts.elderly import elderly_cutoff
from services.metrics import counters, store, tallies
from services.metrics.tests.test_counters import COMMUNITIES, assert_same, database, facts

pytestmark = pytest.mark.integration


def record(db, fact):
    (store.record_resident if "birth_date" in fact else store.record_visit)(db, dict(fact))


def dirty(db):
    return sum(len(db[name].find({tallies.DIRTY: 1})) for name in counters.TALLIED)


def tallied_sums(db, name):
    """What the tallies alone hold for this tenant, summed."""
    names = counters.TALLIED[name][1]
    rows = db[tallies.tally_collection(name)].find({})
    return {n: sum(row[n] for row in rows) for n in names}


def own_sums(db, name):
    names = counters.TALLIED[name][1]
    rows = db[name].find({})
    return {n: sum(row.get(n) or 0 for row in rows) for n in names}


def folded_tenant(mongo, db_prefix, seed):
    """A new tenant with its facts recorded and folded: (raw, db, cutoff, residents, visits)."""
    raw = mongo[f"{db_prefix}_metrics"]
    db = database(mongo, db_prefix, tenant=f"t-{uuid.uuid4().hex[:6]}")
    cutoff = elderly_cutoff(date.today())
    residents, visits = facts(random.Random(seed), cutoff)
    for fact in residents + visits:
        record(db, fact)
    counters.fold(raw)
    return raw, db, cutoff, residents, visits


def assert_folded(raw, db, cutoff):
    """After one more fold: nothing dirty, every tally its document's sums, figures exact."""
    counters.fold(raw)
    assert dirty(db) == 0
    for name in counters.TALLIED:
        assert tallied_sums(db, name) == own_sums(db, name)
    assert_same(db, cutoff)


def test_figures_are_exact_before_between_and_after_folds(mongo, db_prefix):
    rng = random.Random(11)
    db = database(mongo, db_prefix, tenant=f"t-{uuid.uuid4().hex[:6]}")
    cutoff = elderly_cutoff(date.today())
    residents, visits = facts(rng, cutoff)
    events = residents + visits
    rng.shuffle(events)
    for n, fact in enumerate(events):
        record(db, fact)
        if n % 97 == 0:
            counters.fold(mongo[f"{db_prefix}_metrics"])
        if n % 53 == 0:
            assert_same(db, cutoff)
    assert dirty(db) > 0  # credits since the last fold: read from their documents
    assert_same(db, cutoff)
    counters.fold(mongo[f"{db_prefix}_metrics"])
    assert dirty(db) == 0
    for name in counters.TALLIED:
        assert tallied_sums(db, name) == own_sums(db, name)
    assert_same(db, cutoff)
    # a birth date moves across the cutoff year (a removal and a credit): exact before a fold
    store.move_resident(db, residents[0]["_id"], {"birth_date": "1949-02-28"})
    assert dirty(db) > 0
    assert_same(db, cutoff)
    assert_same(database(mongo, db_prefix, tenant=db.tenant, communities=[COMMUNITIES[0]]),
                cutoff, (None, COMMUNITIES[0]))


def test_a_fold_cut_short_before_it_clears_leaves_the_figures_exact(mongo, db_prefix, monkeypatch):
    raw, db, cutoff, residents, visits = folded_tenant(mongo, db_prefix, 12)
    for fact in visits[:5]:  # redeliveries credit nothing
        record(db, fact)
    assert dirty(db) == 0
    more = {**residents[1], "_id": "r-late"}
    record(db, more)
    record(db, {**visits[0], "_id": "v-late", "resident_id": "r-late"})

    class Died(Exception):
        pass

    real_bulk_write = raw[counters.COHORTS].bulk_write.__func__
    def dies_before_the_clear(collection, requests, **kwargs):
        if collection.name in counters.TALLIED:  # the tallies were written: die before clearing
            raise Died()
        return real_bulk_write(collection, requests, **kwargs)

    monkeypatch.setattr(type(raw[counters.COHORTS]), "bulk_write", dies_before_the_clear)
    with pytest.raises(Died):
        counters.fold(raw)
    monkeypatch.undo()
    assert dirty(db) > 0  # copied, still marked
    assert_same(db, cutoff)
    counters.fold(raw)
    assert dirty(db) == 0
    assert_same(db, cutoff)


def test_folds_racing_credits_and_each_other_end_exact(mongo, db_prefix):
    """Four crediting threads and two folding threads on one tenant, then one last fold:
    a tally is never moved back by a slower fold, nor left behind."""
    rng = random.Random(13)
    raw = mongo[f"{db_prefix}_metrics"]
    db = database(mongo, db_prefix, tenant=f"t-{uuid.uuid4().hex[:6]}")
    cutoff = elderly_cutoff(date.today())
    residents, visits = facts(rng, cutoff)
    events = residents + visits + rng.sample(residents + visits, 40)  # and redeliveries
    rng.shuffle(events)
    crediting, errors = [events[n::4] for n in range(4)], []
    done = threading.Event()

    def credit(share):
        try:
            for fact in share:
                record(db, fact)
        except Exception as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)

    def fold_until_done():
        try:
            while not done.is_set():
                counters.fold(raw)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    creditors = [threading.Thread(target=credit, args=(share,)) for share in crediting]
    folders = [threading.Thread(target=fold_until_done) for _ in range(2)]
    for thread in creditors + folders:
        thread.start()
    for thread in creditors:
        thread.join()
    done.set()
    for thread in folders:
        thread.join()
    assert errors == []
    assert_same(db, cutoff)
    assert_folded(raw, db, cutoff)


def test_counters_from_before_the_tallies_are_read_exactly_then_folded(mongo, db_prefix):
    raw, db, cutoff, _, _ = folded_tenant(mongo, db_prefix, 14)
    # as a store from before left them: no version, no mark, no tallies
    for name in counters.TALLIED:
        raw[name].update_many({"tenant": db.tenant}, {"$unset": {"v": "", "dirty": ""}})
        raw[tallies.tally_collection(name)].delete_many({"tenant": db.tenant})
    raw["schema_marks"].delete_one({"_id": counters.TALLIES_MARK})
    store.ensure_indexes(raw)  # the first start with tallies marks them all
    assert dirty(db) > 0
    assert_same(db, cutoff)
    counters.fold(raw)
    assert dirty(db) == 0
    assert_same(db, cutoff)


def test_a_fold_that_read_before_a_rebuild_cannot_leave_its_copy_behind(mongo, db_prefix,
                                                                        monkeypatch):
    """A fold reads the documents, a rebuild forgets the tenant's counters and derives them
    again from fewer facts, then the fold writes what it read: the figures are the new
    facts', and so are the tallies after the next fold."""
    raw, db, cutoff, residents, visits = folded_tenant(mongo, db_prefix, 15)
    for fact in visits[:30]:  # credited since: dirty, for the fold below to read
        record(db, {**fact, "_id": f"{fact['_id']}-again"})
    real_bulk_write, rebuilt = type(raw[counters.COHORTS]).bulk_write, []

    def rebuild_first(collection, requests, **kwargs):
        if collection.name.endswith("_tallies") and not rebuilt:
            rebuilt.append(True)
            store.forget_tenant(db)
            for fact in residents[:60] + [v for v in visits if v["resident_id"] < "r-6"]:
                record(db, fact)
        return real_bulk_write(collection, requests, **kwargs)

    monkeypatch.setattr(type(raw[counters.COHORTS]), "bulk_write", rebuild_first)
    counters.fold(raw)
    monkeypatch.undo()
    assert rebuilt
    assert_same(db, cutoff)
    assert_folded(raw, db, cutoff)


def test_a_fold_between_a_readers_two_reads_hides_no_credit(mongo, db_prefix, monkeypatch):
    """A summary reads a counter's dirty documents and its tallies in two reads; a fold that
    copies a fresh credit and clears its mark in between must not make the credit vanish
    from both (it did when the tallies were summed first)."""
    raw, db, cutoff, residents, visits = folded_tenant(mongo, db_prefix, 14)
    before = counters.visits(db, None)
    record(db, {**visits[0], "_id": "v-between", "completed_at": visits[0]["completed_at"]})
    assert dirty(db) > 0
    from chassis.tenancy import TenantCollection
    reads = {"n": 0}
    real_find, real_aggregate = TenantCollection.find, TenantCollection.aggregate

    def fold_before_the_second_read(real):
        def read(collection, *args, **kwargs):
            reads["n"] += 1
            if reads["n"] == 2:
                counters.fold(raw)  # lands between the reader's two reads
            return real(collection, *args, **kwargs)
        return read

    monkeypatch.setattr(TenantCollection, "find", fold_before_the_second_read(real_find))
    monkeypatch.setattr(TenantCollection, "aggregate",
                        fold_before_the_second_read(real_aggregate))
    during = counters.visits(db, None)
    monkeypatch.undo()
    assert reads["n"] >= 2 and dirty(db) == 0  # the fold did run in between
    assert during == (before[0] + 1, before[1] + visits[0]["medicine_packages"])
    assert_same(db, cutoff)
