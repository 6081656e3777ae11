"""Fuzz the public API from its own /openapi.json (schemathesis, a bounded number of examples
per operation): no 5xx, every error is problem+json, and a rejected request stores nothing."""
import hashlib
import json
import os

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
