"""A token limited to community A sees nothing of community B by any route: B's ids answer
404 (reads and writes), lists and summaries leave B out; A's things answer as usual.

Every route of /openapi.json that names an id must be listed in BY_ID; a new route that is
not fails this test until someone says how a community-scoped caller would try it."""
import jwt
import pytest

from gateway import tokens
from integrations.hospital.client import HospitalClient
from integrations.hospital.simulator import discharge
from tests.infra import wait_until
from tests.platform import SECRET, Api, hierarchy, new_tenant

pytestmark = pytest.mark.integration

STAFF = ["community_staff", "medical_staff", "subdistrict_admin", "grid_worker"]
COMPLETION = {"symptoms": ["头晕"], "medicines_dispensed": [{"name": "降压药", "quantity": 2}]}

# (method, path template) -> body; "{x}" ids are filled from one community's world.
BY_ID = {
    ("get", "/v1/residents/{resident_id}"): None,
    ("patch", "/v1/residents/{resident_id}"): {"name": "改名"},
    ("get", "/v1/residents/{resident_id}/timeline"): None,
    ("get", "/v1/visits/{visit_id}"): None,
    ("post", "/v1/visits/{visit_id}/complete"): COMPLETION,
    ("post", "/v1/visits/{visit_id}/cancel"): {"reason": "x"},
    ("get", "/v1/visits/{done_visit_id}/fhir"): None,
    ("get", "/v1/referrals/{referral_id}"): None,
    # the hospital's unmatched patients are the subdistrict's: the scope shows in the
    # resident it is resolved to (see test_writes_naming_b_are_refused)
    ("post", "/v1/patient-reviews/{review_id}/resolve"): {"resident_id": "{resident_id}"},
}
ALIASES = {"/v1/visits/{done_visit_id}/fhir": "/v1/visits/{visit_id}/fhir"}
NOT_COMMUNITY_OWNED = {("post", "/v1/patient-reviews/{review_id}/resolve")}
# routes whose reads an A-scoped caller may make on A's ids (writes are tried on B only)
READS = [key for key in BY_ID if key[0] == "get"]
LISTS = ("/v1/communities", "/v1/compounds", "/v1/households", "/v1/residents", "/v1/visits",
         "/v1/follow-ups", "/v1/referrals")


def scoped(gateway_url, tenant, communities, roles=STAFF):
    api = Api(gateway_url, tenant, roles, sub="scoped-staff")
    api.session.headers["Authorization"] = "Bearer " + tokens.mint(
        SECRET, tenant=tenant, roles_=roles, sub="scoped-staff", communities=communities)
    return api


def community_world(admin, name):
    community, compound, household = hierarchy(admin)
    residents = [admin.created("/v1/residents", {
        "household_id": household["id"], "name": f"{name}居民{i}", "birth_date": "1946-03-02",
        "phone": "13812345678"}) for i in range(1 if name == "B" else 2)]
    visit = admin.created("/v1/visits", {"resident_id": residents[0]["id"],
                                         "scheduled_for": "2026-12-01T09:00:00+08:00"})
    done = admin.created("/v1/visits", {"resident_id": residents[0]["id"],
                                        "scheduled_for": "2026-12-01T09:00:00+08:00"})
    assert admin.post(f"/v1/visits/{done['id']}/complete",
                      {**COMPLETION, "follow_up_in_days": 1}).status_code == 200
    referral = admin.created("/v1/referrals", {"visit_id": done["id"], "department": "骨科",
                                               "urgency": "routine", "reason": "复查"})
    return {"community_id": community["id"], "compound_id": compound["id"],
            "household_id": household["id"], "resident_id": residents[0]["id"],
            "resident_ids": [r["id"] for r in residents], "visit_id": visit["id"],
            "done_visit_id": done["id"], "referral_id": referral["id"]}


@pytest.fixture(scope="module")
def worlds(gateway_url, platform):
    tenant = new_tenant()
    admin = Api(gateway_url, tenant, STAFF, sub="admin")  # no claim: the whole subdistrict
    a, b = community_world(admin, "A"), community_world(admin, "B")
    with HospitalClient(platform.env["GONGZHI_AMQP_URI"], tenant=tenant) as hospital:
        discharge(hospital, "TH-SCOPE-1", None, "无名氏", at="2026-11-28T09:00:00+08:00")
    [review] = wait_until(lambda: admin.get("/v1/patient-reviews").json()["items"])
    a["review_id"] = b["review_id"] = review["id"]
    wait_until(lambda: admin.get("/v1/metrics/summary").json()["visits_completed"] == 2)
    wait_until(lambda: len(admin.get("/v1/follow-ups").json()["items"]) == 2)
    wait_until(lambda: len(admin.get(
        f"/v1/residents/{b['resident_id']}/timeline").json()["items"]) >= 4)
    return scoped(gateway_url, tenant, [a["community_id"]]), admin, a, b


def fill(body, ids):
    if isinstance(body, dict):
        return {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
    return body


def test_every_route_with_an_id_is_covered(worlds):
    _, admin, _, _ = worlds
    document = admin.get("/openapi.json").json()
    with_ids = {(method, path) for path, operations in document["paths"].items()
                for method in operations if "{" in path}
    covered = {(method, ALIASES.get(path, path)) for method, path in BY_ID}
    assert with_ids <= covered, f"routes to add to BY_ID: {with_ids - covered}"


@pytest.mark.parametrize("method, template", sorted(set(BY_ID) - NOT_COMMUNITY_OWNED))
def test_b_ids_answer_404_to_a_scoped_token(worlds, method, template):
    scoped_a, _, _, b = worlds
    response = scoped_a.request(method.upper(), template.format(**b),
                                json=fill(BY_ID[(method, template)], b))
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("method, template", sorted(READS))
def test_a_ids_answer_as_usual(worlds, method, template):
    scoped_a, admin, a, _ = worlds
    path = template.format(**a)
    mine = scoped_a.get(path)
    assert mine.status_code == 200, mine.text
    assert mine.json() == admin.get(path).json()


def test_lists_leave_b_out_and_keep_all_of_a(worlds):
    scoped_a, admin, a, b = worlds
    for path in LISTS:
        everything = admin.get(path).json()["items"]
        mine = scoped_a.get(path).json()["items"]
        assert mine and {row["id"] for row in mine} == {
            row["id"] for row in everything if row.get("community_id", row["id"]) ==
            a["community_id"]}, path
    for path in (f"/v1/residents?compound_id={b['compound_id']}",
                 f"/v1/residents?community_id={b['community_id']}",
                 f"/v1/compounds?community_id={b['community_id']}",
                 f"/v1/households?compound_id={b['compound_id']}",
                 f"/v1/visits?resident_id={b['resident_id']}",
                 f"/v1/follow-ups?resident_id={b['resident_id']}",
                 f"/v1/follow-ups?community_id={b['community_id']}",
                 f"/v1/referrals?resident_id={b['resident_id']}",
                 f"/v1/residents?q=B居民"):
        assert scoped_a.get(path).json()["items"] == [], path
    residents = scoped_a.get("/v1/residents").json()["items"]
    assert sorted(r["id"] for r in residents) == sorted(a["resident_ids"])
    assert {r["phone"] for r in residents} == {"138****5678"}


def test_summaries_cover_only_the_callers_communities(worlds):
    scoped_a, admin, a, b = worlds
    whole = admin.get("/v1/metrics/summary").json()
    assert whole["residents_registered"] == 3 and whole["visits_completed"] == 2
    mine = scoped_a.get("/v1/metrics/summary").json()
    assert (mine["residents_registered"], mine["visits_completed"],
            mine["medicine_packages"]) == (2, 1, 2)
    assert mine == {**admin.get(f"/v1/metrics/summary?community_id={a['community_id']}").json(),
                    "as_of": mine["as_of"], "community_id": None}
    assert scoped_a.get(f"/v1/metrics/summary?community_id={a['community_id']}").status_code == 200
    response = scoped_a.get(f"/v1/metrics/summary?community_id={b['community_id']}")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith(
        "application/problem+json")


def test_writes_naming_b_are_refused_and_change_nothing(worlds):
    scoped_a, admin, a, b = worlds
    refused = [
        scoped_a.post("/v1/compounds", {"community_id": b["community_id"], "name": "x"}),
        scoped_a.post("/v1/households", {"compound_id": b["compound_id"], "address": "x"}),
        scoped_a.post("/v1/residents", {"household_id": b["household_id"], "name": "x",
                                        "birth_date": "1950-01-01"}),
        scoped_a.post("/v1/visits", {"resident_id": b["resident_id"],
                                     "scheduled_for": "2026-12-01T09:00:00+08:00"}),
        scoped_a.post("/v1/referrals", {"visit_id": b["done_visit_id"], "department": "骨科",
                                        "urgency": "routine", "reason": "x"}),
        scoped_a.post(f"/v1/patient-reviews/{b['review_id']}/resolve",
                      {"resident_id": b["resident_id"]}),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused), [r.text for r in refused]
    # a new community is nobody's yet: a token limited to A may not create one
    created = scoped_a.post("/v1/communities", {"name": "新社区"})
    assert created.status_code == 403, created.text
    assert admin.get(f"/v1/residents/{b['resident_id']}").json()["name"] == "B居民0"
    assert admin.get(f"/v1/visits/{b['visit_id']}").json()["status"] == "scheduled"
    assert [r["status"] for r in admin.get("/v1/patient-reviews").json()["items"]] == ["open"]
    assert len(admin.get("/v1/communities").json()["items"]) == 2
    assert len(admin.get(f"/v1/compounds?community_id={b['community_id']}").json()["items"]) == 1


def test_a_writes_in_its_own_community(worlds):
    scoped_a, admin, a, _ = worlds
    compound = scoped_a.created("/v1/compounds", {"community_id": a["community_id"],
                                                  "name": "新村"})
    household = scoped_a.created("/v1/households", {"compound_id": compound["id"],
                                                    "address": "新村1号"})
    resident = scoped_a.created("/v1/residents", {"household_id": household["id"],
                                                  "name": "王奶奶", "birth_date": "1950-05-05"})
    assert resident["community_id"] == a["community_id"]
    visit = scoped_a.created("/v1/visits", {"resident_id": resident["id"],
                                            "scheduled_for": "2026-12-03T09:00:00+08:00"})
    assert scoped_a.post(f"/v1/visits/{visit['id']}/cancel", {"reason": "外出"}).json()[
        "status"] == "cancelled"
    patched = scoped_a.request("PATCH", f"/v1/residents/{resident['id']}", json={"name": "王阿姨"})
    assert patched.status_code == 200 and patched.json()["name"] == "王阿姨"


def test_several_communities_and_an_empty_claim(worlds, gateway_url):
    _, admin, a, b = worlds
    both = scoped(gateway_url, admin.tenant, [a["community_id"], b["community_id"]])
    assert {r["id"] for r in both.get("/v1/residents").json()["items"]} >= {
        a["resident_id"], b["resident_id"]}
    none = scoped(gateway_url, admin.tenant, [])
    for path in LISTS:
        assert none.get(path).json()["items"] == [], path
    assert none.get(f"/v1/residents/{a['resident_id']}").status_code == 404
    assert none.get("/v1/metrics/summary").json()["residents_registered"] == 0


def test_a_malformed_claim_is_401(gateway_url):
    token = jwt.encode({"sub": "u", "tenant": "t", "roles": ["community_staff"],
                        "communities": {"all": True}, "exp": 2_000_000_000}, SECRET,
                       algorithm="HS256")
    api = Api(gateway_url, "t", [])
    api.session.headers["Authorization"] = "Bearer " + token
    assert api.get("/v1/residents").status_code == 401
