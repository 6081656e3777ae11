"""The whole platform as real processes for cross-service tests, and an HTTP client for it."""
import os
import uuid

import pymongo
import pytest
import requests

from devstack.launcher import Platform
from gateway import tokens

SECRET = "e2e-test-secret-of-at-least-32-bytes!"


class Api:
    """A user of the public API with one token."""

    def __init__(self, base_url, tenant, roles, sub="user-1", secret=SECRET):
        self.base_url = base_url
        self.tenant = tenant
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + tokens.mint(
            secret, tenant=tenant, roles_=roles, sub=sub)

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, json=body, **kwargs)

    def created(self, path, body):
        response = self.post(path, body)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture(scope="session")
def platform(infra, tmp_path_factory):
    """One running platform (store, residents, health, metrics, gateway) for the session.
    Tests use their own tenants, so they do not see each other's data."""
    vhost = f"gongzhi-e2e-{uuid.uuid4().hex[:8]}"
    infra.add_vhost(vhost)
    prefix = f"e2e{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "GONGZHI_AMQP_URI": infra.amqp_uri(vhost),
           "GONGZHI_MONGO_URI": infra.mongo_uri, "GONGZHI_DB_PREFIX": prefix,
           "GONGZHI_JWT_SECRET": SECRET, "GONGZHI_RETRY_DELAYS": "0.2,0.5",
           "GONGZHI_OUTBOX_POLL_SECONDS": "0.5", "GONGZHI_LOG_LEVEL": "WARNING",
           # The follow-up tests hold the clock (run_sweep with a chosen day); health's own
           # sweep by the real day, every minute, added this month's plan midway (a CI flake:
           # due=2 where 1 was asked). It still runs once at each start.
           "GONGZHI_FOLLOW_UP_SWEEP_SECONDS": "3600"}
    running = Platform(env=env, log_dir=tmp_path_factory.mktemp("platform-logs"))
    try:
        running.start_services()
        yield running
    finally:
        running.stop()
        infra.delete_vhost(vhost)
        client = pymongo.MongoClient(infra.mongo_uri)
        for name in client.list_database_names():
            if name.startswith(prefix + "_"):
                client.drop_database(name)
        client.close()


@pytest.fixture(scope="session")
def gateway_url(platform):
    return platform.urls["gateway"]


def new_tenant():
    return f"sd-{uuid.uuid4().hex[:8]}"


def staff(gateway_url, tenant=None, sub="staff-1"):
    return Api(gateway_url, tenant or new_tenant(),
               ["community_staff", "medical_staff"], sub=sub)


def hierarchy(api):
    community = api.created("/v1/communities", {"name": "凯旋社区"})
    compound = api.created("/v1/compounds", {"community_id": community["id"], "name": "永光新村"})
    household = api.created("/v1/households", {"compound_id": compound["id"],
                                                "address": "永光新村3栋2单元101"})
    return community, compound, household


def new_resident(api, name, birth_date, **fields):
    """A resident in a fresh community, compound and household of the caller's tenant."""
    _, _, household = hierarchy(api)
    return api.created("/v1/residents", {"household_id": household["id"], "name": name,
                                         "birth_date": birth_date, **fields})
