"""Percentiles and medians, the same way for every figure."""
import statistics


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(seconds):
    """p50/p95/p99 in milliseconds."""
    return {f"p{int(f * 100)}_ms": round(percentile(seconds, f) * 1000, 2)
            for f in (0.5, 0.95, 0.99)} if seconds else {}


def median_run(runs, key):
    """The run whose `key` is the median of all runs (so its other figures stay coherent)."""
    ordered = sorted(runs, key=lambda run: run[key])
    return ordered[len(ordered) // 2]


def median(values):
    return statistics.median(values) if values else None
