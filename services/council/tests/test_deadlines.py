"""Deadlines (normal and urgent) and ISO weeks in UTC+8, across midnight and week ends."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chassis.config import Settings
from services.council.needs import deadlines

CHINA = timezone(timedelta(hours=8))
SETTINGS = Settings()


def at(text):
    return datetime.fromisoformat(text)


def test_defaults_are_24_hours_and_7_days_normal_2_and_24_hours_urgent():
    assert deadlines.windows("normal", SETTINGS) == (24, 168)
    assert deadlines.windows("urgent", SETTINGS) == (2, 24)


def test_a_normal_need_late_on_sunday_evening_is_due_across_midnight_and_the_week():
    received = at("2026-12-06T23:30:00+08:00")  # Sunday, the last day of 2026-W49
    respond_by, resolve_by = deadlines.deadlines(received, "normal", SETTINGS)
    assert respond_by == "2026-12-07T15:30:00.000+00:00"  # Monday 23:30 in UTC+8
    assert resolve_by == "2026-12-13T15:30:00.000+00:00"  # next Sunday 23:30 in UTC+8
    assert deadlines.iso_week(received) == "2026-W49"
    assert deadlines.iso_week(deadlines.parse(respond_by)) == "2026-W50"


def test_an_urgent_need_at_2300_is_due_for_response_after_midnight():
    received = at("2026-12-01T23:00:00+08:00")
    respond_by, resolve_by = deadlines.deadlines(received, "urgent", SETTINGS)
    assert deadlines.parse(respond_by).astimezone(CHINA).isoformat() == "2026-12-02T01:00:00+08:00"
    assert deadlines.parse(resolve_by).astimezone(CHINA).isoformat() == "2026-12-02T23:00:00+08:00"


def test_deadlines_follow_the_settings():
    custom = replace(SETTINGS, urgent_need_respond_hours=1.5, need_resolve_hours=72)
    received = at("2026-12-01T00:00:00+00:00")
    assert deadlines.deadlines(received, "urgent", custom)[0] == "2026-12-01T01:30:00.000+00:00"
    assert deadlines.deadlines(received, "normal", custom)[1] == "2026-12-04T00:00:00.000+00:00"


@pytest.mark.parametrize("moment, week", [
    ("2026-12-06T15:59:59+00:00", "2026-W49"),  # Sunday 23:59:59 in UTC+8
    ("2026-12-06T16:00:00+00:00", "2026-W50"),  # Monday 00:00 in UTC+8, still Sunday in UTC
    ("2026-12-31T17:00:00+00:00", "2026-W53"),  # 1 January 2027 01:00 local: ISO 2026-W53
    ("2027-01-03T16:00:00+00:00", "2027-W01"),
])
def test_iso_weeks_are_counted_in_utc_plus_8(moment, week):
    assert deadlines.iso_week(at(moment)) == week


def test_a_week_is_monday_to_monday_local_time():
    assert deadlines.week_bounds("2026-W49") == ("2026-11-29T16:00:00.000+00:00",
                                                 "2026-12-06T16:00:00.000+00:00")
