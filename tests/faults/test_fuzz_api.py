"""Fuzz the public API from its own /openapi.json (schemathesis, a bounded number of examples
per operation): no 5xx, every error is problem+json, and a rejected request stores nothing."""
import hashlib
import json
import os
import re

import pymongo
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from gateway import tokens
from tests.platform import SECRET, new_tenant

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
EXAMPLES = int(os.environ.get("GONGZHI_FUZZ_EXAMPLES", "12"))
TENANT = new_tenant()
TOKEN = tokens.mint(SECRET, tenant=TENANT, sub="fuzzer", roles_=[
    "community_staff", "medical_staff", "grid_worker", "subdistrict_admin"])
# Sources of truth: what a request writes itself (projections follow earlier events on
# their own time, so they are not compared).
SOURCES = {"residents": ("communities", "compounds", "households", "residents"),
           "health": ("visits",)}
IGNORED = {"_outbox", "_outbox_n", "_requests"}
SEEN = {"calls": 0, "rejected_writes": 0, "5xx": 0}


@pytest.fixture(scope="module")
def api_schema(gateway_url):
    return schemathesis.openapi.from_url(gateway_url + "/openapi.json")


@pytest.fixture(scope="module")
def store_state(platform, infra):
    client = pymongo.MongoClient(infra.mongo_uri)
    prefix = platform.env["GONGZHI_DB_PREFIX"]

    def state():
        digest = hashlib.sha256()
        for service, collections in SOURCES.items():
            for name in collections:
                for document in client[f"{prefix}_{service}"][name].find(
                        {"tenant": TENANT}).sort("_id", 1):
                    kept = {k: v for k, v in document.items() if k not in IGNORED}
                    digest.update(json.dumps(kept, sort_keys=True, default=str).encode())
        return digest.hexdigest()

    yield state
    client.close()
    print(f"\n[fuzz] calls={SEEN['calls']} rejected_writes={SEEN['rejected_writes']} "
          f"5xx={SEEN['5xx']} stored_by_rejected=0")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_fuzzed_requests_are_answered_cleanly_and_rejections_change_nothing(case, store_state):
    write = case.method.upper() in ("POST", "PATCH", "PUT", "DELETE")
    before = store_state() if write else None
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
    response = case.call(timeout=30)
    SEEN["calls"] += 1
    if response.status_code >= 500:
        SEEN["5xx"] += 1
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        assert _content_type(response).startswith("application/problem+json"), (
            case.method, case.formatted_path, response.status_code)
        problem = response.json()
        assert problem["status"] == response.status_code and problem["title"]
        if write:
            SEEN["rejected_writes"] += 1
            assert store_state() == before, (case.method, case.formatted_path, response.text)


def _content_type(response):
    value = {k.lower(): v for k, v in response.headers.items()}.get("content-type") or ""
    return value[0] if isinstance(value, list) else value


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/v1/nothing-here", 404), ("POST", "/nope", 404),
    ("DELETE", "/v1/residents", 405), ("PUT", "/v1/visits", 405),
    ("DELETE", "/openapi.json", 405),
])
def test_unknown_routes_and_wrong_methods_are_problems(gateway_url, method, path, status):
    response = requests.request(method, gateway_url + path, timeout=10,
                                headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    if status == 405:
        assert method not in response.headers["Allow"] and "GET" in response.headers["Allow"]


# -- the edge, on every write route of /openapi.json: size, depth, control characters --------
MIB = 1024 * 1024  # the default GONGZHI_MAX_BODY_BYTES


def _write_operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in ("post", "patch", "put") and body:
                ref = body["schema"]["$ref"].rsplit("/", 1)[1]
                yield method, re.sub(r"\{[^}]+\}", "fuzz-none", path), \
                    document["components"]["schemas"][ref]


def _with_controls(schema):
    """A body whose every text property (and list of text) holds a NUL."""
    body = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "string" and "format" not in prop and "enum" not in prop:
            body[name] = "甲\x00乙"
        elif prop.get("type") == "array" and prop.get("items", {}).get("type") == "string":
            body[name] = ["甲\x00乙"]
    return body


def test_every_write_route_refuses_oversized_deep_and_control_input(gateway_url, store_state):
    document = requests.get(gateway_url + "/openapi.json", timeout=30).json()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    before, failures, tried = store_state(), [], 0
    for method, path, schema in _write_operations(document):
        controls = _with_controls(schema)
        attempts = [("oversized", b'{"a": "' + b"x" * (2 * MIB) + b'"}', 413),
                    ("chunked oversized", iter([b'{"a": "'] + [b"x" * MIB] * 2 + [b'"}']), 413),
                    ("deep", b"[" * 100_000, 400),
                    ("deep object", b'{"a": ' * 200 + b"1" + b"}" * 200, 400)]
        if controls:
            attempts.append(("control characters",
                             json.dumps(controls, ensure_ascii=False).encode(), 422))
        for what, data, status in attempts:
            response = requests.request(method.upper(), gateway_url + path, data=data,
                                        headers=headers, timeout=60)
            tried += 1
            SEEN["calls"] += 1
            SEEN["5xx"] += response.status_code >= 500
            ok = (response.status_code == status and
                  _content_type(response).startswith("application/problem+json"))
            if ok and what == "control characters":
                ok = set(response.json().get("errors", {})) == set(controls)
            if not ok:
                failures.append((method, path, what, response.status_code, response.text[:200]))
    assert tried >= 40 and not failures, failures
    assert store_state() == before
