"""The rates' arithmetic (contracts/need_rates.py, shared by council's scores and metrics)."""
from contracts.need_rates import rates
from services.council.needs.scores import scores


def row(status="received", unit=None, responded_at=None, resolved_at=None, reopen_count=0,
        ratings=0, satisfied_ratings=0, overdue=False):
    return {"status": status, "unit": unit, "respond_by": "2026-12-02T00:00",
            "resolve_by": "2026-12-08T00:00", "responded_at": responded_at,
            "resolved_at": resolved_at, "reopen_count": reopen_count, "ratings": ratings,
            "satisfied_ratings": satisfied_ratings, "overdue": overdue}


ROWS = [
    # responded on time, resolved on time, satisfied at once
    row("closed", "物业公司", "2026-12-01T10:00", "2026-12-03T00:00", 0, 1, 1),
    # responded late, resolved late
    row("resolved", "物业公司", "2026-12-02T05:00", "2026-12-09T00:00", overdue=True),
    # reopened once, then closed: resolved but not "resolved and not reopened"
    row("closed", "街道城管", "2026-12-01T01:00", "2026-12-04T00:00", 1, 2, 1),
    # still open, never answered
    row("received", overdue=True),
]


def test_each_rate_and_its_counts():
    r = rates(ROWS)
    assert (r["received"], r["responded_on_time"], r["resolved"], r["resolved_not_reopened"],
            r["resolved_on_time"], r["rated"], r["satisfied"], r["overdue"]) == (4, 2, 3, 2, 2, 3, 2, 2)
    assert r["response_rate"] == 0.5          # 2 / 4
    assert r["resolution_rate"] == 0.5        # 2 / 4: the reopened one does not count
    assert r["satisfaction_rate"] == 0.6667   # 2 / 3 ratings
    assert r["on_time_rate"] == 0.6667        # 2 / 3 resolved


def test_no_denominator_means_no_rate():
    r = rates([])
    assert r["received"] == 0
    assert (r["response_rate"], r["resolution_rate"], r["satisfaction_rate"],
            r["on_time_rate"]) == (None, None, None, None)


def test_scores_per_unit():
    result = scores(ROWS)
    assert result["overall"]["received"] == 4
    units = {u["unit"]: u for u in result["by_unit"]}
    assert set(units) == {"物业公司", "街道城管"}
    assert units["物业公司"]["response_rate"] == 0.5 and units["物业公司"]["on_time_rate"] == 0.5
    assert units["街道城管"]["resolution_rate"] == 0.0 and units["街道城管"]["satisfaction_rate"] == 0.5
