"""Internal reads over real HTTP between two real nameko containers (ADR 0013): the caller's
context arrives exactly, signed; nothing unsigned, tampered, stale or signed for another path
is served; errors come back as the same classes; the call is bounded (504) and an absent
service is 503."""
import time
from dataclasses import replace

import pytest
import requests
from eventlet.event import Event
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ServiceRpcProxy

from chassis import context, signed_context
from chassis.context import CallContext
from chassis.errors import Invalid, NotFound, ServiceTimeout, ServiceUnavailable
from chassis.internal_reads import InternalReads, internal_read
from chassis.rpc import rpc
from devstack.launcher import free_port
from tests.infra import wait_until

pytestmark = pytest.mark.integration

KEY = "k1:internal-reads-test-key-of-some-length"
released = Event()  # what the hung read waits for; sent at teardown so no worker outlives a test


class Owner:
    """Plays an owning service: answers what its worker sees of the call."""

    name = "owner"
    call = CallContext()

    @internal_read("/internal/context/<string:thing_id>")
    def context_of(self, query, thing_id):
        call = self.call
        return {"thing": thing_id, "query": query, "tenant": call.tenant, "actor": call.actor,
                "roles": sorted(call.roles), "correlation_id": call.correlation_id,
                "communities": None if call.communities is None else sorted(call.communities)}

    @internal_read("/internal/missing/<string:thing_id>")
    def missing(self, query, thing_id):
        raise NotFound(f"no thing {thing_id}")

    @internal_read("/internal/invalid")
    def invalid(self, query):
        raise Invalid("validation failed", {"limit": ["must be at most 200"]})

    @internal_read("/internal/hung")
    def hung(self, query):
        released.wait()
        return {}


class Caller:
    """Plays the gateway: reads from the owner with the context its own caller gave it."""

    name = "caller"
    owner_reads = InternalReads("residents")  # the URL setting it reads: residents_url

    @rpc
    def read(self, path, query=None):
        return self.owner_reads.get(path, query)


@pytest.fixture
def owner_url(container_factory, settings):
    configured = replace(settings, internal_key_raw=KEY, http_port=free_port())
    container_factory(Owner, configured.nameko_config()).start()
    yield f"http://127.0.0.1:{configured.http_port}"
    released.send()
    released.reset()


def caller(container_factory, settings, url, **changes):
    configured = replace(settings, internal_key_raw=KEY, residents_url=url, http_port=free_port(),
                         **changes)
    container_factory(Caller, configured.nameko_config()).start()
    data = {}
    context.bind(data, tenant="sd-a", actor="staff-1", roles=["grid_worker"],
                 correlation_id="corr-42", communities=["c-1", "c-2"])
    return ServiceRpcProxy("caller", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                           timeout=15)


def test_the_callers_context_arrives_exactly(container_factory, settings, owner_url):
    with caller(container_factory, settings, owner_url) as proxy:
        seen = proxy.read("/internal/context/汉字-1", {"q": "王秀英"})
    assert seen == {"thing": "汉字-1", "query": {"q": "王秀英"}, "tenant": "sd-a",
                    "actor": "staff-1", "roles": ["grid_worker"], "correlation_id": "corr-42",
                    "communities": ["c-1", "c-2"]}


def test_errors_come_back_as_the_same_classes(container_factory, settings, owner_url):
    with caller(container_factory, settings, owner_url) as proxy:
        with pytest.raises(NotFound) as missing:
            proxy.read("/internal/missing/x1")
        with pytest.raises(Invalid) as invalid:
            proxy.read("/internal/invalid")
    assert "no thing x1" in str(missing.value)
    assert invalid.value.errors == {"limit": ["must be at most 200"]}


def test_a_read_that_does_not_answer_is_504_within_the_bound(container_factory, settings,
                                                             owner_url):
    with caller(container_factory, settings, owner_url, rpc_timeout=1.0) as proxy:
        started = time.monotonic()
        with pytest.raises(ServiceTimeout):
            proxy.read("/internal/hung")
        assert 0.9 <= time.monotonic() - started < 3


def test_an_absent_service_is_503_at_once(container_factory, settings):
    with caller(container_factory, settings, f"http://127.0.0.1:{free_port()}") as proxy:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            proxy.read("/internal/context/x")
        assert time.monotonic() - started < 2


def test_kept_connections_survive_the_owner_going_and_coming_back(container_factory, settings):
    port = free_port()
    configured = replace(settings, internal_key_raw=KEY, http_port=port)
    first = container_factory(Owner, configured.nameko_config())
    first.start()
    with caller(container_factory, settings, f"http://127.0.0.1:{port}") as proxy:
        assert proxy.read("/internal/context/a")["thing"] == "a"  # a connection is kept
        first.stop()
        with pytest.raises(ServiceUnavailable):
            proxy.read("/internal/context/b")
        container_factory(Owner, configured.nameko_config()).start()
        assert wait_until(lambda: _answers(proxy), what="owner back")["thing"] == "c"


def _answers(proxy):
    try:
        return proxy.read("/internal/context/c")
    except ServiceUnavailable:
        return None


# -- what reaches the owner without the key ---------------------------------------------------
def signed(path, key=KEY, now=None, tenant="sd-a"):
    data = {}
    context.bind(data, tenant=tenant, actor="staff-1", roles=["community_staff"],
                 correlation_id="corr-7")
    keys = tuple(part.split(":", 1)[-1].encode() for part in key.split(","))
    return signed_context.sign(keys, "GET", path, "", data, now=now)


def test_a_signed_request_is_served_with_its_correlation_id(owner_url):
    answer = requests.get(owner_url + "/internal/context/t1", headers=signed("/internal/context/t1"),
                          timeout=5)
    assert answer.status_code == 200, answer.text
    assert answer.json()["tenant"] == "sd-a"
    assert answer.headers["X-Correlation-Id"] == "corr-7"


def test_a_second_key_verifies_while_keys_are_rolled(container_factory, settings):
    configured = replace(settings, internal_key_raw="k2:the-new-key-now-signing," + KEY,
                         http_port=free_port())
    container_factory(Owner, configured.nameko_config()).start()
    url = f"http://127.0.0.1:{configured.http_port}"
    answer = requests.get(url + "/internal/context/t1", headers=signed("/internal/context/t1"),
                          timeout=5)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("case", ["unsigned", "other key", "other path", "stale", "tampered",
                                  "context by nameko headers"])
def test_nothing_unsigned_tampered_or_stale_is_served(owner_url, case):
    path = "/internal/context/t1"
    headers = {
        "unsigned": {},
        "other key": signed(path, key="k1:somebody-elses-key"),
        "other path": signed("/internal/context/t2"),
        "stale": signed(path, now=time.time() - 2 * signed_context.MAX_AGE_SECONDS),
        "tampered": {**signed(path),
                     signed_context.CONTEXT_HEADER: signed(path, tenant="sd-b")[
                         signed_context.CONTEXT_HEADER]},
        "context by nameko headers": {"nameko-tenant": "sd-a", "nameko-actor": "x"},
    }[case]
    answer = requests.get(owner_url + path, headers=headers, timeout=5)
    assert answer.status_code == 401, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "sd-a" not in answer.text


def test_outside_development_a_caller_without_a_key_sends_nothing(container_factory, settings,
                                                                 owner_url):
    configured = replace(settings, env="production", internal_key_raw=None,
                         residents_url=owner_url, http_port=free_port())
    container_factory(Caller, configured.nameko_config()).start()
    with ServiceRpcProxy("caller", {"AMQP_URI": settings.amqp_uri}, timeout=15,
                         context_data={"tenant": "sd-a"}) as proxy:
        with pytest.raises(RemoteError) as refused:
            proxy.read("/internal/context/t1")
    assert refused.value.exc_type == "RuntimeError"
    assert "GONGZHI_INTERNAL_KEY" in str(refused.value)


def test_outside_development_an_owner_without_a_key_serves_no_internal_read(container_factory,
                                                                            settings):
    configured = replace(settings, env="production", internal_key_raw=None,
                         http_port=free_port())
    container_factory(Owner, configured.nameko_config()).start()
    answer = requests.get(f"http://127.0.0.1:{configured.http_port}/internal/context/t1",
                          headers=signed("/internal/context/t1"), timeout=5)
    assert answer.status_code == 500, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "sd-a" not in answer.text
