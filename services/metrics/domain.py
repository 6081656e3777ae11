"""Indicator rules: what a fact is, and how facts become the summary."""
from datetime import date, datetime, time, timedelta, timezone

from contracts.elderly import elderly_cutoff

CHINA = timezone(timedelta(hours=8))


def resident_fact(data):
    return {"_id": data["resident_id"], "community_id": data["community_id"],
            "birth_date": data["birth_date"], "registered_at": data["registered_at"]}


def visit_fact(data):
    return {"_id": data["visit_id"], "resident_id": data["resident_id"],
            "community_id": data["community_id"], "completed_at": data["completed_at"],
            "medicine_packages": data["medicine_packages"]}


FOLLOW_UP_RANK = {"pending": 0, "due": 1, "overdue": 2, "done": 3}


def follow_up_fact(data):
    return {"_id": data["follow_up_id"], "community_id": data["community_id"],
            "resident_id": data["resident_id"], "status": data["status"],
            "rank": FOLLOW_UP_RANK[data["status"]]}


def window(from_day: date | None, to_day: date | None):
    """Date filters are local calendar days (UTC+8) turned into UTC instants, [start, end)."""
    def start_of(day):
        return datetime.combine(day, time(), CHINA).astimezone(timezone.utc).isoformat(
            timespec="milliseconds")

    start = start_of(from_day) if from_day else None
    end = start_of(to_day + timedelta(days=1)) if to_day else None
    return start, end


def elderly_birth_cutoff(on: date):
    return elderly_cutoff(on)


def summary(registered, elderly_registered, visit_totals, elderly_served, as_of, filters,
            follow_ups=None):
    follow_ups = follow_ups or {"follow_ups_due": 0, "follow_ups_overdue": 0}
    return {
        **follow_ups,
        "residents_registered": registered,
        "elderly_registered": elderly_registered,
        "residents_served": visit_totals["residents_served"],
        "elderly_served": elderly_served,
        "visits_completed": visit_totals["visits_completed"],
        "medicine_packages": visit_totals["medicine_packages"],
        "as_of": as_of,
        "community_id": filters.get("community_id"),
        "from": filters["from_"].isoformat() if filters.get("from_") else None,
        "to": filters["to"].isoformat() if filters.get("to") else None,
    }
