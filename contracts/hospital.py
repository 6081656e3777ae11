"""Events the partner hospital publishes (exchange `hospital.events`, routing key = event name).

The hospital is an external system: it knows residents by its own `patient_id` and, on first
contact, by the ID-card number. Health matches them to residents (see docs/adr/0005); an ID
number is used for that match only and is never stored or forwarded by the platform."""
from marshmallow import RAISE, Schema, fields, validate


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _id(required=True):
    return fields.String(required=required, validate=validate.Length(min=1, max=64))


class _Patient(_Strict):
    patient_id = _id()
    # Optional: the match key on first contact (18 characters, GB 11643). Never stored.
    id_number = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{17}[\dXx]$", error="An ID number has 17 digits and a final digit or X."))
    name = fields.String(load_default=None, validate=validate.Length(max=50))


class MedicineV1(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))


class ReferralAcceptedV1(_Strict):
    """The hospital took a referral; `patient_id` links the resident to its patient record."""

    referral_id = _id()
    patient_id = _id()
    accepted_at = fields.AwareDateTime(required=True)
    appointment_at = fields.AwareDateTime(load_default=None)
    department = fields.String(load_default=None, validate=validate.Length(max=100))
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class ReferralDeclinedV1(_Strict):
    referral_id = _id()
    declined_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PatientDischargedV1(_Patient):
    """A patient went home; health schedules a home follow-up visit."""

    discharged_at = fields.AwareDateTime(required=True)
    department = fields.String(load_default=None, validate=validate.Length(max=100))
    # Within how many days the hospital asks for a home visit (default: the platform's).
    follow_up_within_days = fields.Integer(load_default=None, strict=True,
                                           validate=validate.Range(min=1, max=60))


class HomeVisitCompletedV1(_Patient):
    """Hospital staff visited a patient at home and recorded it in the hospital's system."""

    hospital_visit_id = _id()
    completed_at = fields.AwareDateTime(required=True)
    symptoms = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                           required=True)
    history = fields.String(load_default=None, validate=validate.Length(max=2000))
    medication = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                             load_default=list)
    checks = fields.Dict(keys=fields.String(), load_default=dict)
    medicines_dispensed = fields.List(fields.Nested(MedicineV1), required=True)


EVENTS = {
    ("hospital.referral_accepted", 1): ReferralAcceptedV1,
    ("hospital.referral_declined", 1): ReferralDeclinedV1,
    ("hospital.patient_discharged", 1): PatientDischargedV1,
    ("hospital.home_visit_completed", 1): HomeVisitCompletedV1,
}
