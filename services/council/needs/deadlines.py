"""Deadlines and weeks. Deadlines are fixed hours after receipt, from settings (normal:
respond 24 h, resolve 7 days; urgent: 2 h and 24 h): the clock runs through nights and weekends
as 12345's does. Weeks are ISO weeks in the community's time zone, UTC+8."""
from datetime import datetime, timedelta, timezone

from chassis import clock

CHINA = timezone(timedelta(hours=8))


def windows(urgency, settings):
    """(respond hours, resolve hours) for an urgency."""
    if urgency == "urgent":
        return settings.urgent_need_respond_hours, settings.urgent_need_resolve_hours
    return settings.need_respond_hours, settings.need_resolve_hours


def deadlines(received_at: datetime, urgency, settings):
    respond, resolve = windows(urgency, settings)
    return (clock.iso(received_at + timedelta(hours=respond)),
            clock.iso(received_at + timedelta(hours=resolve)))


def parse(moment_iso):
    return datetime.fromisoformat(moment_iso.replace("Z", "+00:00"))


def iso_week(moment: datetime):
    """The ISO week ("2026-W49") a moment falls in, in UTC+8."""
    year, week, _ = moment.astimezone(CHINA).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week):
    """[start, end) of an ISO week in UTC+8, as UTC ISO strings."""
    start = datetime.strptime(week + "-1", "%G-W%V-%u").replace(tzinfo=CHINA)
    return clock.iso(start), clock.iso(start + timedelta(days=7))


def current_week(now=None):
    return iso_week(now or clock.utcnow())


def day_start(day):
    """A local calendar day (UTC+8) as the UTC instant it begins."""
    return clock.iso(datetime.combine(day, datetime.min.time(), CHINA))
