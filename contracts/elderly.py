"""Who counts as elderly: a rule the registry (the `elderly` tag), health (monthly plans) and
metrics (elderly registered) share, so it lives here once rather than in one service."""
from datetime import date

from chassis import clock

ELDERLY_AGE = 60


def age_on(birth_date: date, today: date):
    return clock.years_between(birth_date, today)


def elderly_cutoff(today: date):
    """The latest birth date of someone who is ELDERLY_AGE or older today (ISO string)."""
    try:
        cutoff = today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - ELDERLY_AGE, day=28)
    return cutoff.isoformat()
