from marshmallow import Schema, fields, validate, validates_schema, ValidationError

from chassis.schemas import Strict


class SummaryQuery(Strict):
    community_id = fields.String(validate=validate.Length(min=1, max=64))
    # `from` is a Python keyword: the field is named from_ and read from "from".
    from_ = fields.Date(data_key="from")
    to = fields.Date()

    @validates_schema
    def window_is_ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("`from` is after `to`.", "from")


class SummaryOut(Schema):
    residents_registered = fields.Integer()
    elderly_registered = fields.Integer()
    residents_served = fields.Integer(metadata={
        "description": "distinct residents with a completed visit"})
    elderly_served = fields.Integer()
    visits_completed = fields.Integer()
    medicine_packages = fields.Integer(metadata={"description": "sum of dispensed quantities"})
    follow_ups_due = fields.Integer(metadata={"description": "follow-ups due now (state, not windowed)"})
    follow_ups_overdue = fields.Integer(metadata={"description": "follow-ups past their last day"})
    # outreach and needs (issue 12)
    households = fields.Integer()
    households_knocked_this_week = fields.Integer(metadata={"description": "ISO week, UTC+8"})
    door_knock_coverage = fields.Float()
    needs_received = fields.Integer()
    needs_resolved = fields.Integer()
    needs_overdue = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    resolution_rate = fields.Float(allow_none=True)
    satisfaction_rate = fields.Float(allow_none=True)
    # the deliberation week (services/metrics/council.py)
    proposals_submitted = fields.Integer()
    supports = fields.Integer(metadata={"description": "supports standing (not withdrawn)"})
    proposals_accepted = fields.Integer()
    proposals_implemented = fields.Integer()
    # community activities (issue 11)
    activities_held = fields.Integer(metadata={"description": "completed activities"})
    activity_participants = fields.Integer(metadata={"description": "distinct residents who attended"})
    attendances = fields.Integer()
    no_shows = fields.Integer()
    volunteer_hours = fields.Float()
    volunteers_active = fields.Integer(metadata={"description": "distinct residents credited hours"})
    partners_engaged = fields.Integer(metadata={"description": "distinct partners of held activities"})
    as_of = fields.String()
    community_id = fields.String(allow_none=True)
    # `from`/`to` echo the window applied to visit figures
    from_ = fields.String(data_key="from", allow_none=True)
    to = fields.String(allow_none=True)
