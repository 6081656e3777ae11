"""Tokens from an identity provider: RS256/ES256 verified against its JWKS (served on
loopback, or a file), issuer and audience checked, keys cached and fetched again on an
unknown kid; the provider's claims mapped to ours by configuration."""
import base64
import dataclasses
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from chassis.config import Settings
from gateway.auth import Unauthorized, authenticate
from gateway.keys import ClaimPaths, FileJwks, TokenKeys, jwks_source, keys_from
from gateway.tests.idp import AUDIENCE, ISSUER, JwksServer, Key, jwks_document, staff_claims
from gateway.tokens import mint

PATHS = ClaimPaths(tenant="subdistrict", roles="realm_access.roles", communities="community_ids")
SECRET = "unit-test-secret-of-32-bytes-long!"


@pytest.fixture(scope="module")
def rsa_key():
    return Key("rsa-1")


@pytest.fixture(scope="module")
def ec_key():
    return Key("ec-1", kind="EC")


@pytest.fixture
def provider(rsa_key, ec_key):
    with JwksServer([rsa_key, ec_key]) as server:
        yield server


def keys(source, secret=None, cooldown=None):
    if isinstance(source, JwksServer):
        source = jwks_source(source.url, **({"cooldown": cooldown} if cooldown is not None
                                            else {}))
    return TokenKeys(secret=secret, jwks=source, issuer=ISSUER, audience=AUDIENCE,
                     claims=PATHS)


def bearer(token):
    return f"Bearer {token}"


@pytest.mark.parametrize("key_name", ["rsa_key", "ec_key"])
def test_a_providers_token_works_with_its_claims_mapped(provider, key_name, request):
    key = request.getfixturevalue(key_name)
    token = key.sign(staff_claims(roles=["community_staff", "offline_access"],
                                  communities=["kaixuan"]))
    principal = authenticate(bearer(token), keys(provider))
    assert (principal.sub, principal.tenant, principal.roles, principal.communities) == (
        "staff-7", "hongwei", ("community_staff",), ("kaixuan",))


def test_keys_are_cached(provider, rsa_key):
    verifier = keys(provider)
    for n in range(5):
        authenticate(bearer(rsa_key.sign(staff_claims(jti=str(n)))), verifier)
    assert provider.fetches == 1


@pytest.mark.parametrize("change", [
    {"iss": "https://sso.elsewhere.example/realms/staff"},
    {"aud": "another-client"},
    {"exp": int(time.time()) - 5},
    {"subdistrict": None},
    {"realm_access": {"roles": "community_staff"}},
    {"community_ids": {"all": True}},
])
def test_another_issuer_audience_or_bad_claims_are_401(provider, rsa_key, change):
    claims = {k: v for k, v in {**staff_claims(), **change}.items() if v is not None}
    with pytest.raises(Unauthorized):
        authenticate(bearer(rsa_key.sign(claims)), keys(provider))


@pytest.mark.parametrize("missing", ["iss", "aud", "exp"])
def test_a_token_without_issuer_audience_or_expiry_is_401(provider, rsa_key, missing):
    claims = staff_claims()
    del claims[missing]
    with pytest.raises(Unauthorized):
        authenticate(bearer(rsa_key.sign(claims)), keys(provider))


def test_a_token_of_another_key_is_401(provider, rsa_key):
    stranger = Key("rsa-1")  # same kid, another key pair: a forgery
    with pytest.raises(Unauthorized, match="not valid"):
        authenticate(bearer(stranger.sign(staff_claims())), keys(provider))
    with pytest.raises(Unauthorized):  # the EC key's kid on an RSA signature
        authenticate(bearer(rsa_key.sign(staff_claims(), kid="ec-1")), keys(provider))


def test_hs256_is_refused_when_only_the_provider_is_trusted(provider, rsa_key):
    ours = mint(SECRET, tenant="hongwei", roles_=["community_staff"], sub="s")
    with pytest.raises(Unauthorized):
        authenticate(bearer(ours), keys(provider))
    # the classic confusion: HS256 "signed" with the provider's public key as the secret
    public_pem = rsa_key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = _hs256_by_hand(staff_claims(), public_pem, kid="rsa-1")  # PyJWT refuses to sign it
    with pytest.raises(Unauthorized):
        authenticate(bearer(forged), keys(provider))
    unsigned = jwt.encode(staff_claims(), None, algorithm="none")
    with pytest.raises(Unauthorized):
        authenticate(bearer(unsigned), keys(provider))


def test_both_kinds_side_by_side(provider, rsa_key):
    verifier = keys(provider, secret=SECRET)
    ours = mint(SECRET, tenant="hongwei", roles_=["grid_worker"], sub="w1")
    assert authenticate(bearer(ours), verifier).roles == ("grid_worker",)  # our own names
    assert authenticate(bearer(rsa_key.sign(staff_claims())), verifier).tenant == "hongwei"


def test_an_unknown_kid_fetches_the_keys_once_more(provider, rsa_key):
    verifier = keys(provider, cooldown=0)
    authenticate(bearer(rsa_key.sign(staff_claims())), verifier)
    assert provider.fetches == 1
    rotated = Key("rsa-2")
    with pytest.raises(Unauthorized):  # not published yet: one fetch, then 401
        authenticate(bearer(rotated.sign(staff_claims())), verifier)
    assert provider.fetches == 2
    provider.keys.append(rotated)  # the provider rotates its key
    assert authenticate(bearer(rotated.sign(staff_claims(jti="r"))), verifier).sub == "staff-7"
    assert provider.fetches == 3
    authenticate(bearer(rotated.sign(staff_claims(jti="r2"))), verifier)
    assert provider.fetches == 3  # known now: no fetch


def test_a_flood_of_forged_kids_costs_at_most_one_fetch(provider, rsa_key):
    verifier = keys(provider, cooldown=60)
    authenticate(bearer(rsa_key.sign(staff_claims())), verifier)
    for n in range(20):
        with pytest.raises(Unauthorized):
            authenticate(bearer(rsa_key.sign(staff_claims(), kid=f"forged-{n}")), verifier)
    assert provider.fetches <= 2


def test_an_unreachable_provider_is_401_not_500(rsa_key):
    with JwksServer([rsa_key]) as gone:
        url = gone.url
    with pytest.raises(Unauthorized, match="cannot be fetched"):
        authenticate(bearer(rsa_key.sign(staff_claims())), keys(jwks_source(url)))


def test_a_jwks_file_by_path_or_file_url_and_its_rotation(tmp_path, rsa_key):
    path = tmp_path / "jwks.json"
    path.write_text(jwks_document([rsa_key]))
    for location in (str(path), path.as_uri()):
        source = jwks_source(location)
        assert isinstance(source, FileJwks)
        assert authenticate(bearer(rsa_key.sign(staff_claims(jti=location))),
                            keys(source)).tenant == "hongwei"
    source = jwks_source(str(path))
    verifier = keys(source)
    rotated = Key("rsa-3")
    with pytest.raises(Unauthorized):
        authenticate(bearer(rotated.sign(staff_claims())), verifier)
    path.write_text(jwks_document([rsa_key, rotated]))
    assert authenticate(bearer(rotated.sign(staff_claims(jti="f"))), verifier).sub == "staff-7"


def _hs256_by_hand(claims, secret, **header):
    def part(value):
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    signing_input = part({"alg": "HS256", "typ": "JWT", **header}) + b"." + part(claims)
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


def settings(**values):
    base = Settings()
    return dataclasses.replace(base, **{"env": "production", "jwt_secret_raw": None,
                                        "jwks_url": None, "jwt_issuer": None,
                                        "jwt_audience": None, **values})


def test_outside_development_neither_a_secret_nor_a_jwks_refuses_to_start():
    with pytest.raises(RuntimeError, match="GONGZHI_JWT_SECRET"):
        keys_from(settings())
    with pytest.raises(RuntimeError, match="GONGZHI_JWT_ISSUER"):
        keys_from(settings(jwks_url="https://sso.example/jwks"))
    only_jwks = keys_from(settings(jwks_url="https://sso.example/jwks", jwt_issuer=ISSUER,
                                   jwt_audience=AUDIENCE, claim_roles="realm_access.roles"))
    assert only_jwks.secret is None and only_jwks.claims.roles == "realm_access.roles"
    assert keys_from(settings(jwt_secret_raw=SECRET)).jwks is None
    with pytest.raises(RuntimeError, match="not supported"):
        jwks_source("ftp://sso.example/jwks")
