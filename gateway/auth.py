"""Bearer tokens: JWTs with `sub`, `tenant`, `roles`, `exp` (and optional `communities`),
HS256 or from the identity provider (gateway/keys.py says which are accepted and where the
provider puts our claims)."""
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import jwt

from chassis.errors import DomainError, Forbidden
from gateway import roles as known_roles
from gateway.keys import KeyProblem, TokenKeys


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


@dataclass(frozen=True)
class Principal:
    sub: str
    tenant: str
    roles: tuple
    communities: tuple | None = None  # None: the whole tenant (no claim)

    def has_any(self, allowed):
        return bool(set(self.roles).intersection(allowed))


class VerifiedTokens:
    """Tokens whose signature and claims were already checked, with their expiry: a client
    sends the same token with every request, and verifying it is a tenth of a read's work in
    the gateway. Only successes are kept; expiry is checked again on every use."""

    def __init__(self, size=4096):
        self.size = size
        self._entries = OrderedDict()

    def get(self, secret, token):
        found = self._entries.get((secret, token))
        if found is None:
            return None
        principal, expires_at = found
        if time.time() >= expires_at:
            self._entries.pop((secret, token), None)
            return None
        return principal

    def put(self, secret, token, principal, expires_at):
        self._entries[(secret, token)] = (principal, expires_at)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


_verified = VerifiedTokens()


@lru_cache(maxsize=8)
def _hs256(secret):
    return TokenKeys(secret=secret)


def authenticate(header, keys):
    """The caller of a request. `keys`: a TokenKeys, or an HS256 secret (tests, tools)."""
    if isinstance(keys, str):
        keys = _hs256(keys)
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    token = header[len("Bearer "):].strip()
    principal = _verified.get(keys, token)
    if principal is None:
        principal, expires_at = _verify(token, keys)
        if time.time() >= expires_at:  # one clock decides, remembered or not
            raise Unauthorized("the token has expired")
        _verified.put(keys, token, principal, expires_at)
    return principal


def _verify(token, keys):
    try:
        claims, paths = keys.decode(token)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except (jwt.InvalidTokenError, KeyProblem) as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from None
    sub = claims.get("sub")
    tenant = paths.read(claims, paths.tenant)
    roles = paths.read(claims, paths.roles)
    if not (isinstance(tenant, str) and tenant and isinstance(sub, str) and sub
            and isinstance(roles, list) and all(isinstance(r, str) for r in roles)):
        raise Unauthorized("the token's sub, tenant or roles are missing or malformed")
    principal = Principal(sub=sub, tenant=tenant,
                          roles=tuple(r for r in roles if r in known_roles.ALL),
                          communities=_communities(paths.read(claims, paths.communities)))
    return principal, claims["exp"]


def _communities(claim):
    """The optional claim: absent (None) means the whole tenant; a list narrows to it, and an
    empty list to nothing. Anything else is a malformed token, never "everything"."""
    if claim is None:
        return None
    if isinstance(claim, str):
        claim = [claim]
    if not (isinstance(claim, list) and all(isinstance(c, str) and c for c in claim)):
        raise Unauthorized("the token's communities claim is malformed")
    return tuple(sorted(set(claim)))


def authorize(principal, allowed):
    if allowed and not principal.has_any(allowed):
        raise Forbidden(f"this needs one of the roles: {', '.join(allowed)}")
