"""What the health service accepts and answers."""
from datetime import timedelta, timezone

from marshmallow import RAISE, Schema, fields, validate

from chassis.schemas import CursorQuery, Strict, Text

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
STATUSES = ("scheduled", "completed", "cancelled")


class VisitIn(Strict):
    resident_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    # A time without an offset is read as China Standard Time (UTC+8), where the users are.
    scheduled_for = fields.AwareDateTime(required=True, default_timezone=CHINA_STANDARD_TIME)
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


class ChecksIn(Schema):
    """Free health checks done at the door. Units are in the names; unknown checks rejected."""

    class Meta:
        unknown = RAISE

    blood_pressure = fields.String(validate=validate.Regexp(
        r"^\d{2,3}/\d{2,3}$", error="Blood pressure is systolic/diastolic, like 130/85."))
    systolic_mmhg = fields.Integer(strict=True, validate=validate.Range(min=40, max=300))
    diastolic_mmhg = fields.Integer(strict=True, validate=validate.Range(min=20, max=200))
    glucose_mmol_l = fields.Float(validate=validate.Range(min=0.5, max=50))
    heart_rate_bpm = fields.Integer(strict=True, validate=validate.Range(min=20, max=250))
    temperature_c = fields.Float(validate=validate.Range(min=30, max=45))
    blood_oxygen_pct = fields.Integer(strict=True, validate=validate.Range(min=50, max=100))
    weight_kg = fields.Float(validate=validate.Range(min=1, max=300))
    notes = Text(validate=validate.Length(max=1000))  # multi-line: tab and line breaks allowed


class MedicineIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=100, error="Quantity counts whole packages, from 1 to 100."))


class VisitCompletionIn(Strict):
    symptoms = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                           required=True)
    history = Text(validate=validate.Length(max=2000), load_default=None)
    medication = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                             load_default=list)
    checks = fields.Nested(ChecksIn, load_default=dict)
    medicines_dispensed = fields.List(fields.Nested(MedicineIn), required=True)
    # See the resident again in this many days: a follow-up (pending -> due -> overdue).
    follow_up_in_days = fields.Integer(strict=True, load_default=None, validate=validate.Range(
        min=1, max=365, error="A follow-up is 1 to 365 days away."))


class VisitCancelIn(Strict):
    reason = fields.String(validate=validate.Length(max=500), load_default=None)


class VisitQuery(CursorQuery):
    resident_id = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))


class MedicineOut(Schema):
    name = fields.String()
    quantity = fields.Integer()


class VisitOut(Schema):
    """Clinical fields (symptoms, history, medication, checks, medicines_dispensed) are present
    only for medical staff and the resident themself."""

    id = fields.String()
    resident_id = fields.String()
    community_id = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    scheduled_for = fields.String()
    reason = fields.String(allow_none=True)
    created_at = fields.String()
    completed_at = fields.String(allow_none=True)
    cancelled_at = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    medicine_packages = fields.Integer()
    recorded_by = fields.String()
    symptoms = fields.List(fields.String())
    history = fields.String(allow_none=True)
    medication = fields.List(fields.String())
    checks = fields.Dict()
    medicines_dispensed = fields.List(fields.Nested(MedicineOut))
    follow_up_in_days = fields.Integer(allow_none=True)


FOLLOW_UP_STATUSES = ("pending", "due", "overdue", "done")
FOLLOW_UP_KINDS = ("visit", "discharge", "monthly_plan")
URGENCIES = ("routine", "urgent", "emergency")
REFERRAL_STATUSES = ("requested", "accepted", "declined")
REVIEW_STATUSES = ("open", "resolved")


class FollowUpQuery(CursorQuery):
    status = fields.String(validate=validate.OneOf(FOLLOW_UP_STATUSES))
    kind = fields.String(validate=validate.OneOf(FOLLOW_UP_KINDS))
    grid = fields.String(validate=validate.Length(min=1, max=50),
                         metadata={"description": "a grid worker's grid, e.g. 第1网格"})
    community_id = fields.String(validate=validate.Length(min=1, max=64))
    resident_id = fields.String(validate=validate.Length(min=1, max=64))


class FollowUpOut(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": list(FOLLOW_UP_KINDS)})
    status = fields.String(metadata={"enum": list(FOLLOW_UP_STATUSES)})
    resident_id = fields.String()
    community_id = fields.String()
    compound_id = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    grid = fields.String(allow_none=True)
    due_on = fields.String(metadata={"description": "local day (UTC+8) it becomes due"})
    overdue_after = fields.String(metadata={"description": "the last day before it is overdue"})
    visit_id = fields.String(allow_none=True, metadata={"description": "the visit scheduled for it"})
    source_visit_id = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    created_at = fields.String()
    done_at = fields.String(allow_none=True)
    done_by_visit_id = fields.String(allow_none=True)


class ReferralIn(Strict):
    visit_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    department = fields.String(required=True, validate=validate.Length(min=1, max=100))
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    reason = Text(required=True, validate=validate.Length(min=1, max=1000))


class ReferralQuery(CursorQuery):
    resident_id = fields.String(validate=validate.Length(min=1, max=64))
    visit_id = fields.String(validate=validate.Length(min=1, max=64))
    status = fields.String(validate=validate.OneOf(REFERRAL_STATUSES))


class ReferralOut(Schema):
    """`reason`, `decline_reason` and `hospital_note` only for medical staff and the resident."""

    id = fields.String()
    visit_id = fields.String()
    resident_id = fields.String()
    community_id = fields.String()
    department = fields.String()
    urgency = fields.String(metadata={"enum": list(URGENCIES)})
    status = fields.String(metadata={"enum": list(REFERRAL_STATUSES)})
    requested_at = fields.String()
    answered_at = fields.String(allow_none=True)
    appointment_at = fields.String(allow_none=True)
    patient_id = fields.String(allow_none=True)
    reason = fields.String()
    decline_reason = fields.String(allow_none=True)
    hospital_note = fields.String(allow_none=True)


class ReviewQuery(CursorQuery):
    status = fields.String(load_default="open", validate=validate.OneOf(REVIEW_STATUSES))
    patient_id = fields.String(validate=validate.Length(min=1, max=64))


class ReviewResolveIn(Strict):
    resident_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ReviewOut(Schema):
    id = fields.String()
    patient_id = fields.String()
    name = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True, metadata={"description": "masked"})
    reason = fields.String()
    event_type = fields.String()
    status = fields.String(metadata={"enum": list(REVIEW_STATUSES)})
    received_at = fields.String()
    resolved_at = fields.String(allow_none=True)
    resident_id = fields.String(allow_none=True)
    applied = fields.String(allow_none=True, metadata={"description": "the visit it led to"})


class FhirBundleOut(Schema):
    """An HL7 FHIR R4 Bundle (type collection): Encounter (class HH), Observations,
    MedicationDispenses."""

    resourceType = fields.String()
    type = fields.String()
    timestamp = fields.String()
    entry = fields.List(fields.Dict())
