"""The gateway's HTTP entrypoint: `@api(method, path, roles=..., body=..., answer=...)`.

Before a worker runs: authenticate the bearer token, check the role, parse the JSON body,
bind tenant, actor and correlation id into the call context (never from the request body),
and apply the Idempotency-Key. After: JSON out, or problem+json for any error. The route's
schemas are also what /openapi.json is generated from."""
import json
import logging
import re
import time
from functools import partial

from eventlet.event import Event
from werkzeug.wrappers import Response

from chassis import context, ids, observability
from chassis.bodies import parse_json, read_body
from chassis.config import settings_from
from chassis.context import Call
from chassis.errors import EXPECTED
from chassis.mongo import MongoClientProvider
from chassis.web import HttpEntrypoint
from chassis.tenancy import TenantDatabase
from gateway import idempotency, problems
from gateway.auth import authenticate, authorize
from gateway.keys import keys_from

_log = logging.getLogger(__name__)
_CORRELATION = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
WRITES = ("POST", "PATCH", "PUT")


class ApiRequest:
    """What a route method receives: the caller, the parsed body and the query arguments."""

    def __init__(self, principal, body, query, correlation_id):
        self.principal = principal
        self.body = body
        self.query = query
        self.correlation_id = correlation_id


class ApiRoute(HttpEntrypoint):
    mongo = MongoClientProvider()

    def __init__(self, method, url, roles=(), body=None, query=None, answer=None, status=200,
                 many=False, summary="", tag="", public=False, **kwargs):
        kwargs.setdefault("expected_exceptions", EXPECTED)
        self.roles = tuple(roles)
        self.body_schema = body
        self.query_schema = query
        self.answer_schema = answer
        self.status = status
        self.many = many
        self.summary = summary
        self.tag = tag
        self.public = public
        super().__init__(method, url, **kwargs)

    def setup(self):
        super().setup()
        self.settings = settings_from(self.container.config)
        self.keys = keys_from(self.settings)  # read (and warned about) once; shared by routes

    def handle_request(self, request):
        started = time.monotonic()
        correlation_id = _correlation_id(request)
        try:
            response = self._handle(request, correlation_id)
        except Exception as exc:  # every failure leaves as problem+json
            response = problems.from_exception(exc)
            if response.status_code >= 500:
                _log.error("%s %s failed", request.method, self.url, exc_info=exc)
        response.headers["X-Correlation-Id"] = correlation_id
        observability.HTTP_REQUESTS.labels(request.method, self.url, response.status_code).inc()
        observability.HTTP_SECONDS.labels(request.method, self.url).observe(
            time.monotonic() - started)
        return response

    def _handle(self, request, correlation_id):
        request.shallow = False
        principal = None
        data = {}
        if not self.public:
            principal = authenticate(request.headers.get("Authorization"), self.keys)
            authorize(principal, self.roles)
            context.bind(data, tenant=principal.tenant, actor=principal.sub,
                         roles=principal.roles, correlation_id=correlation_id,
                         communities=principal.communities)
        body = (_json_body(request, self.settings.max_body_bytes)
                if request.method in WRITES and not self.public else None)
        query = {key: request.args.get(key) for key in request.args}
        key = request.headers.get("Idempotency-Key")
        if key is not None and request.method == "POST" and principal is not None:
            data[context.CLIENT_REQUEST] = f"{principal.tenant}|{principal.sub}|{key}"
            return self._idempotent(request, principal, data, body, query, key)
        status, payload = self._run(request, data, ApiRequest(principal, body, query,
                                                              correlation_id))
        return _json_response(status, payload)

    def _idempotent(self, request, principal, data, body, query, key):
        db = TenantDatabase(self.mongo.database(), Call(data))
        fingerprint = idempotency.fingerprint(request.method, request.path, body)
        replay = idempotency.claim(db, principal, key, fingerprint)
        if replay is not None:
            response = _json_response(*replay)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            status, payload = self._run(request, data, ApiRequest(
                principal, body, query, data[context.CORRELATION_ID]))
        except Exception as exc:
            problem = problems.from_exception(exc)
            idempotency.settle(db, principal, key, problem.status_code,
                               json.loads(problem.get_data()))
            raise
        idempotency.settle(db, principal, key, status, payload)
        return _json_response(status, payload)

    def _run(self, request, data, api_request):
        event = Event()
        args, kwargs = (api_request,), request.path_values
        self.check_signature(args, kwargs)
        self.container.spawn_worker(self, args, kwargs, context_data=data,
                                    handle_result=partial(self.handle_result, event))
        result = event.wait()
        if isinstance(result, tuple):
            return result
        return self.status, result


def _json_body(request, max_bytes):
    """Bounded in size (413) and depth (400): chassis/bodies.py."""
    raw = read_body(request, max_bytes)
    if not raw.strip():
        return None  # the service says whether it needed a body (422) or not
    return parse_json(raw)


def _json_response(status, payload):
    if status == 204:  # No Content (a DELETE): no body at all
        return Response(status=204)
    kind = "application/problem+json" if status >= 400 else "application/json"  # a replayed error
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    content_type=f"{kind}; charset=utf-8")


def _correlation_id(request):
    given = request.headers.get("X-Correlation-Id") or request.headers.get("X-Request-Id")
    return given if given and _CORRELATION.match(given) else ids.new_id()


api = ApiRoute.decorator
