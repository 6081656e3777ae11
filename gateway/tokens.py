"""Mint a development token:

    python -m gateway.tokens --tenant hongwei --role community_staff --sub staff-1

Signed with GONGZHI_JWT_SECRET (the development secret when unset, with a warning)."""
import argparse
import sys
import time

import jwt

from chassis.config import Settings
from gateway import roles


def mint(secret, *, tenant, roles_, sub, ttl_seconds=8 * 3600, communities=None, now=None):
    issued = int(now if now is not None else time.time())
    claims = {"sub": sub, "tenant": tenant, "roles": list(roles_), "iat": issued,
              "exp": issued + int(ttl_seconds)}
    if communities is not None:  # an empty list is a claim too: no community at all
        claims["communities"] = list(communities)
    return jwt.encode(claims, secret, algorithm="HS256")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Mint a Gongzhi development token.")
    parser.add_argument("--tenant", required=True, help="subdistrict id, e.g. hongwei")
    parser.add_argument("--role", action="append", required=True, choices=roles.ALL)
    parser.add_argument("--sub", required=True, help="user id (a resident's id for residents)")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds (default 8 hours)")
    parser.add_argument("--community", action="append", help="limit to these communities")
    args = parser.parse_args(argv)
    token = mint(Settings().jwt_secret, tenant=args.tenant, roles_=args.role, sub=args.sub,
                 ttl_seconds=args.ttl, communities=args.community)
    sys.stdout.write(token + "\n")


if __name__ == "__main__":
    main()
