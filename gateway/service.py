"""The gateway: the only HTTP entry. Its routes live in one module per area (gateway/routes/);
this class composes them and adds what belongs to the gateway itself (its health checks, its
idempotency records, the OpenAPI document)."""
import json

from nameko.dependency_providers import Config

from chassis.context import CallContext
from chassis.health import HealthChecks
from chassis.store import Store
from gateway.api import api
from gateway.openapi import openapi_document
from gateway.routes.console import ConsoleRoutes
from gateway.routes.health import HealthRoutes
from gateway.routes.metrics import MetricsRoutes
from gateway.routes.registry import RegistryRoutes


class GatewayService(RegistryRoutes, HealthRoutes, MetricsRoutes, ConsoleRoutes, HealthChecks):
    name = "gateway"

    config = Config()
    call = CallContext()
    store = Store()  # the gateway's own records (idempotency keys)

    @api("GET", "/openapi.json", public=True, tag="meta", summary="This document")
    def openapi(self, request):
        return json.loads(openapi_document(type(self)))
