"""The visit commands over the direct HTTP path (ADR 0013, its addendum on writes): the gateway
sends POST /v1/visits, /v1/visits/{id}/complete and /cancel to health over HTTP with a signed
context, not through the broker. Real gateway, residents, health and metrics containers, the
real broker (for the events) and store. Every guarantee of the RPC command holds: the same
answer, tenancy, the communities scope, 422 and 409 with nothing changed, Idempotency-Key, one
visit_completed event that reaches residents and metrics; and a repeated delivery of the same
command (a resend on a closed kept connection, a captured request) changes nothing more."""
import json
import time
from dataclasses import replace

import pytest
import requests
from kombu import Connection, Exchange, Queue

from chassis import context, signed_context
from devstack.launcher import free_port
from gateway.service import GatewayService
from gateway.tokens import mint
from services.health.service import HealthService
from services.metrics.service import MetricsService
from services.residents.service import ResidentsService
from tests.infra import called_over_rpc, wait_until

pytestmark = pytest.mark.integration

KEY = "k1:visit-commands-test-key-of-some-length"
SECRET = KEY.split(":", 1)[1].encode()
STAFF = ["community_staff"]
DOCTOR = ["medical_staff"]
COMPLETION = {"symptoms": ["头晕"], "checks": {"blood_pressure": "135/85"},
              "medicines_dispensed": [{"name": "降压药", "quantity": 2},
                                      {"name": "钙片", "quantity": 1}]}


def configured(settings, **changes):
    return replace(settings, internal_key_raw=KEY, http_port=free_port(),
                   summary_cache_seconds=0, **changes)


def started(container_factory, settings, service, **changes):
    config = configured(settings, **changes)
    container_factory(service, config.nameko_config()).start()
    return f"http://127.0.0.1:{config.http_port}"


@pytest.fixture
def urls(container_factory, settings):
    found = {name: started(container_factory, settings, service) for name, service in
             (("residents", ResidentsService), ("health", HealthService),
              ("metrics", MetricsService))}
    found["gateway"] = started(container_factory, settings, GatewayService,
                               residents_url=found["residents"], metrics_url=found["metrics"],
                               health_url=found["health"])
    return found


@pytest.fixture
def url(urls):
    return urls["gateway"]


@pytest.fixture
def completions(settings):
    """The health.visit_completed events published from now on, as a list of visit ids
    (drain() fetches what arrived)."""
    with Connection(settings.amqp_uri) as connection:
        queue = Queue(exclusive=True, auto_delete=True, routing_key="visit_completed",
                      exchange=Exchange("health.events", type="topic", durable=True))
        seen = []

        def on_message(body, message):
            seen.append((body if isinstance(body, dict) else json.loads(body))["data"]["visit_id"])
            message.ack()

        with connection.Consumer(queue, callbacks=[on_message]):
            def drain(timeout=0.3):
                try:
                    while True:
                        connection.drain_events(timeout=timeout)
                except TimeoutError:
                    pass
                return seen
            yield drain


def call(settings, url, method, path, tenant, roles=DOCTOR, communities=None, sub="doctor-1",
         **kwargs):
    token = mint(settings.jwt_secret, tenant=tenant, roles_=roles, sub=sub,
                 communities=communities)
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, url + path, timeout=15, headers=headers, **kwargs)


def created(settings, url, path, tenant, body, roles=STAFF):
    answer = call(settings, url, "POST", path, tenant, roles=roles, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def resident_in(settings, url, tenant, community_name="东湖社区"):
    community = created(settings, url, "/v1/communities", tenant, {"name": community_name})
    compound = created(settings, url, "/v1/compounds", tenant,
                       {"community_id": community["id"], "name": f"{community_name}小区"})
    household = created(settings, url, "/v1/households", tenant,
                        {"compound_id": compound["id"], "address": "3栋2单元101"})
    return created(settings, url, "/v1/residents", tenant,
                   {"household_id": household["id"], "name": "李大爷",
                    "birth_date": "1946-03-02"})


def scheduled(settings, url, tenant, resident):
    visit = created(settings, url, "/v1/visits", tenant, {
        "resident_id": resident["id"], "scheduled_for": "2026-12-01T09:00:00+08:00"})
    assert visit["status"] == "scheduled"
    return visit


def visit_over_rpc(settings, tenant, visit_id, roles=DOCTOR):
    return called_over_rpc(settings, "health", "get_visit", tenant, visit_id, roles=roles)


def complete(settings, url, tenant, visit_id, body=COMPLETION, **kwargs):
    return call(settings, url, "POST", f"/v1/visits/{visit_id}/complete", tenant, json=body,
                **kwargs)


def test_the_completion_is_the_rpc_completion_and_reaches_residents_and_metrics(
        settings, url, completions):
    resident = resident_in(settings, url, "sd-a")
    visit = scheduled(settings, url, "sd-a", resident)
    assert visit == visit_over_rpc(settings, "sd-a", visit["id"], roles=STAFF)
    answer = complete(settings, url, "sd-a", visit["id"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    done = answer.json()
    assert done["status"] == "completed" and done["symptoms"] == ["头晕"]
    assert done == visit_over_rpc(settings, "sd-a", visit["id"])
    health = wait_until(lambda: (lambda h: h if h["visits_completed"] == 1 else None)(
        call(settings, url, "GET", f"/v1/residents/{resident['id']}", "sd-a",
             roles=STAFF).json()["health"]), timeout=15, what="the resident's health summary")
    assert health["medicine_packages"] == 3
    figures = wait_until(lambda: (lambda s: s if s["visits_completed"] == 1 else None)(
        call(settings, url, "GET", "/v1/metrics/summary", "sd-a", roles=STAFF).json()),
        timeout=15, what="the metrics summary")
    assert figures["medicine_packages"] == 3
    assert wait_until(lambda: completions(), what="the event") == [visit["id"]]


def test_the_rpc_path_gives_the_same_answer(container_factory, settings, urls):
    """A gateway without GONGZHI_HEALTH_URL completes over RPC, as before: same fields."""
    over_rpc = started(container_factory, settings, GatewayService,
                       residents_url=urls["residents"])
    resident = resident_in(settings, urls["gateway"], "sd-a")
    first = scheduled(settings, urls["gateway"], "sd-a", resident)
    second = scheduled(settings, over_rpc, "sd-a", resident)
    by_http = complete(settings, urls["gateway"], "sd-a", first["id"]).json()
    by_rpc = complete(settings, over_rpc, "sd-a", second["id"]).json()
    varying = ("id", "completed_at", "created_at", "updated_at")
    assert ({k: v for k, v in by_http.items() if k not in varying}
            == {k: v for k, v in by_rpc.items() if k not in varying})


def test_another_tenant_gets_404_and_changes_nothing(settings, url):
    visit = scheduled(settings, url, "sd-a", resident_in(settings, url, "sd-a"))
    for path, body in ((f"/v1/visits/{visit['id']}/complete", COMPLETION),
                       (f"/v1/visits/{visit['id']}/cancel", {})):
        answer = call(settings, url, "POST", path, "sd-b", json=body)
        assert answer.status_code == 404, answer.text
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    other = resident_in(settings, url, "sd-b")
    assert call(settings, url, "POST", "/v1/visits", "sd-b", roles=STAFF, json={
        "resident_id": visit["resident_id"],
        "scheduled_for": "2026-12-01T09:00:00+08:00"}).status_code == 404
    assert other["id"] != visit["resident_id"]
    assert visit_over_rpc(settings, "sd-a", visit["id"])["status"] == "scheduled"


def test_a_token_limited_to_another_community_gets_404(settings, url):
    visit = scheduled(settings, url, "sd-a", resident_in(settings, url, "sd-a", "东湖社区"))
    west = created(settings, url, "/v1/communities", "sd-a", {"name": "西湖社区"})
    answer = complete(settings, url, "sd-a", visit["id"], communities=[west["id"]])
    assert answer.status_code == 404, answer.text
    assert visit_over_rpc(settings, "sd-a", visit["id"])["status"] == "scheduled"
    mine = complete(settings, url, "sd-a", visit["id"], communities=[visit["community_id"]])
    assert mine.status_code == 200, mine.text


def test_a_bad_completion_is_422_with_its_fields_and_changes_nothing(settings, url,
                                                                    completions):
    visit = scheduled(settings, url, "sd-a", resident_in(settings, url, "sd-a"))
    answer = complete(settings, url, "sd-a", visit["id"],
                      body={"symptoms": [], "follow_up_in_days": 900})
    assert answer.status_code == 422, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert {"medicines_dispensed", "follow_up_in_days"} <= set(answer.json()["errors"])
    assert visit_over_rpc(settings, "sd-a", visit["id"])["status"] == "scheduled"
    assert completions() == []


def test_a_visit_completed_or_cancelled_is_409_as_before(settings, url):
    resident = resident_in(settings, url, "sd-a")
    done, cancelled = (scheduled(settings, url, "sd-a", resident) for _ in range(2))
    assert complete(settings, url, "sd-a", done["id"]).status_code == 200
    again = complete(settings, url, "sd-a", done["id"])
    assert again.status_code == 409, again.text
    assert "completed" in again.json()["detail"]
    answer = call(settings, url, "POST", f"/v1/visits/{cancelled['id']}/cancel", "sd-a",
                  roles=STAFF, json={"reason": "住院"})
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled", answer.text
    late = complete(settings, url, "sd-a", cancelled["id"])
    assert late.status_code == 409, late.text
    assert visit_over_rpc(settings, "sd-a", cancelled["id"])["status"] == "cancelled"


def test_the_same_idempotency_key_twice_is_one_completion_and_one_event(settings, url,
                                                                       completions):
    visit = scheduled(settings, url, "sd-a", resident_in(settings, url, "sd-a"))
    key = {"Idempotency-Key": f"complete-{visit['id']}"}
    first = complete(settings, url, "sd-a", visit["id"], headers=key)
    again = complete(settings, url, "sd-a", visit["id"], headers=key)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    other = complete(settings, url, "sd-a", visit["id"], headers=key,
                     body={**COMPLETION, "symptoms": ["咳嗽"]})
    assert other.status_code == 422, other.text  # the key was used for another body
    wait_until(lambda: completions(), what="the event")
    assert completions(timeout=1.0) == [visit["id"]]


# -- the hop itself -------------------------------------------------------------------------------
def signed_command(path, body, request_id="req-1", tenant="sd-a", now=None,
                   client_request=None):
    data = {}
    context.bind(data, tenant=tenant, actor="doctor-1", roles=DOCTOR, correlation_id="corr-9")
    data[context.REQUEST_ID] = request_id
    if client_request:
        data[context.CLIENT_REQUEST] = client_request
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = signed_context.sign((SECRET,), "POST", path, "", data, now=now, body=raw)
    return raw, {**headers, "Content-Type": "application/json"}


@pytest.mark.parametrize("case", ["unsigned", "tampered body", "stale", "signed as a read",
                                  "other path"])
def test_health_refuses_an_unsigned_or_altered_command(settings, url, urls, case, completions):
    visit = scheduled(settings, url, "sd-a", resident_in(settings, url, "sd-a"))
    path = f"/internal/visits/{visit['id']}/complete"
    raw, headers = signed_command(path, COMPLETION)
    if case == "unsigned":
        headers = {"Content-Type": "application/json", "nameko-tenant": "sd-a"}
    elif case == "tampered body":  # a valid signature, for another body
        raw = json.dumps({**COMPLETION, "symptoms": ["伪造"]}, ensure_ascii=False).encode()
    elif case == "stale":
        raw, headers = signed_command(path, COMPLETION,
                                      now=time.time() - 2 * signed_context.MAX_AGE_SECONDS)
    elif case == "signed as a read":
        data = {}
        context.bind(data, tenant="sd-a", actor="doctor-1", roles=DOCTOR)
        headers = signed_context.sign((SECRET,), "GET", path, "", data)
    elif case == "other path":
        raw, headers = signed_command(f"/internal/visits/{visit['id']}/cancel", COMPLETION)
    answer = requests.post(urls["health"] + path, data=raw, headers=headers, timeout=10)
    assert answer.status_code == 401, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert visit_over_rpc(settings, "sd-a", visit["id"])["status"] == "scheduled"
    assert completions() == []


def test_a_repeated_delivery_of_the_same_command_changes_nothing_more(settings, url, urls,
                                                                     completions):
    """What the gateway's resend on a closed kept connection sends: the same signed request,
    the same request id. Health answers it as the first time, without a second write or
    event; a new request id for the same visit is a new command: 409."""
    visit = scheduled(settings, url, "sd-a", resident_in(settings, url, "sd-a"))
    path = f"/internal/visits/{visit['id']}/complete"
    raw, headers = signed_command(path, COMPLETION, request_id="req-resent")
    first = requests.post(urls["health"] + path, data=raw, headers=headers, timeout=10)
    again = requests.post(urls["health"] + path, data=raw, headers=headers, timeout=10)
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.json() == first.json() and first.json()["status"] == "completed"
    raw, headers = signed_command(path, COMPLETION, request_id="req-new")
    assert requests.post(urls["health"] + path, data=raw, headers=headers,
                         timeout=10).status_code == 409
    wait_until(lambda: completions(), what="the event")
    assert completions(timeout=1.0) == [visit["id"]]


def test_an_idempotency_key_names_the_same_request_over_rpc_and_http(settings, url, urls):
    """A client retrying after a 504 with its Idempotency-Key meets its first request's writes
    whichever path each took: the request id is <key>/health.complete_visit on both."""
    visit = scheduled(settings, url, "sd-a", resident_in(settings, url, "sd-a"))
    client_request = "sd-a|doctor-1|retry-after-504"
    data = {}
    context.bind(data, tenant="sd-a", actor="doctor-1", roles=DOCTOR)
    data[context.CLIENT_REQUEST] = client_request
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy("health", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as proxy:
        by_rpc = proxy.complete_visit(visit["id"], COMPLETION)
    path = f"/internal/visits/{visit['id']}/complete"
    raw, headers = signed_command(path, COMPLETION, request_id="another-delivery",
                                  client_request=client_request)
    by_http = requests.post(urls["health"] + path, data=raw, headers=headers, timeout=10)
    assert by_http.status_code == 200, by_http.text
    assert by_http.json() == by_rpc


def test_a_restart_of_health_between_two_commands_is_one_completion_each(
        container_factory, settings, completions):
    """The gateway's kept connection to the first health process is closed by its restart;
    the next command is resent once on a new connection and served once."""
    config = configured(settings)
    health = container_factory(HealthService, config.nameko_config())
    health.start()
    health_url = f"http://127.0.0.1:{config.http_port}"
    residents_url = started(container_factory, settings, ResidentsService)
    url = started(container_factory, settings, GatewayService, residents_url=residents_url,
                  health_url=health_url)
    resident = resident_in(settings, url, "sd-a")
    first, second = (scheduled(settings, url, "sd-a", resident) for _ in range(2))
    assert complete(settings, url, "sd-a", first["id"]).status_code == 200  # a kept connection
    health.stop()
    container_factory(HealthService, config.nameko_config()).start()  # the same port
    answer = complete(settings, url, "sd-a", second["id"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "completed"
    wait_until(lambda: len(completions()) >= 2, what="the events")
    assert sorted(completions(timeout=1.0)) == sorted([first["id"], second["id"]])


def test_the_gateway_sends_commands_over_http_not_the_broker(container_factory, settings):
    """With health's URL set and nothing answering there, a completion is 503 at once, though
    a health service would answer over RPC: the broker is not on the path."""
    started(container_factory, settings, HealthService)  # reachable over RPC
    url = started(container_factory, settings, GatewayService,
                  health_url=f"http://127.0.0.1:{free_port()}")
    started_at = time.monotonic()
    answer = complete(settings, url, "sd-a", "visit-1")
    assert answer.status_code == 503, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert time.monotonic() - started_at < 3
