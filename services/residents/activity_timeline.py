"""Timeline entries from community activities (the events service): registered, waitlisted,
promoted, cancelled, attended, no-show, hours credited, and changes of time or place told to
every registrant. Each entry is keyed by its event id (once, however often delivered) and
keeps the event's actor, with `on_behalf_of` when someone acted for the resident."""
from chassis.consumer import consume_event
from services.residents import store

SUMMARIES = {
    "events.registration_confirmed": ("activity_registered", "报名活动「{title}」"),
    "events.registration_waitlisted": ("activity_waitlisted",
                                       "报名活动「{title}」，候补第 {waitlist_position} 位"),
    "events.registration_promoted": ("activity_promoted", "活动「{title}」候补转为正式报名"),
}


def summary_of(envelope):
    data = envelope["data"]
    kind = envelope["type"]
    if kind in SUMMARIES:
        entry_kind, text = SUMMARIES[kind]
        return entry_kind, text.format(**data)
    if kind == "events.registration_cancelled":
        if data["status"] == "activity_cancelled":
            return "activity_cancelled", f"活动「{data['title']}」已取消"
        return "activity_registration_cancelled", f"取消报名活动「{data['title']}」"
    if kind == "events.attendance_recorded":
        if data["outcome"] == "attended":
            return "activity_attended", f"参加活动「{data['title']}」（已签到）"
        return "activity_no_show", f"报名活动「{data['title']}」未到场"
    if kind == "events.volunteer_hours_credited":
        return ("volunteer_hours_credited",
                f"志愿服务「{data['title']}」记录 {data['hours']:g} 小时（{data['issued_by']}）")
    raise ValueError(f"no timeline entry for {kind}")


def entry(envelope, resident_id, kind, summary, entry_id=None):
    return {"_id": entry_id or envelope["event_id"], "resident_id": resident_id,
            "at": envelope["occurred_at"], "kind": kind, "summary": summary,
            "source": "events", "actor": envelope["actor"]}


def record(db, envelope):
    kind, summary = summary_of(envelope)
    store.add_timeline_entry(db, entry(envelope, envelope["data"]["resident_id"], kind, summary))


CHANGE_NAMES = {"starts_at": "时间", "ends_at": "时间", "place": "地点", "title": "名称",
                "capacity": "名额", "volunteer_capacity": "志愿者名额", "description": "介绍"}


def record_change(db, envelope):
    """One entry per registrant told of the change (ids: event id and resident)."""
    data = envelope["data"]
    what = "、".join(sorted({CHANGE_NAMES.get(key, key) for key in data["changes"]}))
    summary = f"活动「{data['title']}」变更：{what}"
    for resident_id in data["resident_ids"]:
        store.add_timeline_entry(db, entry(envelope, resident_id, "activity_changed", summary,
                                           f"{envelope['event_id']}:{resident_id}"))


class ActivityTimeline:
    """Mixed into ResidentsService: one consumer per activity event a resident sees."""

    @consume_event("events", "registration_confirmed")
    def on_registration_confirmed(self, envelope):
        record(self.store, envelope)

    @consume_event("events", "registration_waitlisted")
    def on_registration_waitlisted(self, envelope):
        record(self.store, envelope)

    @consume_event("events", "registration_promoted")
    def on_registration_promoted(self, envelope):
        record(self.store, envelope)

    @consume_event("events", "registration_cancelled")
    def on_registration_cancelled(self, envelope):
        record(self.store, envelope)

    @consume_event("events", "attendance_recorded")
    def on_attendance_recorded(self, envelope):
        record(self.store, envelope)

    @consume_event("events", "volunteer_hours_credited")
    def on_volunteer_hours_credited(self, envelope):
        record(self.store, envelope)

    @consume_event("events", "activity_changed")
    def on_activity_changed(self, envelope):
        record_change(self.store, envelope)
