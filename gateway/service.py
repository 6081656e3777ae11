"""The gateway: the only HTTP entry. Its routes live in one module per area (gateway/routes/);
this class composes them and adds what belongs to the gateway itself (its health checks, its
idempotency records, the OpenAPI document)."""
import json

from nameko.dependency_providers import Config

from chassis.context import CallContext
from chassis.health import HealthChecks
from chassis.sealing import DataKeys
from chassis.store import Store
from gateway.api import api
from gateway.openapi import openapi_document
from gateway.routes.console import ConsoleRoutes
from gateway.routes.deliberation import DeliberationRoutes
from gateway.routes.health import HealthRoutes
from gateway.routes.metrics import MetricsRoutes
from gateway.routes.registry import RegistryRoutes
from gateway.routes.activities import ActivityRoutes
from gateway.routes.needs import NeedsRoutes
from gateway.routes.outreach import OutreachRoutes


class GatewayService(RegistryRoutes, HealthRoutes, MetricsRoutes, ActivityRoutes,
                     OutreachRoutes, NeedsRoutes, DeliberationRoutes,  # council
                     ConsoleRoutes, HealthChecks):
    name = "gateway"

    config = Config()
    call = CallContext()
    store = Store()  # the gateway's own records (idempotency keys)
    keys = DataKeys()  # seals the answers kept for Idempotency-Key replays (ADR 0011)

    @api("GET", "/openapi.json", public=True, tag="meta", summary="This document")
    def openapi(self, request):
        return json.loads(openapi_document(type(self)))
