"""Faults of whole processes, on real processes, broker and store, each bounded in time:

* a consumer SIGKILLed while 500 visit_completed events flow, then restarted: each applied once;
* the store stopped while requests arrive: 503 with Retry-After, no crash, served again after;
* the broker dropping every connection while the gateway takes writes: each 2xx is reflected
  in the other services, each 5xx left no trace, nothing is written twice.

Each prints a one-line summary of its figures (run with -s to see them)."""
import signal
import threading
import time
import uuid

import pytest
from kombu import Connection, Exchange

from contracts import new_event
from tests.faults.conftest import close_connections, get_json, handled, until
from tests.platform import hierarchy, new_resident, staff

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
HEALTH_EVENTS = Exchange("health.events", type="topic", durable=True)
WRITES_PER_CLIENT = 50


def completed_event(api, resident, n):
    event = new_event("health.visit_completed", {
        "visit_id": f"flow-{uuid.uuid4().hex[:10]}-{n}", "resident_id": resident["id"],
        "community_id": resident["community_id"], "completed_at": "2026-11-20T01:00:00.000+00:00",
        "medicine_packages": 1, "recorded_by": "hospital",
        "medicines_dispensed": [{"name": "降压药", "quantity": 1}]})
    return {**event, "tenant": api.tenant, "correlation_id": f"flow-{n}",
            "actor": {"id": "hospital", "roles": ["hospital"]}}


def test_a_consumer_killed_mid_flow_applies_each_of_500_events_once(faulty):
    api = staff(faulty.urls["gateway"])
    resident = new_resident(api, "李大爷", "1946-03-02")
    sent = 500
    events = [completed_event(api, resident, n) for n in range(sent)]
    before = handled(faulty.urls["residents"], "residents.on_visit_completed")

    def publish_all():
        with Connection(faulty.env["GONGZHI_AMQP_URI"],
                        transport_options={"confirm_publish": True}) as connection:
            producer = connection.Producer()
            for event in events:
                producer.publish(event, exchange=HEALTH_EVENTS, routing_key="visit_completed",
                                 serializer="json", retry=True)

    publisher = threading.Thread(target=publish_all)
    publisher.start()
    # kill both consumers of visit_completed once the residents one is well into the flow
    assert until(lambda: handled(faulty.urls["residents"], "residents.on_visit_completed")
                 - before >= 60, timeout=60), "the flow did not start"
    faulty.kill("residents")
    faulty.kill("metrics")
    publisher.join(60)
    assert not publisher.is_alive()
    faulty.start("residents")
    faulty.start("metrics")

    def counted():
        body = api.get(f"/v1/residents/{resident['id']}").json()["health"]
        summary = api.get("/v1/metrics/summary").json()
        return body["visits_completed"] == sent and summary["visits_completed"] == sent \
            and (body, summary)

    result = until(counted, timeout=120, interval=0.5)
    body = api.get(f"/v1/residents/{resident['id']}").json()["health"]
    summary = api.get("/v1/metrics/summary").json()
    redelivered = handled(faulty.urls["residents"], "residents.on_visit_completed",
                          ("duplicate",))
    print(f"\n[sigkill consumers] sent={sent} applied_residents={body['visits_completed']} "
          f"applied_metrics={summary['visits_completed']} "
          f"medicine_packages={body['medicine_packages']}/{summary['medicine_packages']} "
          f"redelivered_after_restart={redelivered:g} "
          f"duplicated={max(0, body['visits_completed'] - sent)} "
          f"lost={max(0, sent - body['visits_completed'])}")
    assert result, (body, summary)
    assert body["medicine_packages"] == sent and summary["medicine_packages"] == sent


def test_a_stopped_store_gives_503s_then_everything_is_served_again(faulty):
    api = staff(faulty.urls["gateway"])
    _, _, household = hierarchy(api)
    before = api.created("/v1/residents", {"household_id": household["id"], "name": "王奶奶",
                                           "birth_date": "1941-09-03"})
    faulty.kill("store")
    statuses = []
    try:
        for n in range(4):
            read = api.get(f"/v1/residents/{before['id']}")
            write = api.post("/v1/residents", {"household_id": household["id"],
                                               "name": f"停机{n}", "birth_date": "1950-01-01"},
                             headers={"Idempotency-Key": f"outage-{n}"})
            for response in (read, write):
                statuses.append(response.status_code)
                assert response.status_code == 503, response.text
                assert response.headers["Content-Type"].startswith("application/problem+json")
                assert response.headers.get("Retry-After")
        ready = get_json(faulty.urls["residents"] + "/health/ready")
        assert ready is None  # 503 while the store is away
        assert faulty.alive("residents", "health", "metrics", "gateway")
    finally:
        faulty.start_store()
    served = until(lambda: api.get(f"/v1/residents/{before['id']}").status_code == 200,
                   timeout=60, interval=0.5)
    assert served, "not served again after the store came back"
    after = api.post("/v1/residents", {"household_id": household["id"], "name": "韩阿姨",
                                       "birth_date": "1972-10-10"})
    assert after.status_code == 201, after.text
    names = {row["name"] for row in api.get("/v1/residents").json()["items"]}
    assert names == {"王奶奶", "韩阿姨"}  # no write made during the outage left a trace
    assert until(lambda: api.get("/v1/metrics/summary").json()["residents_registered"] == 2,
                 timeout=30)
    print(f"\n[store stopped] requests={len(statuses)} 503={statuses.count(503)} "
          f"other={len(statuses) - statuses.count(503)} crashed=0 writes_during_outage_stored=0 "
          f"served_again=yes")


def test_broker_connections_dropped_during_writes_lose_and_duplicate_nothing(faulty):
    api = staff(faulty.urls["gateway"])
    _, _, household = hierarchy(api)
    outcomes = {}
    stop = threading.Event()

    def writer(worker):
        n = 0
        while not stop.is_set() and n < WRITES_PER_CLIENT:
            name = f"居民{worker}-{n}"
            try:
                response = api.post("/v1/residents", {
                    "household_id": household["id"], "name": name, "birth_date": "1950-05-05"},
                    timeout=30)
                outcomes[name] = response.status_code
                if response.status_code >= 500:
                    assert response.headers["Content-Type"].startswith(
                        "application/problem+json")
            except Exception as exc:  # a client error is a failure too: record it
                outcomes[name] = repr(exc)
            n += 1

    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in writers:
        thread.start()
    closed = 0
    try:
        for mark in (20, 70, 120):  # three drops while the writes flow
            until(lambda: len(outcomes) >= mark, timeout=60)
            closed += close_connections(faulty.vhost)
    finally:
        stop.set()
        for thread in writers:
            thread.join(60)
    ok = sorted(name for name, status in outcomes.items() if status in (200, 201))
    failed = sorted(name for name, status in outcomes.items() if status not in (200, 201))
    assert all(isinstance(outcomes[name], int) and outcomes[name] >= 500 for name in failed), \
        {name: outcomes[name] for name in failed}

    def stored():
        rows, cursor = [], None
        while True:
            page = api.get("/v1/residents", params={"limit": 200, **({"cursor": cursor}
                                                                      if cursor else {})}).json()
            rows += page["items"]
            cursor = page["next"]
            if not cursor:
                return [row["name"] for row in rows]

    names = until(lambda: (lambda found: found if len(found) >= len(ok) else None)(stored()),
                  timeout=60) or stored()
    duplicated = len(names) - len(set(names))
    traces_of_5xx = sorted(set(names) & set(failed))
    lost = sorted(set(ok) - set(names))
    reflected = until(lambda: api.get("/v1/metrics/summary").json()["residents_registered"]
                      == len(set(names)), timeout=60, interval=0.5)
    print(f"\n[broker connections closed x{closed}] writes={len(outcomes)} 2xx={len(ok)} "
          f"5xx={len(failed)} stored={len(names)} duplicated={duplicated} lost={len(lost)} "
          f"5xx_with_trace={len(traces_of_5xx)} metrics_reflected={bool(reflected)}")
    assert closed > 0
    assert duplicated == 0 and lost == [] and traces_of_5xx == []
    assert reflected
    assert faulty.alive("residents", "health", "metrics", "gateway")


def test_sigterm_lets_in_flight_work_finish_and_always_exits(faulty):
    api = staff(faulty.urls["gateway"])
    resident = new_resident(api, "张大妈", "1948-08-08")
    sent = 150
    before = handled(faulty.urls["residents"], "residents.on_visit_completed")
    with Connection(faulty.env["GONGZHI_AMQP_URI"],
                    transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for n in range(sent):
            producer.publish(completed_event(api, resident, n), exchange=HEALTH_EVENTS,
                             routing_key="visit_completed", serializer="json", retry=True)
    assert until(lambda: handled(faulty.urls["residents"], "residents.on_visit_completed")
                 - before >= 20, timeout=60), "the flow did not start"
    process = faulty.processes.pop("residents")
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(60)
    stopped_in = time.monotonic() - started
    faulty.start("residents")
    counted = until(lambda: api.get(f"/v1/residents/{resident['id']}").json()["health"]
                    ["visits_completed"] == sent, timeout=90, interval=0.5)
    body = api.get(f"/v1/residents/{resident['id']}").json()["health"]
    print(f"\n[sigterm consumer] sent={sent} exit_code={code} stopped_in={stopped_in:.1f}s "
          f"applied={body['visits_completed']} duplicated={max(0, body['visits_completed'] - sent)} "
          f"lost={max(0, sent - body['visits_completed'])}")
    assert code == 0 and stopped_in < 30
    assert counted and body["medicine_packages"] == sent
