"""Reads (and commands) over HTTP from the owning service, without the broker (ADR 0013).

A read through RPC costs a publish with confirm, a broker hop each way and a reply consumer;
the owning service already serves HTTP (probes, metrics), so a read can go there directly.

    # the owning service (an entrypoint; the worker sees the caller's context as over RPC)
    @internal_read("/internal/residents/<string:resident_id>")
    def read_resident(self, query, resident_id): ...

    # the caller (the gateway): a dependency, bounded like an RPC call
    residents_reads = InternalReads("residents")
    ...
    self.residents_reads.get(f"/internal/residents/{resident_id}")

The caller's context (tenant, actor, roles, communities, correlation id) travels signed
(chassis/signed_context.py); the owning service binds exactly that, so its tenant-scoped
store, community scope and masking apply unchanged. Errors come back as problem+json and are
raised again as the same chassis.errors class; a service that does not answer within
GONGZHI_RPC_TIMEOUT is ServiceTimeout (504), one that cannot be reached ServiceUnavailable
(503), as chassis/rpc.py gives for RPC.

Commands (a POST with a JSON body: chassis/internal_commands.py, `@internal_command`, and
`post(path, body)` on the same client) share all of this: the entrypoint's verification and
answer, the kept connections, the mapping of answers and problems."""
import json
import logging
from functools import partial
from urllib.parse import quote, urlencode, urlsplit

import eventlet
from eventlet.event import Event
from nameko.extensions import DependencyProvider, SharedExtension
from werkzeug.wrappers import Response

from chassis import context, http_client, ids, signed_context
from chassis.config import settings_from
from chassis.errors import (EXPECTED, Conflict, DomainError, Forbidden, Invalid, NotFound,
                            ServiceTimeout, ServiceUnavailable)
from chassis.rpc import unreachable
from chassis.web import HttpEntrypoint, problem

_log = logging.getLogger(__name__)
JSON = "application/json; charset=utf-8"
# The errors an internal request may answer with, raised again on the caller's side.
RAISED_AGAIN = {404: NotFound, 403: Forbidden, 409: Conflict, 422: Invalid,
                503: ServiceUnavailable, 504: ServiceTimeout}


# -- the owning service's side -------------------------------------------------------------------
class InternalEntrypoint(HttpEntrypoint):
    """An internal request: served only when the caller signed its context (401 otherwise),
    run by a worker bound to exactly that context, answered as JSON or problem+json. A read
    (InternalRead, here) and a command (chassis/internal_commands.py) differ only in what
    they take from the request (`arguments`) and what the context carries (`served_data`)."""

    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", EXPECTED)
        super().__init__(method, url, **kwargs)

    _keys = None

    def setup(self):
        super().setup()
        self.settings = settings_from(self.container.config)

    def keys(self):
        """Read at the first internal request, not at start: a service that is never asked
        one (a test, a partial rollout) needs no key. Outside development a missing key is a
        500 for every internal request, logged."""
        if self._keys is None:
            self._keys = self.settings.internal_keys
        return self._keys

    def signed_body(self, request):
        """The bytes the signature covers besides method, path and query (none for a read)."""
        return b""

    def arguments(self, request, body):
        """(args, kwargs) of the method."""
        raise NotImplementedError

    def served_data(self, data):
        """The context data the worker runs with (as verified, for a read)."""
        return data

    def handle_request(self, request):
        try:
            body = self.signed_body(request)
        except DomainError as exc:  # a body too large (413)
            return _problem_from(exc, request.path)
        try:
            data = signed_context.verify(self.keys(), request.method, request.path,
                                         request.query_string.decode(), request.headers,
                                         body=body)
        except signed_context.BadContext as exc:
            return problem(401, "Unauthorized", str(exc))
        except RuntimeError as exc:  # no GONGZHI_INTERNAL_KEY outside development
            _log.error("internal request %s refused: %s", request.path, exc)
            return problem(500, "Internal error", "internal requests are not configured here")
        try:
            args, kwargs = self.arguments(request, body)
            self.check_signature(args, kwargs)
            event = Event()
            self.container.spawn_worker(self, args, kwargs, context_data=self.served_data(data),
                                        handle_result=partial(self.handle_result, event))
            result = event.wait()
        except Exception as exc:
            response = _problem_from(exc, request.path)
        else:
            response = Response(json.dumps(result, ensure_ascii=False), status=200,
                                content_type=JSON)
        response.headers["X-Correlation-Id"] = data[context.CORRELATION_ID]
        return response


class InternalRead(InternalEntrypoint):
    """A GET. The method gets the query arguments (a dict) and the path's values; it returns
    what the RPC method would have (JSON-able)."""

    def __init__(self, url, **kwargs):
        super().__init__("GET", url, **kwargs)

    def arguments(self, request, body):
        return (dict(request.args),), request.path_values


internal_read = InternalRead.decorator


def _problem_from(exc, path):
    if isinstance(exc, DomainError):
        errors = exc.errors if isinstance(exc, Invalid) else None
        return problem(exc.status, exc.title, exc.detail, errors)
    if unreachable(exc):  # the store, behind this service
        return problem(503, "Service unavailable", "the store cannot be reached now")
    _log.error("internal request %s failed", path, exc_info=exc)
    return problem(500, "Internal error", "something went wrong; it has been logged")


# -- the caller's side -----------------------------------------------------------------------------
class KeptConnections(SharedExtension):
    """Kept-alive HTTP connections per service base URL, shared by the process's workers: a new
    TCP connection per read would cost more than the read. Greenthreads switch only on I/O,
    so taking from and returning to the idle lists needs no lock."""

    def __init__(self):
        self._idle = {}

    def request(self, base_url, method, target, headers, timeout, body=None):
        """(status, body) of `method` base_url+target. A kept connection the other side has
        closed meanwhile (a restart, its idle timeout) is retried once on a new one, with the
        same headers and body: a GET is safe to repeat, and so is a command, which carries the
        same signed request id the second time, so the owner's writes recognise it as the same
        request (chassis/calls.py; tests/test_visit_commands.py proves it across a restart).
        The other kept ones went to the same process, so they are dropped too."""
        idle = self._idle.setdefault(base_url, [])
        for attempt in (1, 2):
            reused = bool(idle)
            connection = idle.pop() if reused else _connect(base_url, timeout)
            try:
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (ConnectionResetError, BrokenPipeError):  # http_client.Disconnected too
                connection.close()
                if reused and attempt == 1:
                    while idle:
                        idle.pop().close()
                    continue
                raise
            except BaseException:  # a timeout too: the connection is in an unknown state
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                idle.append(connection)
            return response.status, answer

    def stop(self):
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    kill = stop


def _connect(base_url, timeout):
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"an internal service URL is http://host:port, not {base_url!r}")
    return http_client.Connection(parts.hostname, parts.port or 80, timeout)


class InternalReads(DependencyProvider):
    """Reads from `service_name` over HTTP, at the URL its setting names (`<service>_url`,
    e.g. GONGZHI_RESIDENTS_URL). `available` is False where no URL is set: the caller then
    asks over RPC, as before (a gateway started alone in a test, say)."""

    connections = KeptConnections()

    def __init__(self, service_name, timeout=None):
        self.service_name = service_name
        self.timeout = timeout

    def setup(self):
        settings = settings_from(self.container.config)
        self.base_url = (getattr(settings, f"{self.service_name}_url") or "").rstrip("/")
        self.timeout = self.timeout or settings.rpc_timeout
        self.settings = settings
        self._keys = None

    def keys(self):
        """Read at the first read, not at start (a process is probed before it serves, and
        the deploy checks give every Deployment the key): outside development, without
        GONGZHI_INTERNAL_KEY, every read is a logged 500 and nothing is sent."""
        if self._keys is None:
            self._keys = self.settings.internal_keys
        return self._keys

    def get_dependency(self, worker_ctx):
        return InternalClient(self, worker_ctx.data)


class InternalClient:
    def __init__(self, provider, data):
        self._provider = provider
        self._data = data

    @property
    def available(self):
        return bool(self._provider.base_url)

    def get(self, path, query=None):
        """The answer of the owning service's internal read at `path`, or the error it gave
        raised again; ServiceTimeout past the bound, ServiceUnavailable when unreachable."""
        query_text = urlencode(query or {})
        headers = signed_context.sign(self._provider.keys(), "GET", path, query_text,
                                      self._data)
        return self._send("GET", quote(path) + (f"?{query_text}" if query_text else ""),
                          headers)

    def post(self, path, body):
        """The answer of the owning service's internal command at `path` (chassis/
        internal_commands.py) with `body` (JSON-able), raised again like `get`'s. Each call
        is a new request (a new request id, as each RPC call gets a new correlation id); its
        one resend on a closed kept connection is the same request."""
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        data = {**self._data, context.REQUEST_ID: ids.new_id()}
        headers = signed_context.sign(self._provider.keys(), "POST", path, "", data, body=raw)
        headers["Content-Type"] = JSON
        return self._send("POST", quote(path), headers, raw)

    def _send(self, method, target, headers, body=None):
        provider = self._provider
        name, timeout = provider.service_name, provider.timeout
        timer = eventlet.Timeout(timeout)
        try:
            status, answer = provider.connections.request(provider.base_url, method, target,
                                                          headers, timeout, body)
        except eventlet.Timeout as exc:
            if exc is not timer:
                raise
            raise ServiceTimeout(f"{name} did not answer within {timeout:g}s") from None
        except TimeoutError:  # the socket's own bound (the same length) came first
            raise ServiceTimeout(f"{name} did not answer within {timeout:g}s") from None
        except OSError:  # unreachable, or an answer that is not HTTP (http_client.BadAnswer)
            raise ServiceUnavailable(f"{name} cannot be reached now") from None
        finally:
            timer.cancel()
        return _answer(name, status, answer)


def _answer(name, status, body):
    if status == 200:
        return json.loads(body)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    detail = answer.get("detail") or f"{name} answered {status}"
    error = RAISED_AGAIN.get(status)
    if error is Invalid:
        raise Invalid(detail, answer.get("errors") or {})
    if error is not None:
        raise error(detail)
    # 401 (our signature refused: the keys differ) or 500: ours to fix, not the caller's
    raise RuntimeError(f"internal request to {name} answered {status}: {detail}")
