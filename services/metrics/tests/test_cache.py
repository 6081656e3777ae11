import time

from services.metrics.cache import SummaryCache


def cache(ttl):
    made = SummaryCache()
    made.ttl, made.entries = ttl, {}
    return made


def test_one_computation_per_key_within_the_ttl_and_fresh_after():
    calls = []
    summary = cache(0.05)
    compute = lambda: calls.append(1) or len(calls)
    assert summary.get_or_compute(("t", ()), compute) == 1
    assert summary.get_or_compute(("t", ()), compute) == 1
    assert summary.get_or_compute(("other", ()), compute) == 2
    time.sleep(0.06)
    assert summary.get_or_compute(("t", ()), compute) == 3


def test_forget_drops_only_that_tenant_and_zero_ttl_never_caches():
    summary = cache(60)
    summary.get_or_compute(("a", ()), lambda: 1)
    summary.get_or_compute(("b", ()), lambda: 2)
    summary.forget("a")
    assert list(summary.entries) == [("b", ())]
    off = cache(0)
    assert [off.get_or_compute(("a", ()), lambda n=n: n) for n in range(3)] == [0, 1, 2]
