"""A stand-in identity provider for tests: real RSA and EC key pairs made here, its JWKS
served on loopback by a tiny HTTP server (counting fetches), tokens signed like an OIDC
provider signs them (RS256/ES256, `kid`, `iss`, `aud`)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://sso.hongwei.example/realms/staff"
AUDIENCE = "gongzhi"


class Key:
    def __init__(self, kid, kind="RSA"):
        self.kid = kid
        if kind == "RSA":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.algorithm = "RS256"
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.algorithm = "ES256"
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk = {**jwk, "kid": kid, "use": "sig", "alg": self.algorithm}

    def sign(self, claims, kid=None, **header):
        return jwt.encode(claims, self.private, algorithm=self.algorithm,
                          headers={"kid": kid or self.kid, **header})


def staff_claims(tenant="hongwei", roles=("community_staff",), communities=None, **extra):
    """Claims as a Keycloak-like provider issues them: roles under realm_access, the
    subdistrict in its own claim."""
    now = int(time.time())
    claims = {"sub": "staff-7", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600,
              "subdistrict": tenant, "realm_access": {"roles": list(roles)}}
    if communities is not None:
        claims["community_ids"] = list(communities)
    return {**claims, **extra}


class JwksServer:
    """Serves {"keys": [...]} at /jwks.json on 127.0.0.1; `fetches` counts requests."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.fetches += 1
                body = json.dumps({"keys": [key.jwk for key in server.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def jwks_document(keys):
    return json.dumps({"keys": [key.jwk for key in keys]})
