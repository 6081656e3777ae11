"""`/health/live`, `/health/ready` and `/metrics` for every service (a mixin of entrypoints).

Ready means the store and the broker answer; its details also say how many documents wait in
the outbox and how many messages wait in each of this service's dead-letter queues."""
import json

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chassis.backlogs import Backlogs
from chassis.web import http


class HealthChecks:
    """Mix into a service class that has `store = Store(...)`."""

    backlogs = Backlogs()

    @http("GET", "/health/live")
    def health_live(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"status": "live"})

    @http("GET", "/health/ready")
    def health_ready(self, request):
        checks = {}
        try:
            self.store.ping()
            checks["store"] = "ok"
            checks["outbox_backlog"] = self.backlogs.outbox_backlog()
        except Exception as exc:
            checks["store"] = f"unreachable: {type(exc).__name__}"
        try:
            checks["dead_letters"] = self.backlogs.broker_and_dead_letters()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unreachable: {type(exc).__name__}"
        ready = checks["store"] == "ok" and checks["broker"] == "ok"
        body = json.dumps({"status": "ready" if ready else "not ready", "checks": checks})
        return (200 if ready else 503), {"Content-Type": "application/json"}, body

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        self.backlogs.refresh()
        return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest().decode()
