"""GET /v1/residents/{id} over the direct read path (ADR 0013): the gateway reads residents over
HTTP with a signed context, not through the broker. Real gateway and residents containers,
real HTTP, the real broker (for the writes) and store. Every guarantee of the RPC read holds:
tenancy, the communities scope, masking, a resident reading only themself, read-your-writes,
Chinese text exactly, 504 when residents is slow, 503 when it is down."""
import socket
import time
from dataclasses import replace

import pytest
import requests

from chassis import context, signed_context
from devstack.launcher import free_port
from gateway.service import GatewayService
from gateway.tokens import mint
from services.residents.identity import with_check_digit
from services.residents.service import ResidentsService
from tests.infra import called_over_rpc

pytestmark = pytest.mark.integration

KEY = "k1:read-path-test-key-of-some-length"
STAFF = ["community_staff"]


@pytest.fixture
def residents_url(container_factory, settings):
    configured = replace(settings, internal_key_raw=KEY, http_port=free_port())
    container_factory(ResidentsService, configured.nameko_config()).start()
    return f"http://127.0.0.1:{configured.http_port}"


def gateway(container_factory, settings, residents_url, **changes):
    configured = replace(settings, internal_key_raw=KEY, residents_url=residents_url,
                         http_port=free_port(), **changes)
    container_factory(GatewayService, configured.nameko_config()).start()
    return f"http://127.0.0.1:{configured.http_port}"


@pytest.fixture
def url(container_factory, settings, residents_url):
    return gateway(container_factory, settings, residents_url)


def call(settings, url, method, path, tenant, roles=STAFF, sub="staff-1", communities=None,
         **kwargs):
    token = mint(settings.jwt_secret, tenant=tenant, roles_=roles, sub=sub,
                 communities=communities)
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, url + path, timeout=15, headers=headers, **kwargs)


def created(settings, url, path, tenant, body):
    answer = call(settings, url, "POST", path, tenant, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def resident_in(settings, url, tenant, name="欧阳娜娜", **fields):
    community = created(settings, url, "/v1/communities", tenant, {"name": "凯旋社区"})
    compound = created(settings, url, "/v1/compounds", tenant,
                       {"community_id": community["id"], "name": "永光新村"})
    household = created(settings, url, "/v1/households", tenant,
                        {"compound_id": compound["id"], "address": "永光新村3栋2单元101"})
    return created(settings, url, "/v1/residents", tenant,
                   {"household_id": household["id"], "name": name, "birth_date": "1946-03-02",
                    **fields})


def test_the_answer_is_the_rpc_answer_masked_and_in_chinese(settings, url):
    number = with_check_digit("42030219460302123")
    resident = resident_in(settings, url, "sd-a", phone="13812345678", id_number=number,
                           tags=["lives_alone"])
    answer = call(settings, url, "GET", f"/v1/residents/{resident['id']}", "sd-a")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body == called_over_rpc(settings, "residents", "get_resident", "sd-a", resident["id"])
    assert body["name"] == "欧阳娜娜" and "欧阳娜娜" in answer.content.decode("utf-8")
    assert body["phone"] == "138****5678"
    assert body["id_number"] == number[:6] + "********" + number[-4:]
    assert "13812345678" not in answer.text and number not in answer.text


def test_another_tenants_id_is_404(settings, url):
    resident = resident_in(settings, url, "sd-a")
    answer = call(settings, url, "GET", f"/v1/residents/{resident['id']}", "sd-b")
    assert answer.status_code == 404, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "欧阳娜娜" not in answer.text


def test_the_communities_scope_holds(settings, url):
    resident = resident_in(settings, url, "sd-a")
    other = created(settings, url, "/v1/communities", "sd-a", {"name": "红卫社区"})
    path = f"/v1/residents/{resident['id']}"
    for communities in ([other["id"]], []):
        answer = call(settings, url, "GET", path, "sd-a", communities=communities)
        assert answer.status_code == 404, (communities, answer.text)
        assert "欧阳娜娜" not in answer.text
    own = call(settings, url, "GET", path, "sd-a", communities=[resident["community_id"]])
    assert own.status_code == 200 and own.json()["name"] == "欧阳娜娜"


def test_a_resident_reads_only_themself(settings, url):
    me = resident_in(settings, url, "sd-a")
    neighbour = resident_in(settings, url, "sd-a", name="李大爷")
    mine = call(settings, url, "GET", f"/v1/residents/{me['id']}", "sd-a", roles=["resident"],
                sub=me["id"])
    assert mine.status_code == 200 and mine.json()["name"] == "欧阳娜娜"
    theirs = call(settings, url, "GET", f"/v1/residents/{neighbour['id']}", "sd-a",
                  roles=["resident"], sub=me["id"])
    assert theirs.status_code == 404 and "李大爷" not in theirs.text


def test_a_change_is_read_at_once(settings, url):
    resident = resident_in(settings, url, "sd-a")
    path = f"/v1/residents/{resident['id']}"
    changed = call(settings, url, "PATCH", path, "sd-a", json={"name": "欧阳娜娜（改）"})
    assert changed.status_code == 200, changed.text
    assert call(settings, url, "GET", path, "sd-a").json()["name"] == "欧阳娜娜（改）"


def test_the_correlation_id_reaches_residents(settings, residents_url, url):
    """The gateway signs the correlation id it bound; residents answers under it (the chassis
    tests show the worker sees it too)."""
    resident = resident_in(settings, url, "sd-a")
    path = f"/internal/residents/{resident['id']}"
    data = {}
    context.bind(data, tenant="sd-a", actor="staff-1", roles=STAFF, correlation_id="corr-9")
    headers = signed_context.sign((KEY.split(":", 1)[1].encode(),), "GET", path, "", data)
    answer = requests.get(residents_url + path, headers=headers, timeout=10)
    assert answer.status_code == 200 and answer.headers["X-Correlation-Id"] == "corr-9"
    through = call(settings, url, "GET", f"/v1/residents/{resident['id']}", "sd-a",
                   headers={"X-Correlation-Id": "corr-10"})
    assert through.headers["X-Correlation-Id"] == "corr-10"


def test_residents_refuses_an_unsigned_read(settings, residents_url, url):
    resident = resident_in(settings, url, "sd-a")
    answer = requests.get(f"{residents_url}/internal/residents/{resident['id']}", timeout=10,
                          headers={"nameko-tenant": "sd-a"})
    assert answer.status_code == 401 and "欧阳娜娜" not in answer.text


def test_a_slow_residents_gives_504_within_the_bound(container_factory, settings):
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = gateway(container_factory, settings, f"http://127.0.0.1:{silent.getsockname()[1]}",
                      rpc_timeout=1.0)
        started = time.monotonic()
        answer = call(settings, url, "GET", "/v1/residents/r-1", "sd-a")
        elapsed = time.monotonic() - started
    assert answer.status_code == 504, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert 0.9 <= elapsed < 3


def test_residents_down_gives_503(container_factory, settings):
    url = gateway(container_factory, settings, f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    answer = call(settings, url, "GET", "/v1/residents/r-1", "sd-a")
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"]
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert time.monotonic() - started < 3
