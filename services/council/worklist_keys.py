"""Who to knock next, as keys the store reads by range: pure functions from a household of
council's projection to its sort keys, and the cursor of a worklist page.

The API's order (services/council/outreach/coverage.py) is: households where someone elderly
lives alone first, then never knocked, then the oldest last knock; ties by household id.
The households not knocked in the current week are exactly those whose `last_knocked_at` is
before the week's start (or none), so each household carries, per scope it can be read in
(the tenant, its community, its grid), one string sorting as (scope, last knock, id):
`wl_<scope>` for every household, and `wa_<scope>` for a household where someone living alone
was elderly when its keys were written. The rule depends on today and nobody sends an event on
a 60th birthday, so a household where someone living alone turns elderly later carries
`wy_<scope>` instead, sorting as (scope, `alone_from`, id): the read takes the few whose day
has come since from that range, and the household's next write (a knock) moves it to `wa_`.
A page is a range of one key, from the scope's prefix up to the week's start, sorted by it,
with a limit: the nx-27017 stand-in answers that from a single-field index in O(page)
(ADR 0016, 0017).

Scope names are length-prefixed, so no other tenant's, community's or grid's entries fall
inside a range whatever characters ids hold; "!" parts the last knock from the id because it
sorts before every digit, so a household never knocked ("" + "!") comes before any knock
time, as in the API's order."""
import re
from datetime import date

from contracts.elderly import ELDERLY_AGE

LEVELS = (("t", None), ("c", "community_id"), ("g", "grid_id"))
EVERY, ALONE, SOON_ALONE = "wl_", "wa_", "wy_"
FIELDS = tuple(kind + level for kind in (EVERY, ALONE, SOON_ALONE) for level, _ in LEVELS)
INPUTS = ("community_id", "grid_id", "last_knocked_at", "alone_from")
ELDERLY_ALONE, REST = "a", "r"  # the worklist's two parts, in the API's order
CURSOR = re.compile(r"^[ar][0-9T:.+\-]*!.+$")


def _part(name):
    return f"{len(name)}:{name}|"


def prefix(tenant, level, scope_id):
    return _part(tenant) + _part(level) + _part(scope_id or "")


def position(household):
    return f"{household.get('last_knocked_at') or ''}!{household['_id']}"


def level_of(community_id, grid_id):
    """The narrowest scope a query names (a grid lies inside one community)."""
    return ("g", grid_id) if grid_id else ("c", community_id) if community_id else ("t", "")


def key_fields(tenant, household, today):
    """The keys a household of this state holds today: ({field: key}, [fields it must not
    hold])."""
    keys = {}
    if household.get("community_id"):  # a household the registry has not described yet: none
        at, since = position(household), household.get("alone_from")
        for level, field in LEVELS:
            scope_id = household.get(field) if field else ""
            if field and not scope_id:
                continue
            keys[EVERY + level] = prefix(tenant, level, scope_id) + at
            if since and since <= today.isoformat():
                keys[ALONE + level] = prefix(tenant, level, scope_id) + at
            elif since:
                keys[SOON_ALONE + level] = f"{prefix(tenant, level, scope_id)}{since}!{household['_id']}"
    return keys, [name for name in FIELDS if name not in keys]


def alone_from(residents):
    """The first day someone living alone in the household is elderly, or None: from the
    resident facts (birth_date, lives_alone) of the household's residents."""
    days = []
    for resident in residents:
        born = resident.get("birth_date")
        if resident.get("lives_alone") and born:
            born = date.fromisoformat(str(born)[:10])
            try:
                days.append(born.replace(year=born.year + ELDERLY_AGE))
            except ValueError:  # born on 29 February, 60 in a common year
                days.append(date(born.year + ELDERLY_AGE, 3, 1))
    return min(days).isoformat() if days else None


def is_elderly_alone(household, today):
    return bool(household.get("alone_from")) and household["alone_from"] <= today.isoformat()


def cursor_of(part, household):
    return part + position(household)


def parse_cursor(cursor):
    """(part, position) of a page's `not_knocked_next`, or (ELDERLY_ALONE, None) for the
    first page. The schema has checked its shape."""
    if not cursor:
        return ELDERLY_ALONE, None
    return cursor[0], cursor[1:]

