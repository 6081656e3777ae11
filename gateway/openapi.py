"""The OpenAPI 3 document, generated from the routes' own marshmallow schemas."""
import functools
import json
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from gateway.api import ApiRoute
from gateway.schemas import ProblemOut, page_of

_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
ERRORS = {"400": "Malformed JSON", "401": "No, invalid or expired token",
          "403": "The role does not allow this", "404": "Not found (or another tenant's)",
          "409": "The state does not allow this", "422": "Validation failed",
          "503": "A service or the store is unreachable (see Retry-After)",
          "504": "A service was too slow"}


def routes(service_cls):
    for name in dir(service_cls):
        for extension in getattr(getattr(service_cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(extension, ApiRoute) and "<path:" not in extension.url:
                yield name, extension


@functools.lru_cache(maxsize=None)
def openapi_document(service_cls):
    spec = APISpec(
        title="Gongzhi (共治) public API", version="1.0.0", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Co-governance platform for subdistricts: registry, home visits, "
                             "indicators. JSON in and out (UTF-8). Errors are "
                             "application/problem+json."},
        components={"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                   "bearerFormat": "JWT"}}},
    )
    spec.components.schema("Problem", schema=ProblemOut)
    paths = {}
    for name, route in sorted(routes(service_cls), key=lambda item: item[1].url):
        path = _PATH_PARAM.sub(r"{\1}", route.url)
        for method in route.method.split(","):
            paths.setdefault(path, {})[method.lower()] = _operation(name, route)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    spec.path(path="/health/live", operations={"get": _probe("The process is alive")})
    spec.path(path="/health/ready", operations={"get": _probe("Broker and store reachable")})
    return json.dumps(spec.to_dict(), ensure_ascii=False)


def _operation(name, route):
    operation = {"operationId": name, "summary": route.summary, "tags": [route.tag],
                 "responses": {}}
    parameters = [{"in": "path", "name": param, "required": True, "schema": {"type": "string"}}
                  for param in _PATH_PARAM.findall(route.url)]
    if route.query_schema:
        parameters.append({"in": "query", "schema": route.query_schema})
    if route.method == "POST":
        parameters.append({"in": "header", "name": "Idempotency-Key", "required": False,
                           "schema": {"type": "string", "maxLength": 200},
                           "description": "Same key and body: the first answer, no new change"})
    if parameters:
        operation["parameters"] = parameters
    if route.body_schema:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": route.body_schema}}}
    if not route.public:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = list(route.roles)
    answer = page_of(route.answer_schema) if route.many else route.answer_schema
    content = {"application/json": {"schema": answer}} if answer else {
        "application/json": {"schema": {"type": "object"}}}
    operation["responses"][str(route.status)] = (
        {"description": "No content"} if route.status == 204 else
        {"description": "OK", "content": content})
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for status, description in ERRORS.items():
        if route.public and status in ("401", "403"):
            continue
        operation["responses"][status] = {"description": description, "content": problem}
    return operation


def _probe(description):
    return {"summary": description, "tags": ["meta"], "responses": {
        "200": {"description": description}, "503": {"description": "Not ready"}}}
