"""Which tokens the gateway accepts, and where their claims are.

- HS256 signed with GONGZHI_JWT_SECRET: development tokens (`python -m gateway.tokens`) and
  installations without an identity provider.
- RS256 / ES256 from the subdistrict's identity provider (统一身份认证, OpenID Connect):
  the key is the JWKS entry named by the token's `kid` (GONGZHI_JWKS_URL), the issuer and the
  audience must be GONGZHI_JWT_ISSUER and GONGZHI_JWT_AUDIENCE. PyJWT keeps the keys
  (PyJWKClient for http(s), PyJWKSet for a file); an unknown `kid` fetches the set again,
  at most once per REFRESH_COOLDOWN_SECONDS, so forged kids cannot hammer the provider.

A token's header says which kind it is; each kind is verified only with its own key and
algorithms, so an HS256 token can never be checked against a public key (alg confusion)."""
import json
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlparse

import jwt
from jwt import PyJWKClient, PyJWKSet

_log = logging.getLogger(__name__)

ASYMMETRIC = ("RS256", "ES256")
REFRESH_COOLDOWN_SECONDS = 10.0
KEYS_LIFESPAN_SECONDS = 300.0
FETCH_TIMEOUT_SECONDS = 5.0


class KeyProblem(Exception):
    """No key verifies this token (unknown kind, unknown kid, the JWKS unreachable)."""


@dataclass(frozen=True)
class ClaimPaths:
    """Where the provider puts our claims; dotted paths reach into objects."""

    tenant: str = "tenant"
    roles: str = "roles"
    communities: str = "communities"

    @staticmethod
    def read(claims, path):
        value = claims
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value


OUR_CLAIMS = ClaimPaths()


class FileJwks:
    """A JWKS kept in a file (a provider's keys copied onto the machine, or a test's): read
    again when a token names a kid it lacks and the file changed since."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._mtime, self._keys = None, None
        self.fetches = 0

    def _load(self):
        mtime = os.stat(self.path).st_mtime_ns
        if mtime != self._mtime:
            with open(self.path, encoding="utf-8") as handle:
                self._keys = PyJWKSet.from_dict(json.load(handle))
            self._mtime = mtime
            self.fetches += 1

    def get_signing_key(self, kid):
        with self._lock:
            if self._keys is None:
                self._load()
            for attempt in (1, 2):
                for key in self._keys.keys:
                    if key.key_id == kid and key.public_key_use in ("sig", None):
                        return key
                if attempt == 1:
                    self._load()
        raise KeyProblem(f'no signing key "{kid}" in {self.path}')


def jwks_source(location, cooldown=REFRESH_COOLDOWN_SECONDS):
    """A PyJWKClient for an http(s) URL; a FileJwks for a path or file:// URL."""
    parsed = urlparse(location)
    if parsed.scheme in ("http", "https"):
        return PyJWKClient(location, lifespan=KEYS_LIFESPAN_SECONDS,
                           timeout=FETCH_TIMEOUT_SECONDS, cooldown_duration=cooldown)
    if parsed.scheme == "file":
        return FileJwks(unquote(parsed.path))
    if parsed.scheme:
        raise RuntimeError(f"GONGZHI_JWKS_URL: {parsed.scheme}:// is not supported")
    return FileJwks(location)


class TokenKeys:
    def __init__(self, secret=None, jwks=None, issuer=None, audience=None,
                 claims=ClaimPaths()):
        self.secret = secret
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.claims = claims

    def decode(self, token):
        """The verified claims of a token and where ours are in them (our own names for our
        HS256 tokens, the configured paths for the provider's); jwt.InvalidTokenError or
        KeyProblem when nothing verifies it."""
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg")
        if algorithm == "HS256" and self.secret:
            return jwt.decode(token, self.secret, algorithms=["HS256"],
                              options={"require": ["exp"]}), OUR_CLAIMS
        if algorithm in ASYMMETRIC and self.jwks is not None:
            key = self._key(header.get("kid"))
            if key.algorithm_name != algorithm:
                raise KeyProblem(f"the key {key.key_id} is not an {algorithm} key")
            return jwt.decode(token, key, algorithms=[algorithm], issuer=self.issuer,
                              audience=self.audience,
                              options={"require": ["exp", "iss", "aud"]}), self.claims
        raise KeyProblem(f"tokens signed with {algorithm!r} are not accepted here")

    def _key(self, kid):
        if not isinstance(kid, str) or not kid:
            raise KeyProblem("the token names no key (kid)")
        try:
            return self.jwks.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            _log.warning("the identity provider's keys cannot be fetched: %s", exc)
            raise KeyProblem("the identity provider's keys cannot be fetched now") from None
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, OSError, ValueError) as exc:
            raise KeyProblem(str(exc)) from None


@lru_cache(maxsize=8)
def _keys_for(secret, jwks_url, issuer, audience, claims):
    return TokenKeys(secret, jwks_source(jwks_url) if jwks_url else None, issuer, audience,
                     claims)


def keys_from(settings):
    """One TokenKeys per configuration and process: every route shares its key cache."""
    return _keys_for(settings.hs256_secret, settings.jwks_url, settings.jwt_issuer,
                     settings.jwt_audience, ClaimPaths(settings.claim_tenant,
                                                       settings.claim_roles,
                                                       settings.claim_communities))
