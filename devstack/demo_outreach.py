"""Outreach and needs demo data for Kaixuan Community, loaded through the public API after the
registry's demo (devstack/demo.py): the demo's grid labels become grids (网格) with their grid
workers; this week's door-knocks cover part of the households, all but one of the homes where
an elderly resident lives alone (朱奶奶's is still to visit, first on the coverage list);
needs in every state, among them Yongguang Xincun's renovation waste (dispatched to the
property company, cleared, rated satisfied) and several Yongguang Xincun households asking
for children's play facilities (a cluster for the deliberation week)."""
from chassis import clock

WORKERS = {"第1网格": "grid-worker-1", "第2网格": "grid-worker-2", "第3网格": "grid-worker-3",
           "第4网格": "grid-worker-4"}
PROPERTY_COMPANY = "永光新村物业公司"
NOT_YET_VISITED = "朱奶奶"
HEARD = [("elderly_care", "希望有人定期上门陪伴聊天"), ("medical", "想预约上门量血压"),
         ("policy", "咨询高龄津贴怎么申领")]


def _all(client, path):
    return client.get(f"{path}{'&' if '?' in path else '?'}limit=200")["items"]


def load(client, worker_client=None):
    """`worker_client(sub)` gives a client with that grid worker's token (None: the loader,
    a community staff member, records the knocks itself)."""
    [community] = _all(client, "/v1/communities")
    grids = {name: client.post("/v1/grids", {"community_id": community["id"], "name": name,
                                             "worker_subs": [sub]})
             for name, sub in WORKERS.items()}
    households = _all(client, "/v1/households")
    for household in households:
        if household.get("grid") in grids:
            household.update(client.patch(f"/v1/households/{household['id']}",
                                          {"grid_id": grids[household["grid"]]["id"]}))
    residents = _all(client, "/v1/residents")
    by_home = {}
    for resident in residents:
        by_home.setdefault(resident["household_id"], []).append(resident)
    alone = {r["household_id"] for r in residents
             if {"elderly", "lives_alone"} <= set(r["tags"])}
    skip = {r["household_id"] for r in residents if r["name"] == NOT_YET_VISITED}
    # this week: every elderly-alone home but one, and every other household after that
    to_knock = [h for h in households if h["id"] in alone - skip]
    to_knock += [h for h in households if h["id"] not in alone][::2]
    knocks = needs = 0
    compounds = {c["id"]: c["name"] for c in _all(client, "/v1/compounds")}
    yongguang = [h for h in households if compounds[h["compound_id"]] == "永光新村"]
    for index, household in enumerate(to_knock):
        knocker = _knocker(client, worker_client, household, grids)
        people = by_home.get(household["id"], [])
        met = index % 4 != 3
        body = {"household_id": household["id"], "visited_at": clock.now_iso(),
                "outcome": "met" if met else "not_home",
                "residents_met": [p["id"] for p in people] if met else [],
                "topics": ["医保政策", "防诈骗"] if met else [],
                "note": "心连心唠家常" if met else "家中无人，下次再来"}
        if met and household["id"] in alone:
            category, description = HEARD[knocks % len(HEARD)]
            body["needs"] = [{"category": category, "description": description,
                              "resident_id": people[0]["id"] if people else None}]
        knock = knocker.post("/v1/door-knocks", body)
        knocks += 1
        needs += len(knock["need_ids"])
    # Yongguang Xincun: the renovation waste, from dispatch to a satisfied rating
    waste = client.post("/v1/needs", {"household_id": yongguang[0]["id"], "category":
                                      "sanitation", "channel": "door_knock",
                                      "description": "楼道和空地堆放装修垃圾，影响出行"})
    client.post(f"/v1/needs/{waste['id']}/dispatch", {"unit": PROPERTY_COMPANY,
                                                      "note": "请物业组织清运"})
    client.post(f"/v1/needs/{waste['id']}/resolve",
                {"resolution": "物业公司与志愿者一起清运了装修垃圾"})
    client.post(f"/v1/needs/{waste['id']}/rate", {"satisfied": True, "score": 5,
                                                  "comment": "干净多了，谢谢"})
    # children's play facilities, asked for by four households of Yongguang Xincun
    play = [client.post("/v1/needs", {"household_id": h["id"], "category": "facilities",
                                      "channel": "door_knock",
                                      "description": "小区里没有儿童游乐设施，希望增设"})
            for h in yongguang[1:5]]
    client.post(f"/v1/needs/{play[0]['id']}/dispatch", {"unit": "凯旋社区居委会",
                                                        "note": "提交居民议事周讨论"})
    # one in each remaining state: dispatched, resolved (awaiting a rating), reopened
    others = [h for h in households if h not in yongguang]
    leak = client.post("/v1/needs", {"household_id": others[0]["id"], "category": "repair",
                                     "channel": "phone", "urgency": "urgent",
                                     "description": "卫生间水管漏水"})
    client.post(f"/v1/needs/{leak['id']}/dispatch", {"unit": "凯旋花园物业"})
    lamp = client.post("/v1/needs", {"household_id": others[1]["id"], "category": "safety",
                                     "channel": "walk_in", "description": "单元门口路灯不亮"})
    client.post(f"/v1/needs/{lamp['id']}/dispatch", {"unit": "红卫街道城管科"})
    client.post(f"/v1/needs/{lamp['id']}/resolve", {"resolution": "已更换路灯"})
    noise = client.post("/v1/needs", {"household_id": others[2]["id"], "category":
                                      "neighbourhood", "channel": "app",
                                      "description": "楼上夜间噪音扰民"})
    client.post(f"/v1/needs/{noise['id']}/dispatch", {"unit": "红卫小区物业"})
    client.post(f"/v1/needs/{noise['id']}/resolve", {"resolution": "已上门协调"})
    client.post(f"/v1/needs/{noise['id']}/rate", {"satisfied": False, "score": 2,
                                                  "comment": "还是很吵"})
    needs += 1 + len(play) + 3
    return (f"; outreach: {len(grids)} grids with workers, {knocks} door-knocks this week "
            f"({NOT_YET_VISITED}'s home still to visit), {needs} needs in every state "
            f"(renovation waste resolved by {PROPERTY_COMPANY} and rated satisfied, "
            f"{len(play)} households asking for children's play facilities)")


def _knocker(client, worker_client, household, grids):
    if worker_client is None or household.get("grid") not in WORKERS:
        return client
    return worker_client(WORKERS[household["grid"]])
