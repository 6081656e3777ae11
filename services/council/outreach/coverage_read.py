"""Weekly coverage for a scope, read the way its cost stays flat in the community's size
(ADR 0017): the figures from counters kept as events arrive (households per grid:
services/council/household_counts.py; knocked per week and grid: the `knocked` of each
coverage week), and one page of the worklist read by range (households.worklist).

That range serves the current week only (a household knocked since has left it), so another
week is answered by the full path of coverage.py, every household read, and paged here:
exact, and as costly as before."""
from chassis.counter_keys import field_key
from services.council import household_counts, households, worklist_keys
from services.council.needs import deadlines
from services.council.outreach import coverage, store


def read(db, week, community_id, grid_id, limit, cursor, today, current_week):
    grids = households.grids_in(db, community_id, grid_id)
    if week != current_week:
        return _full(db, week, community_id, grid_id, grids, limit, cursor, today)
    # a grid's counts are in its community's shards
    held = household_counts.counts(db, community_id or (
        next((g.get("community_id") for g in grids), None) if grid_id else None))
    knocked = store.knocked_counts(db, week, community_id, grid_id)

    def of(grid):
        homes = held.get(field_key(grid or household_counts.NO_GRID), 0)
        return homes, min(knocked.get(grid or household_counts.NO_GRID, 0), homes)

    if grid_id:
        homes, done = of(grid_id)
    else:
        homes = sum(held.values())
        done = min(sum(knocked.values()), homes)
    level, scope_id = worklist_keys.level_of(community_id, grid_id)
    rows = households.worklist(db, level, scope_id, deadlines.week_bounds(week)[0], today,
                               limit + 1, cursor)
    page = [_row(h, part) for part, h in rows[:limit]]
    return {**coverage.figures(week, homes, done,
                               [(grid, *of(grid["_id"])) for grid in grids]),
            "not_knocked": page, "not_knocked_total": homes - done,
            "not_knocked_next": (worklist_keys.cursor_of(rows[limit - 1][0], rows[limit - 1][1])
                                 if len(rows) > limit else None)}


def _row(household, part):
    last = household.get("last_knocked_at")
    return {"household_id": household["_id"], "address": household.get("address"),
            "grid_id": household.get("grid_id"), "last_knocked_at": last,
            "priority": ("elderly_living_alone" if part == worklist_keys.ELDERLY_ALONE
                         else "never_knocked" if last is None else "longest_since_knocked")}


def _full(db, week, community_id, grid_id, grids, limit, cursor, today):
    homes = households.households_in(db, community_id, grid_id)
    alone = households.elderly_alone_households(db, [h["_id"] for h in homes], today,
                                                community_id)
    answer = coverage.coverage(week, homes, grids, store.weeks(db, week, community_id, grid_id),
                               alone)
    listed = [(_part(row), row) for row in answer["not_knocked"]]
    after = worklist_keys.parse_cursor(cursor) if cursor else None
    rest = [(part, row) for part, row in listed
            if after is None or (part, _position(row)) > after]
    return {**answer, "not_knocked": [row for _, row in rest[:limit]],
            "not_knocked_total": len(listed),
            "not_knocked_next": (rest[limit - 1][0] + _position(rest[limit - 1][1])
                                 if len(rest) > limit else None)}


def _part(row):
    return (worklist_keys.ELDERLY_ALONE if row["priority"] == "elderly_living_alone"
            else worklist_keys.REST)


def _position(row):
    return worklist_keys.position({"_id": row["household_id"],
                                   "last_knocked_at": row["last_knocked_at"]})
