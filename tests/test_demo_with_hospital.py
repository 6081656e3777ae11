"""`make run` + `make hospital-sim` in one test: the Kaixuan demo data loaded through the API,
then the simulator's demo (through the platform-provisioned hospital inbox) shows a referral,
a discharge and a hospital-recorded visit flowing through, and the report's figures hold."""
import pytest

from devstack import demo
from gateway import tokens
from integrations.hospital import simulator
from integrations.hospital.client import HospitalClient
from tests.infra import wait_until
from tests.platform import SECRET, Api, new_tenant

pytestmark = pytest.mark.integration


def test_the_demo_and_the_hospital_simulator(gateway_url, platform, capsys):
    tenant = new_tenant()
    loader = demo.Client(gateway_url, tokens.mint(SECRET, tenant=tenant, sub="demo-loader",
                                                  roles_=["community_staff", "medical_staff"]))
    assert "1 referral to the hospital" in demo.load(loader)
    api = Api(gateway_url, tenant, ["community_staff", "medical_staff"])
    figures = wait_until(lambda: (lambda s: s if s["visits_completed"] == 22 else None)(
        api.get("/v1/metrics/summary").json()), what="the demo's figures")
    assert figures["elderly_served"] >= 20 and figures["medicine_packages"] == 42

    with HospitalClient(platform.env["GONGZHI_AMQP_URI"], tenant=tenant) as client:
        simulator.demo(client, wait=10)
    printed = capsys.readouterr().out
    assert '"referrals_answered": 1' in printed

    [referral] = api.get("/v1/referrals").json()["items"]
    wait_until(lambda: api.get(f"/v1/referrals/{referral['id']}").json()["status"] == "accepted",
               what="the referral accepted")
    [discharge] = wait_until(lambda: api.get("/v1/follow-ups?kind=discharge").json()["items"],
                             what="the discharge follow-up")
    wang = api.get(f"/v1/residents/{discharge['resident_id']}").json()
    assert wang["name"] == "王奶奶" and discharge["grid"]
    visits = wait_until(lambda: [v for v in api.get("/v1/visits?status=completed&limit=200")
                                 .json()["items"] if v["recorded_by"] == "hospital"],
                        what="the hospital-recorded visit")
    assert api.get(f"/v1/residents/{visits[0]['resident_id']}").json()["name"] == "郑爷爷"
    [review] = wait_until(lambda: api.get("/v1/patient-reviews").json()["items"],
                          what="the unknown patient's review")
    assert review["name"] == "钱奶奶" and "*" in review["id_number"]
    after = wait_until(lambda: (lambda s: s if s["visits_completed"] == 23 else None)(
        api.get("/v1/metrics/summary").json()), what="the hospital visit counted")
    assert after["elderly_served"] >= 20 and after["medicine_packages"] == 42
