"""A structural check of the FHIR R4 resources health renders (Bundle, Encounter, Observation,
MedicationDispense): element names, cardinalities, required elements, value sets of the
status codes, primitive formats (id, dateTime, instant, uri) and that every reference resolves
inside the bundle. A subset of the R4 specification, written from it; not a full validator."""
import re

ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
DATE_TIME = re.compile(
    r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|"
    r"3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3])"
    r":[0-5][0-9]|14:00)))?)?)?$")
INSTANT = re.compile(
    r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|"
    r"3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3])"
    r":[0-5][0-9]|14:00))$")
URI = re.compile(r"^\S+$")
REFERENCE = re.compile(r"^(Patient|Encounter|Observation|MedicationDispense)/[A-Za-z0-9\-.]{1,64}$")

# resource -> (allowed elements, required elements, {element: status value set})
RESOURCES = {
    "Bundle": ({"resourceType", "id", "meta", "identifier", "type", "timestamp", "total", "link",
                "entry", "signature"}, {"type"},
               {"type": {"document", "message", "transaction", "transaction-response", "batch",
                         "batch-response", "history", "searchset", "collection"}}),
    "Encounter": ({"resourceType", "id", "meta", "text", "identifier", "status", "statusHistory",
                   "class", "classHistory", "type", "serviceType", "priority", "subject",
                   "episodeOfCare", "basedOn", "participant", "appointment", "period", "length",
                   "reasonCode", "reasonReference", "diagnosis", "account", "hospitalization",
                   "location", "serviceProvider", "partOf"}, {"status", "class"},
                  {"status": {"planned", "arrived", "triaged", "in-progress", "onleave",
                              "finished", "cancelled", "entered-in-error", "unknown"}}),
    "Observation": ({"resourceType", "id", "meta", "text", "identifier", "basedOn", "partOf",
                     "status", "category", "code", "subject", "focus", "encounter",
                     "effectiveDateTime", "effectivePeriod", "issued", "performer",
                     "valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean",
                     "valueInteger", "interpretation", "note", "bodySite", "method",
                     "referenceRange", "hasMember", "derivedFrom", "component"},
                    {"status", "code"},
                    {"status": {"registered", "preliminary", "final", "amended", "corrected",
                                "cancelled", "entered-in-error", "unknown"}}),
    "MedicationDispense": ({"resourceType", "id", "meta", "text", "identifier", "partOf",
                            "status", "category", "medicationCodeableConcept",
                            "medicationReference", "subject", "context", "performer",
                            "location", "authorizingPrescription", "type", "quantity",
                            "daysSupply", "whenPrepared", "whenHandedOver", "destination",
                            "receiver", "note", "dosageInstruction", "substitution"},
                           {"status"},
                           {"status": {"preparation", "in-progress", "cancelled", "on-hold",
                                       "completed", "entered-in-error", "stopped", "declined",
                                       "unknown"}}),
}


def problems(bundle):
    """Every structural problem found; [] when the bundle is well formed."""
    found = []
    _resource(bundle, "Bundle", found)
    if bundle.get("timestamp") and not INSTANT.match(bundle["timestamp"]):
        found.append("Bundle.timestamp is not an instant")
    present = set()
    for index, entry in enumerate(bundle.get("entry") or []):
        where = f"entry[{index}]"
        if set(entry) - {"fullUrl", "resource", "link", "search", "request", "response"}:
            found.append(f"{where} has unknown elements")
        resource = entry.get("resource") or {}
        kind = resource.get("resourceType")
        if kind not in RESOURCES or kind == "Bundle":
            found.append(f"{where}: unexpected resourceType {kind!r}")
            continue
        _resource(resource, kind, found)
        if not ID.match(str(resource.get("id", ""))):
            found.append(f"{where}: bad id {resource.get('id')!r}")
        if not (URI.match(entry.get("fullUrl", "")) and entry["fullUrl"].endswith(
                f"/{kind}/{resource.get('id')}")):
            found.append(f"{where}: fullUrl does not name {kind}/{resource.get('id')}")
        present.add(f"{kind}/{resource.get('id')}")
        globals()[f"_{kind.lower()}"](resource, where, found)
    for index, entry in enumerate(bundle.get("entry") or []):
        for ref in _references(entry.get("resource")):
            if not REFERENCE.match(ref):
                found.append(f"entry[{index}]: malformed reference {ref}")
            elif not ref.startswith("Patient/") and ref not in present:
                found.append(f"entry[{index}]: reference {ref} does not resolve in the bundle")
    return found


def _resource(resource, kind, found):
    allowed, required, codes = RESOURCES[kind]
    if resource.get("resourceType") != kind:
        found.append(f"{kind}: resourceType is {resource.get('resourceType')!r}")
    for name in set(resource) - allowed:
        found.append(f"{kind}.{name} is not an R4 element")
    for name in required - set(resource):
        found.append(f"{kind}.{name} is required")
    for name, values in codes.items():
        if name in resource and resource[name] not in values:
            found.append(f"{kind}.{name} {resource[name]!r} is not in its value set")
    for name, value in resource.items():
        if value in (None, "", [], {}):
            found.append(f"{kind}.{name} is empty (FHIR forbids empty elements)")


def _coding(coding, where, found):
    if set(coding) - {"system", "version", "code", "display", "userSelected"}:
        found.append(f"{where}: unknown Coding elements")
    if "code" in coding and not isinstance(coding["code"], str):
        found.append(f"{where}: Coding.code is not a string")


def _concept(concept, where, found):
    if not isinstance(concept, dict) or set(concept) - {"coding", "text"} or not concept:
        found.append(f"{where}: not a CodeableConcept")
        return
    for coding in concept.get("coding", []):
        _coding(coding, where, found)


def _quantity(quantity, where, found, simple=False):
    allowed = {"value", "unit", "system", "code"} | (set() if simple else {"comparator"})
    if not isinstance(quantity, dict) or set(quantity) - allowed:
        found.append(f"{where}: not a {'Simple' if simple else ''}Quantity")
    elif not isinstance(quantity.get("value"), (int, float)):
        found.append(f"{where}: Quantity.value is not a number")
    elif "code" in quantity and "system" not in quantity:
        found.append(f"{where}: Quantity.code needs a system (qty-3)")


def _encounter(resource, where, found):
    klass = resource.get("class") or {}
    _coding(klass, f"{where}.class", found)
    if set(klass) & {"coding", "text"}:
        found.append(f"{where}: Encounter.class is a Coding in R4, not a CodeableConcept")
    for name in ("start", "end"):
        value = (resource.get("period") or {}).get(name)
        if value is not None and not DATE_TIME.match(value):
            found.append(f"{where}: period.{name} is not a dateTime")
    period = resource.get("period") or {}
    if period.get("start") and period.get("end") and period["start"] > period["end"]:
        found.append(f"{where}: period starts after it ends (per-1)")
    for concept in resource.get("reasonCode", []):
        _concept(concept, f"{where}.reasonCode", found)
    if "serviceType" in resource:
        _concept(resource["serviceType"], f"{where}.serviceType", found)


def _observation(resource, where, found):
    _concept(resource.get("code"), f"{where}.code", found)
    for concept in resource.get("category", []):
        _concept(concept, f"{where}.category", found)
    values = [k for k in resource if k.startswith("value")]
    if len(values) > 1:
        found.append(f"{where}: more than one value[x]")
    if "valueQuantity" in resource:
        _quantity(resource["valueQuantity"], f"{where}.valueQuantity", found)
    if not values and not resource.get("component"):
        found.append(f"{where}: neither a value nor components")
    for component in resource.get("component", []):
        if set(component) - {"code", "valueQuantity", "valueString", "interpretation",
                             "referenceRange", "dataAbsentReason"}:
            found.append(f"{where}: unknown component elements")
        _concept(component.get("code"), f"{where}.component.code", found)
        if "valueQuantity" in component:
            _quantity(component["valueQuantity"], f"{where}.component", found)
    if "effectiveDateTime" in resource and not DATE_TIME.match(resource["effectiveDateTime"]):
        found.append(f"{where}: effectiveDateTime is not a dateTime")


def _medicationdispense(resource, where, found):
    medication = [k for k in resource if k.startswith("medication")]
    if len(medication) != 1:
        found.append(f"{where}: medication[x] is required exactly once")
    elif medication[0] == "medicationCodeableConcept":
        _concept(resource["medicationCodeableConcept"], f"{where}.medication", found)
    if "quantity" in resource:
        _quantity(resource["quantity"], f"{where}.quantity", found, simple=True)
    if "whenHandedOver" in resource and not DATE_TIME.match(resource["whenHandedOver"]):
        found.append(f"{where}: whenHandedOver is not a dateTime")


def _references(node):
    if isinstance(node, dict):
        if set(node) <= {"reference", "display", "type", "identifier"} and "reference" in node:
            yield node["reference"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)
