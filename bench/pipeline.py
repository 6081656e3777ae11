"""The event pipeline, end to end: visit completions through the gateway until the resident
record and the metrics both reflect them."""
import threading
import time

import pymongo
import requests

from bench.stats import latency_summary
from bench.watcher import Target, VisibilityWatcher
from services.health import followups, sweep

# Each prepared resident has one visit, so "counted in the resident's health summary" is
# "visits_completed reached 1".
COUNTED = {"health.visits_completed": {"$gte": 1}}


def prepare(gateway, token, count):
    """Residents (one visit each, so each completion has its own visible effect) and their
    scheduled visits: {visit id: resident id}. Not timed."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def post(path, body):
        response = session.post(gateway + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    community = post("/v1/communities", {"name": "基准社区"})
    compound = post("/v1/compounds", {"community_id": community["id"], "name": "基准小区"})
    household = post("/v1/households", {"compound_id": compound["id"], "address": "1栋101"})
    visits = {}
    for index in range(count):
        resident = post("/v1/residents", {"household_id": household["id"],
                                          "name": f"居民{index}", "birth_date": "1950-01-01"})
        visit = post("/v1/visits", {"resident_id": resident["id"],
                                    "scheduled_for": "2026-12-01T09:00:00+08:00"})
        visits[visit["id"]] = resident["id"]
    return visits


COMPLETION = {"symptoms": ["头晕"], "checks": {"blood_pressure": "135/85"},
              "medicines_dispensed": [{"name": "降压药", "quantity": 2},
                                      {"name": "钙片", "quantity": 1}]}


def plan_prepared(mongo_uri, db_prefix):
    """Run health's follow-up sweep once, untimed, so the monthly plans of the residents just
    prepared are made before the timed run (health's timer would otherwise make them at a
    random moment, inside the run or not: work caused by the preparation, not by visits)."""
    client = pymongo.MongoClient(mongo_uri)
    try:
        return sweep.run_follow_up_sweep(client[f"{db_prefix}_health"], followups.local_today())
    finally:
        client.close()


def run(gateway, token, mongo_uri, db_prefix, visits, clients, timeout=120, tenant="bench"):
    # Metrics keys its visit facts by tenant and visit id (services/metrics/store.py).
    watcher = VisibilityWatcher(mongo_uri, {
        "resident": Target(f"{db_prefix}_residents", "residents", visits, COUNTED),
        "metrics": Target(f"{db_prefix}_metrics", "visit_facts",
                          {visit_id: f"{tenant}:{visit_id}" for visit_id in visits})}, ())
    watcher.start()
    answered, failures = {}, []
    lock = threading.Lock()
    queue = list(visits)

    def client():
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        while True:
            with lock:
                if not queue:
                    return
                visit_id = queue.pop()
            response = session.post(f"{gateway}/v1/visits/{visit_id}/complete",
                                    json=COMPLETION, timeout=30)
            with lock:
                if response.status_code == 200:
                    answered[visit_id] = time.monotonic()
                    watcher.expect(visit_id)
                else:
                    failures.append(response.status_code)

    started = time.monotonic()
    run_threads(clients, client)
    return measured(watcher, started, answered, failures, timeout)


def run_threads(count, target):
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measured(watcher, started, answered, failures, timeout):
    """Wait until every answered completion is visible everywhere, then sum up."""
    complete = watcher.wait_for(answered, timeout)
    watcher.stop()
    return summarise(started, answered, watcher.seen, complete, failures)


def summarise(started, answered, seen, complete, failures):
    both = [max(seen["resident"][v], seen["metrics"][v]) for v in answered
            if v in seen["resident"] and v in seen["metrics"]]
    elapsed = (max(both) - started) if both else None
    return {
        "completions": len(answered), "failures": len(failures), "all_visible": complete,
        "seconds": round(elapsed, 3) if elapsed else None,
        "per_second": round(len(both) / elapsed, 1) if elapsed else 0.0,
        "to_resident": latency_summary([seen["resident"][v] - t for v, t in answered.items()
                                        if v in seen["resident"]]),
        "to_metrics": latency_summary([seen["metrics"][v] - t for v, t in answered.items()
                                       if v in seen["metrics"]]),
    }
