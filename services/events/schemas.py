"""What the events service accepts and answers (the gateway documents its routes with these)."""
from datetime import timedelta, timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis.schemas import CursorQuery, Strict
from contracts.activities import REGISTRATION_STATUSES, ROLES

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
PARTNER_KINDS = ("school", "elderly_care_home", "hospital", "property_company",
                 "social_organisation", "enterprise", "other")
PARTNER_ROLES = ("host", "co_organiser", "beneficiary")
ACTIVITY_KINDS = ("festival", "volunteering", "lecture", "performance", "service", "other")
ACTIVITY_STATUSES = ("published", "cancelled", "completed")
MAX_CAPACITY = 10000
_ID = validate.Length(min=1, max=64)


def _when(**kwargs):
    # A time without an offset is read as China Standard Time (UTC+8), where the users are.
    return fields.AwareDateTime(default_timezone=CHINA_STANDARD_TIME, **kwargs)


def _capacity():
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(
        min=1, max=MAX_CAPACITY, error=f"A capacity is a whole number from 1 to {MAX_CAPACITY}, "
                                       "or absent for no limit."))


class PartnerIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))
    contact_name = fields.String(validate=validate.Length(max=100), load_default=None)
    contact_phone = fields.String(validate=validate.Regexp(r"^\+?[0-9-]{5,20}$"),
                                  load_default=None)


class PartnerLinkIn(Strict):
    partner_id = fields.String(required=True, validate=_ID)
    role = fields.String(required=True, validate=validate.OneOf(PARTNER_ROLES))


class ActivityIn(Strict):
    community_id = fields.String(required=True, validate=_ID)
    compound_id = fields.String(validate=_ID, load_default=None)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    series = fields.String(validate=validate.Length(max=100), load_default=None)
    description = fields.String(validate=validate.Length(max=5000), load_default=None)
    place = fields.String(required=True, validate=validate.Length(min=1, max=300))
    starts_at = _when(required=True)
    ends_at = _when(required=True)
    capacity = _capacity()
    volunteer_capacity = _capacity()
    registration_closes_at = _when(load_default=None)
    audience_tags = fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                                load_default=list, validate=validate.Length(max=20))
    partners = fields.List(fields.Nested(PartnerLinkIn), load_default=list,
                           validate=validate.Length(max=20))

    @validates_schema
    def times_are_ordered(self, data, partial=False, **kwargs):
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            raise ValidationError("An activity ends after it starts.", "ends_at")
        closes = data.get("registration_closes_at")
        if closes and ends and closes > ends:
            raise ValidationError("Registration closes before the activity ends.",
                                  "registration_closes_at")


class ActivityPatch(Strict):
    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=5000), allow_none=True)
    place = fields.String(validate=validate.Length(min=1, max=300))
    starts_at = _when()
    ends_at = _when()
    capacity = _capacity()
    volunteer_capacity = _capacity()


class ActivityCancelIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class HoursIn(Strict):
    registration_id = fields.String(required=True, validate=_ID)
    hours = fields.Float(required=True, validate=validate.Range(min=0, max=24 * 31))


class ActivityCompleteIn(Strict):
    hours = fields.List(fields.Nested(HoursIn), load_default=list,
                        validate=validate.Length(max=MAX_CAPACITY))


class ActivityQuery(CursorQuery):
    community_id = fields.String(validate=_ID)
    compound_id = fields.String(validate=_ID)
    kind = fields.String(validate=validate.OneOf(ACTIVITY_KINDS))
    status = fields.String(validate=validate.OneOf(ACTIVITY_STATUSES))
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class RegistrationIn(Strict):
    resident_id = fields.String(required=True, validate=_ID)
    role = fields.String(validate=validate.OneOf(ROLES), load_default="participant")
    guardian_resident_id = fields.String(validate=_ID, load_default=None)
    note = fields.String(validate=validate.Length(max=500), load_default=None)


class RegistrationCancelIn(Strict):
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


class CheckInIn(Strict):
    code = fields.String(validate=validate.Length(min=1, max=12))
    resident_id = fields.String(validate=_ID)
    role = fields.String(validate=validate.OneOf(ROLES))

    @validates_schema
    def one_way(self, data, **kwargs):
        if bool(data.get("code")) == bool(data.get("resident_id")):
            raise ValidationError("Check in by `code` or by `resident_id` (one of them).",
                                  "code")


class RegistrationQuery(CursorQuery):
    status = fields.String(validate=validate.OneOf(REGISTRATION_STATUSES))
    role = fields.String(validate=validate.OneOf(ROLES))
    resident_id = fields.String(validate=_ID)


class HoursQuery(CursorQuery):
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class PageQuery(CursorQuery):
    pass


# -- answers --------------------------------------------------------------------------------------
class TotalsOut(Schema):
    activities = fields.Integer()
    participants = fields.Integer()
    volunteer_hours = fields.Float()


class PartnerOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(PARTNER_KINDS)})
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True, metadata={"description": "masked"})
    totals = fields.Nested(TotalsOut)
    created_at = fields.String()


class SeatsOut(Schema):
    capacity = fields.Integer(allow_none=True)
    confirmed = fields.Integer()
    waitlisted = fields.Integer()
    remaining = fields.Integer(allow_none=True, metadata={"description": "null: no limit"})


class PartnerLinkOut(Schema):
    partner_id = fields.String()
    role = fields.String(metadata={"enum": list(PARTNER_ROLES)})
    name = fields.String()


class ActivityOut(Schema):
    id = fields.String()
    community_id = fields.String()
    compound_id = fields.String(allow_none=True)
    title = fields.String()
    kind = fields.String(metadata={"enum": list(ACTIVITY_KINDS)})
    series = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    place = fields.String()
    starts_at = fields.String()
    ends_at = fields.String()
    registration_closes_at = fields.String(allow_none=True)
    audience_tags = fields.List(fields.String())
    status = fields.String(metadata={"enum": list(ACTIVITY_STATUSES)})
    partners = fields.List(fields.Nested(PartnerLinkOut))
    seats = fields.Nested(SeatsOut)
    volunteer_seats = fields.Nested(SeatsOut)
    issued_by = fields.String()
    cancel_reason = fields.String(allow_none=True)
    created_at = fields.String()
    completed_at = fields.String(allow_none=True)
    cancelled_at = fields.String(allow_none=True)


class RegisteredByOut(Schema):
    sub = fields.String()
    on_behalf_of = fields.String(allow_none=True)


class RegistrationOut(Schema):
    id = fields.String()
    activity_id = fields.String()
    resident_id = fields.String()
    role = fields.String(metadata={"enum": list(ROLES)})
    status = fields.String(metadata={"enum": list(REGISTRATION_STATUSES)})
    waitlist_position = fields.Integer(allow_none=True)
    queue_number = fields.Integer(metadata={
        "description": "the order of arrival on this activity (the waiting list follows it)"})
    check_in_code = fields.String(metadata={"description": "6 characters, no 0/O/1/I"})
    registered_at = fields.String()
    registered_by = fields.Nested(RegisteredByOut)
    guardian_resident_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    checked_in_at = fields.String(allow_none=True)
    checked_in_by = fields.String(allow_none=True)
    hours = fields.Float(allow_none=True)
    cancelled_at = fields.String(allow_none=True)


class HoursItemOut(Schema):
    activity_id = fields.String()
    registration_id = fields.String()
    title = fields.String()
    date = fields.String()
    hours = fields.Float()
    issued_by = fields.String()


class HoursOut(Schema):
    resident_id = fields.String()
    total_hours = fields.Float()
    items = fields.List(fields.Nested(HoursItemOut))
    next = fields.String(allow_none=True)
