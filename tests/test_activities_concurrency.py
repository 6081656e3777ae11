"""The capacity invariant under load, replicas and crashes, against the real broker and store.

* two `events` replicas under concurrent sign-ups and cancellations never confirm more than
  the capacity, sampled from the store all along;
* a burst with the events process SIGKILLed mid-way and restarted ends consistent: the seat
  counter equals the confirmed registrations, no seat lost or counted twice, one live
  registration per resident, and one event per change;
* a crash between two writes, made by hand in the store, is healed by the sweep;
* the same attendance_recorded event delivered three times changes the metrics once."""
import uuid

import eventlet
import pymongo
import pytest
from kombu import Connection, Consumer, Exchange, Queue

from chassis import clock, ids
from contracts import new_event
from tests.activities_helpers import World, iso_in
from tests.infra import publish_event, wait_until

pytestmark = pytest.mark.integration
FAST_SWEEP = {"GONGZHI_ACTIVITY_SWEEP_SECONDS": "0.5", "GONGZHI_ACTIVITY_STALE_SECONDS": "1"}


@pytest.fixture(scope="module")
def events_db(platform):
    """The events service restarted with a fast repair sweep; its raw database."""
    platform.env.update(FAST_SWEEP)
    platform.stop("events")
    platform.start("events", target="events")
    client = pymongo.MongoClient(platform.env["GONGZHI_MONGO_URI"])
    yield client[f"{platform.env['GONGZHI_DB_PREFIX']}_events"]
    client.close()


class EventTap:
    """Every event the events service publishes, from a queue of our own."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"tap-{uuid.uuid4().hex[:8]}", Exchange("events.events", type="topic",
                                                                    durable=True),
                           routing_key="#", auto_delete=True)
        self.seen = []
        self.consumer = Consumer(self.connection, [self.queue], callbacks=[self._on],
                                 accept=["json"])
        self.consumer.consume()

    def _on(self, body, message):
        self.seen.append(body)
        message.ack()

    def drain(self, seconds=1.0):
        deadline = eventlet.hubs.get_hub().clock() + seconds
        while eventlet.hubs.get_hub().clock() < deadline:
            try:
                self.connection.drain_events(timeout=0.2)
            except Exception:
                pass

    def close(self):
        self.connection.release()


def live_counts(events_db, tenant, activity_id):
    rows = list(events_db.registrations.find({"tenant": tenant, "activity_id": activity_id}))
    activity = events_db.activities.find_one({"_id": activity_id})
    return rows, activity


def assert_consistent(events_db, tenant, activity_id, capacity):
    rows, activity = live_counts(events_db, tenant, activity_id)
    by_role = [r for r in rows if r["role"] == "participant"]
    holding = [r for r in by_role if r.get("holds_seat")]
    confirmed = [r for r in by_role if r["status"] in ("confirmed", "attended", "no_show")]
    assert len(confirmed) <= capacity
    assert {r["_id"] for r in holding} == {r["_id"] for r in confirmed}
    seats = activity["seats"]["participant"]
    assert seats["confirmed"] == len(confirmed), (seats, len(confirmed))
    assert seats["free"] == capacity - len(confirmed)
    assert not activity.get("takers"), activity.get("takers")
    assert not [r for r in rows if r["status"] == "pending"]
    live = [r for r in by_role if r["live_key"] == "live"]
    assert len({r["resident_id"] for r in live}) == len(live)  # one live registration each
    waiting = sorted((r for r in by_role if r["status"] == "waitlisted"), key=lambda r: r["seq"])
    if waiting:  # nobody waits while a seat is free
        assert len(confirmed) == capacity
    return confirmed, waiting


def test_two_replicas_never_exceed_capacity(platform, gateway_url, events_db):
    platform.start("events-2", target="events")
    try:
        world = World(gateway_url, residents=40)
        activity = world.activity(capacity=15)
        over = []
        stop = []

        def watch():
            while not stop:
                n = events_db.registrations.count_documents({
                    "tenant": world.api.tenant, "activity_id": activity["id"],
                    "status": {"$in": ["confirmed", "attended"]}})
                if n > 15:
                    over.append(n)
                eventlet.sleep(0.01)

        watcher = eventlet.spawn(watch)
        pool = eventlet.GreenPool(40)
        answers = list(pool.imap(lambda r: world.register(activity, r), world.residents))
        assert [a.status_code for a in answers] == [201] * 40
        confirmed = [a.json() for a in answers if a.json()["status"] == "confirmed"][:6]
        cancels = list(pool.imap(lambda r: world.api.post(f"/v1/registrations/{r['id']}/cancel",
                                                          {}).status_code, confirmed))
        gone = {c["resident_id"] for c in confirmed}
        more = list(pool.imap(lambda r: world.register(activity, r),
                              [r for r in world.residents if r["id"] in gone]))
        stop.append(True)
        watcher.wait()
        assert cancels == [200] * 6 and [m.status_code for m in more] == [201] * 6
        assert over == [], f"confirmed exceeded 15: {over}"
        confirmed, waiting = assert_consistent(events_db, world.api.tenant, activity["id"], 15)
        assert len(confirmed) == 15 and len(waiting) == 40 - 15
        seats = world.get(activity)["seats"]
        assert seats == {"capacity": 15, "confirmed": 15, "waitlisted": 25, "remaining": 0}
    finally:
        platform.stop("events-2")


def test_a_burst_with_the_events_process_killed_midway(platform, gateway_url, events_db):
    world = World(gateway_url, residents=50)
    activity = world.activity(capacity=20)
    tap = EventTap(platform.env["GONGZHI_AMQP_URI"])
    keys = {r["id"]: f"signup-{uuid.uuid4().hex}" for r in world.residents}
    answered = []

    def sign_up(resident):
        response = world.api.post(f"/v1/activities/{activity['id']}/registrations",
                                  {"resident_id": resident["id"]},
                                  headers={"Idempotency-Key": keys[resident["id"]]}, timeout=10)
        answered.append(response.status_code)
        return response

    def killer():
        wait_until(lambda: len(answered) >= 12, timeout=30)
        process = platform.processes.pop("events")
        process.kill()  # SIGKILL: no graceful stop, whatever was between two writes stays
        process.wait()

    kill = eventlet.spawn(killer)
    pool = eventlet.GreenPool(10)
    first = list(pool.imap(sign_up, world.residents))
    kill.wait()
    platform.start("events", target="events")
    failed = [r for r, a in zip(world.residents, first) if a.status_code != 201]
    assert len(failed) < 50  # some were answered before the kill
    # the clients retry what failed with the same Idempotency-Key
    retried = list(pool.imap(sign_up, failed))
    assert {a.status_code for a in retried} <= {201, 409}, [a.text for a in retried]
    confirmed, waiting = wait_until(
        lambda: _settled(events_db, world.api.tenant, activity["id"], 20), timeout=30,
        what="the sweep to heal the burst")
    assert len(confirmed) == 20 and len(confirmed) + len(waiting) == 50
    seats = world.get(activity)["seats"]
    assert seats == {"capacity": 20, "confirmed": 20, "waitlisted": 30, "remaining": 0}
    # every change published once (a repeat of the same event id is allowed: consumers
    # deduplicate by id), and every registration has exactly its one outcome event
    tap.drain(2)
    tap.close()
    outcome_ids = {}
    for event in tap.seen:
        if event["type"] in ("events.registration_confirmed", "events.registration_waitlisted",
                             "events.registration_promoted") \
                and event["data"]["activity_id"] == activity["id"]:
            outcome_ids.setdefault(event["data"]["registration_id"], set()).add(
                (event["type"], event["event_id"]))
    for registration in confirmed:
        kinds = sorted(t for t, _ in outcome_ids.get(registration["_id"], ()))
        assert kinds in (["events.registration_confirmed"],
                         ["events.registration_promoted", "events.registration_waitlisted"]), kinds
    for registration in waiting:
        kinds = sorted(t for t, _ in outcome_ids.get(registration["_id"], ()))
        assert kinds == ["events.registration_waitlisted"], kinds
    print(f"\nkill burst: 50 sign-ups, {len(failed)} failed at the kill and retried, "
          f"{len(confirmed)} confirmed, {len(waiting)} waitlisted")


def _settled(events_db, tenant, activity_id, capacity):
    try:
        return assert_consistent(events_db, tenant, activity_id, capacity)
    except AssertionError:
        return None


def test_a_crash_between_two_writes_is_healed(gateway_url, events_db):
    """Made by hand in the store, exactly as a crashed process leaves it: (1) a seat taken for
    a pending registration never confirmed; (2) a seat taken for a registration that went
    elsewhere (cancelled); (3) a cancellation whose seat was never returned; (4) a pending
    registration that never took a seat. The sweep heals each, and capacity holds."""
    world = World(gateway_url, residents=6)
    a, b, c, d, p, q = world.residents
    activity = world.activity(capacity=3)
    tenant, aid = world.api.tenant, activity["id"]
    reg_a = world.register(activity, a).json()
    reg_b = world.register(activity, b).json()
    world.api.post(f"/v1/registrations/{reg_b['id']}/cancel", {})
    old = clock.iso(clock.utcnow().replace(year=2025))

    def pending(resident, seq):
        doc = {"_id": ids.new_id(), "tenant": tenant, "activity_id": aid,
               "community_id": world.community["id"], "compound_id": None,
               "resident_id": resident["id"], "role": "participant", "status": "pending",
               "live_key": "live", "seq": seq, "check_in_code": f"ZZZZZ{seq}",
               "registered_at": old, "registered_by": {"sub": "staff-1", "on_behalf_of": None}}
        events_db.registrations.insert_one(doc)
        return doc

    # (1) + (2): P pending with its seat marker; a marker for B, who cancelled
    reg_p = pending(p, 7)
    events_db.activities.update_one({"_id": aid}, {
        "$set": {f"takers.{ids.new_id()}": {"r": reg_p["_id"], "role": "participant", "at": old},
                 f"takers.{ids.new_id()}": {"r": reg_b["id"], "role": "participant", "at": old}},
        "$inc": {"seats.participant.confirmed": 2, "seats.participant.free": -2, "seats_v": 1}})
    reg_c = world.register(activity, c).json()  # full now, unless the sweep was quicker
    confirmed, _ = wait_until(lambda: _settled(events_db, tenant, aid, 3), timeout=15,
                              what="markers resolved")
    assert {r["_id"] for r in confirmed} == {reg_a["id"], reg_p["_id"], reg_c["id"]}
    # (3): A's cancellation written, the seat never returned
    reg_d = world.register(activity, d).json()
    assert reg_d["status"] == "waitlisted"
    events_db.registrations.update_one({"_id": reg_a["id"]}, {"$set": {
        "status": "cancelled", "live_key": reg_a["id"], "holds_seat": False,
        "seat_returned": False, "cancelled_at": old}})
    wait_until(lambda: events_db.registrations.find_one({"_id": reg_d["id"]})["status"]
               == "confirmed", timeout=15, what="the seat returned and D promoted")
    # (4): Q pending, no seat taken: queued by the sweep (the activity is full)
    reg_q = pending(q, 9)
    wait_until(lambda: events_db.registrations.find_one({"_id": reg_q["_id"]})["status"]
               == "waitlisted", timeout=15, what="Q queued")
    confirmed, waiting = wait_until(lambda: _settled(events_db, tenant, aid, 3), timeout=15,
                                    what="consistent at the end")
    assert {r["_id"] for r in confirmed} == {reg_p["_id"], reg_c["id"], reg_d["id"]}
    assert [r["_id"] for r in waiting] == [reg_q["_id"]]


def test_the_same_attendance_event_three_times_counts_once(platform, gateway_url):
    world = World(gateway_url, residents=1)
    before = world.api.get("/v1/metrics/summary").json()
    event = new_event("events.attendance_recorded", {
        "activity_id": "act-x", "community_id": world.community["id"], "compound_id": None,
        "title": "文艺演出", "registration_id": "reg-x", "resident_id": world.residents[0]["id"],
        "role": "participant", "outcome": "attended", "at": iso_in(-1)})
    envelope = {**event, "tenant": world.api.tenant, "correlation_id": "dup",
                "actor": {"id": "staff-1", "roles": ["community_staff"]}}
    publish_event(platform.env["GONGZHI_AMQP_URI"], envelope, times=3)
    wait_until(lambda: world.api.get("/v1/metrics/summary").json()["attendances"] == 1)
    wait_until(lambda: _handled(platform, "metrics", "on_attendance_recorded") >= 3)
    after = world.api.get("/v1/metrics/summary").json()
    assert before["attendances"] == 0
    assert after["attendances"] == 1 and after["activity_participants"] == 1
    wait_until(lambda: len([e for e in world.api.get(
        f"/v1/residents/{world.residents[0]['id']}/timeline").json()["items"]
        if e["kind"] == "activity_attended"]) == 1)


def _handled(platform, service, method):
    import requests

    text = requests.get(platform.urls[service] + "/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("gongzhi_events_handled_total{")
               and f'consumer="{service}.{method}"' in line
               and ('outcome="applied"' in line or 'outcome="duplicate"' in line))


def test_completion_applied_twice_credits_hours_once(gateway_url, events_db):
    """The completion is carried out again (by the sweep, as after a crash) and asked for
    again (409): the volunteer's hours and the metrics count it once."""
    world = World(gateway_url)
    volunteer = world.resident("唐先生", "1980-06-18", tags=["volunteer"])
    activity = world.activity(kind="volunteering", starts_at=iso_in(-3), ends_at=iso_in(-1))
    registration = world.register(activity, volunteer, role="volunteer").json()
    world.api.post(f"/v1/activities/{activity['id']}/check-ins", {"resident_id": volunteer["id"]})
    assert world.api.post(f"/v1/activities/{activity['id']}/complete", {}).status_code == 200
    hours = lambda: world.api.get(f"/v1/volunteers/{volunteer['id']}/hours").json()  # noqa: E731
    assert hours()["total_hours"] == 2.0
    wait_until(lambda: world.api.get("/v1/metrics/summary").json()["volunteer_hours"] == 2.0)
    # as if the process died before it marked the completion finished: the sweep runs it again
    events_db.activities.update_one({"_id": activity["id"]}, {"$set": {"finished": False}})
    wait_until(lambda: events_db.activities.find_one({"_id": activity["id"]})["finished"],
               timeout=15, what="the completion carried out again")
    assert world.api.post(f"/v1/activities/{activity['id']}/complete", {}).status_code == 409
    record = hours()
    assert record["total_hours"] == 2.0 and len(record["items"]) == 1
    assert record["items"][0]["registration_id"] == registration["id"]
    assert world.api.get("/v1/metrics/summary").json()["volunteer_hours"] == 2.0


def test_a_request_sent_twice_registers_once(gateway_url):
    world = World(gateway_url, residents=1)
    activity = world.activity(capacity=5)
    headers = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    first = world.api.post(f"/v1/activities/{activity['id']}/registrations",
                           {"resident_id": world.residents[0]["id"]}, headers=headers)
    again = world.api.post(f"/v1/activities/{activity['id']}/registrations",
                           {"resident_id": world.residents[0]["id"]}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(world.registrations(activity)) == 1
    assert world.get(activity)["seats"]["confirmed"] == 1
