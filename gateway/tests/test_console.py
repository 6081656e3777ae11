"""The console's development sign-in (refused outside development) and the gateway serving
the built console: index.html for client routes, hashed assets cached for a year, and the
API's own 404/405 answers left as they were."""
from dataclasses import replace

import pytest
import requests

from devstack import demo_people
from chassis.sealing import new_key_text
from devstack.launcher import free_port
from gateway.auth import authenticate
from gateway.routes import console
from gateway.service import GatewayService
from gateway.tokens import mint
from services.residents.service import ResidentsService

pytestmark = pytest.mark.integration


@pytest.fixture
def start(container_factory, settings):
    def started(env="development"):
        configured = replace(settings, env=env)
        if env != "development":  # outside development every service needs a data key
            configured = replace(configured, data_key_raw=new_key_text())
        container_factory(ResidentsService,  # its own HTTP port (health checks)
                          replace(configured, http_port=free_port()).nameko_config()).start()
        container_factory(GatewayService, configured.nameko_config()).start()
        return f"http://127.0.0.1:{settings.http_port}", configured
    return started


@pytest.fixture
def gateway(start):
    return start()


def _staff(settings):
    token = mint(settings.jwt_secret, tenant=demo_people.TENANT, roles_=["community_staff"],
                 sub="demo-staff")
    return {"Authorization": f"Bearer {token}"}


def _li_daye(url, settings):
    """李大爷 in the demo tenant, as the demo data registers him."""
    headers = _staff(settings)
    community = requests.post(url + "/v1/communities", json={"name": "凯旋社区"},
                              headers=headers, timeout=10).json()
    compound = requests.post(url + "/v1/compounds", json={"community_id": community["id"],
                                                          "name": "永光新村"},
                             headers=headers, timeout=10).json()
    household = requests.post(url + "/v1/households", json={"compound_id": compound["id"],
                                                            "address": "永光新村1栋1单元101"},
                              headers=headers, timeout=10).json()
    resident = requests.post(url + "/v1/residents", json={
        "household_id": household["id"], "name": "李大爷", "birth_date": "1938-04-12"},
        headers=headers, timeout=10)
    assert resident.status_code == 201, resident.text
    return resident.json()


def test_development_lists_the_demo_people_and_signs_the_resident_in_as_himself(gateway):
    url, settings = gateway
    li = _li_daye(url, settings)
    people = requests.get(url + "/v1/dev/people", timeout=10).json()["items"]
    by_key = {person["key"]: person for person in people}
    assert set(by_key) == {"staff", "grid_worker", "doctor", "resident"}
    assert by_key["resident"]["name"] == "李大爷" and by_key["resident"]["sub"] == li["id"]

    answer = requests.post(url + "/v1/dev/tokens", json={"person": "resident"}, timeout=10)
    assert answer.status_code == 201, answer.text
    principal = authenticate("Bearer " + answer.json()["token"], settings.jwt_secret)
    assert (principal.tenant, principal.sub, principal.roles) == ("hongwei", li["id"],
                                                                  ("resident",))
    own = requests.get(f"{url}/v1/residents/{li['id']}", timeout=10,
                       headers={"Authorization": "Bearer " + answer.json()["token"]})
    assert own.status_code == 200 and own.json()["name"] == "李大爷"


def test_an_unknown_person_is_a_field_error(gateway):
    url, _ = gateway
    for body in ({"person": "mayor"}, {}):
        answer = requests.post(url + "/v1/dev/tokens", json=body, timeout=10)
        assert answer.status_code == 422
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert "person" in answer.json()["errors"]
    for raw in (b"{not json", b'{"person": "' + b"x" * 5000 + b'"}'):
        answer = requests.post(url + "/v1/dev/tokens", data=raw, timeout=10,
                               headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert "token" not in answer.json()


@pytest.mark.parametrize("env", ["production", "staging", "test"])
def test_outside_development_the_sign_in_routes_do_not_exist(start, env):
    url, settings = start(env)
    _li_daye(url, settings)
    people = requests.get(url + "/v1/dev/people", timeout=10)
    token = requests.post(url + "/v1/dev/tokens", json={"person": "staff"}, timeout=10)
    for answer in (people, token):
        assert answer.status_code == 404, answer.text
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert "token" not in answer.json() and "items" not in answer.json()


@pytest.fixture
def built(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>共治</title>", "utf-8")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('共治')", "utf-8")
    (tmp_path.parent / "secret.txt").write_text("not for the web", "utf-8")
    monkeypatch.setattr(console, "DIST_CANDIDATES", (tmp_path,))
    return tmp_path


def test_the_gateway_serves_the_console_on_its_own_origin(gateway, built):
    url, _ = gateway
    for path in ("/", "/sign-in", "/staff", "/staff/residents/r1", "/me/activities"):
        page = requests.get(url + path, timeout=10)
        assert page.status_code == 200, path
        assert page.text.startswith("<!doctype html>") and "共治" in page.text
        assert page.headers["Cache-Control"] == "no-cache"
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    asset = requests.get(url + "/assets/index-abc123.js", timeout=10)
    assert asset.status_code == 200 and asset.text == "console.log('共治')"
    assert asset.headers["Content-Encoding"] == "gzip"  # requests asks for it and unpacks it
    assert "immutable" in asset.headers["Cache-Control"]
    assert asset.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    plain = requests.get(url + "/assets/index-abc123.js", headers={"Accept-Encoding": "identity"},
                         timeout=10)
    assert "Content-Encoding" not in plain.headers and plain.content == "console.log('共治')".encode()


def test_console_paths_leave_the_api_answers_alone(gateway, built):
    url, _ = gateway
    for method, path, status in (("GET", "/v1/nothing-here", 404), ("POST", "/nope", 404),
                                 ("DELETE", "/v1/residents", 405),
                                 ("GET", "/assets/missing.js", 404),
                                 ("GET", "/assets/%2e%2e/%2e%2e/secret.txt", 404)):
        answer = requests.request(method, url + path, timeout=10)
        assert answer.status_code == status, (method, path, answer.text)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert "/v1/dev/people" in requests.get(url + "/openapi.json", timeout=10).json()["paths"]
    assert "/" not in requests.get(url + "/openapi.json", timeout=10).json()["paths"]
