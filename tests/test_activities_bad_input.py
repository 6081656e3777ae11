"""Bad input to the activity routes gets the status API.md names and changes nothing (read
back after every refusal)."""
import pytest

from tests.activities_helpers import World, iso_in
from tests.platform import Api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(gateway_url):
    return World(gateway_url, residents=2)


def snapshot(world):
    activities = world.api.get("/v1/activities", params={"limit": 200}).json()["items"]
    return {"activities": activities,
            "partners": world.api.get("/v1/partners", params={"limit": 200}).json()["items"],
            "registrations": [world.registrations(a) for a in activities]}


def body(world, **change):
    return {"community_id": world.community["id"], "title": "科普讲座", "kind": "lecture",
            "place": "活动室", "starts_at": iso_in(24), "ends_at": iso_in(26), **change}


@pytest.mark.parametrize("change, status, field", [
    ({"capacity": 0}, 422, "capacity"),
    ({"capacity": 10001}, 422, "capacity"),
    ({"capacity": "ten"}, 422, "capacity"),
    ({"volunteer_capacity": -1}, 422, "volunteer_capacity"),
    ({"ends_at": iso_in(23)}, 422, "ends_at"),
    ({"unknown_field": 1}, 422, "unknown_field"),
    ({"kind": "banquet"}, 422, "kind"),
    ({"partners": [{"partner_id": "no-such-partner", "role": "host"}]}, 404, None),
    ({"community_id": "no-such-community"}, 404, None),
])
def test_bad_activities_are_refused_and_change_nothing(world, change, status, field):
    before = snapshot(world)
    answer = world.api.post("/v1/activities", body(world, **change))
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    if field:
        assert field in answer.json()["errors"]
    assert snapshot(world) == before


def test_malformed_json_is_400(world):
    before = snapshot(world)
    answer = world.api.request("POST", "/v1/activities", data=b"{not json",
                               headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert snapshot(world) == before


def test_bad_partners_are_refused(world):
    before = snapshot(world)
    for bad in ({"name": "小学"}, {"name": "小学", "kind": "club"},
                {"name": "小学", "kind": "school", "fax": "1"}):
        assert world.api.post("/v1/partners", bad).status_code == 422
    assert snapshot(world) == before


def test_bad_registrations_are_refused_and_change_nothing(world, gateway_url):
    activity = world.activity(capacity=2)
    resident = world.residents[0]
    other = world.residents[1]
    stranger = World(gateway_url, residents=1)
    foreign_resident = stranger.residents[0]
    before = snapshot(world)
    cases = [
        ({"resident_id": "no-such-resident"}, world.api, 404),
        ({"resident_id": foreign_resident["id"]}, world.api, 404),  # another tenant's
        ({"resident_id": resident["id"], "role": "boss"}, world.api, 422),
        ({"resident_id": resident["id"], "colour": "red"}, world.api, 422),
        ({}, world.api, 422),
        # a resident registering someone else: 404, as if that resident did not exist
        ({"resident_id": other["id"]}, world.as_resident(resident), 404),
        ({"resident_id": resident["id"], "guardian_resident_id": "nobody"}, world.api, 404),
    ]
    for payload, api, status in cases:
        answer = api.post(f"/v1/activities/{activity['id']}/registrations", payload)
        assert answer.status_code == status, (payload, answer.text)
    assert world.register({"id": "no-such-activity"}, resident).status_code == 404
    foreign_activity = stranger.activity()
    assert world.register(foreign_activity, resident).status_code == 404
    assert snapshot(world) == before
    assert stranger.registrations(foreign_activity) == []
    # a resident may register themself
    assert world.register(activity, resident, api=world.as_resident(resident)).status_code == 201


def test_capacity_patches_and_check_ins_are_checked(world):
    activity = world.activity(capacity=3)
    world.register(activity, world.residents[0])
    before = snapshot(world)
    path = f"/v1/activities/{activity['id']}"
    for bad, status in (({"capacity": 0}, 422), ({"capacity": "ten"}, 422),
                        ({"ends_at": iso_in(1)}, 422), ({"status": "completed"}, 422)):
        assert world.api.request("PATCH", path, json=bad).status_code == status, bad
    for bad, status in (({}, 422), ({"code": "ABCDEF", "resident_id": "x"}, 422),
                        ({"code": "ZZZZZZ"}, 404), ({"resident_id": "nobody"}, 404)):
        assert world.api.post(f"{path}/check-ins", bad).status_code == status, bad
    assert world.api.post(f"{path}/cancel", {}).status_code == 422  # a reason is required
    assert world.api.post(f"{path}/complete", {"hours": [{"registration_id": "x", "hours": -1}]}
                          ).status_code == 422
    assert snapshot(world) == before


def test_roles_are_checked(world, gateway_url):
    resident = world.as_resident(world.residents[0])
    assert resident.post("/v1/activities", body(world)).status_code == 403
    assert resident.post("/v1/partners", {"name": "x", "kind": "school"}).status_code == 403
    doctor = Api(gateway_url, world.api.tenant, ["medical_staff"])
    assert doctor.post("/v1/activities", body(world)).status_code == 403
    assert resident.get("/v1/activities").status_code == 200  # every role reads them
