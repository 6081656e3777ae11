"""Demo data of the residents' deliberation week (居民议事周), loaded through the public API:

* a past week in Yongguang Xincun (永光新村): 李大爷's proposal for children's play
  facilities, submitted for him by staff, supported by his neighbours past its threshold,
  accepted with a budget after the week closed, and half implemented (50%);
* an open week for the whole of Kaixuan Community with two proposals from the other
  compounds, with their first supports.

`load(client, residents)` takes the demo's loader (community staff, who act on residents'
behalf) and the residents it registered."""
from datetime import datetime, timedelta, timezone

import requests

YONGGUANG = "永光新村"
PLAY_FACILITIES = "增设儿童游乐设施"


def _at(**delta):
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat()


def linked_need_ids(client, compound_id):
    """HOOK (needs demo, issue 12): the needs the households of Yongguang Xincun raised about
    facilities, from GET /v1/needs/clusters, once the needs module and its demo exist. Until
    then (the route answers 404) the proposal links no needs."""
    try:
        clusters = client.get(f"/v1/needs/clusters?compound_id={compound_id}")
    except requests.HTTPError:
        return []
    items = clusters.get("items", clusters) if isinstance(clusters, dict) else clusters
    return [need_id for cluster in items if cluster.get("category") == "facilities"
            for need_id in cluster.get("need_ids", [])]


def _support(client, proposal, resident):
    return client.post(f"/v1/proposals/{proposal['id']}/supports", {"resident_id": resident["id"]})


def load(client, residents):
    by_name = {resident["name"]: resident for resident in residents}
    li = by_name["李大爷"]
    community_id, compound_id = li["community_id"], li["compound_id"]
    neighbours = [r for r in residents if r["compound_id"] == compound_id and r is not li]

    past = client.post("/v1/deliberations", {
        "community_id": community_id, "compound_id": compound_id,
        "title": f"{YONGGUANG}居民议事周（第一期）",
        "description": "居民提议、协商、决定小区公共事务。",
        "opens_at": _at(days=-21), "closes_at": _at(hours=1),
        "threshold": {"households_pct": 50}})
    proposal = client.post("/v1/proposals", {
        "deliberation_id": past["id"], "author_resident_id": li["id"], "title": PLAY_FACILITIES,
        "description": "小区里孩子越来越多，却没有活动的地方。建议在3栋旁空地增设滑梯、秋千等儿童游乐设施。",
        "need_ids": linked_need_ids(client, compound_id)})
    for resident in [li] + neighbours[:7]:
        _support(client, proposal, resident)
    client.post(f"/v1/deliberations/{past['id']}/close", {})  # the week is over
    client.post(f"/v1/proposals/{proposal['id']}/decision", {
        "outcome": "accepted", "answer": "社区两委会同物业研究，同意在3栋旁空地建设儿童游乐区。",
        "budget_yuan": 28000, "due_by": (datetime.now(timezone.utc) + timedelta(days=60))
        .date().isoformat()})
    client.post(f"/v1/proposals/{proposal['id']}/progress",
                {"percent": 20, "note": "方案公示完成，居民无异议"})
    done = client.post(f"/v1/proposals/{proposal['id']}/progress",
                       {"percent": 50, "note": "场地平整完成，设施已采购"})

    current = client.post("/v1/deliberations", {
        "community_id": community_id, "title": "凯旋社区居民议事周（第二期）",
        "opens_at": _at(days=-1), "closes_at": _at(days=6),
        "threshold": {"households_pct": 10}})
    others = [r for r in residents if r["compound_id"] != compound_id]
    by_compound = {}
    for resident in others:
        by_compound.setdefault(resident["compound_id"], []).append(resident)
    open_proposals = []
    for (title, description), members in zip(
            [("增设电动车集中充电桩", "楼道里给电动车充电有火灾隐患，建议在小区门口增设集中充电桩。"),
             ("楼道照明改造", "部分楼道灯损坏多年，老人夜间上下楼不安全，建议更换声控节能灯。")],
            by_compound.values()):
        made = client.post("/v1/proposals", {
            "deliberation_id": current["id"], "author_resident_id": members[-1]["id"],
            "title": title, "description": description})
        for resident in members[:2]:
            _support(client, made, resident)
        open_proposals.append(made)
    return (f"deliberation week: 李大爷's proposal ({proposal['id']}) supported by "
            f"{client.get('/v1/proposals/' + proposal['id'])['supports']} residents "
            f"(threshold {done['threshold_supports']}), accepted, {done['progress']['percent']}% "
            f"implemented; an open week ({current['id']}) with {len(open_proposals)} proposals")
