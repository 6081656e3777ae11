"""The needs loop's rates (12345's response, resolution and satisfaction rates, plus the
on-time rate), shared by council's scores and the metrics summary so both say the same.

A row is one need's state (as its events carry it). Definitions (docs/adr/0008):
  response_rate     = needs responded (dispatched, or resolved) by respond_by / needs received
  resolution_rate   = needs resolved (or closed) and never reopened      / needs received
  satisfaction_rate = satisfied ratings                                  / ratings
  on_time_rate      = needs resolved (or closed) with resolved_at <= resolve_by / needs resolved
A rate with a zero denominator is null."""

RESOLVED = ("resolved", "closed")


def _fraction(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def counts(rows):
    received = responded = resolved_first_time = resolved = on_time = 0
    ratings = satisfied = overdue = 0
    for row in rows:
        received += 1
        if row.get("responded_at") and row["responded_at"] <= row["respond_by"]:
            responded += 1
        if row["status"] in RESOLVED:
            resolved += 1
            if not row.get("reopen_count"):
                resolved_first_time += 1
            if row.get("resolved_at") and row["resolved_at"] <= row["resolve_by"]:
                on_time += 1
        ratings += row.get("ratings") or 0
        satisfied += row.get("satisfied_ratings") or 0
        overdue += 1 if row.get("overdue") else 0
    return {"received": received, "responded_on_time": responded,
            "resolved": resolved, "resolved_not_reopened": resolved_first_time,
            "resolved_on_time": on_time, "rated": ratings, "satisfied": satisfied,
            "overdue": overdue}


def rates(rows):
    return rates_of(counts(rows))


def rates_of(c):
    """The rates from `counts`' sums (which may be kept as counters: services/metrics)."""
    return {
        **c,
        "response_rate": _fraction(c["responded_on_time"], c["received"]),
        "resolution_rate": _fraction(c["resolved_not_reopened"], c["received"]),
        "satisfaction_rate": _fraction(c["satisfied"], c["rated"]),
        "on_time_rate": _fraction(c["resolved_on_time"], c["resolved"]),
    }
