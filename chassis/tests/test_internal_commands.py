"""Internal commands over real HTTP between two real nameko containers (ADR 0013, writes): a
command's context arrives with what a write needs (on_behalf_of, the Idempotency-Key, its
request id); the request id the owner's writes record is the one an RPC delivery of the same
request gets; the signature covers the body; errors come back as the same classes."""
import base64
import json
import time
from dataclasses import replace

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy

from chassis import context, signed_context
from chassis.context import CallContext
from chassis.errors import Conflict, Invalid
from chassis.internal_commands import InternalCommands, internal_command
from chassis.rpc import rpc
from devstack.launcher import free_port

pytestmark = pytest.mark.integration

KEY = "k1:internal-commands-test-key-of-some-length"
SECRET = KEY.split(":", 1)[1].encode()


class Owner:
    """Plays an owning service: one method served over RPC and as an internal command."""

    name = "owner"
    call = CallContext()

    @rpc
    @internal_command("/internal/things/<string:thing_id>/do")
    def do(self, thing_id, payload):
        if payload == {"fail": "conflict"}:
            raise Conflict("the thing is done already")
        if payload == {"fail": "invalid"}:
            raise Invalid("validation failed", {"size": ["Not a valid integer."]})
        data = self.call._data
        return {"thing": thing_id, "payload": payload, "tenant": self.call.tenant,
                "actor": self.call.actor, "on_behalf_of": self.call.on_behalf_of,
                "request_id": self.call.request_id,
                "client_request": data.get(context.CLIENT_REQUEST),
                "correlation_id": self.call.correlation_id}


class Caller:
    """Plays the gateway: sends the owner a command with its own caller's context."""

    name = "caller"
    owner_commands = InternalCommands("health")  # the URL setting it reads: health_url

    @rpc
    def send(self, thing_id, payload):
        return self.owner_commands.post(f"/internal/things/{thing_id}/do", payload)


@pytest.fixture
def owner_url(container_factory, settings):
    configured = replace(settings, internal_key_raw=KEY, http_port=free_port())
    container_factory(Owner, configured.nameko_config()).start()
    return f"http://127.0.0.1:{configured.http_port}"


def caller(container_factory, settings, url, client_request=None):
    configured = replace(settings, internal_key_raw=KEY, health_url=url, http_port=free_port())
    container_factory(Caller, configured.nameko_config()).start()
    data = {}
    context.bind(data, tenant="sd-a", actor="staff-1", roles=["medical_staff"],
                 correlation_id="corr-42", on_behalf_of="resident-7")
    if client_request:
        data[context.CLIENT_REQUEST] = client_request
    return ServiceRpcProxy("caller", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                           timeout=15)


def test_a_command_carries_what_a_write_needs(container_factory, settings, owner_url):
    with caller(container_factory, settings, owner_url) as proxy:
        first = proxy.send("汉字-1", {"note": "王秀英"})
        second = proxy.send("汉字-1", {"note": "王秀英"})
    assert {k: v for k, v in first.items() if k != "request_id"} == {
        "thing": "汉字-1", "payload": {"note": "王秀英"}, "tenant": "sd-a", "actor": "staff-1",
        "on_behalf_of": "resident-7", "client_request": None, "correlation_id": "corr-42"}
    # each command is a new request, as each RPC call is
    assert first["request_id"] and second["request_id"] and first["request_id"] != second["request_id"]


def test_with_an_idempotency_key_the_request_id_is_the_rpc_one(container_factory, settings,
                                                               owner_url):
    client_request = "sd-a|staff-1|key-1"
    with caller(container_factory, settings, owner_url, client_request) as proxy:
        by_http = proxy.send("t1", {})
    data = {}
    context.bind(data, tenant="sd-a", actor="staff-1", roles=["medical_staff"])
    data[context.CLIENT_REQUEST] = client_request
    with ServiceRpcProxy("owner", {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=15) as proxy:
        by_rpc = proxy.do("t1", {})
    assert by_http["request_id"] == by_rpc["request_id"] == f"{client_request}/owner.do"


def test_errors_come_back_as_the_same_classes(container_factory, settings, owner_url):
    with caller(container_factory, settings, owner_url) as proxy:
        with pytest.raises(Conflict):
            proxy.send("t1", {"fail": "conflict"})
        with pytest.raises(Invalid) as invalid:
            proxy.send("t1", {"fail": "invalid"})
    assert invalid.value.errors == {"size": ["Not a valid integer."]}


def signed(path, body, request_id="r-1", now=None):
    data = {}
    context.bind(data, tenant="sd-a", actor="staff-1", roles=["medical_staff"],
                 correlation_id="corr-7")
    data[context.REQUEST_ID] = request_id
    raw = json.dumps(body).encode()
    return raw, signed_context.sign((SECRET,), "POST", path, "", data, now=now, body=raw)


def test_a_signed_command_is_served_under_the_request_id_it_carries(owner_url):
    raw, headers = signed("/internal/things/t1/do", {"n": 1}, request_id="r-77")
    answer = requests.post(owner_url + "/internal/things/t1/do", data=raw, headers=headers,
                           timeout=5)
    assert answer.status_code == 200, answer.text
    assert answer.json()["request_id"] == "r-77" and answer.json()["payload"] == {"n": 1}
    assert answer.headers["X-Correlation-Id"] == "corr-7"


@pytest.mark.parametrize("case", ["unsigned", "other body", "stale", "no request id",
                                  "malformed body"])
def test_nothing_unsigned_altered_or_stale_is_served(owner_url, case):
    path = "/internal/things/t1/do"
    raw, headers = signed(path, {"n": 1})
    status = 401
    if case == "unsigned":
        headers = {"nameko-tenant": "sd-a"}
    elif case == "other body":
        raw = json.dumps({"n": 2}).encode()
    elif case == "stale":
        raw, headers = signed(path, {"n": 1}, now=time.time() - 2 * signed_context.MAX_AGE_SECONDS)
    elif case == "no request id":
        data = {}
        context.bind(data, tenant="sd-a", actor="staff-1", roles=[])
        with pytest.raises(ValueError):
            signed_context.sign((SECRET,), "POST", path, "", data, body=raw)
        carried = {"tenant": "sd-a", "iat": int(time.time())}
        text = base64.urlsafe_b64encode(json.dumps(carried).encode()).decode()
        headers = {signed_context.CONTEXT_HEADER: text, signed_context.SIGNATURE_HEADER:
                   signed_context._mac(SECRET, "POST", path, "", text, raw)}
    elif case == "malformed body":  # signed, but not JSON: 400, the method never runs
        raw = b"{not json"
        data = {}
        context.bind(data, tenant="sd-a", actor="staff-1", roles=[])
        data[context.REQUEST_ID] = "r-1"
        headers = signed_context.sign((SECRET,), "POST", path, "", data, body=raw)
        status = 400
    answer = requests.post(owner_url + path, data=raw, headers=headers, timeout=5)
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "sd-a" not in answer.text


def test_a_read_signature_is_unchanged_and_does_not_sign_a_command():
    """Reads' messages stay as before (so a rollout does not break them); a signature made
    for a GET does not verify as a POST of the same path."""
    data = {}
    context.bind(data, tenant="sd-a", actor="staff-1", roles=[])
    headers = signed_context.sign((SECRET,), "GET", "/internal/x", "", data)
    assert signed_context.verify((SECRET,), "GET", "/internal/x", "", headers)["tenant"] == "sd-a"
    with pytest.raises(signed_context.BadContext):
        signed_context.verify((SECRET,), "POST", "/internal/x", "", headers, body=b"")
