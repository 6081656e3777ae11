"""A completed visit in HL7 FHIR R4, for the hospital side: a `collection` Bundle holding the
Encounter (class HH, home health), one Observation per health check and one
MedicationDispense per medicine handed out. Symptoms ride on the Encounter's reasonCode."""
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PLATFORM = "urn:gongzhi"
# A RESTful base for fullUrl, so the bundle's relative references resolve inside it.
BASE = "https://fhir.gongzhi.invalid"

# check name -> (LOINC code, display, UCUM unit)
CHECKS = {
    "systolic_mmhg": ("8480-6", "Systolic blood pressure", "mm[Hg]"),
    "diastolic_mmhg": ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    "glucose_mmol_l": ("15074-8", "Glucose [Moles/volume] in Blood", "mmol/L"),
    "heart_rate_bpm": ("8867-4", "Heart rate", "/min"),
    "temperature_c": ("8310-5", "Body temperature", "Cel"),
    "blood_oxygen_pct": ("59408-5", "Oxygen saturation by Pulse oximetry", "%"),
    "weight_kg": ("29463-7", "Body weight", "kg"),
}
BLOOD_PRESSURE = ("85354-9", "Blood pressure panel with all children optional")


def _coding(code, display):
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


def _quantity(value, unit):
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _vital(observation_id, subject, encounter, when, code):
    return {
        "resourceType": "Observation", "id": observation_id, "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs",
                                  "display": "Vital Signs"}]}],
        "code": code, "subject": subject, "encounter": encounter, "effectiveDateTime": when,
    }


def _observations(visit, subject, encounter, when):
    checks = dict(visit.get("checks") or {})
    found = []
    pressure = checks.pop("blood_pressure", None)
    if isinstance(pressure, str) and "/" in pressure:
        systolic, diastolic = (int(part) for part in pressure.split("/", 1))
        checks.setdefault("systolic_mmhg", systolic)
        checks.setdefault("diastolic_mmhg", diastolic)
    if "systolic_mmhg" in checks and "diastolic_mmhg" in checks:
        panel = _vital(f"{visit['_id']}-bp", subject, encounter, when, _coding(*BLOOD_PRESSURE))
        panel["component"] = [
            {"code": _coding(*CHECKS[name][:2]),
             "valueQuantity": _quantity(checks.pop(name), CHECKS[name][2])}
            for name in ("systolic_mmhg", "diastolic_mmhg")]
        found.append(panel)
    for name, value in sorted(checks.items()):
        if name in CHECKS:
            code, display, unit = CHECKS[name]
            observation = _vital(_fhir_id(visit, name), subject, encounter, when,
                                 _coding(code, display))
            observation["valueQuantity"] = _quantity(value, unit)
        else:  # free text (notes, or a check the hospital named itself)
            observation = _vital(_fhir_id(visit, name), subject, encounter, when,
                                 {"text": name})
            observation.pop("category")
            observation["valueString"] = str(value)
        found.append(observation)
    return found


def _dispenses(visit, subject, encounter, when):
    return [{
        "resourceType": "MedicationDispense", "id": f"{visit['_id']}-med-{index}",
        "status": "completed", "medicationCodeableConcept": {"text": item["name"]},
        "subject": subject, "context": encounter,
        "quantity": {"value": item["quantity"], "unit": "package"},
        "whenHandedOver": when,
    } for index, item in enumerate(visit.get("medicines_dispensed") or [], start=1)]


def visit_bundle(visit):
    """The Bundle for a completed visit (the caller checks it is completed)."""
    subject = {"reference": f"Patient/{visit['resident_id']}"}
    encounter_ref = {"reference": f"Encounter/{visit['_id']}"}
    when = visit["completed_at"]
    encounter = {
        "resourceType": "Encounter", "id": visit["_id"], "status": "finished",
        "identifier": [{"system": f"{PLATFORM}:visit", "value": visit["_id"]}],
        "class": {"system": ACT_CODE, "code": "HH", "display": "home health"},
        "subject": subject,
        "period": {"start": min(visit["scheduled_for"], when), "end": when},
    }
    if visit.get("symptoms"):  # FHIR forbids empty elements
        encounter["reasonCode"] = [{"text": symptom} for symptom in visit["symptoms"]]
    if visit.get("reason"):
        encounter["serviceType"] = {"text": visit["reason"]}
    resources = [encounter, *_observations(visit, subject, encounter_ref, when),
                 *_dispenses(visit, subject, encounter_ref, when)]
    return {
        "resourceType": "Bundle", "type": "collection", "timestamp": when,
        "entry": [{"fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}", "resource": r}
                  for r in resources],
    }


def _fhir_id(visit, name):
    """FHIR ids are [A-Za-z0-9-.]{1,64}."""
    return f"{visit['_id']}-{name}".replace("_", "-")[:64]
