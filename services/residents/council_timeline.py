"""Timeline entries for council's door-knocks and needs (the resident's one timeline).

The entry's actor is the event's actor, so `actor.on_behalf_of` says when a grid worker or
staff member acted for the resident (a rating given on their behalf)."""
from services.residents.domain import timeline_entry

CATEGORY = {"repair": "维修", "sanitation": "环境卫生", "elderly_care": "养老服务",
            "medical": "医疗", "safety": "安全", "neighbourhood": "邻里", "policy": "政策咨询",
            "facilities": "设施", "other": "其他"}
NEED_KINDS = {"council.need_received": "need_raised", "council.need_dispatched": "need_dispatched",
              "council.need_resolved": "need_resolved", "council.need_rated": "need_rated"}


def knock_entries(envelope):
    """A knock answered at the door ("met") appears on each resident met."""
    data = envelope["data"]
    if data["outcome"] != "met":
        return []
    topics = "、".join(data["topics"])
    summary = "网格员敲门走访" + (f"：{topics}" if topics else "")
    return [{**timeline_entry(envelope, resident_id, "door_knocked", summary),
             "_id": f"{envelope['event_id']}-{resident_id}"}
            for resident_id in dict.fromkeys(data["residents_met"])]


def need_summary(event_type, data):
    what = CATEGORY.get(data["category"], data["category"])
    if event_type == "council.need_received":
        return f"提出诉求（{what}）：{data['description'][:60]}"
    if event_type == "council.need_dispatched":
        return f"诉求（{what}）已派单至{data.get('unit') or '责任单位'}"
    if event_type == "council.need_resolved":
        return f"诉求（{what}）已办结：{data['resolution'][:60]}"
    return f"诉求（{what}）评价：{'满意' if data['satisfied'] else '不满意'}"


def need_entry(envelope):
    data = envelope["data"]
    if not data.get("resident_id"):
        return None  # raised for the household, not for one resident
    kind = NEED_KINDS[envelope["type"]]
    return timeline_entry(envelope, data["resident_id"], kind,
                          need_summary(envelope["type"], data))
