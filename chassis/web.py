"""nameko's HTTP entrypoint on a web server whose own refusals are problem+json too.

werkzeug answers a path no route has (404) or a method no route takes (405, including methods
it does not know, such as QUERY) with an HTML page before any entrypoint runs. Every HTTP
entrypoint of our services uses `http` from here (the gateway's `@api` too), so they share
this one server per process. It also refuses, before any entrypoint runs, a body whose
Content-Length is past GONGZHI_MAX_BODY_BYTES (413; chassis/bodies.py bounds chunked ones)."""
import json
import logging

from eventlet import wsgi
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from chassis.config import settings_from

PROBLEM_TYPE = "https://gongzhi.example/problems/"


def problem(status, title, detail, errors=None, headers=None):
    """An RFC 9457 problem response: the one shape of every error any of our servers gives."""
    body = {"type": PROBLEM_TYPE + title.lower().replace(" ", "-"), "title": title,
            "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/problem+json; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def problem_response(exc):
    """werkzeug's own refusal (404, 405, 413) as a problem, keeping its headers (Allow)."""
    headers = {key: value for key, value in exc.get_headers()
               if key.lower() not in ("content-type", "content-length")}
    return problem(exc.code, exc.name or "Error", exc.description or exc.name or "Error",
                   headers=headers)


class ProblemWsgiApp(WsgiApp):
    """nameko's WsgiApp.__call__, with its HTTPException answered as a problem."""

    def __init__(self, server):
        super().__init__(server)
        self.max_body_bytes = settings_from(server.container.config).max_body_bytes

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)  # as nameko: nobody reads the body yet
        adapter = self.url_map.bind_to_environ(environ)
        try:
            if (request.content_length or 0) > self.max_body_bytes:
                raise RequestEntityTooLarge(
                    f"the body is larger than {self.max_body_bytes} bytes "
                    "(GONGZHI_MAX_BODY_BYTES)")
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = problem_response(exc) if (exc.code or 0) >= 400 else exc
        return response(environ, start_response)


class ProblemWebServer(WebServer):
    def get_wsgi_app(self):
        return ProblemWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        """nameko's server, with eventlet's access line built only when it would be logged:
        eventlet formats it (a date string and all) on every request before the logger drops
        it at WARNING (1-2% of the gateway's and residents' samples per read)."""
        log = logging.getLogger("nameko.web.server")
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug,
                           log=log, log_output=log.isEnabledFor(logging.INFO))


class HttpEntrypoint(HttpRequestHandler):
    server = ProblemWebServer()

    def check_signature(self, args, kwargs):
        """nameko binds the arguments to the method with inspect.getcallargs on every request
        (2% of the gateway's samples per read); whether they bind depends only on how many
        are positional and which are named, and a route's are the same each time: checked
        once per such shape."""
        shape = (len(args), frozenset(kwargs))
        checked = self.__dict__.setdefault("_checked_shapes", set())
        if shape not in checked:
            super().check_signature(args, kwargs)
            checked.add(shape)


http = HttpEntrypoint.decorator
