"""Real infrastructure for tests: RabbitMQ and a MongoDB wire-protocol store.

Where a Docker engine answers (and GONGZHI_TEST_DOCKER is not "0"), pytest-docker brings up
docker-compose.yml's MongoDB and RabbitMQ. Elsewhere the tests use the local RabbitMQ
(GONGZHI_TEST_AMQP_URI, default guest@127.0.0.1:5672) and start the nx-27017 stand-in on a
free port (or use GONGZHI_TEST_MONGO_URI). Nothing assumes an empty broker or store: every
test module gets a fresh vhost, every test a fresh database prefix, and all is removed after."""
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pymongo
import pytest
import requests
from eventlet import patcher, tpool
from kombu import Connection, Exchange

from chassis.config import Settings
from devstack.launcher import free_port, store_command, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def docker_engine_answers():
    if os.environ.get("GONGZHI_TEST_DOCKER") == "0" or not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Infra:
    """Where the broker and the store are, and how to make a fresh vhost on the broker."""

    def __init__(self, amqp_base, mongo_uri, management_url=None):
        self.amqp_base = amqp_base.rstrip("/")
        self.mongo_uri = mongo_uri
        self.management_url = management_url

    def amqp_uri(self, vhost):
        return f"{self.amqp_base}/{quote(vhost, safe='')}"

    def add_vhost(self, vhost):
        if self.management_url:
            api = f"{self.management_url}/api"
            requests.put(f"{api}/vhosts/{quote(vhost, safe='')}", auth=("guest", "guest"),
                         timeout=10).raise_for_status()
            requests.put(f"{api}/permissions/{quote(vhost, safe='')}/guest",
                         json={"configure": ".*", "write": ".*", "read": ".*"},
                         auth=("guest", "guest"), timeout=10).raise_for_status()
        else:
            rabbitmqctl("add_vhost", vhost)
            rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")

    def delete_vhost(self, vhost):
        if self.management_url:
            requests.delete(f"{self.management_url}/api/vhosts/{quote(vhost, safe='')}",
                            auth=("guest", "guest"), timeout=10)
        else:
            rabbitmqctl("delete_vhost", vhost, check=False)


# rabbitmqctl runs through the unpatched subprocess module in a real thread, so the eventlet hub
# never sees its pipes: through the green Popen, the exec-status pipe of one run got the number of
# a descriptor the hub still held a reader for, and a fault test failed on "Second simultaneous
# read on fileno 39" (CI of stop 17).
_blocking_subprocess = patcher.original("subprocess")


def rabbitmqctl(*args, check=True):
    """What rabbitmqctl printed (raises when it fails and check is set)."""
    return tpool.execute(_blocking_subprocess.run, ["rabbitmqctl", "-q", *args], check=check,
                         capture_output=True, text=True, timeout=60).stdout


def publish_event(amqp_uri, envelope, times=1):
    """Publish `envelope` to its source's events exchange under its type, `times` times, as
    a relay publishing it again would (a redelivery, from the consumers' side)."""
    source, _, event_type = envelope["type"].partition(".")
    exchange = Exchange(f"{source}.events", type="topic", durable=True)
    with Connection(amqp_uri) as connection:
        producer = connection.Producer()
        for _ in range(times):
            producer.publish(envelope, exchange=exchange, routing_key=event_type, retry=True)


@pytest.fixture(scope="session")
def infra(request, tmp_path_factory):
    if docker_engine_answers():
        services = request.getfixturevalue("docker_services")
        ip = request.getfixturevalue("docker_ip")
        amqp_port = services.port_for("rabbitmq", 5672)
        services.wait_until_responsive(
            timeout=90, pause=1, check=lambda: _http_ok(f"http://{ip}:{services.port_for('rabbitmq', 15672)}/api/overview"))
        mongo_port = services.port_for("mongo", 27017)
        yield Infra(f"amqp://guest:guest@{ip}:{amqp_port}",
                    f"mongodb://{ip}:{mongo_port}/?directConnection=true",
                    management_url=f"http://{ip}:{services.port_for('rabbitmq', 15672)}")
        return
    mongo_uri = os.environ.get("GONGZHI_TEST_MONGO_URI")
    process = None
    if not mongo_uri:
        port = free_port()
        logs = tmp_path_factory.mktemp("store")
        process = subprocess.Popen(store_command(port, "memory", logs),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port, 30, "nx-27017")
        mongo_uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        yield Infra(os.environ.get("GONGZHI_TEST_AMQP_URI", LOCAL_AMQP), mongo_uri)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:  # the stand-in sometimes hangs on SIGTERM
                process.kill()
                process.wait(10)


def _http_ok(url):
    try:
        return requests.get(url, auth=("guest", "guest"), timeout=2).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="session")
def docker_compose_file():
    return str(ROOT / "docker-compose.yml")


@pytest.fixture(scope="session")
def docker_setup():
    return ["up --build -d mongo rabbitmq"]


@pytest.fixture(scope="module")
def amqp_uri(infra):
    vhost = f"gongzhi-test-{uuid.uuid4().hex[:10]}"
    infra.add_vhost(vhost)
    yield infra.amqp_uri(vhost)
    infra.delete_vhost(vhost)


@pytest.fixture
def db_prefix(infra):
    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    client = pymongo.MongoClient(infra.mongo_uri)
    for name in client.list_database_names():
        if name.startswith(prefix + "_"):
            client.drop_database(name)
    client.close()


@pytest.fixture
def settings(infra, amqp_uri, db_prefix):
    """Settings for services under test: fresh vhost, fresh databases, fast retries."""
    return replace(Settings(), amqp_uri=amqp_uri, mongo_uri=infra.mongo_uri, db_prefix=db_prefix,
                   http_port=free_port(), retry_delays=(0.2, 0.4), outbox_poll_seconds=0.2,
                   jwt_secret_raw="service-test-secret-of-32-bytes-or-more", rpc_timeout=5)


@pytest.fixture
def mongo(infra):
    client = pymongo.MongoClient(infra.mongo_uri)
    yield client
    client.close()


def taken_letters(amqp_uri, queue_name):
    """Take every message waiting in a queue (a dead-letter queue): [(headers, body text)]."""
    found = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        while True:
            message = channel.basic_get(queue_name, no_ack=True)
            if message is None:
                return found
            body = message.body.decode("utf-8", "replace") if isinstance(
                message.body, bytes) else message.body
            found.append((message.headers or {}, body))


def wait_until(check, timeout=10, interval=0.02, what="condition"):
    """Poll `check` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout}s (last: {last!r})")


def staff_database(raw, tenant, community_scoped=(), communities=None):
    """A raw database as a community staff member of `tenant` (limited to `communities`, if
    named) sees it through the store layer: what an entrypoint's `self.store` is."""
    from chassis import context
    from chassis.tenancy import TenantDatabase

    data = {}
    context.bind(data, tenant=tenant, actor="t", roles=["community_staff"],
                 communities=communities)
    return TenantDatabase(raw, context.Call(data), community_scoped=community_scoped)


def called_over_rpc(settings, service, method, tenant, *args, roles=("community_staff",)):
    """What `service.method(*args)` answers over RPC for a staff member of `tenant`: the
    answer a direct (HTTP) read must equal."""
    from nameko.standalone.rpc import ServiceRpcProxy

    from chassis import context

    data = {}
    context.bind(data, tenant=tenant, actor="staff-1", roles=list(roles))
    with ServiceRpcProxy(service, {"AMQP_URI": settings.amqp_uri}, context_data=data,
                         timeout=10) as proxy:
        return getattr(proxy, method)(*args)
