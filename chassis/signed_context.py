"""The call context across an internal HTTP hop, signed (ADR 0013).

Over RPC, nameko carries tenant, actor, roles, communities and correlation id in its message
headers. An internal HTTP request carries the same values in one header, with an HMAC-SHA256
over the method, the path, the query, that header and (for a command) the SHA-256 of the body,
made with GONGZHI_INTERNAL_KEY: a service trusts a context only when the signature matches one
of its keys and the signature is fresh. So nobody without the key (a pod that may reach the
service's port, a scraper from the monitoring namespace) can name a tenant or widen a
community scope, a signed read cannot be turned into a read of another path, and a signed
command cannot carry another body.

What crosses depends on the method, deliberately:

* a read (GET) carries READ_CARRIED only: who asks, for which tenant and communities, under
  which correlation id. A read writes nothing, so it needs no request id, and an
  Idempotency-Key has no business there;
* a command (POST) carries COMMAND_CARRIED, what a write needs exactly as RPC carries it in
  nameko's headers: besides the read's values, `on_behalf_of` (the events it writes name the
  resident acted for), the client's Idempotency-Key (CLIENT_REQUEST, scoped to the caller by
  the gateway) and the request id the caller gave this command (REQUEST_ID, fresh per command
  and the same on a resend, as the AMQP correlation id of an RPC request is). The served side
  turns those two into the request id its writes record (chassis/calls.py:
  `served_request_id`), so a repeated delivery of the same command changes nothing more.

Freshness bounds a replay of a captured request to MAX_AGE_SECONDS, for the same request only
(same method, path, query and body); a replayed command is moreover the same request id,
which its writes already recognise."""
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
READ_CARRIED = (context.TENANT, context.ACTOR, context.ROLES, context.COMMUNITIES,
                context.CORRELATION_ID)
# What a command needs besides: see the module's docstring.
COMMAND_CARRIED = READ_CARRIED + (context.ON_BEHALF_OF, context.CLIENT_REQUEST,
                                  context.REQUEST_ID)
COMMANDS = frozenset({"POST"})
ISSUED_AT = "iat"
MAX_AGE_SECONDS = 30  # well beyond any request's bound, and room for clock skew between pods


class BadContext(Exception):
    """No context, a context nobody with our key signed, or a stale one."""


def carried_by(method):
    return COMMAND_CARRIED if method in COMMANDS else READ_CARRIED


def sign(keys, method, path, query, data, now=None, body=b""):
    """The headers that carry `data`'s context (a worker's context data) to `method path?query`
    (with `body`, the exact bytes sent, for a command), signed with the current key (the
    first). A command's `data` holds its REQUEST_ID."""
    carried = {name: data[name] for name in carried_by(method) if data.get(name) is not None}
    if method in COMMANDS and not carried.get(context.REQUEST_ID):
        raise ValueError("a command is signed with its request id")
    carried[ISSUED_AT] = int(time.time() if now is None else now)
    text = base64.urlsafe_b64encode(
        json.dumps(carried, separators=(",", ":"), sort_keys=True).encode()).decode()
    return {CONTEXT_HEADER: text,
            SIGNATURE_HEADER: _mac(keys[0], method, path, query, text, body)}


def verify(keys, method, path, query, headers, now=None, body=b""):
    """The context data a signed request carries, bound as the gateway bound it; BadContext
    when it is missing, not signed by one of `keys` (for this method, path, query and body),
    or not fresh. For a command, the data also holds the carried REQUEST_ID and CLIENT_REQUEST
    (the entrypoint derives the request id its writes record from them)."""
    text, given = headers.get(CONTEXT_HEADER), headers.get(SIGNATURE_HEADER)
    if not text or not given:
        raise BadContext("this path takes only signed internal requests")
    if not any(hmac.compare_digest(_mac(key, method, path, query, text, body), given)
               for key in keys):
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
    if method in COMMANDS:
        if not carried.get(context.REQUEST_ID):
            raise BadContext("the command carries no request id")
        for name in (context.ON_BEHALF_OF, context.CLIENT_REQUEST, context.REQUEST_ID):
            if carried.get(name):
                data[name] = carried[name]
    return data


def _mac(key, method, path, query, text, body):
    parts = [method, path, query or "", text]
    if method in COMMANDS:  # a read's message stays as it was (no rollout break for reads)
        parts.append(hashlib.sha256(body or b"").hexdigest())
    return hmac.new(key, "\n".join(parts).encode(), hashlib.sha256).hexdigest()
