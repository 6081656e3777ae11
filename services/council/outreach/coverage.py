"""Weekly coverage from the projection: the households in scope (council's copy of the
registry), the week's knocked sets per grid, and who to knock next.

not_knocked order: first households where someone elderly and living alone is registered
(`elderly_living_alone`), then those never knocked (`never_knocked`), then the rest by
`last_knocked_at`, oldest first (`longest_since_knocked`)."""
PRIORITIES = ("elderly_living_alone", "never_knocked", "longest_since_knocked")


def _fraction(knocked, households):
    return round(knocked / households, 4) if households else 0.0


def not_knocked(households, knocked_ids, elderly_alone_ids):
    rows = []
    for household in households:
        if household["_id"] in knocked_ids:
            continue
        last = household.get("last_knocked_at")
        priority = ("elderly_living_alone" if household["_id"] in elderly_alone_ids
                    else "never_knocked" if last is None else "longest_since_knocked")
        rows.append({"household_id": household["_id"], "address": household.get("address"),
                     "grid_id": household.get("grid_id"), "last_knocked_at": last,
                     "priority": priority})
    # elderly living alone first; then never knocked ("" sorts before any time), oldest first
    return sorted(rows, key=lambda r: (r["priority"] != "elderly_living_alone",
                                       r["last_knocked_at"] or "", r["household_id"]))


def figures(week, households, knocked, grids):
    """The answer's counts: `grids` as (grid, households, knocked)."""
    return {"week": week, "households": households, "knocked": knocked,
            "coverage": _fraction(knocked, households),
            "by_grid": [{"grid_id": grid["_id"], "name": grid.get("name"), "households": homes,
                         "knocked": done, "coverage": _fraction(done, homes)}
                        for grid, homes, done in grids]}


def coverage(week, households, grids, week_docs, elderly_alone_ids):
    """Every figure from every household in scope and the week's knocked sets (any week)."""
    knocked_ids = set()
    knocked_by_grid = {}
    for doc in week_docs:
        members = set(doc.get("households") or {})
        knocked_ids |= members
        knocked_by_grid.setdefault(doc.get("grid_id"), set()).update(members)
    in_scope = {h["_id"] for h in households}
    knocked_ids &= in_scope
    by_grid = []
    for grid in grids:
        members = {h["_id"] for h in households if h.get("grid_id") == grid["_id"]}
        by_grid.append((grid, len(members), len(members & knocked_by_grid.get(grid["_id"], set()))))
    return {**figures(week, len(in_scope), len(knocked_ids), by_grid),
            "not_knocked": not_knocked(households, knocked_ids, elderly_alone_ids)}
