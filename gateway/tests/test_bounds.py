"""A slow or absent service gives a bounded 503/504 problem, never a hang, and the request
expires in the broker so nobody acts on it later."""
import time
from dataclasses import replace

import pytest
import requests
from kombu import Connection, Queue
from nameko.rpc import get_rpc_exchange

from gateway.service import GatewayService
from gateway.tokens import mint

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway(container_factory, settings):
    settings = replace(settings, rpc_timeout=1.0)
    container = container_factory(GatewayService, settings.nameko_config())
    container.start()
    token = mint(settings.jwt_secret, tenant="t", roles_=["community_staff"], sub="s")
    return f"http://127.0.0.1:{settings.http_port}", {"Authorization": f"Bearer {token}"}, settings


def test_a_service_that_does_not_answer_gives_504_within_the_bound(gateway):
    url, headers, settings = gateway
    queue = Queue("rpc-metrics", get_rpc_exchange({}), routing_key="metrics.*", durable=True)
    with Connection(settings.amqp_uri) as connection:
        queue.bind(connection.channel()).declare()  # the service existed once, now silent
        started = time.monotonic()
        response = requests.get(url + "/v1/metrics/summary", headers=headers, timeout=10)
        elapsed = time.monotonic() - started
        assert response.status_code == 504, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert 0.9 <= elapsed < 3
        # the request expires in the broker at the same bound: nobody acts on it later
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if queue.bind(connection.channel()).queue_declare(passive=True).message_count == 0:
                break
            time.sleep(0.1)
        assert queue.bind(connection.channel()).queue_declare(passive=True).message_count == 0


def test_a_service_that_never_ran_is_bounded_too(gateway):
    url, headers, _ = gateway
    started = time.monotonic()
    response = requests.post(url + "/v1/communities", json={"name": "凯旋社区"},
                             headers=headers, timeout=10)
    assert response.status_code in (503, 504), response.text
    assert time.monotonic() - started < 3
