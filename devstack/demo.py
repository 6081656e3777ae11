"""Demo data for Kaixuan Community (凯旋社区) of Hongwei Subdistrict (红卫街道), loaded through
the public API like any client would: compounds including Yongguang Xincun (永光新村),
households, 34 residents (with demo ID-card numbers, so the hospital simulator can match its
patients), the home visits with Taihe Hospital West Campus that give the report's figures
(22 elderly residents served, 42 free medicine packages), follow-ups, and one referral to the
hospital waiting for `make hospital-sim` to accept it."""
from datetime import date, timedelta

import requests

from chassis.config import Settings
from devstack import demo_deliberation
from gateway import tokens
from devstack import demo_outreach
from integrations.hospital.demo_patients import id_number

TENANT = "hongwei"
COMMUNITY = "凯旋社区"
COMPOUNDS = {
    "永光新村": ["1栋1单元101", "1栋2单元302", "2栋1单元201", "2栋3单元502", "3栋1单元101",
              "3栋2单元401"],
    "凯旋花园": ["A座1203", "A座0805", "B座0301", "B座1102", "C座0602"],
    "红卫小区": ["东区5号楼102", "东区6号楼301", "西区2号楼201", "西区3号楼402"],
}
# name, birth date, gender, tags (elderly follows from the birth date)
RESIDENTS = [
    ("李大爷", "1938-04-12", "male", ["mobility_impaired"]),  # 88, injured leg
    ("王奶奶", "1941-09-03", "female", ["lives_alone"]),
    ("张爷爷", "1944-01-27", "male", ["chronic_condition"]),
    ("刘奶奶", "1946-06-15", "female", ["lives_alone", "chronic_condition"]),
    ("陈大爷", "1947-11-30", "male", ["party_member"]),
    ("杨奶奶", "1949-02-08", "female", []),
    ("赵爷爷", "1950-07-19", "male", ["disabled"]),
    ("黄奶奶", "1951-03-22", "female", ["lives_alone"]),
    ("周大爷", "1952-12-05", "male", ["chronic_condition"]),
    ("吴奶奶", "1953-05-17", "female", []),
    ("徐爷爷", "1954-08-09", "male", ["party_member", "volunteer"]),
    ("孙奶奶", "1955-10-28", "female", ["mobility_impaired"]),
    ("胡大爷", "1956-04-04", "male", []),
    ("朱奶奶", "1957-01-13", "female", ["lives_alone"]),
    ("高爷爷", "1958-09-21", "male", ["chronic_condition"]),
    ("林奶奶", "1959-06-02", "female", []),
    ("何大爷", "1960-03-11", "male", ["party_member"]),
    ("郭奶奶", "1961-08-26", "female", ["chronic_condition"]),
    ("马爷爷", "1962-02-14", "male", []),
    ("罗奶奶", "1963-11-07", "female", ["lives_alone"]),
    ("梁大爷", "1964-05-29", "male", ["disabled"]),
    ("宋奶奶", "1965-07-16", "female", []),
    ("郑爷爷", "1943-12-24", "male", ["mobility_impaired", "lives_alone"]),
    ("谢奶奶", "1948-03-30", "female", []),
    ("韩阿姨", "1972-10-10", "female", ["volunteer"]),
    ("唐先生", "1980-06-18", "male", ["party_member", "volunteer"]),
    ("冯女士", "1985-01-09", "female", ["volunteer"]),
    ("于老师", "1978-04-23", "female", ["party_member"]),
    ("董小明", "2014-09-01", "male", []),
    ("萧小红", "2015-03-15", "female", []),
    ("程先生", "1990-12-12", "male", []),
    ("曹女士", "1988-07-07", "female", ["volunteer"]),
    ("袁同学", "2012-05-20", "male", ["volunteer"]),
    ("邓阿姨", "1970-02-02", "female", []),
]
SYMPTOMS = [["腿部外伤，行动不便"], ["头晕"], ["血压偏高"], ["关节疼痛"], ["咳嗽"], ["失眠"],
            ["血糖偏高"], ["乏力"], ["腰痛"], ["胸闷"], ["食欲不振"]]
MEDICINES = ["降压药", "降糖药", "钙片", "止咳糖浆", "维生素", "活血止痛膏", "感冒灵"]
SERVED = 22  # the first 22 elderly residents get one completed visit each


def _medicines(index):
    """20 visits hand out 2 packages and 2 visits one: 42 in all, as the report says."""
    if index < 20:
        return [{"name": MEDICINES[index % 7], "quantity": 1},
                {"name": MEDICINES[(index + 3) % 7], "quantity": 1}]
    return [{"name": MEDICINES[index % 7], "quantity": 1}]


class Client:
    def __init__(self, base_url, token):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def post(self, path, body):
        response = self.session.post(self.base_url + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def patch(self, path, body):
        response = self.session.patch(self.base_url + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def get(self, path):
        response = self.session.get(self.base_url + path, timeout=30)
        response.raise_for_status()
        return response.json()


def load_if_empty(base_url, secret=None):
    token = tokens.mint(secret or Settings().jwt_secret, tenant=TENANT, sub="demo-loader",
                        roles_=["community_staff", "medical_staff"], ttl_seconds=3600)
    client = Client(base_url, token)
    if client.get("/v1/communities?limit=1")["items"]:
        return f"demo data: {TENANT} already has data, left as it is"
    def worker_client(sub):
        return Client(base_url, tokens.mint(secret or Settings().jwt_secret, tenant=TENANT,
                                            sub=sub, roles_=["grid_worker"], ttl_seconds=3600))
    return load(client, worker_client)


def load(client, worker_client=None):
    community = client.post("/v1/communities", {"name": COMMUNITY})
    households = []
    compounds = {}
    for compound_name, addresses in COMPOUNDS.items():
        compound = client.post("/v1/compounds", {"community_id": community["id"],
                                                 "name": compound_name})
        compounds[compound_name] = compound
        for address in addresses:
            households.append(client.post("/v1/households", {
                "compound_id": compound["id"], "address": f"{compound_name}{address}",
                "grid": f"第{len(households) % 4 + 1}网格"}))
    residents = []
    for index, (name, born, gender, tags) in enumerate(RESIDENTS):
        household = households[index % len(households)]
        residents.append(client.post("/v1/residents", {
            "household_id": household["id"], "name": name, "birth_date": born,
            "gender": gender, "tags": tags, "phone": f"138{index:04d}{5678 + index:04d}"[:11],
            "id_number": id_number(born, index, gender == "male")}))
    elderly = [r for r in residents if "elderly" in r["tags"]]
    start = date.today() - timedelta(days=40)
    for index, resident in enumerate(elderly[:SERVED]):
        visit = client.post("/v1/visits", {
            "resident_id": resident["id"], "reason": "太和医院西院区上门义诊",
            "scheduled_for": f"{start + timedelta(days=index)}T09:00:00+08:00"})
        client.post(f"/v1/visits/{visit['id']}/complete", {
            "symptoms": SYMPTOMS[index % len(SYMPTOMS)], "history": "高血压病史" if index % 3 == 0 else None,
            "medication": ["硝苯地平"] if index % 3 == 0 else [],
            "checks": {"blood_pressure": f"{130 + index % 20}/{80 + index % 10}",
                       "glucose_mmol_l": round(5.2 + (index % 7) * 0.4, 1)},
            "medicines_dispensed": _medicines(index),
            **({"follow_up_in_days": 30} if index < 3 else {})})
        if index == 0:  # 李大爷's injured leg: referred to the hospital's orthopaedics
            referral = client.post("/v1/referrals", {
                "visit_id": visit["id"], "department": "骨科", "urgency": "routine",
                "reason": "腿部外伤愈合缓慢，建议骨科复查"})
    upcoming = client.post("/v1/visits", {"resident_id": elderly[SERVED]["id"],
                                          "scheduled_for": f"{date.today() + timedelta(days=3)}T09:30:00+08:00",
                                          "reason": "每月上门随访"})
    cancelled = client.post("/v1/visits", {"resident_id": elderly[-1]["id"],
                                           "scheduled_for": f"{date.today() + timedelta(days=1)}T15:00:00+08:00"})
    client.post(f"/v1/visits/{cancelled['id']}/cancel", {"reason": "居民外出就医"})
    outreach = demo_outreach.load(client, worker_client)  # grids, knocks, needs
    council = demo_deliberation.load(client, residents)  # the deliberation week (links the needs)
    packages = sum(sum(m["quantity"] for m in _medicines(i)) for i in range(SERVED))
    from devstack import demo_events  # issue 11: community activities
    activities = demo_events.load(client, community, compounds, residents)
    return (f"{activities}\ndemo data: {COMMUNITY}, {len(COMPOUNDS)} compounds, {len(households)} households, "
            f"{len(residents)} residents ({len(elderly)} elderly), {SERVED} home visits completed "
            f"with {packages} medicine packages, 1 upcoming ({upcoming['id']}), 1 cancelled, "
            f"1 referral to the hospital ({referral['id']}; `make hospital-sim` answers it)"
            f"{outreach}; {council}")


