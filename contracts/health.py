"""Events the health service publishes (exchange `health.events`).

Clinical details (symptoms, history, medication, checks) do not travel in these events: only
the facts that other services project (that a visit happened, and the medicine packages
handed out, which the community counts)."""
from marshmallow import RAISE, Schema, fields, validate


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class MedicineCountV1(_Strict):
    name = fields.String(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))


class VisitScheduledV1(_Strict):
    visit_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    scheduled_for = fields.String(required=True)


class VisitCompletedV1(_Strict):
    visit_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    completed_at = fields.String(required=True)
    medicine_packages = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    medicines_dispensed = fields.List(fields.Nested(MedicineCountV1), required=True)
    recorded_by = fields.String(required=True, validate=validate.OneOf(["platform", "hospital"]))
    # The visit asked to see the resident again in this many days (None: no follow-up).
    # Optional: events published before it existed lack it.
    follow_up_in_days = fields.Integer(strict=True, allow_none=True, load_default=None,
                                       validate=validate.Range(min=1, max=365))


class VisitCancelledV1(_Strict):
    visit_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)


URGENCIES = ("routine", "urgent", "emergency")
FOLLOW_UP_STATUSES = ("pending", "due", "overdue", "done")
FOLLOW_UP_KINDS = ("visit", "discharge", "monthly_plan")


class ReferredPatientV1(_Strict):
    """Who is referred: enough for the hospital to find or open a patient record. The ID-card
    number and phone stay in the residents service; `patient_id` is set once linked."""

    patient_id = fields.String(allow_none=True, load_default=None)
    name = fields.String(required=True)
    birth_date = fields.String(allow_none=True, load_default=None)
    gender = fields.String(allow_none=True, load_default=None)


class ReferralRequestedV1(_Strict):
    """Addressed to the hospital: the one health event that carries a clinical reason."""

    referral_id = fields.String(required=True)
    visit_id = fields.String(allow_none=True, load_default=None)
    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    department = fields.String(required=True, validate=validate.Length(min=1, max=100))
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    requested_at = fields.String(required=True)
    patient = fields.Nested(ReferredPatientV1, required=True)


class ReferralAnsweredV1(_Strict):
    """The hospital's answer as health recorded it (no clinical detail)."""

    referral_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    department = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["accepted", "declined"]))
    answered_at = fields.String(required=True)
    appointment_at = fields.String(allow_none=True, load_default=None)


class FollowUpChangedV1(_Strict):
    """A follow-up was created or moved on (pending -> due -> overdue, or done)."""

    follow_up_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(FOLLOW_UP_KINDS))
    status = fields.String(required=True, validate=validate.OneOf(FOLLOW_UP_STATUSES))
    due_on = fields.String(required=True)
    overdue_after = fields.String(required=True)


EVENTS = {
    ("health.referral_requested", 1): ReferralRequestedV1,
    ("health.referral_answered", 1): ReferralAnsweredV1,
    ("health.follow_up_changed", 1): FollowUpChangedV1,
    ("health.visit_scheduled", 1): VisitScheduledV1,
    ("health.visit_completed", 1): VisitCompletedV1,
    ("health.visit_cancelled", 1): VisitCancelledV1,
}
