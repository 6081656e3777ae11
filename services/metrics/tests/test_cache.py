import time

import eventlet
import pytest

from services.metrics.cache import SummaryCache


def cache(ttl):
    made = SummaryCache()
    made.ttl, made.entries, made.inflight, made.generations = ttl, {}, {}, {}
    return made


def slow_counter(calls, fail=False):
    def compute():
        calls.append(1)
        eventlet.sleep(0.02)  # an aggregation in flight: other workers arrive meanwhile
        if fail:
            raise RuntimeError("store away")
        return len(calls)
    return compute


def readers(summary, key, compute, count=10):
    pool = [eventlet.spawn(summary.get_or_compute, key, compute) for _ in range(count)]
    return [reader.wait() for reader in pool]


def test_concurrent_first_readers_share_one_aggregation():
    calls, summary = [], cache(60)
    assert readers(summary, ("t", ()), slow_counter(calls)) == [1] * 10
    assert len(calls) == 1


def test_an_expired_figure_is_answered_while_one_refresh_runs_behind_it():
    calls, summary = [], cache(0.5)
    summary.entries[("t", ())] = (time.monotonic() - 0.6, 0)  # computed, and now expired
    assert readers(summary, ("t", ()), slow_counter(calls)) == [0] * 10  # nobody waited
    with eventlet.Timeout(2):
        while summary.inflight:
            eventlet.sleep(0.005)
    assert len(calls) == 1
    assert summary.get_or_compute(("t", ()), lambda: 99) == 1  # the refreshed figure


def test_a_figure_too_old_to_answer_is_computed_before_answering():
    calls, summary = [], cache(0.5)
    summary.entries[("t", ())] = (time.monotonic() - 6, 0)
    assert readers(summary, ("t", ()), slow_counter(calls)) == [1] * 10
    assert len(calls) == 1


def test_a_failed_aggregation_fails_its_waiters_and_is_not_kept():
    calls, summary = [], cache(60)
    pool = [eventlet.spawn(summary.get_or_compute, ("t", ()), slow_counter(calls, fail=True))
            for _ in range(3)]
    for reader in pool:
        with pytest.raises(RuntimeError):
            reader.wait()
    assert len(calls) == 1 and summary.entries == {} and summary.inflight == {}


def test_a_result_begun_before_forget_is_not_kept():
    summary = cache(60)

    def aggregation_during_a_rebuild():
        summary.forget("t")
        return "old"

    assert summary.get_or_compute(("t", ()), aggregation_during_a_rebuild) == "old"
    assert summary.entries == {}


def test_one_computation_per_key_within_the_ttl_and_fresh_after():
    calls = []
    summary = cache(0.05)
    compute = lambda: calls.append(1) or len(calls)
    assert summary.get_or_compute(("t", ()), compute) == 1
    assert summary.get_or_compute(("t", ()), compute) == 1
    assert summary.get_or_compute(("other", ()), compute) == 2
    summary.entries[("t", ())] = (time.monotonic() - 1, 1)  # past the stale limit (10 x ttl)
    assert summary.get_or_compute(("t", ()), compute) == 3


def test_forget_drops_only_that_tenant_and_zero_ttl_never_caches():
    summary = cache(60)
    summary.get_or_compute(("a", ()), lambda: 1)
    summary.get_or_compute(("b", ()), lambda: 2)
    summary.forget("a")
    assert list(summary.entries) == [("b", ())]
    off = cache(0)
    assert [off.get_or_compute(("a", ()), lambda n=n: n) for n in range(3)] == [0, 1, 2]
