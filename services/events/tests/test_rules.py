"""Activity rules without a broker or a store: codes, audience, deadlines, guardians, the
waiting list, promotion order, hours and validation of input."""
import random

import pytest

from chassis.errors import Conflict, Invalid
from chassis.validation import load
from services.events import activities, checkins, hours, registrations, schemas

NOW = "2026-12-01T02:00:00.000+00:00"
ACTIVITY = {"_id": "a1", "community_id": "c1", "compound_id": None, "title": "法律知识讲座",
            "status": "published", "registration_closes_at": None,
            "starts_at": "2026-12-02T01:00:00.000+00:00",
            "ends_at": "2026-12-02T03:30:00.000+00:00", "audience_tags": [],
            "issued_by": "凯旋社区"}
ADULT = {"id": "r1", "age": 70, "tags": ["elderly", "lives_alone"], "name": "王奶奶"}
CHILD = {"id": "r2", "age": 11, "tags": [], "name": "董小明"}


def test_check_in_codes_are_six_characters_without_0_o_1_i():
    codes = {registrations.new_check_in_code() for _ in range(2000)}
    assert len(codes) > 1990  # 32^6 possibilities: collisions are rare (and retried)
    for code in codes:
        assert len(code) == 6 and not set(code) & set("0O1I")
        assert set(code) <= set(registrations.CODE_ALPHABET)
    assert len(registrations.CODE_ALPHABET) == 32
    assert registrations.normal_code(" ab3xyz ") == "AB3XYZ"


def test_audience_tags_admit_only_residents_with_one_of_them():
    for_elders = {**ACTIVITY, "audience_tags": ["elderly", "disabled"]}
    registrations.check_can_register(for_elders, ADULT, "participant", NOW)
    with pytest.raises(Conflict, match="elderly"):
        registrations.check_can_register(for_elders, {**ADULT, "tags": []}, "participant", NOW)
    # the audience is who takes part; anyone may volunteer
    registrations.check_can_register(for_elders, {**ADULT, "tags": []}, "volunteer", NOW)


def test_deadline_and_status_close_registration():
    closed = {**ACTIVITY, "registration_closes_at": "2026-12-01T01:59:59.000+00:00"}
    with pytest.raises(Conflict, match="closed at"):
        registrations.check_can_register(closed, ADULT, "participant", NOW)
    open_until_later = {**ACTIVITY, "registration_closes_at": "2026-12-01T02:00:01.000+00:00"}
    registrations.check_can_register(open_until_later, ADULT, "participant", NOW)
    for status in ("cancelled", "completed"):
        with pytest.raises(Conflict, match=status):
            registrations.check_can_register({**ACTIVITY, "status": status}, ADULT,
                                             "participant", NOW)


def test_a_minor_needs_an_adult_guardian():
    registrations.check_guardian(ADULT, None)
    with pytest.raises(Invalid) as missing:
        registrations.check_guardian(CHILD, None)
    assert "guardian_resident_id" in missing.value.errors
    with pytest.raises(Invalid):
        registrations.check_guardian(CHILD, {**CHILD, "id": "r3"})  # another child
    registrations.check_guardian(CHILD, ADULT)


def test_waitlist_positions_and_promotion_follow_arrival():
    queue = [{"_id": f"w{n}", "seq": n} for n in (7, 3, 12, 5)]
    random.shuffle(queue)
    assert [w["_id"] for w in registrations.promotion_order(queue)] == ["w3", "w5", "w7", "w12"]
    assert registrations.waitlist_position(0) == 1
    view = registrations.registration_view({"_id": "x", "status": "waitlisted", "seq": 4,
                                            "registered_by": {"sub": "s"}}, 2)
    assert view["waitlist_position"] == 2 and view["queue_number"] == 4
    confirmed = registrations.registration_view({"_id": "x", "status": "confirmed", "seq": 4,
                                                 "registered_by": {"sub": "s"}}, 2)
    assert confirmed["waitlist_position"] is None


def test_on_behalf_of_names_the_resident_when_someone_else_registers():
    mine = registrations.new_registration(ACTIVITY, ADULT, {"role": "participant"}, 1, "r1", "ABCDEF")
    theirs = registrations.new_registration(ACTIVITY, ADULT, {"role": "participant"}, 2,
                                            "grid-1", "ABCDEG")
    assert mine["registered_by"] == {"sub": "r1", "on_behalf_of": None}
    assert theirs["registered_by"] == {"sub": "grid-1", "on_behalf_of": "r1"}
    assert theirs["status"] == "pending" and theirs["live_key"] == registrations.LIVE


def test_hours_come_from_attendance_and_stay_within_the_duration():
    duration = activities.duration_hours(ACTIVITY)
    assert duration == 2.5
    volunteer = {"_id": "g1", "role": "volunteer", "status": "attended"}
    participant = {"_id": "g2", "role": "participant", "status": "attended"}
    absent = {"_id": "g3", "role": "volunteer", "status": "no_show"}
    assert hours.credited(volunteer, duration) == 2.5
    assert hours.credited({**volunteer, "hours_given": 1.0}, duration) == 1.0
    assert hours.credited({**volunteer, "hours_given": 0}, duration) == 0
    assert hours.credited(participant, duration) is None
    assert hours.credited(absent, duration) is None
    given = hours.overrides([{"registration_id": "g1", "hours": 2}], [volunteer, participant],
                            duration)
    assert given == {"g1": 2}
    for bad in ([{"registration_id": "g1", "hours": 3}], [{"registration_id": "g2", "hours": 1}],
                [{"registration_id": "nope", "hours": 1}]):
        with pytest.raises(Invalid):
            hours.overrides(bad, [volunteer, participant], duration)


def test_the_service_record_day_is_the_local_day():
    assert hours.local_date("2026-05-10T17:00:00.000+00:00") == "2026-05-11"


def test_check_in_is_idempotent_and_refuses_the_waitlisted():
    assert checkins.check_in_outcome({"status": "confirmed"}) == "now"
    assert checkins.check_in_outcome({"status": "attended"}) == "again"
    for status in ("waitlisted", "cancelled", "activity_cancelled", "no_show"):
        with pytest.raises(Conflict):
            checkins.check_in_outcome({"status": status})


def test_completion_only_after_the_start():
    with pytest.raises(Conflict, match="not started"):
        activities.check_completable(ACTIVITY, NOW)
    activities.check_completable(ACTIVITY, "2026-12-02T01:00:00.000+00:00")
    with pytest.raises(Conflict):
        activities.check_completable({**ACTIVITY, "status": "completed"}, "2027-01-01")


BODY = {"community_id": "c1", "title": "讲座", "kind": "lecture", "place": "活动室",
        "starts_at": "2026-12-02T09:00:00+08:00", "ends_at": "2026-12-02T11:00:00+08:00"}


@pytest.mark.parametrize("change, field", [
    ({"capacity": 0}, "capacity"), ({"capacity": 10001}, "capacity"),
    ({"capacity": "ten"}, "capacity"), ({"capacity": 2.5}, "capacity"),
    ({"ends_at": "2026-12-02T08:00:00+08:00"}, "ends_at"), ({"colour": "red"}, "colour"),
    ({"kind": "party"}, "kind"), ({"partners": [{"partner_id": "p", "role": "boss"}]}, "partners"),
])
def test_bad_activity_input_names_the_field(change, field):
    with pytest.raises(Invalid) as error:
        load(schemas.ActivityIn, {**BODY, **change})
    assert field in error.value.errors


def test_capacities_from_1_to_10000_or_none():
    for capacity in (1, 10000, None):
        assert load(schemas.ActivityIn, {**BODY, "capacity": capacity})["capacity"] == capacity
    assert "capacity" not in load(schemas.ActivityIn, BODY)


def test_a_check_in_names_a_code_or_a_resident():
    with pytest.raises(Invalid):
        load(schemas.CheckInIn, {})
    with pytest.raises(Invalid):
        load(schemas.CheckInIn, {"code": "ABCDEF", "resident_id": "r1"})
    assert load(schemas.CheckInIn, {"code": "ABCDEF"})["code"] == "ABCDEF"


def test_patch_keeps_times_in_order_and_refuses_a_finished_activity():
    stored = {**ACTIVITY}
    data = load(schemas.ActivityPatch, {"place": "新地点"}, partial=True)
    assert activities.patch_changes(stored, data) == {"place": "新地点"}
    late = load(schemas.ActivityPatch, {"starts_at": "2026-12-02T12:00:00+08:00"}, partial=True)
    with pytest.raises(Invalid):
        activities.patch_changes(stored, late)
    with pytest.raises(Conflict):
        activities.patch_changes({**stored, "status": "cancelled"}, data)
