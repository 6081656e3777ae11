"""The hospital simulator against the session's running platform, and dead-letter reading."""
import json
import subprocess
import sys
import uuid

import pymongo
import pytest

from integrations.hospital.client import HospitalClient
from services.health import sweep
from tests.infra import ROOT, taken_letters


@pytest.fixture
def hospital(platform):
    """A factory: hospital(tenant) is the simulator's client for that subdistrict."""
    clients = []

    def make(tenant):
        client = HospitalClient(platform.env["GONGZHI_AMQP_URI"], tenant=tenant)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def own_inbox(client):
    """A queue of the test's own for referral requests (the shared inbox serves the demo)."""
    return client.ensure_inbox(f"test-hospital-{uuid.uuid4().hex[:8]}")


def dead_letters(platform, queue_name):
    """Take every message parked in a dead-letter queue: [(headers, body text)]."""
    return taken_letters(platform.env["GONGZHI_AMQP_URI"], queue_name)


def run_sweep(platform, today, tenant, cli=False):
    """The follow-up sweep for one day: in this process (fast), or as an operator runs it,
    `python -m services.health.sweep --today ...` (cli=True). Either way its events go out
    through the running health service's outbox relay."""
    if not cli:
        client = pymongo.MongoClient(platform.env["GONGZHI_MONGO_URI"])
        try:
            raw = client[f"{platform.env['GONGZHI_DB_PREFIX']}_health"]
            return sweep.run_follow_up_sweep(raw, today, [tenant])[tenant]
        finally:
            client.close()
    result = subprocess.run(
        [sys.executable, "-m", "services.health.sweep", "--today", today.isoformat(),
         "--tenant", tenant], cwd=ROOT, env=platform.env, capture_output=True, text=True,
        timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])["tenants"][tenant]
