"""The FHIR check the tests use: the kept validator, `fhir.resources` (pinned in pyproject),
with its R4B models (FHIR 4.3: Encounter, Observation, MedicationDispense and Bundle as in R4;
the 8.x releases carry R5, R4B and STU3, no 4.0.1 package). It checks element names,
cardinality, required elements and primitive formats of every entry. One thing a resource
validator cannot see is added: every reference resolves inside the bundle."""
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError


def problems(bundle):
    """What is wrong with a Bundle (as a JSON dict): [] when it is valid R4B/R4."""
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()]
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}"
               for e in bundle.get("entry", []) if e.get("resource", {}).get("id")}
    return [f"{reference} does not resolve inside the bundle"
            for reference in _references(bundle) if reference.split("/")[0] != "Patient"
            and reference not in present]


def _references(value):
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)
