"""Events the events service publishes (exchange `events.events`): community activities,
registrations, attendance and volunteer hours. Residents (timeline) and metrics consume them.

`actor.on_behalf_of` in the envelope names the resident when a grid worker or staff member
registered them. No phone or ID number travels here."""
from marshmallow import RAISE, Schema, fields, validate

ROLES = ("participant", "volunteer")
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled", "attended", "no_show",
                         "activity_cancelled")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Activity(_Strict):
    activity_id = fields.String(required=True)
    community_id = fields.String(required=True)
    compound_id = fields.String(allow_none=True, load_default=None)
    title = fields.String(required=True)


class ActivityPublishedV1(_Activity):
    kind = fields.String(required=True)
    series = fields.String(allow_none=True, load_default=None)
    place = fields.String(required=True)
    starts_at = fields.String(required=True)
    ends_at = fields.String(required=True)
    capacity = fields.Integer(allow_none=True, load_default=None)
    volunteer_capacity = fields.Integer(allow_none=True, load_default=None)
    partner_ids = fields.List(fields.String(), required=True)


class ActivityChangedV1(_Activity):
    """Time, place or other fields changed; `resident_ids` are the live registrants told."""

    changes = fields.Dict(keys=fields.String(), required=True)
    resident_ids = fields.List(fields.String(), required=True)


class ActivityCancelledV1(_Activity):
    reason = fields.String(required=True)
    cancelled_at = fields.String(required=True)


class ActivityCompletedV1(_Activity):
    kind = fields.String(required=True)
    starts_at = fields.String(required=True)
    ends_at = fields.String(required=True)
    completed_at = fields.String(required=True)
    partner_ids = fields.List(fields.String(), required=True)


class RegisteredByV1(_Strict):
    sub = fields.String(required=True)
    on_behalf_of = fields.String(allow_none=True, load_default=None)


class RegistrationV1(_Activity):
    """registration_confirmed / _waitlisted / _promoted / _cancelled share this shape."""

    registration_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    status = fields.String(required=True, validate=validate.OneOf(REGISTRATION_STATUSES))
    waitlist_position = fields.Integer(allow_none=True, load_default=None)
    registered_by = fields.Nested(RegisteredByV1, required=True)
    at = fields.String(required=True)


class AttendanceRecordedV1(_Activity):
    """A confirmed registration's outcome: checked in (`attended`) or absent at completion
    (`no_show`). One per registration."""

    registration_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    outcome = fields.String(required=True, validate=validate.OneOf(["attended", "no_show"]))
    at = fields.String(required=True)


class VolunteerHoursCreditedV1(_Activity):
    """Hours from verified attendance, once per registration; the organising community
    records and certifies them (志愿服务记录)."""

    registration_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0))
    date = fields.String(required=True)
    issued_by = fields.String(required=True)
    at = fields.String(required=True)


EVENTS = {
    ("events.activity_published", 1): ActivityPublishedV1,
    ("events.activity_changed", 1): ActivityChangedV1,
    ("events.activity_cancelled", 1): ActivityCancelledV1,
    ("events.activity_completed", 1): ActivityCompletedV1,
    ("events.registration_confirmed", 1): RegistrationV1,
    ("events.registration_waitlisted", 1): RegistrationV1,
    ("events.registration_promoted", 1): RegistrationV1,
    ("events.registration_cancelled", 1): RegistrationV1,
    ("events.attendance_recorded", 1): AttendanceRecordedV1,
    ("events.volunteer_hours_credited", 1): VolunteerHoursCreditedV1,
}
