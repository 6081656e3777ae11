import time

import pytest
from openapi_spec_validator import validate

from chassis.errors import Forbidden
from gateway.auth import Unauthorized, authenticate, authorize
from gateway.openapi import openapi_document
from gateway.service import GatewayService
from gateway.tokens import mint

SECRET = "unit-test-secret-of-32-bytes-long!"


def test_a_minted_token_authenticates():
    token = mint(SECRET, tenant="hongwei", roles_=["grid_worker"], sub="w1")
    principal = authenticate(f"Bearer {token}", SECRET)
    assert (principal.tenant, principal.sub, principal.roles) == ("hongwei", "w1", ("grid_worker",))


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Token abc",
    "Bearer " + mint(SECRET, tenant="t", roles_=["resident"], sub="s", now=time.time() - 7200,
                     ttl_seconds=60),
    "Bearer " + mint("another-secret-of-32-bytes-long!!!", tenant="t", roles_=[], sub="s"),
])
def test_bad_tokens_are_unauthorized(header):
    with pytest.raises(Unauthorized):
        authenticate(header, SECRET)


def test_a_remembered_token_still_expires_and_is_bound_to_its_secret(monkeypatch):
    issued = time.time()
    token = mint(SECRET, tenant="t", roles_=["resident"], sub="s", now=issued, ttl_seconds=60)
    assert authenticate(f"Bearer {token}", SECRET).sub == "s"  # verified, then remembered
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {token}", "another-secret-of-32-bytes-long!!!")
    monkeypatch.setattr(time, "time", lambda: issued + 61)
    with pytest.raises(Unauthorized, match="expired"):
        authenticate(f"Bearer {token}", SECRET)


def test_roles_are_checked():
    principal = authenticate("Bearer " + mint(SECRET, tenant="t", roles_=["resident"], sub="s"),
                             SECRET)
    with pytest.raises(Forbidden):
        authorize(principal, ("medical_staff",))


def test_the_openapi_document_is_valid_and_names_every_api_route():
    import json

    document = json.loads(openapi_document(GatewayService))
    validate(document)
    for path in ("/v1/communities", "/v1/compounds", "/v1/households", "/v1/residents",
                 "/v1/residents/{resident_id}", "/v1/visits", "/v1/visits/{visit_id}",
                 "/v1/visits/{visit_id}/complete", "/v1/visits/{visit_id}/cancel",
                 "/v1/metrics/summary"):
        assert path in document["paths"], path
    completion = document["components"]["schemas"]["VisitCompletionIn"]
    assert completion["additionalProperties"] is False
