"""A completed visit as FHIR R4, validated by fhir.resources (services/health/tests/fhir_valid.py)."""
import copy

from services.health import fhir
from services.health.tests import fhir_valid

VISIT = {"_id": "01M8JMTCP8T1WC2SRBYJ1AP6CV", "resident_id": "01M8RES", "status": "completed",
         "scheduled_for": "2026-12-01T01:00:00.000+00:00",
         "completed_at": "2026-12-01T01:40:00.000+00:00", "reason": "太和医院西院区上门义诊",
         "symptoms": ["腿部外伤", "头晕"],
         "checks": {"blood_pressure": "135/85", "glucose_mmol_l": 6.1, "heart_rate_bpm": 72,
                    "notes": "建议复查"},
         "medicines_dispensed": [{"name": "降压药", "quantity": 2}, {"name": "钙片", "quantity": 1}]}


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_completed_visit_is_a_well_formed_bundle():
    bundle = fhir.visit_bundle(VISIT)
    assert fhir_valid.problems(bundle) == []
    [encounter] = resources(bundle, "Encounter")
    assert encounter["class"] == {"system": fhir.ACT_CODE, "code": "HH", "display": "home health"}
    assert encounter["status"] == "finished" and encounter["subject"]["reference"] == "Patient/01M8RES"
    assert [c["text"] for c in encounter["reasonCode"]] == ["腿部外伤", "头晕"]


def test_checks_become_observations_with_loinc_codes():
    observations = resources(fhir.visit_bundle(VISIT), "Observation")
    by_code = {(o["code"].get("coding") or [{}])[0].get("code"): o for o in observations}
    panel = by_code["85354-9"]
    assert [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"])
            for c in panel["component"]] == [("8480-6", 135), ("8462-4", 85)]
    assert by_code["15074-8"]["valueQuantity"] == {"value": 6.1, "unit": "mmol/L",
                                                   "system": fhir.UCUM, "code": "mmol/L"}
    assert by_code["8867-4"]["valueQuantity"]["code"] == "/min"
    [notes] = [o for o in observations if o["code"].get("text") == "notes"]
    assert notes["valueString"] == "建议复查"
    assert all(o["encounter"]["reference"] == f"Encounter/{VISIT['_id']}" for o in observations)


def test_one_medication_dispense_per_medicine():
    dispenses = resources(fhir.visit_bundle(VISIT), "MedicationDispense")
    assert [(d["medicationCodeableConcept"]["text"], d["quantity"]["value"]) for d in dispenses] == [
        ("降压药", 2), ("钙片", 1)]
    assert {d["status"] for d in dispenses} == {"completed"}


def test_a_visit_without_checks_or_medicine_is_just_the_encounter():
    visit = {**VISIT, "checks": {}, "medicines_dispensed": [], "symptoms": [], "reason": None}
    bundle = fhir.visit_bundle(visit)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Encounter"]
    assert fhir_valid.problems(bundle) == []


def test_the_checker_catches_what_it_should():
    bundle = fhir.visit_bundle(VISIT)
    broken = copy.deepcopy(bundle)
    broken["entry"][0]["resource"]["class"] = {"coding": [{"code": "HH"}]}
    del broken["entry"][1]["resource"]["status"]
    broken["entry"][-1]["resource"]["quantity"] = {"value": "two"}
    broken["entry"][-1]["resource"]["colour"] = "red"
    found = " | ".join(fhir_valid.problems(broken))
    for expected in ("entry.0.resource.class.coding", "entry.1.resource.status",
                     "entry.6.resource.quantity.value", "entry.6.resource.colour"):
        assert expected in found, found
    dangling = copy.deepcopy(bundle)
    dangling["entry"][2]["resource"]["encounter"] = {"reference": "Encounter/elsewhere"}
    assert fhir_valid.problems(dangling) == [
        "Encounter/elsewhere does not resolve inside the bundle"]
