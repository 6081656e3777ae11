"""Sign-ups under contention: 500 registrations from 32 clients for 100 seats through the
gateway, until the residents' timelines show every one (the events consumed), beside a
hand-written kombu + pymongo baseline doing the same guarded writes and publishes:

    take a queue number ($inc), insert the registration pending (unique live key), look
    whether anyone waits, take a seat with one guarded update leaving a marker, confirm or
    waitlist the registration (with its position) and its event in the same write (outbox),
    remove the marker, publish with confirms, mark it sent; a consumer records the timeline
    entry once per event id. (The platform also checks the resident with the registry by RPC,
    the rules, roles and the token; the baseline does none of that.)

Run with the rest of `make bench` (`--parts activities`), or alone: python -m bench.activities"""
import sys
import threading
import time
import uuid

import pymongo
import requests
from kombu import Connection, Exchange, Queue

SIGNUPS, CLIENTS, SEATS = 500, 32, 100
TIMELINE_KINDS = ["activity_registered", "activity_waitlisted"]
EXCHANGE = Exchange("baseline.activities", type="topic", durable=True)


def _wait_count(count, target, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if count() >= target:
            return time.monotonic()
        time.sleep(0.05)
    raise TimeoutError(f"only {count()} of {target} visible after {timeout}s")


def _threads(work, items, clients):
    queue, lock, results = list(items), threading.Lock(), []

    def client():
        state = work.setup() if hasattr(work, "setup") else None
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            result = work(item, state)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# -- the platform ------------------------------------------------------------------------------
def prepare(gateway, token, signups=SIGNUPS, seats=SEATS):
    """Residents and an activity (not timed)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def post(path, body):
        response = session.post(gateway + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    community = post("/v1/communities", {"name": "报名基准社区"})
    compound = post("/v1/compounds", {"community_id": community["id"], "name": "基准小区"})
    household = post("/v1/households", {"compound_id": compound["id"], "address": "2栋101"})
    residents = [post("/v1/residents", {"household_id": household["id"], "name": f"报名{i}",
                                        "birth_date": "1950-01-01"})["id"]
                 for i in range(signups)]
    activity = post("/v1/activities", {
        "community_id": community["id"], "title": "文艺汇演", "kind": "performance",
        "place": "中心广场", "starts_at": "2030-01-01T19:00:00+08:00",
        "ends_at": "2030-01-01T21:00:00+08:00", "capacity": seats})
    return activity["id"], residents


def run_platform(gateway, token, mongo_uri, db_prefix, activity_id, residents, clients=CLIENTS):
    client = pymongo.MongoClient(mongo_uri)
    timeline = client[f"{db_prefix}_residents"]["timeline"]
    registrations = client[f"{db_prefix}_events"]["registrations"]
    ids = list(residents)

    def signup(resident_id, session):
        response = session.post(f"{gateway}/v1/activities/{activity_id}/registrations",
                                json={"resident_id": resident_id}, timeout=30)
        return response.status_code

    signup.setup = lambda: _session(token)
    started = time.monotonic()
    statuses = _threads(signup, ids, clients)
    answered = time.monotonic()
    seen = _wait_count(lambda: timeline.count_documents(
        {"resident_id": {"$in": ids}, "kind": {"$in": TIMELINE_KINDS}}), len(ids), 120)
    confirmed = registrations.count_documents({"activity_id": activity_id, "status": "confirmed"})
    client.close()
    return _figures(len(ids), started, answered, seen, confirmed,
                    errors=sum(1 for s in statuses if s != 201))


def _session(token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


# -- the baseline ------------------------------------------------------------------------------
def run_baseline(amqp_uri, mongo_uri, db_name, signups=SIGNUPS, clients=CLIENTS, seats=SEATS):
    client = pymongo.MongoClient(mongo_uri)
    db = client[db_name]
    db.registrations.create_index([("tenant", 1), ("activity_id", 1), ("resident_id", 1),
                                   ("role", 1), ("live_key", 1)], unique=True)
    activity_id, tenant = uuid.uuid4().hex, "bench"
    db.activities.insert_one({"_id": activity_id, "tenant": tenant, "seq": 0, "seats_v": 0,
                              "seats": {"participant": {"capacity": seats, "confirmed": 0,
                                                        "free": seats}}, "takers": {}})
    queue = Queue(f"baseline-timeline-{uuid.uuid4().hex[:6]}", EXCHANGE, routing_key="#",
                  durable=False, auto_delete=True)
    stop = threading.Event()
    with Connection(amqp_uri) as connection:
        queue(connection.default_channel).declare()
    consumer = threading.Thread(target=_timeline_consumer,
                                args=(amqp_uri, mongo_uri, db_name, queue, stop))
    consumer.start()
    residents = [uuid.uuid4().hex for _ in range(signups)]

    def signup(resident_id, state):
        state_db, producer = state
        return _guarded_signup(state_db, producer, tenant, activity_id, resident_id)

    def setup():
        connection = Connection(amqp_uri, transport_options={"confirm_publish": True})
        return pymongo.MongoClient(mongo_uri)[db_name], connection.Producer()

    signup.setup = setup
    started = time.monotonic()
    _threads(signup, residents, clients)
    answered = time.monotonic()
    seen = _wait_count(lambda: db.timeline.count_documents({"tenant": tenant}), signups, 120)
    confirmed = db.registrations.count_documents({"activity_id": activity_id,
                                                  "status": "confirmed"})
    stop.set()
    consumer.join()
    client.drop_database(db_name)
    client.close()
    return _figures(signups, started, answered, seen, confirmed, errors=0)


def _guarded_signup(db, producer, tenant, activity_id, resident_id):
    seq = db.activities.find_one_and_update({"_id": activity_id}, {"$inc": {"seq": 1}},
                                            return_document=pymongo.ReturnDocument.AFTER)["seq"]
    registration_id = uuid.uuid4().hex
    db.registrations.insert_one({"_id": registration_id, "tenant": tenant,
                                 "activity_id": activity_id, "resident_id": resident_id,
                                 "role": "participant", "status": "pending", "live_key": "live",
                                 "seq": seq})
    queued = len(list(db.registrations.find({"activity_id": activity_id,
                                             "status": "waitlisted"}, {"_id": 1}).limit(1))) > 0
    token = uuid.uuid4().hex
    took = not queued and db.activities.update_one(
        {"_id": activity_id, "seats.participant.free": {"$gt": 0}},
        {"$inc": {"seats.participant.confirmed": 1, "seats.participant.free": -1,
                  "seats_v": 1},
         "$set": {f"takers.{token}": {"r": registration_id, "role": "participant"}}}
    ).matched_count == 1
    status = "confirmed" if took else "waitlisted"
    position = None if took else 1 + next(iter(db.registrations.aggregate([
        {"$match": {"activity_id": activity_id, "status": "waitlisted", "seq": {"$lt": seq}}},
        {"$count": "n"}])), {"n": 0})["n"]
    event_id = uuid.uuid4().hex
    event = {"event_id": event_id, "type": f"events.registration_{status}", "tenant": tenant,
             "data": {"registration_id": registration_id, "resident_id": resident_id,
                      "status": status, "waitlist_position": position}}
    db.registrations.update_one({"_id": registration_id, "status": "pending"}, {
        "$set": {"status": status, "holds_seat": took, f"_outbox.{event_id}": event},
        "$inc": {"_outbox_n": 1}})
    if took:
        db.activities.update_one({"_id": activity_id, f"takers.{token}": {"$exists": True}},
                                 {"$unset": {f"takers.{token}": ""}, "$inc": {"seats_v": 1}})
    producer.publish(event, exchange=EXCHANGE, routing_key=f"registration_{status}",
                     declare=[EXCHANGE], retry=True, serializer="json")
    db.registrations.update_one({"_id": registration_id}, {
        "$unset": {f"_outbox.{event_id}": ""}, "$inc": {"_outbox_n": -1}})
    return status


def _timeline_consumer(amqp_uri, mongo_uri, db_name, queue, stop):
    db = pymongo.MongoClient(mongo_uri)[db_name]

    def on_message(body, message):
        key = f"timeline:{body['tenant']}:{body['event_id']}"
        if db["_processed"].find_one({"_id": key}, {"_id": 1}) is None:
            try:
                db.timeline.insert_one({"_id": body["event_id"], "tenant": body["tenant"],
                                        "resident_id": body["data"]["resident_id"],
                                        "kind": body["type"]})
            except pymongo.errors.DuplicateKeyError:
                pass
            try:
                db["_processed"].insert_one({"_id": key})
            except pymongo.errors.DuplicateKeyError:
                pass
        message.ack()

    with Connection(amqp_uri) as connection:
        with connection.Consumer([queue], callbacks=[on_message], accept=["json"],
                                 prefetch_count=10):
            while not stop.is_set():
                try:
                    connection.drain_events(timeout=0.2)
                except Exception:
                    pass


def _figures(signups, started, answered, seen, confirmed, errors):
    return {"signups": signups, "per_second": round(signups / (seen - started), 1),
            "answered_in_s": round(answered - started, 2), "visible_in_s": round(seen - started, 2),
            "confirmed": confirmed, "errors": errors}


def compare(gateway, token, amqp_uri, mongo_uri, prefix):
    """One platform run and one baseline run, alternating is left to the caller."""
    activity_id, residents = prepare(gateway, token)
    platform = run_platform(gateway, token, mongo_uri, prefix, activity_id, residents)
    baseline = run_baseline(amqp_uri, mongo_uri, f"{prefix}_activities_baseline")
    return {"platform": platform, "baseline": baseline,
            "ratio": round(platform["per_second"] / max(baseline["per_second"], 1e-9), 2),
            "exactly_seats_confirmed": platform["confirmed"] == SEATS == baseline["confirmed"]}


def main(argv=None):
    from bench import run
    return run.main(["--parts", "activities", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
