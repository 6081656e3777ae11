"""Community activities end to end, through the gateway, against the real broker and store:
the capacity invariant under concurrent sign-ups, promotion, completion, metrics, timeline."""
import eventlet
import pytest

from tests.activities_helpers import World, iso_in
from tests.infra import wait_until

pytestmark = pytest.mark.integration


def statuses(world, activity, role="participant"):
    rows = world.registrations(activity, role=role)
    return {status: sorted((r for r in rows if r["status"] == status),
                           key=lambda r: r["waitlist_position"] or 0)
            for status in {r["status"] for r in rows}}


def test_thirty_concurrent_signups_for_twenty_seats(gateway_url):
    world = World(gateway_url, residents=30)
    activity = world.activity(capacity=20)
    pool = eventlet.GreenPool(30)
    answers = list(pool.imap(lambda r: world.register(activity, r), world.residents))
    assert [a.status_code for a in answers] == [201] * 30, [a.text for a in answers]
    by_status = statuses(world, activity)
    assert len(by_status["confirmed"]) == 20
    waiting = by_status["waitlisted"]
    assert [r["waitlist_position"] for r in waiting] == list(range(1, 11))
    # in order: the queue is the order they arrived in
    assert [r["queue_number"] for r in waiting] == sorted(r["queue_number"] for r in waiting)
    seats = world.get(activity)["seats"]
    assert seats == {"capacity": 20, "confirmed": 20, "waitlisted": 10, "remaining": 0}
    codes = [a.json()["check_in_code"] for a in answers]
    assert len(set(codes)) == 30 and all(len(c) == 6 and not set(c) & set("0O1I") for c in codes)


def test_cancellations_and_a_capacity_change_promote_the_right_ones(gateway_url):
    world = World(gateway_url, residents=8)
    activity = world.activity(capacity=3)
    regs = [world.register(activity, r).json() for r in world.residents]
    assert [r["status"] for r in regs] == ["confirmed"] * 3 + ["waitlisted"] * 5
    assert [r["waitlist_position"] for r in regs[3:]] == [1, 2, 3, 4, 5]
    # the second on the list leaves the waiting list; the first confirmed cancels
    assert world.api.post(f"/v1/registrations/{regs[4]['id']}/cancel", {}).json()["status"] == "cancelled"
    cancelled = world.api.post(f"/v1/registrations/{regs[0]['id']}/cancel", {"reason": "生病"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    by_status = statuses(world, activity)
    assert {r["id"] for r in by_status["confirmed"]} == {regs[1]["id"], regs[2]["id"], regs[3]["id"]}
    assert [r["id"] for r in by_status["waitlisted"]] == [regs[5]["id"], regs[6]["id"], regs[7]["id"]]
    assert [r["waitlist_position"] for r in by_status["waitlisted"]] == [1, 2, 3]
    # raising the capacity by two promotes the next two, in order
    patched = world.api.request("PATCH", f"/v1/activities/{activity['id']}", json={"capacity": 5})
    assert patched.status_code == 200, patched.text
    assert patched.json()["seats"] == {"capacity": 5, "confirmed": 5, "waitlisted": 1, "remaining": 0}
    by_status = statuses(world, activity)
    assert regs[5]["id"] in {r["id"] for r in by_status["confirmed"]}
    assert regs[6]["id"] in {r["id"] for r in by_status["confirmed"]}
    assert [r["id"] for r in by_status["waitlisted"]] == [regs[7]["id"]]
    # lowering it below the confirmed count is refused and changes nothing
    lowered = world.api.request("PATCH", f"/v1/activities/{activity['id']}", json={"capacity": 4})
    assert lowered.status_code == 409, lowered.text
    assert world.get(activity)["seats"]["capacity"] == 5
    # a second live registration of the same resident and role is refused
    again = world.register(activity, world.residents[1])
    assert again.status_code == 409
    # the one who cancelled may register again (a new registration, at the end of the queue)
    back = world.register(activity, world.residents[0])
    assert back.status_code == 201 and back.json()["waitlist_position"] == 2


def test_check_in_complete_hours_metrics_and_timeline(gateway_url):
    world = World(gateway_url)
    partner = world.api.created("/v1/partners", {"name": "凯旋社区养老院", "kind": "elderly_care_home",
                                                 "contact_phone": "13812345678"})
    assert partner["contact_phone"] == "138****5678"
    elder = world.resident("王奶奶", "1941-09-03", tags=["lives_alone"])
    volunteer = world.resident("唐先生", "1980-06-18", tags=["volunteer", "party_member"])
    absent = world.resident("程先生", "1990-12-12")
    activity = world.activity(title="我们的节日·母亲节", kind="festival", series="我们的节日",
                              starts_at=iso_in(-3), ends_at=iso_in(-1), capacity=10,
                              volunteer_capacity=2,
                              partners=[{"partner_id": partner["id"], "role": "beneficiary"}])
    grid = world.as_role("grid_worker", sub="grid-1")
    registered = world.register(activity, elder, api=grid)
    assert registered.status_code == 201
    assert registered.json()["registered_by"] == {"sub": "grid-1", "on_behalf_of": elder["id"]}
    helper = world.register(activity, volunteer, role="volunteer").json()
    world.register(activity, absent)
    checked = grid.post(f"/v1/activities/{activity['id']}/check-ins", {"resident_id": elder["id"]})
    assert checked.status_code == 200 and checked.json()["status"] == "attended"
    assert checked.json()["checked_in_by"] == "grid-1"
    first_at = checked.json()["checked_in_at"]
    again = grid.post(f"/v1/activities/{activity['id']}/check-ins",
                      {"code": registered.json()["check_in_code"].lower()})
    assert again.status_code == 200 and again.json()["checked_in_at"] == first_at
    world.api.post(f"/v1/activities/{activity['id']}/check-ins", {"code": helper["check_in_code"]})
    unknown = grid.post(f"/v1/activities/{activity['id']}/check-ins", {"code": "ZZZZZZ"})
    assert unknown.status_code == 404
    done = world.api.post(f"/v1/activities/{activity['id']}/complete",
                          {"hours": [{"registration_id": helper["id"], "hours": 1.5}]})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    twice = world.api.post(f"/v1/activities/{activity['id']}/complete", {})
    assert twice.status_code == 409
    by_status = statuses(world, activity)
    assert [r["resident_id"] for r in by_status["no_show"]] == [absent["id"]]
    record = world.api.get(f"/v1/volunteers/{volunteer['id']}/hours").json()
    assert record["total_hours"] == 1.5
    assert [(i["title"], i["hours"], i["issued_by"]) for i in record["items"]] == [
        ("我们的节日·母亲节", 1.5, "凯旋社区")]
    mine = world.as_resident(volunteer).get(f"/v1/volunteers/{volunteer['id']}/hours")
    assert mine.status_code == 200 and mine.json()["total_hours"] == 1.5
    figures = wait_until(lambda: (lambda s: s if s["volunteer_hours"] == 1.5 and s["no_shows"] == 1
                                  and s["attendances"] == 2 else None)(
        world.api.get("/v1/metrics/summary").json()), what="activity metrics")
    assert figures["activities_held"] == 1 and figures["activity_participants"] == 2
    assert figures["volunteers_active"] == 1 and figures["partners_engaged"] == 1
    totals = world.api.get(f"/v1/partners/{partner['id']}").json()["totals"]
    assert totals == {"activities": 1, "participants": 2, "volunteer_hours": 1.5}
    # the rebuild reproduces them
    admin = world.as_role("subdistrict_admin", "community_staff")
    assert admin.post("/v1/metrics/rebuild").status_code == 200
    after = world.api.get("/v1/metrics/summary").json()
    figures.pop("as_of"), after.pop("as_of")
    assert after == figures
    # the timelines
    kinds = lambda r: [e["kind"] for e in world.api.get(f"/v1/residents/{r['id']}/timeline").json()["items"]]  # noqa: E731
    wait_until(lambda: {"activity_registered", "activity_attended"} <= set(kinds(elder)))
    wait_until(lambda: {"activity_registered", "activity_attended", "volunteer_hours_credited"}
               <= set(kinds(volunteer)))
    wait_until(lambda: "activity_no_show" in kinds(absent))
    entries = world.api.get(f"/v1/residents/{elder['id']}/timeline").json()["items"]
    signed = next(e for e in entries if e["kind"] == "activity_registered")
    assert signed["actor"]["on_behalf_of"] == elder["id"] and signed["actor"]["id"] == "grid-1"
    assert "我们的节日·母亲节" in signed["summary"]


def test_rules_answer_409_with_the_reason(gateway_url):
    world = World(gateway_url)
    elder = world.resident("刘奶奶", "1946-06-15", tags=["lives_alone"])
    young = world.resident("程先生", "1990-12-12")
    child = world.resident("董小明", "2014-09-01")
    for_elders = world.activity(audience_tags=["elderly"], capacity=5)
    assert world.register(for_elders, elder).status_code == 201
    refused = world.register(for_elders, young)
    assert refused.status_code == 409 and "elderly" in refused.json()["detail"]
    closed = world.activity(registration_closes_at=iso_in(-1))
    assert world.register(closed, young).status_code == 409
    lecture = world.activity()
    assert world.register(lecture, child).status_code == 422  # a minor needs a guardian
    with_guardian = world.register(lecture, child, guardian_resident_id=young["id"])
    assert with_guardian.status_code == 201, with_guardian.text
    cancelled = world.activity()
    world.register(cancelled, young)
    assert world.api.post(f"/v1/activities/{cancelled['id']}/cancel", {"reason": "下雨"}).json()["status"] == "cancelled"
    assert [r["status"] for r in world.registrations(cancelled)] == ["activity_cancelled"]
    late = world.register(cancelled, elder)
    assert late.status_code == 409 and "cancelled" in late.json()["detail"]
    early = world.api.post(f"/v1/activities/{lecture['id']}/complete", {})
    assert early.status_code == 409  # not before starts_at


def test_a_change_of_time_or_place_tells_every_registrant(gateway_url):
    world = World(gateway_url, residents=3)
    activity = world.activity(capacity=2)
    regs = [world.register(activity, r).json() for r in world.residents]
    assert regs[2]["status"] == "waitlisted"
    changed = world.api.request("PATCH", f"/v1/activities/{activity['id']}",
                                json={"place": "永光新村中心广场", "starts_at": iso_in(30),
                                      "ends_at": iso_in(32)})
    assert changed.status_code == 200, changed.text
    assert changed.json()["place"] == "永光新村中心广场"
    for resident in world.residents:  # the waitlisted are told too
        entries = wait_until(lambda: [e for e in world.api.get(
            f"/v1/residents/{resident['id']}/timeline").json()["items"]
            if e["kind"] == "activity_changed"], what="the change on the timeline")
        assert "地点" in entries[0]["summary"] and "时间" in entries[0]["summary"]
    # a waitlisted resident cancels themself off the list
    mine = world.as_resident(world.residents[2])
    left = mine.post(f"/v1/registrations/{regs[2]['id']}/cancel", {})
    assert left.status_code == 200 and left.json()["status"] == "cancelled"
    assert world.get(activity)["seats"] == {"capacity": 2, "confirmed": 2, "waitlisted": 0,
                                            "remaining": 0}
    # cancelling the activity cancels every live registration, and it stays readable
    gone = world.api.post(f"/v1/activities/{activity['id']}/cancel", {"reason": "天气原因"})
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert {r["status"] for r in world.registrations(activity)} == {"activity_cancelled",
                                                                    "cancelled"}
    again = world.api.post(f"/v1/activities/{activity['id']}/cancel", {"reason": "x"})
    assert again.status_code == 409
    assert world.api.request("PATCH", f"/v1/activities/{activity['id']}",
                             json={"place": "x"}).status_code == 409
