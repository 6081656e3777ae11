"""Grids (网格) in the territorial tree and the household facts the registry publishes, as
plain functions. A grid belongs to one community; its grid workers are token subs."""
from chassis import clock, ids
from chassis.errors import Invalid


def new_grid(payload, community):
    return {"_id": ids.new_id(), "community_id": community["_id"], "name": payload["name"],
            "worker_subs": sorted(set(payload.get("worker_subs") or [])),
            "created_at": clock.now_iso()}


def grid_changes(payload):
    changes = {k: v for k, v in payload.items() if k in ("name", "worker_subs")}
    if "worker_subs" in changes:
        changes["worker_subs"] = sorted(set(changes["worker_subs"]))
    return changes


def grid_event_data(grid):
    return {"grid_id": grid["_id"], "community_id": grid["community_id"], "name": grid["name"],
            "worker_subs": list(grid["worker_subs"])}


def grid_view(grid):
    return {"id": grid["_id"], "community_id": grid["community_id"], "name": grid["name"],
            "worker_subs": list(grid.get("worker_subs") or [])}


def check_same_community(grid, community_id):
    """A household's grid must be a grid of the household's own community."""
    if grid["community_id"] != community_id:
        raise Invalid("the grid belongs to another community",
                      {"grid_id": ["Not a grid of this household's community."]})


def household_event_data(household):
    return {"household_id": household["_id"], "compound_id": household["compound_id"],
            "community_id": household["community_id"], "address": household["address"],
            "grid_id": household.get("grid_id"), "registered_at": household["created_at"]}


def household_changes(payload, grid):
    """What a PATCH changes; the free-text `grid` label follows the grid's name."""
    changes = {k: payload[k] for k in ("address",) if k in payload}
    if "grid_id" in payload:
        changes["grid_id"] = payload["grid_id"]
        changes["grid"] = grid["name"] if grid else None
    return changes
