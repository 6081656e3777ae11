"""Visit facts are keyed by tenant and visit id: two subdistricts' visits that share an id
(an outside id, a copied record) are both counted, each once."""
import pytest
from kombu import Connection, Exchange
from nameko.standalone.rpc import ServiceRpcProxy

from chassis import context
from contracts import new_event
from services.metrics.service import MetricsService
from tests.infra import wait_until

pytestmark = pytest.mark.integration
EXCHANGE = Exchange("health.events", type="topic", durable=True)


def completed(tenant, visit_id, packages):
    event = new_event("health.visit_completed", {
        "visit_id": visit_id, "resident_id": f"r-{tenant}", "community_id": "c-1",
        "completed_at": "2026-11-20T01:00:00.000+00:00", "medicine_packages": packages,
        "medicines_dispensed": [{"name": "钙片", "quantity": packages}],
        "recorded_by": "platform"})
    return {**event, "tenant": tenant, "actor": {"id": "doctor-1", "roles": ["medical_staff"]}}


def summary(settings, tenant):
    data = {}
    context.bind(data, tenant=tenant, actor="staff-1", roles=["community_staff"])
    with ServiceRpcProxy("metrics", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as proxy:
        return proxy.summary({})


def test_the_same_visit_id_in_two_tenants_counts_in_both(container_factory, settings):
    container = container_factory(MetricsService, settings.nameko_config())
    container.start()
    with Connection(settings.amqp_uri) as connection:
        producer = connection.Producer()
        for body in (completed("sd-a", "shared-visit-1", 2), completed("sd-b", "shared-visit-1", 5),
                     completed("sd-b", "shared-visit-1", 5)):  # and b's redelivered once
            producer.publish(body, exchange=EXCHANGE, routing_key="visit_completed",
                             serializer="json")
    wait_until(lambda: summary(settings, "sd-b")["visits_completed"] == 1, what="b counted")
    a = wait_until(lambda: (lambda s: s if s["visits_completed"] == 1 else None)(
        summary(settings, "sd-a")), what="a counted")
    assert a["medicine_packages"] == 2
    assert summary(settings, "sd-b")["medicine_packages"] == 5
