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


class VisitCancelledV1(_Strict):
    visit_id = fields.String(required=True)
    resident_id = fields.String(required=True)
    community_id = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)


EVENTS = {
    ("health.visit_scheduled", 1): VisitScheduledV1,
    ("health.visit_completed", 1): VisitCompletedV1,
    ("health.visit_cancelled", 1): VisitCancelledV1,
}
