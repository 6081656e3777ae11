"""The call context across an internal HTTP hop, signed (ADR 0013).

Over RPC, nameko carries tenant, actor, roles, communities and correlation id in its message
headers. An internal HTTP read carries the same values in one header, with an HMAC-SHA256
over the method, the path, the query and that header, made with GONGZHI_INTERNAL_KEY: a
service trusts a context only when the signature matches one of its keys and the signature
is fresh. So nobody without the key (a pod that may reach the service's port, a scraper
from the monitoring namespace) can name a tenant or widen a community scope, and a signed
read cannot be turned into a read of another path.

Freshness bounds a replay of a captured request to MAX_AGE_SECONDS, for the same GET only."""
import base64
import binascii
import hashlib
import hmac
import json
import time

from chassis import context

CONTEXT_HEADER = "X-Gongzhi-Context"
SIGNATURE_HEADER = "X-Gongzhi-Context-Signature"
# What a read needs of the caller; never an Idempotency-Key or a request id (reads only).
CARRIED = (context.TENANT, context.ACTOR, context.ROLES, context.COMMUNITIES,
           context.CORRELATION_ID)
ISSUED_AT = "iat"
MAX_AGE_SECONDS = 30  # well beyond any request's bound, and room for clock skew between pods


class BadContext(Exception):
    """No context, a context nobody with our key signed, or a stale one."""


def sign(keys, method, path, query, data, now=None):
    """The headers that carry `data`'s context (a worker's context data) to `method path?query`,
    signed with the current key (the first)."""
    carried = {name: data[name] for name in CARRIED if data.get(name) is not None}
    carried[ISSUED_AT] = int(time.time() if now is None else now)
    text = base64.urlsafe_b64encode(
        json.dumps(carried, separators=(",", ":"), sort_keys=True).encode()).decode()
    return {CONTEXT_HEADER: text, SIGNATURE_HEADER: _mac(keys[0], method, path, query, text)}


def verify(keys, method, path, query, headers, now=None):
    """The context data a signed request carries, bound as the gateway bound it; BadContext
    when it is missing, not signed by one of `keys`, or not fresh."""
    text, given = headers.get(CONTEXT_HEADER), headers.get(SIGNATURE_HEADER)
    if not text or not given:
        raise BadContext("this path takes only signed internal requests")
    if not any(hmac.compare_digest(_mac(key, method, path, query, text), given) for key in keys):
        raise BadContext("the context's signature does not match")
    try:
        carried = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, binascii.Error):
        raise BadContext("the context cannot be read") from None
    age = (time.time() if now is None else now) - carried.get(ISSUED_AT, 0)
    if not -MAX_AGE_SECONDS <= age <= MAX_AGE_SECONDS:
        raise BadContext("the context is not fresh")
    if not carried.get(context.TENANT):
        raise BadContext("the context carries no tenant")
    data = {}
    context.bind(data, tenant=carried[context.TENANT], actor=carried.get(context.ACTOR),
                 roles=carried.get(context.ROLES) or (),
                 correlation_id=carried.get(context.CORRELATION_ID),
                 communities=carried.get(context.COMMUNITIES))
    return data


def _mac(key, method, path, query, text):
    message = "\n".join((method, path, query or "", text)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
