"""A token limited to community A sees nothing of community B by any route: B's ids answer
404 (reads and writes), lists and summaries leave B out; A's things answer as usual.

Every route of /openapi.json that names an id must be listed in BY_ID; a new route that is
not fails this test until someone says how a community-scoped caller would try it."""
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from gateway import tokens
from integrations.hospital.client import HospitalClient
from integrations.hospital.simulator import discharge
from tests.infra import wait_until
from tests.platform import SECRET, Api, new_tenant

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
    ("patch", "/v1/households/{household_id}"): {"address": "改址"},
    # community activities (services/events)
    ("get", "/v1/activities/{activity_id}"): None,
    ("patch", "/v1/activities/{activity_id}"): {"title": "改名"},
    ("post", "/v1/activities/{activity_id}/cancel"): {"reason": "x"},
    ("post", "/v1/activities/{activity_id}/complete"): {},
    ("get", "/v1/activities/{activity_id}/registrations"): None,
    ("post", "/v1/activities/{activity_id}/registrations"): {"resident_id": "{resident_id}"},
    ("post", "/v1/activities/{activity_id}/check-ins"): {"resident_id": "{resident_id}"},
    ("post", "/v1/registrations/{registration_id}/cancel"): {"reason": "x"},
    ("get", "/v1/volunteers/{resident_id}/hours"): None,
    # partners serve the whole subdistrict: the scope shows in their totals
    ("get", "/v1/partners/{partner_id}"): None,
    # needs and door-knocks (services/council)
    ("get", "/v1/needs/{need_id}"): None,
    ("post", "/v1/needs/{need_id}/dispatch"): {"unit": "某单位"},
    ("post", "/v1/needs/{need_id}/resolve"): {"resolution": "已修好"},
    ("post", "/v1/needs/{need_id}/rate"): {"satisfied": True},
    # the deliberation week (services/council)
    ("get", "/v1/deliberations/{deliberation_id}"): None,
    ("post", "/v1/deliberations/{deliberation_id}/close"): {},
    ("get", "/v1/proposals/{proposal_id}"): None,
    ("get", "/v1/proposals/{proposal_id}/supports"): None,
    ("post", "/v1/proposals/{proposal_id}/supports"): {"resident_id": "{resident_id}"},
    ("delete", "/v1/proposals/{proposal_id}/supports/{resident_id}"): None,
    ("post", "/v1/proposals/{proposal_id}/decision"): {"outcome": "accepted", "answer": "同意"},
    ("post", "/v1/proposals/{proposal_id}/progress"): {"percent": 50, "note": "施工中"},
}
ALIASES = {"/v1/visits/{done_visit_id}/fhir": "/v1/visits/{visit_id}/fhir"}
NOT_COMMUNITY_OWNED = {("post", "/v1/patient-reviews/{review_id}/resolve"),
                       ("get", "/v1/partners/{partner_id}")}
# routes whose reads an A-scoped caller may make on A's ids (writes are tried on B only)
READS = [key for key in BY_ID if key[0] == "get" and key not in NOT_COMMUNITY_OWNED]
LISTS = ("/v1/communities", "/v1/compounds", "/v1/households", "/v1/residents", "/v1/visits",
         "/v1/follow-ups", "/v1/referrals", "/v1/grids", "/v1/activities", "/v1/door-knocks",
         "/v1/needs", "/v1/deliberations", "/v1/proposals")
# summary fields where A holds exactly half of the subdistrict's figures
HALVES = ("households", "households_knocked_this_week", "needs_received", "proposals_submitted",
          "supports", "activities_held", "attendances", "volunteer_hours", "volunteers_active")
NEED = {"category": "repair", "description": "楼道灯坏了"}


def scoped(gateway_url, tenant, communities, roles=STAFF):
    api = Api(gateway_url, tenant, roles, sub="scoped-staff")
    api.session.headers["Authorization"] = "Bearer " + tokens.mint(
        SECRET, tenant=tenant, roles_=roles, sub="scoped-staff", communities=communities)
    return api


def community_world(admin, name, partner):
    community = admin.created("/v1/communities", {"name": f"{name}社区"})
    compound = admin.created("/v1/compounds", {"community_id": community["id"],
                                               "name": f"{name}新村"})
    grid = admin.created("/v1/grids", {"community_id": community["id"], "name": f"{name}第1网格",
                                       "worker_subs": [f"worker-{name}"]})
    household, *neighbours = [admin.created("/v1/households", {
        "compound_id": compound["id"], "address": f"{name}新村{n}号", "grid_id": grid["id"]})
        for n in range(3)]
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
            "done_visit_id": done["id"], "referral_id": referral["id"], "grid_id": grid["id"],
            "partner_id": partner["id"], "unit": f"{name}物业",
            **activities_of(admin, community, residents[0], partner, name),
            **needs_of(admin, household, neighbours, f"{name}物业"),
            **deliberation_of(admin, community, residents[0], name)}


def activities_of(admin, community, resident, partner, name):
    """A coming activity with a registration; one held already (a volunteer checked in,
    hours credited). Both name the subdistrict's partner."""
    links = [{"partner_id": partner["id"], "role": "beneficiary"}]
    base = {"community_id": community["id"], "kind": "lecture", "place": f"{name}社区服务中心",
            "partners": links}
    activity = admin.created("/v1/activities", {**base, "title": f"{name}法律讲座",
                                                "starts_at": at(hours=24),
                                                "ends_at": at(hours=26)})
    registration = admin.created(f"/v1/activities/{activity['id']}/registrations",
                                 {"resident_id": resident["id"]})
    held = admin.created("/v1/activities", {**base, "title": f"{name}重阳节",
                                            "starts_at": at(hours=-3), "ends_at": at(hours=-1)})
    admin.created(f"/v1/activities/{held['id']}/registrations",
                  {"resident_id": resident["id"], "role": "volunteer"})
    assert admin.post(f"/v1/activities/{held['id']}/check-ins",
                      {"resident_id": resident["id"]}).status_code == 200
    assert admin.post(f"/v1/activities/{held['id']}/complete", {}).status_code == 200
    return {"activity_id": activity["id"], "registration_id": registration["id"],
            "held_id": held["id"]}


def needs_of(admin, household, neighbours, unit):
    """A door-knock that heard a need, and the same need from two neighbours (a cluster);
    the knocked one dispatched (a unit to score)."""
    knock = admin.created("/v1/door-knocks", {
        "household_id": household["id"], "visited_at": at(), "outcome": "met",
        "needs": [{**NEED, "urgency": "normal"}]})
    for neighbour in neighbours:
        admin.created("/v1/needs", {**NEED, "household_id": neighbour["id"]})
    [need_id] = knock["need_ids"]
    assert admin.post(f"/v1/needs/{need_id}/dispatch", {"unit": unit}).status_code == 200
    return {"knock_id": knock["id"], "need_id": need_id}


def deliberation_of(admin, community, resident, name):
    """An open deliberation week (opened a minute ago) with a proposal and its support."""
    deliberation = admin.created("/v1/deliberations", {
        "community_id": community["id"], "title": f"{name}社区议事周",
        "opens_at": at(minutes=-1), "closes_at": at(days=1)})
    proposal = admin.created("/v1/proposals", {
        "deliberation_id": deliberation["id"], "author_resident_id": resident["id"],
        "title": f"{name}增设休息座椅", "description": "老人散步走累了没地方坐。"})
    admin.created(f"/v1/proposals/{proposal['id']}/supports", {"resident_id": resident["id"]})
    return {"deliberation_id": deliberation["id"], "proposal_id": proposal["id"]}


def at(**delta):
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat()


@pytest.fixture(scope="module")
def worlds(gateway_url, platform):
    tenant = new_tenant()
    admin = Api(gateway_url, tenant, STAFF, sub="admin")  # no claim: the whole subdistrict
    partner = admin.created("/v1/partners", {"name": "凯旋养老院", "kind": "elderly_care_home"})
    a, b = community_world(admin, "A", partner), community_world(admin, "B", partner)
    with HospitalClient(platform.env["GONGZHI_AMQP_URI"], tenant=tenant) as hospital:
        discharge(hospital, "TH-SCOPE-1", None, "无名氏", at="2026-11-28T09:00:00+08:00")
    [review] = wait_until(lambda: admin.get("/v1/patient-reviews").json()["items"])
    a["review_id"] = b["review_id"] = review["id"]
    settled = {"visits_completed": 2, "households": 6, "households_knocked_this_week": 2,
               "needs_received": 6, "proposals_submitted": 2, "supports": 2,
               "activities_held": 2, "volunteer_hours": 4.0}
    wait_until(lambda: {k: admin.get("/v1/metrics/summary").json()[k] for k in settled}
               == settled, timeout=20, interval=0.2)
    wait_until(lambda: (admin.get("/v1/outreach/coverage").json()["households"],
                        admin.get("/v1/outreach/coverage").json()["knocked"]) == (6, 2), interval=0.2)
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
    # a timeline may still be taking in the last events: the same once both have them
    assert wait_until(lambda: scoped_a.get(path).json() == admin.get(path).json(), timeout=10,
                      interval=0.2)


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
                 f"/v1/residents?q=B居民",
                 f"/v1/grids?community_id={b['community_id']}",
                 f"/v1/activities?community_id={b['community_id']}",
                 f"/v1/registrations?resident_id={b['resident_id']}",
                 f"/v1/door-knocks?household_id={b['household_id']}",
                 f"/v1/door-knocks?community_id={b['community_id']}",
                 f"/v1/needs?household_id={b['household_id']}",
                 f"/v1/needs?community_id={b['community_id']}",
                 f"/v1/deliberations?community_id={b['community_id']}",
                 f"/v1/proposals?deliberation_id={b['deliberation_id']}",
                 f"/v1/needs/clusters?compound_id={b['compound_id']}"):
        assert scoped_a.get(path).json()["items"] == [], path
    registrations = scoped_a.get(f"/v1/registrations?resident_id={a['resident_id']}").json()
    assert {r["activity_id"] for r in registrations["items"]} == {a["activity_id"], a["held_id"]}
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
    assert {key: mine[key] for key in HALVES} == {key: whole[key] / 2 for key in HALVES}
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


def test_outreach_and_needs_figures_cover_only_a(worlds):
    scoped_a, admin, a, b = worlds
    mine = scoped_a.get("/v1/outreach/coverage").json()
    assert mine == admin.get(f"/v1/outreach/coverage?community_id={a['community_id']}").json()
    homes = {h["id"] for h in admin.get("/v1/households?limit=200").json()["items"]
             if h["community_id"] == a["community_id"]}  # 3, and any another test added
    assert (mine["households"], mine["knocked"]) == (len(homes), 1)
    assert [(g["grid_id"], g["households"]) for g in mine["by_grid"]] == [(a["grid_id"], 3)]
    assert {row["household_id"] for row in mine["not_knocked"]} == homes - {a["household_id"]}
    of_b_grid = scoped_a.get(f"/v1/outreach/coverage?grid_id={b['grid_id']}").json()
    assert (of_b_grid["households"], of_b_grid["by_grid"], of_b_grid["not_knocked"]) == (
        0, [], [])
    scores = scoped_a.get("/v1/needs/scores").json()
    assert scores == admin.get(f"/v1/needs/scores?community_id={a['community_id']}").json()
    assert [u["unit"] for u in scores["by_unit"]] == [a["unit"]]
    assert scores["overall"]["received"] == 3
    assert len(admin.get("/v1/needs/clusters").json()["items"]) == 2
    [cluster] = scoped_a.get("/v1/needs/clusters").json()["items"]
    assert (cluster["compound_id"], cluster["households"]) == (a["compound_id"], 3)
    for path in (f"/v1/outreach/coverage?community_id={b['community_id']}",
                 f"/v1/needs/scores?community_id={b['community_id']}"):
        response = scoped_a.get(path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"].startswith("application/problem+json")


def test_partners_are_everyones_but_totals_count_only_a(worlds):
    scoped_a, admin, a, _ = worlds
    path = f"/v1/partners/{a['partner_id']}"
    assert admin.get(path).json()["totals"] == {"activities": 4, "participants": 2,
                                                "volunteer_hours": 4.0}
    mine = scoped_a.get(path).json()
    assert mine["totals"] == {"activities": 2, "participants": 1, "volunteer_hours": 2.0}
    assert [p["totals"] for p in scoped_a.get("/v1/partners").json()["items"]] == [
        mine["totals"]]


def test_new_area_writes_naming_b_are_refused_and_change_nothing(worlds):
    scoped_a, admin, a, b = worlds
    before = {path: admin.get(path.format(**b)).json() for path in B_STATE}
    refused = [
        # B's resident for A's activity, A's resident for B's
        scoped_a.post(f"/v1/activities/{a['activity_id']}/registrations",
                      {"resident_id": b["resident_id"]}),
        scoped_a.post(f"/v1/activities/{b['activity_id']}/registrations",
                      {"resident_id": a["resident_ids"][1]}),
        scoped_a.post(f"/v1/activities/{a['activity_id']}/check-ins",
                      {"resident_id": b["resident_id"]}),
        scoped_a.post("/v1/activities", {
            "community_id": b["community_id"], "title": "x", "kind": "lecture", "place": "x",
            "starts_at": at(hours=24), "ends_at": at(hours=26)}),
        scoped_a.post("/v1/grids", {"community_id": b["community_id"], "name": "x"}),
        scoped_a.post("/v1/households", {"compound_id": a["compound_id"], "address": "x",
                                         "grid_id": b["grid_id"]}),
        scoped_a.request("PATCH", f"/v1/households/{a['household_id']}",
                         json={"grid_id": b["grid_id"]}),
        # B's household knocked, B's household's need raised
        scoped_a.post("/v1/door-knocks", {"household_id": b["household_id"], "visited_at": at(),
                                          "outcome": "met", "needs": [NEED]}),
        scoped_a.post("/v1/door-knocks", {"household_id": a["household_id"], "visited_at": at(),
                                          "outcome": "met", "residents_met": [b["resident_id"]]}),
        scoped_a.post("/v1/needs", {**NEED, "household_id": b["household_id"]}),
        # proposals for B's resident, in B's week; supports of B's proposal, by B's resident
        scoped_a.post("/v1/deliberations", {"community_id": b["community_id"], "title": "x",
                                            "opens_at": at(minutes=-1), "closes_at": at(days=1)}),
        scoped_a.post("/v1/proposals", {"deliberation_id": a["deliberation_id"],
                                        "author_resident_id": b["resident_id"], "title": "x",
                                        "description": "x"}),
        scoped_a.post("/v1/proposals", {"deliberation_id": b["deliberation_id"],
                                        "author_resident_id": a["resident_id"], "title": "x",
                                        "description": "x"}),
        scoped_a.post(f"/v1/proposals/{b['proposal_id']}/supports",
                      {"resident_id": a["resident_ids"][1]}),
        scoped_a.post(f"/v1/proposals/{a['proposal_id']}/supports",
                      {"resident_id": b["resident_id"]}),
        scoped_a.request("DELETE", f"/v1/proposals/{a['proposal_id']}/supports/"
                                   f"{b['resident_id']}"),
        scoped_a.post(f"/v1/needs/{b['need_id']}/dispatch", {"unit": "x"}),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused), [
        (i, r.status_code, r.text) for i, r in enumerate(refused) if r.status_code != 404]
    assert {path: admin.get(path.format(**b)).json() for path in B_STATE} == before
    households = admin.get(f"/v1/households?compound_id={a['compound_id']}").json()["items"]
    assert {h["grid_id"] for h in households} == {a["grid_id"]}
    assert [r["resident_id"] for r in admin.get(
        f"/v1/activities/{a['activity_id']}/registrations").json()["items"]] == [a["resident_id"]]
    assert len(admin.get(f"/v1/door-knocks?community_id={a['community_id']}").json()[
        "items"]) == 1
    assert len(admin.get(f"/v1/proposals?deliberation_id={a['deliberation_id']}").json()[
        "items"]) == 1
    assert scoped_a.get(f"/v1/proposals/{a['proposal_id']}").json()["supports"] == 1


def test_a_scoped_token_may_not_rebuild_the_subdistricts_metrics(worlds):
    scoped_a, admin, _, b = worlds
    # two filter sets covering everything, each read once: neither answer is a cached one
    path = f"/v1/metrics/summary?community_id={b['community_id']}&from=2000-01-0"
    before = admin.get(path + "1").json()
    response = scoped_a.post("/v1/metrics/rebuild", {})
    assert response.status_code == 403, response.text
    after = admin.get(path + "2").json()
    assert {**after, "as_of": None, "from": None} == {**before, "as_of": None, "from": None}


B_STATE = ("/v1/activities/{activity_id}", "/v1/activities/{activity_id}/registrations",
           "/v1/door-knocks?community_id={community_id}", "/v1/needs?community_id={community_id}",
           "/v1/deliberations/{deliberation_id}", "/v1/proposals/{proposal_id}",
           "/v1/proposals/{proposal_id}/supports", "/v1/grids?community_id={community_id}",
           "/v1/households?compound_id={compound_id}", "/v1/outreach/coverage")


def test_a_proposal_naming_bs_need_resolves_only_as_own_when_implemented(worlds):
    """Last in this module: it closes A's week. A proposal takes need ids as given (an unknown
    one is not refused, which would tell A which ids exist in B); implementing it resolves A's
    linked need and leaves B's as it was."""
    scoped_a, admin, a, b = worlds
    proposal = scoped_a.created("/v1/proposals", {
        "deliberation_id": a["deliberation_id"], "author_resident_id": a["resident_ids"][1],
        "title": "修楼道灯", "description": "楼道灯坏了很久。", "need_ids": [a["need_id"], b["need_id"]]})
    assert scoped_a.post(f"/v1/deliberations/{a['deliberation_id']}/close", {}).status_code == 200
    decided = scoped_a.post(f"/v1/proposals/{proposal['id']}/decision",
                            {"outcome": "accepted", "answer": "同意，物业一周内修好"})
    assert decided.status_code == 200, decided.text
    done = scoped_a.post(f"/v1/proposals/{proposal['id']}/progress", {"percent": 100,
                                                                     "note": "已修好"})
    assert done.status_code == 200 and done.json()["status"] == "implemented", done.text
    wait_until(lambda: admin.get(f"/v1/needs/{a['need_id']}").json()["status"] == "resolved",
               interval=0.2)
    assert admin.get(f"/v1/needs/{b['need_id']}").json()["status"] == "dispatched"
