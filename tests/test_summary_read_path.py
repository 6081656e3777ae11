"""GET /v1/metrics/summary over the direct read path (ADR 0013): the gateway reads the summary
from metrics over HTTP with a signed context, not through the broker. Real gateway, residents
and metrics containers, the real broker (for the events the figures come from) and store.
The summary says what the RPC summary says, for the caller's tenant and communities only, with
the query passed through and its errors raised again."""
from dataclasses import replace

import pytest
import requests

from devstack.launcher import free_port
from gateway.service import GatewayService
from gateway.tokens import mint
from services.metrics.service import MetricsService
from services.residents.service import ResidentsService
from tests.infra import called_over_rpc, wait_until

pytestmark = pytest.mark.integration

KEY = "k1:summary-read-path-test-key"
STAFF = ["community_staff"]


def started(container_factory, settings, service, **changes):
    configured = replace(settings, internal_key_raw=KEY, http_port=free_port(),
                         summary_cache_seconds=0, **changes)
    container_factory(service, configured.nameko_config()).start()
    return f"http://127.0.0.1:{configured.http_port}"


@pytest.fixture
def metrics_url(container_factory, settings):
    return started(container_factory, settings, MetricsService)


@pytest.fixture
def url(container_factory, settings, metrics_url):
    residents_url = started(container_factory, settings, ResidentsService)
    return started(container_factory, settings, GatewayService, residents_url=residents_url,
                   metrics_url=metrics_url)


def call(settings, url, method, path, tenant, roles=STAFF, communities=None, **kwargs):
    token = mint(settings.jwt_secret, tenant=tenant, roles_=roles, sub="staff-1",
                 communities=communities)
    return requests.request(method, url + path, timeout=15,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def created(settings, url, path, tenant, body):
    answer = call(settings, url, "POST", path, tenant, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def community_with_residents(settings, url, tenant, name, births):
    community = created(settings, url, "/v1/communities", tenant, {"name": name})
    compound = created(settings, url, "/v1/compounds", tenant,
                       {"community_id": community["id"], "name": f"{name}小区"})
    household = created(settings, url, "/v1/households", tenant,
                        {"compound_id": compound["id"], "address": "3栋2单元101"})
    for n, born in enumerate(births):
        created(settings, url, "/v1/residents", tenant,
                {"household_id": household["id"], "name": f"居民{n}", "birth_date": born})
    return community


def summary(settings, url, tenant, communities=None, **query):
    answer = call(settings, url, "GET", "/v1/metrics/summary", tenant,
                  communities=communities, params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()


def registered(settings, url, tenant, count, **query):
    return wait_until(lambda: (lambda s: s if s["residents_registered"] == count else None)(
        summary(settings, url, tenant, **query)), timeout=15, what=f"{count} registered")


def without_clock(figures):
    return {k: v for k, v in figures.items() if k != "as_of"}


def test_the_summary_is_the_rpc_summary_for_the_callers_tenant(settings, url):
    east = community_with_residents(settings, url, "sd-a", "东湖社区",
                                    ["1940-01-01", "1950-06-01", "1990-02-02"])
    community_with_residents(settings, url, "sd-b", "西湖社区", ["1945-03-03"])
    figures = registered(settings, url, "sd-a", 3)
    assert figures["elderly_registered"] == 2
    assert without_clock(figures) == without_clock(called_over_rpc(settings, "metrics", "summary", "sd-a", {}))
    assert registered(settings, url, "sd-b", 1)["elderly_registered"] == 1
    # the query goes through: a community of this tenant; another tenant's counts nothing
    assert summary(settings, url, "sd-a", community_id=east["id"])["residents_registered"] == 3
    assert summary(settings, url, "sd-b", community_id=east["id"])["residents_registered"] == 0


def test_a_token_limited_to_communities_sees_only_theirs(settings, url):
    east = community_with_residents(settings, url, "sd-a", "东湖社区", ["1940-01-01"] * 2)
    west = community_with_residents(settings, url, "sd-a", "西湖社区", ["1941-01-01"])
    registered(settings, url, "sd-a", 3)
    limited = summary(settings, url, "sd-a", communities=[west["id"]])
    assert limited["residents_registered"] == 1
    answer = call(settings, url, "GET", "/v1/metrics/summary", "sd-a",
                  communities=[west["id"]], params={"community_id": east["id"]})
    assert answer.status_code == 404, answer.text


def test_a_bad_window_is_422_with_its_field(settings, url):
    answer = call(settings, url, "GET", "/v1/metrics/summary", "sd-a",
                  params={"from": "2026-12-01", "to": "2026-11-01"})
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "from" in answer.json()["errors"]


def test_metrics_refuses_an_unsigned_read(settings, url, metrics_url):
    community_with_residents(settings, url, "sd-a", "东湖社区", ["1940-01-01"])
    registered(settings, url, "sd-a", 1)
    answer = requests.get(f"{metrics_url}/internal/metrics/summary", timeout=10,
                          headers={"nameko-tenant": "sd-a"})
    assert answer.status_code == 401, answer.text
    assert "residents_registered" not in answer.text


def test_the_gateway_reads_metrics_over_http_not_the_broker(container_factory, settings):
    """With metrics' URL set and nothing answering there, the summary is 503 at once, though
    a metrics service would answer over RPC: the broker is not on the path."""
    started(container_factory, settings, MetricsService)  # reachable over RPC
    url = started(container_factory, settings, GatewayService,
                  metrics_url=f"http://127.0.0.1:{free_port()}")
    answer = call(settings, url, "GET", "/v1/metrics/summary", "sd-a")
    assert answer.status_code == 503, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
