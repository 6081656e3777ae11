"""A platform of its own for the process-level fault tests: its own vhost, and its own store
process on a file (so it can be stopped and started again on the same port and data)."""
import os
import signal
import time
import uuid

import pytest
import requests

from devstack.launcher import Platform, free_port, store_command, wait_for_port
from tests.infra import rabbitmqctl
from tests.platform import SECRET


class FaultPlatform(Platform):
    def __init__(self, env, log_dir, store_dir):
        super().__init__(env=env, log_dir=log_dir)
        self.store_dir = store_dir
        self.store_port = free_port()
        self.env["GONGZHI_MONGO_URI"] = (
            f"mongodb://127.0.0.1:{self.store_port}/?directConnection=true")

    def start_store(self):
        self._spawn("store", store_command(self.store_port, self.store_dir / "store",
                                           self.log_dir))
        wait_for_port(self.store_port, 30, "store stand-in")

    def kill(self, name):
        """SIGKILL one process: no goodbye, no acks, no cleanup."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def alive(self, *names):
        return all(self.processes[name].poll() is None for name in names)


def amqp_connections(vhost):
    """Pids of this vhost's broker connections (only ours: the broker is shared)."""
    listing = rabbitmqctl("list_connections", "--no-table-headers", "vhost", "pid")
    pids = []
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0].strip() == vhost:
            pids.append(parts[1].strip())
    return pids


def close_connections(vhost):
    """Close every connection of this test's vhost, as a broker restart would; how many."""
    count = len(amqp_connections(vhost))
    rabbitmqctl("close_all_connections", "-p", vhost, "fault test")
    return count


@pytest.fixture(scope="module")
def faulty(infra, tmp_path_factory):
    if infra.management_url:
        pytest.skip("process fault tests drive the local broker with rabbitmqctl")
    vhost = f"gongzhi-faults-{uuid.uuid4().hex[:8]}"
    infra.add_vhost(vhost)
    env = {**os.environ, "GONGZHI_AMQP_URI": infra.amqp_uri(vhost), "GONGZHI_DB_PREFIX": "faults",
           "GONGZHI_JWT_SECRET": SECRET, "GONGZHI_RETRY_DELAYS": "0.2,0.5",
           "GONGZHI_OUTBOX_POLL_SECONDS": "0.5", "GONGZHI_LOG_LEVEL": "WARNING",
           "GONGZHI_RPC_TIMEOUT": "8"}
    running = FaultPlatform(env, tmp_path_factory.mktemp("fault-logs"),
                            tmp_path_factory.mktemp("fault-store"))
    running.vhost = vhost
    try:
        running.start_store()
        running.start_services()
        yield running
    finally:
        running.stop()
        infra.delete_vhost(vhost)


def get_json(url, timeout=5):
    try:
        response = requests.get(url, timeout=timeout)
        return response.json() if response.ok else None
    except (requests.RequestException, ValueError):
        return None


def handled(url, consumer, outcomes=("applied",)):
    """A consumer's handled events by outcome, from a service's /metrics."""
    try:
        text = requests.get(url + "/metrics", timeout=5).text
    except requests.RequestException:
        return 0
    total = 0.0
    for line in text.splitlines():
        if line.startswith("gongzhi_events_handled_total{") and f'consumer="{consumer}"' in line \
                and any(f'outcome="{outcome}"' in line for outcome in outcomes):
            total += float(line.rsplit(" ", 1)[1])
    return total


def until(check, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return check()
