"""What the health service accepts and answers."""
from datetime import timedelta, timezone

from marshmallow import RAISE, Schema, fields, validate

from chassis.schemas import CursorQuery, Strict

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
    notes = fields.String(validate=validate.Length(max=1000))


class MedicineIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=100, error="Quantity counts whole packages, from 1 to 100."))


class VisitCompletionIn(Strict):
    symptoms = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                           required=True)
    history = fields.String(validate=validate.Length(max=2000), load_default=None)
    medication = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                             load_default=list)
    checks = fields.Nested(ChecksIn, load_default=dict)
    medicines_dispensed = fields.List(fields.Nested(MedicineIn), required=True)


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
