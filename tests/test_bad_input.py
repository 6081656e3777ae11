"""Bad input gets the status API.md names, as problem+json, and changes nothing (read back)."""
import json
import time

import jwt
import pytest
import requests

from tests.platform import SECRET, Api, hierarchy, new_tenant, staff

pytestmark = pytest.mark.integration

GOOD_COMPLETION = {"symptoms": ["头晕"], "medicines_dispensed": [{"name": "降压药", "quantity": 1}]}


@pytest.fixture
def world(gateway_url):
    api = staff(gateway_url)
    _, _, household = hierarchy(api)
    resident = api.created("/v1/residents", {"household_id": household["id"], "name": "李大爷",
                                             "birth_date": "1946-03-02"})
    visit = api.created("/v1/visits", {"resident_id": resident["id"],
                                       "scheduled_for": "2026-12-01T09:00:00+08:00"})
    return api, household, resident, visit


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def resident_names(api):
    return sorted(r["name"] for r in api.get("/v1/residents").json()["items"])


@pytest.mark.parametrize("body, fields", [
    ({"name": "张三", "birth_date": "1950-01-01"}, {"household_id"}),
    ({"household_id": 42, "name": "张三", "birth_date": "1950-01-01"}, {"household_id"}),
    ({"household_id": "H", "name": ["张三"], "birth_date": "yesterday"}, {"name", "birth_date"}),
    ({"household_id": "H", "name": "张三", "birth_date": "1950-01-01", "salary": 1}, {"salary"}),
    ({"household_id": "H", "name": "张三", "birth_date": "2999-01-01"}, {"birth_date"}),
    ({"household_id": "H", "name": "张三", "birth_date": "1950-01-01", "phone": "12345"}, {"phone"}),
    ({"household_id": "H", "name": "张三", "birth_date": "1950-01-01",
      "id_number": "420302194603021230"}, {"id_number"}),
    ({"household_id": "H", "name": "张三", "birth_date": "1950-01-01", "tags": ["vip"]}, {"tags"}),
])
def test_invalid_residents_get_422_with_field_messages(world, body, fields):
    api, household, _, _ = world
    body = {**body, "household_id": household["id"]} if body.get("household_id") == "H" else body
    errors = problem(api.post("/v1/residents", body), 422)["errors"]
    assert set(errors) == fields
    assert resident_names(api) == ["李大爷"]


@pytest.mark.parametrize("quantity", [0, 101, "two", 1.5, None])
def test_medicine_quantity_is_a_whole_number_from_1_to_100(world, quantity):
    api, _, resident, visit = world
    body = {"symptoms": ["头晕"], "medicines_dispensed": [{"name": "降压药", "quantity": quantity}]}
    errors = problem(api.post(f"/v1/visits/{visit['id']}/complete", body), 422)["errors"]
    assert "medicines_dispensed" in errors
    assert api.get(f"/v1/visits/{visit['id']}").json()["status"] == "scheduled"


def test_missing_and_unknown_fields_on_completion(world):
    api, _, _, visit = world
    errors = problem(api.post(f"/v1/visits/{visit['id']}/complete",
                              {"medicines_dispensed": [], "diagnosis": "x"}), 422)["errors"]
    assert set(errors) == {"symptoms", "diagnosis"}
    assert api.get(f"/v1/visits/{visit['id']}").json()["status"] == "scheduled"


def test_malformed_json_is_400(world):
    api, household, _, _ = world
    response = api.request("POST", "/v1/residents", data='{"household_id": "',
                           headers={"Content-Type": "application/json"})
    problem(response, 400)
    assert resident_names(api) == ["李大爷"]


def test_completing_twice_is_409_and_the_first_result_stands(world):
    api, _, resident, visit = world
    assert api.post(f"/v1/visits/{visit['id']}/complete", GOOD_COMPLETION).status_code == 200
    again = {"symptoms": ["别的"], "medicines_dispensed": [{"name": "钙片", "quantity": 5}]}
    problem(api.post(f"/v1/visits/{visit['id']}/complete", again), 409)
    stored = api.get(f"/v1/visits/{visit['id']}").json()
    assert stored["symptoms"] == ["头晕"] and stored["medicine_packages"] == 1
    cancelled = api.created("/v1/visits", {"resident_id": resident["id"],
                                           "scheduled_for": "2026-12-02T09:00:00+08:00"})
    assert api.post(f"/v1/visits/{cancelled['id']}/cancel", {"reason": "外出"}).status_code == 200
    problem(api.post(f"/v1/visits/{cancelled['id']}/complete", GOOD_COMPLETION), 409)


def test_a_visit_for_another_tenants_resident_is_404(world, gateway_url):
    _, _, resident, _ = world
    stranger = staff(gateway_url)
    problem(stranger.post("/v1/visits", {"resident_id": resident["id"],
                                         "scheduled_for": "2026-12-01T09:00:00+08:00"}), 404)
    assert stranger.get("/v1/visits").json()["items"] == []


def test_wrong_role_is_403_and_changes_nothing(world, gateway_url):
    api, household, _, visit = world
    grid_worker = Api(gateway_url, api.tenant, ["grid_worker"])
    problem(grid_worker.post(f"/v1/visits/{visit['id']}/complete", GOOD_COMPLETION), 403)
    problem(grid_worker.get("/v1/metrics/summary"), 403)
    resident = Api(gateway_url, api.tenant, ["resident"], sub="someone-else")
    problem(resident.post("/v1/residents", {"household_id": household["id"], "name": "x",
                                            "birth_date": "1950-01-01"}), 403)
    assert api.get(f"/v1/visits/{visit['id']}").json()["status"] == "scheduled"
    assert resident_names(api) == ["李大爷"]


def test_health_details_only_for_medical_staff_and_the_resident(world, gateway_url):
    api, _, resident, visit = world
    api.post(f"/v1/visits/{visit['id']}/complete", GOOD_COMPLETION)
    community_staff = Api(gateway_url, api.tenant, ["community_staff"])
    seen = community_staff.get(f"/v1/visits/{visit['id']}").json()
    assert seen["status"] == "completed" and "symptoms" not in seen
    assert "medicines_dispensed" not in seen
    themself = Api(gateway_url, api.tenant, ["resident"], sub=resident["id"])
    assert themself.get(f"/v1/visits/{visit['id']}").json()["symptoms"] == ["头晕"]
    assert themself.get(f"/v1/residents/{resident['id']}").status_code == 200
    neighbour = Api(gateway_url, api.tenant, ["resident"], sub="another-resident")
    problem(neighbour.get(f"/v1/visits/{visit['id']}"), 404)
    problem(neighbour.get(f"/v1/residents/{resident['id']}"), 404)
    assert neighbour.get("/v1/visits").json()["items"] == []


@pytest.mark.parametrize("header", [
    None,
    "Bearer not-a-token",
    "Basic Z3Vlc3Q6Z3Vlc3Q=",
    "Bearer " + jwt.encode({"sub": "u", "tenant": "t", "roles": ["community_staff"],
                            "exp": int(time.time()) - 10}, SECRET, algorithm="HS256"),
    "Bearer " + jwt.encode({"sub": "u", "tenant": "t", "roles": ["community_staff"],
                            "exp": int(time.time()) + 600}, "another-secret-of-32-bytes-long!!",
                           algorithm="HS256"),
    "Bearer " + jwt.encode({"sub": "u", "roles": ["community_staff"],
                            "exp": int(time.time()) + 600}, SECRET, algorithm="HS256"),
])
def test_no_bad_or_expired_token_is_401(gateway_url, header):
    headers = {"Authorization": header} if header else {}
    response = requests.post(gateway_url + "/v1/communities", json={"name": "x"},
                             headers=headers, timeout=10)
    problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_route_is_a_problem_too(gateway_url):
    problem(requests.get(gateway_url + "/v1/nothing-here", timeout=10), 404)


def test_idempotency_key_replays_the_first_answer(gateway_url):
    api = staff(gateway_url)
    headers = {"Idempotency-Key": "create-kaixuan-1"}
    first = api.post("/v1/communities", {"name": "凯旋社区"}, headers=headers)
    second = api.post("/v1/communities", {"name": "凯旋社区"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second.headers["Idempotent-Replayed"] == "true"
    problem(api.post("/v1/communities", {"name": "别的社区"}, headers=headers), 422)
    assert [c["name"] for c in api.get("/v1/communities").json()["items"]] == ["凯旋社区"]
    other_user = Api(gateway_url, api.tenant, ["community_staff"], sub="staff-2")
    assert other_user.post("/v1/communities", {"name": "红卫社区"}, headers=headers).status_code == 201
    assert new_tenant() != api.tenant


@pytest.mark.parametrize("body, fields", [
    ({"department": "骨科", "urgency": "routine", "reason": "x"}, {"visit_id"}),
    ({"visit_id": "V", "department": "", "urgency": "routine", "reason": "x"}, {"department"}),
    ({"visit_id": "V", "department": "骨科", "urgency": "whenever", "reason": "x"}, {"urgency"}),
    ({"visit_id": "V", "department": "骨科", "urgency": "urgent"}, {"reason"}),
    ({"visit_id": "V", "department": "骨科", "urgency": "urgent", "reason": "x", "bed": 3},
     {"bed"}),
])
def test_invalid_referrals_get_422_and_nothing_is_referred(world, body, fields):
    api, _, _, visit = world
    body = {**body, "visit_id": visit["id"]} if body.get("visit_id") == "V" else body
    errors = problem(api.post("/v1/referrals", body), 422)["errors"]
    assert set(errors) == fields
    assert api.get("/v1/referrals").json()["items"] == []


def test_follow_up_interval_and_referral_states_are_checked(world):
    api, _, _, visit = world
    for days in (0, 366, "soon"):
        errors = problem(api.post(f"/v1/visits/{visit['id']}/complete",
                                  {**GOOD_COMPLETION, "follow_up_in_days": days}), 422)["errors"]
        assert set(errors) == {"follow_up_in_days"}
    assert api.get(f"/v1/visits/{visit['id']}").json()["status"] == "scheduled"
    api.post(f"/v1/visits/{visit['id']}/cancel", {})
    problem(api.post("/v1/referrals", {"visit_id": visit["id"], "department": "骨科",
                                       "urgency": "routine", "reason": "x"}), 409)
    problem(api.post("/v1/referrals", {"visit_id": "nope", "department": "骨科",
                                       "urgency": "routine", "reason": "x"}), 404)
    for query in ("status=later", "kind=weekly", "limit=0"):
        problem(api.get(f"/v1/follow-ups?{query}"), 422)
    problem(api.get("/v1/patient-reviews?status=maybe"), 422)
    problem(api.post("/v1/patient-reviews/nope/resolve", {"resident_id": "x"}), 404)
    assert api.get("/v1/referrals").json()["items"] == []


def test_new_routes_keep_to_their_roles(world, gateway_url):
    api, _, _, visit = world
    grid = Api(gateway_url, api.tenant, ["grid_worker"])
    problem(grid.post("/v1/referrals", {"visit_id": visit["id"], "department": "骨科",
                                        "urgency": "routine", "reason": "x"}), 403)
    problem(grid.get("/v1/patient-reviews"), 403)
    resident = Api(gateway_url, api.tenant, ["resident"], sub="someone")
    problem(resident.get("/v1/follow-ups"), 403)
    assert resident.get("/v1/referrals").json()["items"] == []  # only their own
    hospital = Api(gateway_url, api.tenant, ["hospital"])
    problem(hospital.get("/v1/follow-ups"), 403)
    problem(hospital.get(f"/v1/visits/{visit['id']}/fhir"), 409)  # not completed yet


# -- the edge: size, depth, control characters (chassis/bodies.py, chassis/text.py) ----------
MIB = 1024 * 1024  # the default GONGZHI_MAX_BODY_BYTES


def community_names(api):
    return sorted(c["name"] for c in api.get("/v1/communities").json()["items"])


def test_a_20_mb_body_is_413_and_the_gateway_keeps_serving(gateway_url):
    api = staff(gateway_url)
    big = '{"name": "' + "大" * (7 * MIB) + '"}'  # ~20 MB of UTF-8
    response = api.request("POST", "/v1/communities", data=big.encode(),
                           headers={"Content-Type": "application/json"})
    body = problem(response, 413)
    assert "GONGZHI_MAX_BODY_BYTES" in body["detail"]
    assert community_names(api) == []
    assert api.post("/v1/communities", {"name": "凯旋社区"}).status_code == 201


def test_a_chunked_body_is_read_within_the_limit_and_refused_past_it(gateway_url):
    api = staff(gateway_url)

    def chunks(payload, size=64 * 1024):
        for i in range(0, len(payload), size):
            yield payload[i:i + size]

    small = json.dumps({"name": "红卫社区"}, ensure_ascii=False).encode()
    response = api.request("POST", "/v1/communities", data=chunks(small),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text  # chunked bodies are read, not dropped
    big = ('{"name": "' + "x" * (3 * MIB) + '"}').encode()
    problem(api.request("POST", "/v1/communities", data=chunks(big),
                        headers={"Content-Type": "application/json"}), 413)
    assert community_names(api) == ["红卫社区"]


def test_each_service_refuses_an_oversized_body_before_its_routes(platform):
    for name, url in platform.urls.items():
        response = requests.post(url + "/health/live", data=b"x" * (MIB + 1), timeout=30)
        problem(response, 413)


@pytest.mark.parametrize("body", [
    "[" * 100_000,
    "[" * 100_000 + "]" * 100_000,
    '{"name": ' + "[" * 50 + "]" * 50 + "}",
    '{"name": "x", "a": ' + '{"b": ' * 40 + "1" + "}" * 40 + "}",
])
def test_too_deep_json_is_400(world, body):
    api, household, _, _ = world
    response = api.request("POST", "/v1/residents", data=body,
                           headers={"Content-Type": "application/json"})
    assert "nest" in problem(response, 400)["detail"] or "JSON" in response.text
    assert resident_names(api) == ["李大爷"]


@pytest.mark.parametrize("name", ["李\x00大爷", "李大爷\x07", "李\n大爷", "李\t大爷", "李\x1b[31m",
                                  "李\x7f", "李\u0085大爷"])
def test_control_characters_in_a_name_are_422(world, name):
    api, household, _, _ = world
    errors = problem(api.post("/v1/residents", {"household_id": household["id"], "name": name,
                                                "birth_date": "1950-01-01"}), 422)["errors"]
    assert set(errors) == {"name"} and "Control characters" in errors["name"][0]
    assert resident_names(api) == ["李大爷"]


def test_control_characters_deep_in_a_body_are_422_with_their_place(world):
    api, _, _, visit = world
    body = {"symptoms": ["头晕", "乏\x00力"], "medicines_dispensed": [{"name": "降\x00压药",
                                                                    "quantity": 1}],
            "checks": {"notes": "血压\x00偏高"}}
    errors = problem(api.post(f"/v1/visits/{visit['id']}/complete", body), 422)["errors"]
    assert set(errors) == {"symptoms", "medicines_dispensed", "checks"}
    assert set(errors["symptoms"]) == {"1"} and "name" in errors["medicines_dispensed"]["0"]
    assert api.get(f"/v1/visits/{visit['id']}").json()["status"] == "scheduled"


def test_multi_line_fields_keep_tabs_and_line_breaks_and_chinese_exactly(world):
    api, _, _, visit = world
    history = "高血压十年\n\t每日服药\r\n近期头晕"
    body = {**GOOD_COMPLETION, "history": history, "checks": {"notes": "第一行\n第二行"}}
    assert api.post(f"/v1/visits/{visit['id']}/complete", body).status_code == 200
    stored = api.get(f"/v1/visits/{visit['id']}").json()
    assert stored["history"] == history and stored["checks"]["notes"] == "第一行\n第二行"


def test_a_control_character_in_a_query_is_422(world):
    api, _, _, _ = world
    errors = problem(api.get("/v1/residents", params={"q": "李\x00"}), 422)["errors"]
    assert set(errors) == {"q"}
