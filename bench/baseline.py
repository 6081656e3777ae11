"""The hand-written baseline for the event pipeline: kombu and pymongo directly, no nameko.

Per completion it does the same work as the platform: store the visit's change with the
event in the same document (outbox), publish with confirms, mark it sent; two consumers
(resident, metrics) each check and write the same idempotency record, then the resident
consumer counts the visit into the resident's document with the same guarded update, the
metrics consumer writes its fact; ack.
Plain threads; no framework, no validation, no RPC hop: the floor to compare against."""
import threading
import time
import uuid

import pymongo
from kombu import Connection, Exchange, Queue

from bench.pipeline import COUNTED, measured, run_threads
from bench.watcher import Target, VisibilityWatcher

EXCHANGE = Exchange("baseline.events", type="topic", durable=True)


def count_into_resident(db, body):
    data = body["data"]
    counted = f"counted_visits.{data['visit_id']}"
    db["residents"].update_one(
        {"_id": data["resident_id"], "tenant": body["tenant"], counted: {"$exists": False}},
        {"$set": {counted: True}, "$inc": {"health.visits_completed": 1,
                                           "health.medicine_packages": data["medicine_packages"]},
         "$max": {"health.last_visit_at": data["completed_at"]}})


def record_fact(db, body):
    data = body["data"]
    try:
        db["visit_facts"].insert_one({"_id": data["visit_id"], "tenant": body["tenant"],
                                      "resident_id": data["resident_id"],
                                      "medicine_packages": data["medicine_packages"]})
    except pymongo.errors.DuplicateKeyError:
        pass


def _consumer(amqp_uri, mongo_uri, db_name, queue, apply, stop, prefetch=10):
    client = pymongo.MongoClient(mongo_uri)
    db = client[db_name]

    def on_message(body, message):
        key = f"{queue.name}:{body['event_id']}"
        if db["_processed"].find_one({"_id": key}, {"_id": 1}) is None:
            apply(db, body)
            try:
                db["_processed"].insert_one({"_id": key, "tenant": body["tenant"]})
            except pymongo.errors.DuplicateKeyError:
                pass
        message.ack()

    with Connection(amqp_uri) as connection:
        with connection.Consumer([queue], callbacks=[on_message], accept=["json"],
                                 prefetch_count=prefetch):
            while not stop.is_set():
                try:
                    connection.drain_events(timeout=0.2)
                except TimeoutError:
                    pass
    client.close()


def run(amqp_uri, mongo_uri, db_prefix, count, clients, timeout=120):
    queues = {label: Queue(f"baseline-{label}-{uuid.uuid4().hex[:6]}", EXCHANGE,
                           routing_key="visit_completed", durable=True, auto_delete=True)
              for label in ("resident", "metrics")}
    with Connection(amqp_uri) as connection:
        for queue in queues.values():
            queue.bind(connection.channel()).declare()
    client = pymongo.MongoClient(mongo_uri)
    visits = client[f"{db_prefix}_base_health"]["visits"]
    ids = [uuid.uuid4().hex for _ in range(count)]
    residents = {i: f"r-{i}" for i in ids}
    visits.insert_many([{"_id": i, "tenant": "bench", "resident_id": residents[i],
                         "status": "scheduled"} for i in ids])
    client[f"{db_prefix}_base_resident"]["residents"].insert_many(
        [{"_id": r, "tenant": "bench", "name": "居民"} for r in residents.values()])
    stop = threading.Event()
    appliers = {"resident": count_into_resident, "metrics": record_fact}
    consumers = [threading.Thread(target=_consumer, daemon=True, args=(
        amqp_uri, mongo_uri, f"{db_prefix}_base_{label}", queue, appliers[label], stop))
        for label, queue in queues.items()]
    for thread in consumers:
        thread.start()
    watcher = VisibilityWatcher(mongo_uri, {
        "resident": Target(f"{db_prefix}_base_resident", "residents", residents, COUNTED),
        "metrics": Target(f"{db_prefix}_base_metrics", "visit_facts")}, ())
    watcher.start()
    answered, failures = {}, []
    lock = threading.Lock()
    pending = list(ids)

    def producer():
        with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
            publisher = connection.Producer(exchange=EXCHANGE, serializer="json")
            while True:
                with lock:
                    if not pending:
                        return
                    visit_id = pending.pop()
                event = {"event_id": uuid.uuid4().hex, "type": "health.visit_completed",
                         "tenant": "bench", "data": {"visit_id": visit_id,
                                                     "resident_id": residents[visit_id],
                                                     "completed_at": "2026-12-01T10:00:00Z",
                                                     "medicine_packages": 3}}
                changed = visits.update_one(
                    {"_id": visit_id, "tenant": "bench", "status": "scheduled"},
                    {"$set": {"status": "completed", f"_outbox.{event['event_id']}": event},
                     "$inc": {"_outbox_n": 1}})
                if not changed.modified_count:
                    failures.append(visit_id)
                    continue
                with lock:
                    answered[visit_id] = time.monotonic()
                watcher.expect(visit_id)
                publisher.publish(event, routing_key="visit_completed", delivery_mode=2)
                visits.update_one({"_id": visit_id}, {
                    "$unset": {f"_outbox.{event['event_id']}": ""}, "$inc": {"_outbox_n": -1}})

    started = time.monotonic()
    run_threads(clients, producer)
    result = measured(watcher, started, answered, failures, timeout)
    stop.set()
    for thread in consumers:
        thread.join(5)
    client.close()
    return result
