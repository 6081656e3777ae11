"""What the residents service accepts (RPC arguments, also the gateway's HTTP bodies) and
answers. Unknown fields are rejected."""
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from chassis.schemas import CursorQuery, Strict

from services.residents.identity import id_number_problem

MANUAL_TAGS = ("lives_alone", "mobility_impaired", "disabled", "chronic_condition",
               "party_member", "volunteer")
AUTOMATIC_TAGS = ("elderly",)
GENDERS = ("male", "female", "other")


def _name(maximum=100):
    return fields.String(required=True, validate=validate.Length(min=1, max=maximum))


class CommunityIn(Strict):
    name = _name()


class CompoundIn(Strict):
    community_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = _name()


class HouseholdIn(Strict):
    compound_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    address = _name(200)
    grid = fields.String(validate=validate.Length(max=50), load_default=None)
    grid_id = fields.String(validate=validate.Length(min=1, max=64), load_default=None)


class HouseholdPatch(Strict):
    grid_id = fields.String(validate=validate.Length(min=1, max=64), allow_none=True)
    address = _name(200)


class GridIn(Strict):
    community_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = _name(50)
    worker_subs = fields.List(fields.String(validate=validate.Length(min=1, max=128)),
                              load_default=list, validate=validate.Length(max=100))


class GridQuery(CursorQuery):
    community_id = fields.String()


class GridOut(Schema):
    id = fields.String()
    community_id = fields.String()
    name = fields.String()
    worker_subs = fields.List(fields.String())


class ResidentIn(Strict):
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = _name(50)
    birth_date = fields.Date(required=True)
    gender = fields.String(validate=validate.OneOf(GENDERS), load_default=None)
    phone = fields.String(validate=validate.Regexp(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$",
                          error="Not a valid mainland phone number."), load_default=None)
    id_number = fields.String(load_default=None)
    tags = fields.List(fields.String(validate=validate.OneOf(MANUAL_TAGS + AUTOMATIC_TAGS)),
                       load_default=list)

    @validates("birth_date")
    def birth_date_is_plausible(self, value, **kwargs):
        if value > date.today():
            raise ValidationError("Birth date is in the future.")
        if value.year < 1900:
            raise ValidationError("Birth date is before 1900.")

    @validates("id_number")
    def id_number_is_valid(self, value, **kwargs):
        if value is not None:
            problem = id_number_problem(value)
            if problem:
                raise ValidationError(problem)


class ResidentPatch(ResidentIn):
    """PATCH: any subset of the resident's own fields (the household cannot move here)."""

    class Meta:
        unknown = RAISE
        exclude = ("household_id",)


class ResidentQuery(CursorQuery):
    tag = fields.String(validate=validate.OneOf(MANUAL_TAGS + AUTOMATIC_TAGS))
    compound_id = fields.String()
    community_id = fields.String()
    household_id = fields.String()
    q = fields.String(validate=validate.Length(min=1, max=50))


class HealthSummaryOut(Schema):
    visits_completed = fields.Integer()
    last_visit_at = fields.String(allow_none=True)
    medicine_packages = fields.Integer()


class ResidentOut(Schema):
    """A resident as every answer shows it: phone and ID number masked."""

    id = fields.String()
    household_id = fields.String()
    compound_id = fields.String()
    community_id = fields.String()
    name = fields.String()
    birth_date = fields.String()
    age = fields.Integer()
    gender = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    phone = fields.String(allow_none=True, metadata={"description": "masked: 138****5678"})
    id_number = fields.String(allow_none=True,
                              metadata={"description": "masked: first 6 and last 4 kept"})
    health = fields.Nested(HealthSummaryOut)
    registered_at = fields.String()
    updated_at = fields.String()


class CommunityOut(Schema):
    id = fields.String()
    name = fields.String()


class CompoundOut(Schema):
    id = fields.String()
    community_id = fields.String()
    name = fields.String()


class HouseholdOut(Schema):
    id = fields.String()
    compound_id = fields.String()
    community_id = fields.String()
    address = fields.String()
    grid = fields.String(allow_none=True)
    grid_id = fields.String(allow_none=True)


class TimelineEntryOut(Schema):
    id = fields.String()
    at = fields.String()
    kind = fields.String()
    summary = fields.String()
    source = fields.String()
    actor = fields.Dict()
