"""Visit rules without a broker or a store."""
import pytest
from marshmallow import ValidationError

from chassis.context import Call
from services.health import domain
from services.health.schemas import VisitCompletionIn, VisitIn

VISIT = {"_id": "v1", "resident_id": "r1", "community_id": "k", "status": "completed",
         "scheduled_for": "2026-12-01T01:00:00.000+00:00", "created_at": "x",
         "symptoms": ["头晕"], "history": "高血压", "medication": ["硝苯地平"],
         "checks": {"blood_pressure": "130/85"},
         "medicines_dispensed": [{"name": "降压药", "quantity": 2}], "medicine_packages": 2}


def call(*roles, sub="u1"):
    return Call({"tenant": "t", "actor": sub, "roles": list(roles)})


def test_packages_are_the_sum_of_quantities():
    assert domain.medicine_packages([{"name": "a", "quantity": 2}, {"name": "b", "quantity": 1}]) == 3


@pytest.mark.parametrize("who, sees", [
    (call("medical_staff"), True), (call("community_staff"), False),
    (call("grid_worker"), False), (call("resident", sub="r1"), True),
    (call("resident", sub="r2"), False)])
def test_clinical_fields_only_for_medical_staff_and_the_resident(who, sees):
    view = domain.visit_view(VISIT, domain.may_see_clinical(who, VISIT))
    assert ("symptoms" in view) is sees and ("medicines_dispensed" in view) is sees
    assert view["medicine_packages"] == 2 and view["status"] == "completed"


@pytest.mark.parametrize("quantity", [0, 101, "two", 2.5, True])
def test_quantity_is_a_whole_number_of_packages(quantity):
    with pytest.raises(ValidationError):
        VisitCompletionIn().load({"symptoms": [], "medicines_dispensed": [
            {"name": "钙片", "quantity": quantity}]})


def test_unknown_checks_are_rejected():
    with pytest.raises(ValidationError) as error:
        VisitCompletionIn().load({"symptoms": [], "medicines_dispensed": [],
                                  "checks": {"mood": "good"}})
    assert "checks" in error.value.messages


def test_a_time_without_offset_is_china_standard_time():
    loaded = VisitIn().load({"resident_id": "r", "scheduled_for": "2026-12-01T09:00:00"})
    assert loaded["scheduled_for"].utcoffset().total_seconds() == 8 * 3600


def test_completion_sets_everything_at_once():
    changes = domain.completion({"symptoms": ["咳嗽"], "medicines_dispensed": [
        {"name": "止咳糖浆", "quantity": 2}]}, {"id": "doc"})
    assert changes["status"] == "completed" and changes["medicine_packages"] == 2
    data = domain.completed_event_data("v1", VISIT, changes)
    assert "symptoms" not in data and data["medicine_packages"] == 2
