"""A community with residents and an activity, for the activity tests (tests/test_activities*)."""
from datetime import datetime, timedelta, timezone

from tests.platform import Api, hierarchy, new_tenant

ORGANISER_ROLES = ["community_staff", "grid_worker"]


def iso_in(hours):
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat()


class World:
    """One tenant: a community, a compound, a household, residents, and a staff client."""

    def __init__(self, gateway_url, residents=0, tenant=None):
        self.api = Api(gateway_url, tenant or new_tenant(), ORGANISER_ROLES, sub="staff-1")
        self.gateway_url = gateway_url
        self.community, self.compound, self.household = hierarchy(self.api)
        self.residents = [self.resident(f"居民{i:02d}", "1950-01-01") for i in range(residents)]

    def resident(self, name, birth_date, **fields):
        return self.api.created("/v1/residents", {"household_id": self.household["id"],
                                                  "name": name, "birth_date": birth_date,
                                                  **fields})

    def as_resident(self, resident):
        return Api(self.gateway_url, self.api.tenant, ["resident"], sub=resident["id"])

    def as_role(self, *roles, sub="someone"):
        return Api(self.gateway_url, self.api.tenant, list(roles), sub=sub)

    def activity(self, **fields):
        body = {"community_id": self.community["id"], "title": "法律知识讲座", "kind": "lecture",
                "place": "凯旋社区党群服务中心", "starts_at": iso_in(24), "ends_at": iso_in(26),
                **fields}
        return self.api.created("/v1/activities", body)

    def register(self, activity, resident, api=None, **fields):
        return (api or self.api).post(f"/v1/activities/{activity['id']}/registrations",
                                      {"resident_id": resident["id"], **fields})

    def registrations(self, activity, **query):
        items, cursor = [], None
        while True:
            params = {"limit": 200, **query, **({"cursor": cursor} if cursor else {})}
            page = self.api.get(f"/v1/activities/{activity['id']}/registrations",
                                params=params).json()
            items += page["items"]
            cursor = page["next"]
            if not cursor:
                return items

    def get(self, activity):
        return self.api.get(f"/v1/activities/{activity['id']}").json()
