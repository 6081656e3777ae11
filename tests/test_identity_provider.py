"""A gateway outside development that trusts only the subdistrict's identity provider: its
RS256 tokens work end to end (claims mapped by configuration, communities included), our
own HS256 tokens and other issuers' do not; and without a secret or a JWKS it will not start."""
import base64
import subprocess
import sys

import pytest
import requests

from devstack.launcher import Platform
from gateway import tokens
from gateway.tests.idp import AUDIENCE, ISSUER, JwksServer, Key, staff_claims
from tests.platform import SECRET, new_tenant

pytestmark = pytest.mark.integration

# Production also needs a data key (chassis/sealing.py); a fixed one for this test only.
DATA_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(scope="module")
def provider():
    with JwksServer([Key("rsa-e2e")]) as server:
        yield server


@pytest.fixture(scope="module")
def idp_gateway(platform, provider, tmp_path_factory):
    env = {k: v for k, v in platform.env.items() if k != "GONGZHI_JWT_SECRET"}
    env.update({"GONGZHI_ENV": "production", "GONGZHI_DATA_KEY": DATA_KEY,
                "GONGZHI_JWKS_URL": provider.url,
                "GONGZHI_JWT_ISSUER": ISSUER, "GONGZHI_JWT_AUDIENCE": AUDIENCE,
                "GONGZHI_CLAIM_TENANT": "subdistrict", "GONGZHI_CLAIM_ROLES": "realm_access.roles",
                "GONGZHI_CLAIM_COMMUNITIES": "community_ids"})
    gateway = Platform(env=env, log_dir=tmp_path_factory.mktemp("idp-gateway"))
    try:
        yield gateway.start("gateway")
    finally:
        gateway.stop()


def call(url, method, path, token, **kwargs):
    return requests.request(method, url + path, headers={"Authorization": f"Bearer {token}"},
                            timeout=30, **kwargs)


def test_the_providers_tokens_work_end_to_end(idp_gateway, provider):
    key, tenant = provider.keys[0], new_tenant()
    admin = key.sign(staff_claims(tenant=tenant, roles=["community_staff", "uma_authorization"]))
    first = call(idp_gateway, "POST", "/v1/communities", admin, json={"name": "凯旋社区"})
    assert first.status_code == 201, first.text
    second = call(idp_gateway, "POST", "/v1/communities", admin, json={"name": "红卫社区"})
    listed = call(idp_gateway, "GET", "/v1/communities", admin).json()["items"]
    assert sorted(c["name"] for c in listed) == ["凯旋社区", "红卫社区"]
    scoped = key.sign(staff_claims(tenant=tenant, communities=[second.json()["id"]], jti="s"))
    assert [c["name"] for c in call(idp_gateway, "GET", "/v1/communities", scoped).json()[
        "items"]] == ["红卫社区"]


def test_our_own_and_other_issuers_tokens_are_401(idp_gateway, provider):
    ours = tokens.mint(SECRET, tenant=new_tenant(), roles_=["community_staff"], sub="s")
    other_issuer = provider.keys[0].sign(staff_claims(iss="https://sso.elsewhere.example/x"))
    forged = Key("rsa-e2e").sign(staff_claims())
    for token in (ours, other_issuer, forged):
        response = call(idp_gateway, "GET", "/v1/communities", token)
        assert response.status_code == 401, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_outside_development_without_a_secret_or_a_jwks_the_gateway_will_not_start(platform):
    env = {k: v for k, v in platform.env.items() if k != "GONGZHI_JWT_SECRET"}
    env.update({"GONGZHI_ENV": "production", "GONGZHI_DATA_KEY": DATA_KEY})
    done = subprocess.run([sys.executable, "-m", "chassis.runner", "gateway"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "GONGZHI_JWKS_URL" in done.stdout + done.stderr
