"""Bearer tokens: HS256 JWTs with `sub`, `tenant`, `roles`, `exp` (and optional `communities`)."""
from dataclasses import dataclass

import jwt

from chassis.errors import DomainError, Forbidden
from gateway import roles as known_roles


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


@dataclass(frozen=True)
class Principal:
    sub: str
    tenant: str
    roles: tuple
    communities: tuple = ()

    def has_any(self, allowed):
        return bool(set(self.roles).intersection(allowed))


def authenticate(header, secret):
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    token = header[len("Bearer "):].strip()
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"],
                            options={"require": ["exp", "sub", "tenant", "roles"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from None
    tenant, sub, roles = claims["tenant"], claims["sub"], claims["roles"]
    if not (isinstance(tenant, str) and tenant and isinstance(sub, str) and sub
            and isinstance(roles, list) and all(isinstance(r, str) for r in roles)):
        raise Unauthorized("the token's sub, tenant or roles are malformed")
    return Principal(sub=sub, tenant=tenant,
                     roles=tuple(r for r in roles if r in known_roles.ALL),
                     communities=tuple(claims.get("communities") or ()))


def authorize(principal, allowed):
    if allowed and not principal.has_any(allowed):
        raise Forbidden(f"this needs one of the roles: {', '.join(allowed)}")
