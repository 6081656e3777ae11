"""The Kaixuan demo's outreach and needs (what `make run` shows): grids with workers, this
week's coverage with 朱奶奶's home first to visit, needs in every state, the renovation waste
resolved by the property company and rated satisfied, the play-facilities cluster."""
import pytest

from devstack import demo
from gateway import tokens
from tests.infra import wait_until
from tests.platform import SECRET, Api, new_tenant

pytestmark = pytest.mark.integration


def test_the_demo_outreach_and_needs(gateway_url):
    tenant = new_tenant()
    loader = demo.Client(gateway_url, tokens.mint(SECRET, tenant=tenant, sub="demo-loader",
                                                  roles_=["community_staff", "medical_staff"]))

    def worker_client(sub):
        return demo.Client(gateway_url, tokens.mint(SECRET, tenant=tenant, sub=sub,
                                                    roles_=["grid_worker"]))
    printed = demo.load(loader, worker_client)
    assert "4 grids with workers" in printed
    api = Api(gateway_url, tenant, ["community_staff"])
    grids = api.get("/v1/grids").json()["items"]
    assert sorted(g["name"] for g in grids) == ["第1网格", "第2网格", "第3网格", "第4网格"]
    assert all(g["worker_subs"] for g in grids)
    knocks = api.get("/v1/door-knocks?limit=200").json()["items"]
    assert {k["by"]["sub"] for k in knocks} <= {"grid-worker-1", "grid-worker-2",
                                                "grid-worker-3", "grid-worker-4"}

    def covered():
        c = api.get("/v1/outreach/coverage").json()
        return c if c["households"] == 15 and c["knocked"] == len(knocks) else None
    cover = wait_until(covered, what="the demo's coverage")
    assert 0 < cover["coverage"] < 1
    first = cover["not_knocked"][0]
    assert first["priority"] == "elderly_living_alone"
    zhu = api.get("/v1/residents?q=朱奶奶").json()["items"][0]
    assert first["household_id"] == zhu["household_id"]
    assert [n["priority"] for n in cover["not_knocked"]].count("elderly_living_alone") == 1
    needs = api.get("/v1/needs?limit=200").json()["items"]
    assert {n["status"] for n in needs} == {"received", "dispatched", "resolved", "closed",
                                            "reopened"}
    [waste] = [n for n in needs if "装修垃圾" in n["description"]]
    assert (waste["status"], waste["unit"]) == ("closed", "永光新村物业公司")
    assert waste["rating"]["satisfied"] is True
    clusters = api.get("/v1/needs/clusters").json()["items"]
    assert [(c["category"], c["households"]) for c in clusters] == [("facilities", 4)]
    scores = api.get("/v1/needs/scores").json()
    units = {u["unit"]: u for u in scores["by_unit"]}
    assert units["永光新村物业公司"]["satisfaction_rate"] == 1.0
    figures = wait_until(lambda: (lambda f: f if f["needs_received"] == len(needs) else None)(
        api.get("/v1/metrics/summary").json()), what="the demo's need figures")
    assert figures["households_knocked_this_week"] == len(knocks)
    print(f"\ndemo: coverage {cover['coverage']}, scores {scores['overall']}")
