"""Time in one format everywhere: UTC ISO 8601 with offset, millisecond precision.

Stored as strings so that they sort and compare the same in MongoDB and in the stand-in."""
from datetime import date, datetime, timezone


def utcnow():
    return datetime.now(timezone.utc)


def iso(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def now_iso():
    return iso(utcnow())


def today():
    return utcnow().date()


def years_between(born: date, on: date):
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
