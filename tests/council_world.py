"""A small territory for the outreach and needs tests: a community with two grids (each with
its grid worker), a compound and households, residents (one elderly living alone)."""
from tests.platform import Api, new_tenant

STAFF_ROLES = ["community_staff"]


class World:
    def __init__(self, gateway_url, tenant=None):
        self.url = gateway_url
        self.tenant = tenant or new_tenant()
        self.staff = Api(gateway_url, self.tenant, STAFF_ROLES, sub="staff-1")
        self.admin = Api(gateway_url, self.tenant, ["subdistrict_admin"], sub="admin-1")
        self.worker1 = Api(gateway_url, self.tenant, ["grid_worker"], sub="worker-1")
        self.worker2 = Api(gateway_url, self.tenant, ["grid_worker"], sub="worker-2")
        s = self.staff
        self.community = s.created("/v1/communities", {"name": "凯旋社区"})
        self.compound = s.created("/v1/compounds", {"community_id": self.community["id"],
                                                    "name": "永光新村"})
        self.grid1 = s.created("/v1/grids", {"community_id": self.community["id"],
                                             "name": "第1网格", "worker_subs": ["worker-1"]})
        self.grid2 = s.created("/v1/grids", {"community_id": self.community["id"],
                                             "name": "第2网格", "worker_subs": ["worker-2"]})
        self.households = [s.created("/v1/households", {
            "compound_id": self.compound["id"], "address": f"永光新村{n}栋101",
            "grid_id": (self.grid1 if n <= 3 else self.grid2)["id"]}) for n in range(1, 6)]
        h = self.households
        self.li = s.created("/v1/residents", {"household_id": h[0]["id"], "name": "李大爷",
                                              "birth_date": "1946-03-02"})
        self.wang = s.created("/v1/residents", {"household_id": h[2]["id"], "name": "王奶奶",
                                                "birth_date": "1941-09-03",
                                                "tags": ["lives_alone"]})
        self.han = s.created("/v1/residents", {"household_id": h[1]["id"], "name": "韩阿姨",
                                               "birth_date": "1972-10-10"})

    def resident(self, person):
        return Api(self.url, self.tenant, ["resident"], sub=person["id"])

    def knock(self, api, household, **fields):
        body = {"household_id": household["id"], "visited_at": fields.pop(
            "visited_at", "now"), "outcome": fields.pop("outcome", "met"), **fields}
        if body["visited_at"] == "now":
            from chassis import clock
            body["visited_at"] = clock.now_iso()
        return api.post("/v1/door-knocks", body)
