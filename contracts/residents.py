"""Events the residents service publishes (exchange `residents.events`)."""
from marshmallow import RAISE, Schema, fields


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ResidentRegisteredV1(_Strict):
    """A resident was added to the registry. No phone or ID number travels in events."""

    resident_id = fields.String(required=True)
    household_id = fields.String(required=True)
    compound_id = fields.String(required=True)
    community_id = fields.String(required=True)
    name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    gender = fields.String(allow_none=True, load_default=None)
    tags = fields.List(fields.String(), required=True)
    registered_at = fields.String(required=True)


class ResidentUpdatedV1(_Strict):
    """Some of a resident's registry fields changed; `changes` names them with new values."""

    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    changes = fields.Dict(keys=fields.String(), required=True)


EVENTS = {
    ("residents.resident_registered", 1): ResidentRegisteredV1,
    ("residents.resident_updated", 1): ResidentUpdatedV1,
}


# -- the territory: households and grids (added with the council service) -------------------
class HouseholdV1(_Strict):
    """A household as the registry now has it: what council's coverage and deliberation
    need to know every household without reading the registry's database."""

    household_id = fields.String(required=True)
    compound_id = fields.String(required=True)
    community_id = fields.String(required=True)
    address = fields.String(required=True)
    grid_id = fields.String(allow_none=True, load_default=None)
    registered_at = fields.String(required=True)


class GridChangedV1(_Strict):
    """A grid (网格) was created or changed; `worker_subs` are its grid workers' token subs."""

    grid_id = fields.String(required=True)
    community_id = fields.String(required=True)
    name = fields.String(required=True)
    worker_subs = fields.List(fields.String(), required=True)


EVENTS.update({
    ("residents.household_registered", 1): HouseholdV1,
    ("residents.household_changed", 1): HouseholdV1,
    ("residents.grid_changed", 1): GridChangedV1,
})
