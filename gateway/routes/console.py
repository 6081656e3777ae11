"""The community console (web/, built to web/dist) served by the gateway, and the
development-only sign-in it uses on a developer's machine.

Same origin as the API (docs/adr/0012-console.md): no CORS, and the console keeps its token
in memory (and sessionStorage), never in a cookie another site's request could carry.

Client routes live under a few fixed prefixes (/sign-in, /staff, /grid, /medical, /me), not
under a catch-all: a path the API does not know keeps answering 404/405 problem+json."""
import gzip
import json
import mimetypes
from functools import lru_cache
from pathlib import Path

from werkzeug.wrappers import Response

from chassis.config import settings_from
from chassis.context import bind
from chassis.errors import Invalid, NotFound
from chassis.web import HttpEntrypoint
from gateway import problems, roles
from gateway.api import ApiRequest, ApiRoute
from gateway.tokens import mint

AREAS = 'any("sign-in",staff,grid,medical,me)'
# Where the built app is: the source tree's web/dist, or the image's /opt/gongzhi/web/dist
# (the working directory there; see the Dockerfile).
DIST_CANDIDATES = (Path(__file__).resolve().parents[2] / "web" / "dist",
                   Path.cwd() / "web" / "dist")
ASSET_CACHE = "public, max-age=31536000, immutable"  # file names carry their content hash
# Element Plus sets style attributes; nothing else inline is allowed.
CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
DEV_TTL_SECONDS = 12 * 3600


def dist_dir():
    for candidate in DIST_CANDIDATES:
        if (candidate / "index.html").is_file():
            return candidate
    return None


class ConsoleFile(HttpEntrypoint):
    """GET of the console's files. Not an ApiRoute: no token (the app is public; its data
    is not), and not in /openapi.json."""

    def handle_request(self, request):
        root = dist_dir()
        if root is None:
            return problems.problem(404, "Not found", "the console is not built (cd web && "
                                                      "npm ci && npm run build)")
        name = (request.path_values or {}).get("name")
        gzipped = "gzip" in (request.headers.get("Accept-Encoding") or "")
        if name is None:  # a client route: the app decides what it shows
            return _file(root / "index.html", "no-cache", gzipped, csp=True)
        target = (root / "assets" / name).resolve()
        if (root / "assets").resolve() not in target.parents or not target.is_file():
            return problems.problem(404, "Not found", f"no console file assets/{name}")
        return _file(target, ASSET_CACHE, gzipped)


@lru_cache(maxsize=256)
def _content(path, mtime, gzipped):
    """A file's bytes, compressed once per version (the text files shrink to about a third)."""
    raw = Path(path).read_bytes()
    return gzip.compress(raw, 6, mtime=0) if gzipped else raw


def _file(path, cache, gzipped, csp=False):
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    text = kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml",
                                                "application/json")
    if text:
        kind += "; charset=utf-8"
    gzipped = gzipped and text
    response = Response(_content(str(path), path.stat().st_mtime_ns, gzipped), status=200,
                        content_type=kind)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    if csp:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


console_file = ConsoleFile.decorator


class DevRoute(ApiRoute):
    """A public route that exists only in development: elsewhere it answers 404, exactly as
    if it were not there. It acts for the demo tenant as the console's sign-in helper."""

    def _handle(self, request, correlation_id):
        request.shallow = False
        if not self.settings.is_development:  # the container's settings (GONGZHI_ENV)
            raise NotFound("no such route")
        data = {}
        bind(data, tenant=_demo().TENANT, actor="console-dev-sign-in",
             roles=[roles.COMMUNITY_STAFF], correlation_id=correlation_id)
        body = _small_json(request) if request.method == "POST" else None
        query = {key: request.args.get(key) for key in request.args}
        status, payload = self._run(request, data, ApiRequest(None, body, query, correlation_id))
        return Response(json.dumps(payload, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


class BadJson(Invalid):  # the gateway's own 400, kept here so this module leans on no private part
    status = 400
    title = "Malformed JSON"


def _small_json(request, limit=4096):
    """The sign-in body is one short field: read at most `limit` bytes of it."""
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise BadJson("the body is too large", {"_body": ["Too large."]})
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadJson(f"the body is not valid UTF-8 JSON: {exc}", {"_body": ["Malformed JSON."]}) from None


def _demo():
    """The demo people live beside the demo data (devstack/, not in the image)."""
    try:
        from devstack import demo_people
    except ImportError:  # an image without the development tree
        raise NotFound("no such route") from None
    return demo_people


class ConsoleRoutes:
    @console_file("GET", "/")
    def console_index(self, request):
        pass  # ConsoleFile answers before a worker would run

    @console_file("GET", f"/<{AREAS}:area>")
    def console_area(self, request, area):
        pass

    @console_file("GET", f"/<{AREAS}:area>/<path:rest>")
    def console_page(self, request, area, rest):
        pass

    @console_file("GET", "/assets/<path:name>")
    def console_asset(self, request, name):
        pass

    @DevRoute.decorator("GET", "/v1/dev/people", public=True, tag="development",
                        summary="Development only: the demo people the console can sign in as")
    def dev_people(self, request):
        return {"items": [_public(person) for person in self._dev_people()], "next": None}

    @DevRoute.decorator("POST", "/v1/dev/tokens", public=True, tag="development",
                        summary="Development only: a token for one demo person")
    def dev_token(self, request):
        wanted = (request.body or {}).get("person") if isinstance(request.body, dict) else None
        if not isinstance(wanted, str) or not wanted:
            raise Invalid("say who signs in", {"person": ["请选择要登录的人员。"]})
        for person in self._dev_people():
            if person["key"] == wanted:
                token = mint(settings_from(self.config).jwt_secret, tenant=_demo().TENANT, sub=person["sub"],
                             roles_=person["roles"], ttl_seconds=DEV_TTL_SECONDS)
                return 201, {"token": token, "person": _public(person)}
        raise Invalid("no such demo person", {"person": ["没有这位演示人员。"]})

    def _dev_people(self):  # self.residents: the registry proxy of RegistryRoutes
        demo = _demo()
        people = [dict(person) for person in demo.PEOPLE]
        for person in people:
            if person.get("resident_name"):  # a resident's sub is their resident id
                found = self.residents.list_residents({"q": person["resident_name"],
                                                       "limit": 1})["items"]
                person["sub"] = found[0]["id"] if found else None
        return [person for person in people if person["sub"]]


def _public(person):
    return {"key": person["key"], "name": person["name"], "title": person["title"],
            "roles": person["roles"], "sub": person["sub"], "home": person["home"]}
