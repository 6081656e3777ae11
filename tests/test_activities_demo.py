"""The demo's community activities (what `make run` shows), loaded through the API into a
fresh tenant: past festival with attendance, Lei Feng morning with hours, a lecture with seats
left, a performance with a waiting list; the health figures of the report unchanged."""
import pytest

from devstack import demo
from gateway import tokens
from tests.infra import wait_until
from tests.platform import SECRET, Api, new_tenant

pytestmark = pytest.mark.integration


def test_the_demo_activities(gateway_url):
    tenant = new_tenant()
    loader = demo.Client(gateway_url, tokens.mint(SECRET, tenant=tenant, sub="demo-loader",
                                                  roles_=["community_staff", "medical_staff"]))
    printed = demo.load(loader)
    assert "2 upcoming" in printed and "1 referral to the hospital" in printed
    api = Api(gateway_url, tenant, ["community_staff"])
    activities = {a["title"]: a for a in api.get("/v1/activities").json()["items"]}
    festival = activities["母亲节·暖心送祝福"]
    assert festival["series"] == "我们的节日" and festival["status"] == "completed"
    lei_feng = activities["学雷锋志愿服务：清扫楼道、探望独居老人"]
    assert lei_feng["status"] == "completed"
    lecture = activities["法律知识讲座：老年人防诈骗"]
    assert lecture["status"] == "published" and lecture["seats"]["remaining"] == 34
    show = activities["永光新村邻里文艺汇演"]
    assert show["seats"] == {"capacity": 6, "confirmed": 6, "waitlisted": 3, "remaining": 0}
    people = {r["name"]: r for r in api.get("/v1/residents?limit=200").json()["items"]}
    leader = api.get(f"/v1/volunteers/{people['唐先生']['id']}/hours").json()
    assert leader["total_hours"] == 3.0 and leader["items"][0]["issued_by"] == "凯旋社区"
    assert api.get(f"/v1/volunteers/{people['袁同学']['id']}/hours").json()["total_hours"] == 2.0
    partners = {p["name"]: p for p in api.get("/v1/partners").json()["items"]}
    assert partners["红卫街道颐养院"]["totals"]["participants"] == 6
    figures = wait_until(lambda: (lambda s: s if s["visits_completed"] == 22
                                  and s["activities_held"] == 2 else None)(
        api.get("/v1/metrics/summary").json()), what="the demo's figures")
    assert figures["medicine_packages"] == 42 and figures["elderly_served"] >= 20
    assert figures["attendances"] == 10 and figures["no_shows"] == 1
    assert figures["volunteer_hours"] == 3 + 3 + 2 + 2 + 2 + 2  # Lei Feng 10, festival 2×2
    assert figures["partners_engaged"] == 3
