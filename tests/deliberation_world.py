"""A community for deliberation tests: two compounds with households and residents, staff and
grid-worker clients, and a deliberation that is open now (opened a minute ago)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from tests.platform import Api, new_tenant

STAFF_ROLES = ["community_staff", "subdistrict_admin"]


def at(**delta):
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat()


class World:
    def __init__(self, gateway_url, residents_in_a=3, residents_in_b=1, tenant=None):
        self.url = gateway_url
        self.tenant = tenant or new_tenant()
        self.staff = Api(gateway_url, self.tenant, STAFF_ROLES, sub="staff-1")
        self.worker = Api(gateway_url, self.tenant, ["grid_worker"], sub="worker-1")
        self.community = self.staff.created("/v1/communities", {"name": "凯旋社区"})
        self.compound_a = self.staff.created("/v1/compounds", {
            "community_id": self.community["id"], "name": "永光新村"})
        self.compound_b = self.staff.created("/v1/compounds", {
            "community_id": self.community["id"], "name": "凯旋花园"})
        with ThreadPoolExecutor(8) as pool:
            self.residents_a = list(pool.map(
                lambda i: self._resident(self.compound_a, f"永光新村{i}号", f"居民甲{i}"),
                range(residents_in_a)))
            self.residents_b = list(pool.map(
                lambda i: self._resident(self.compound_b, f"凯旋花园{i}号", f"居民乙{i}"),
                range(residents_in_b)))

    def _resident(self, compound, address, name):
        household = self.staff.created("/v1/households", {"compound_id": compound["id"],
                                                          "address": address})
        return self.staff.created("/v1/residents", {"household_id": household["id"],
                                                    "name": name, "birth_date": "1950-01-01"})

    def as_resident(self, resident):
        return Api(self.url, self.tenant, ["resident"], sub=resident["id"])

    def deliberation(self, threshold=None, compound=True, **times):
        body = {"community_id": self.community["id"], "title": "永光新村居民议事周",
                "opens_at": times.get("opens_at") or at(minutes=-1),
                "closes_at": times.get("closes_at") or at(days=1)}
        if compound:
            body["compound_id"] = self.compound_a["id"]
        if threshold:
            body["threshold"] = threshold
        return self.staff.created("/v1/deliberations", body)

    def proposal(self, deliberation, author=None, title="增设儿童游乐设施", **extra):
        author = author or self.residents_a[0]
        return self.worker.created("/v1/proposals", {
            "deliberation_id": deliberation["id"], "author_resident_id": author["id"],
            "title": title, "description": "小区里孩子多，缺少游乐设施。", **extra})

    def support(self, proposal, resident, api=None):
        return (api or self.as_resident(resident)).post(
            f"/v1/proposals/{proposal['id']}/supports", {"resident_id": resident["id"]})

    def close(self, deliberation):
        response = self.staff.post(f"/v1/deliberations/{deliberation['id']}/close", {})
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, path):
        response = self.staff.get(path)
        assert response.status_code == 200, response.text
        return response.json()
