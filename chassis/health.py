"""`/health/live`, `/health/ready` and `/metrics` for every service (a mixin of entrypoints)."""
import json

from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chassis import observability
from chassis.config import settings_from
from chassis.outbox import broker_reachable


class HealthChecks:
    """Mix into a service class that has `store = Store(...)` and `config = Config()`."""

    @http("GET", "/health/live")
    def health_live(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"status": "live"})

    @http("GET", "/health/ready")
    def health_ready(self, request):
        checks = {}
        try:
            self.store.ping()
            checks["store"] = "ok"
        except Exception as exc:
            checks["store"] = f"unreachable: {type(exc).__name__}"
        try:
            broker_reachable(settings_from(self.config).amqp_uri)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unreachable: {type(exc).__name__}"
        if checks["store"] == "ok":
            backlog = self.store.outbox_backlog()
            observability.OUTBOX_BACKLOG.labels(self.name).set(backlog)
            checks["outbox_backlog"] = backlog
        ready = checks["store"] == "ok" and checks["broker"] == "ok"
        body = json.dumps({"status": "ready" if ready else "not ready", "checks": checks})
        return (200 if ready else 503), {"Content-Type": "application/json"}, body

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest().decode()
