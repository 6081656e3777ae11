"""With the broker away, writes still succeed and their events wait in the outbox (visible in
/health/ready and /metrics); when it is back they are published, in order per aggregate."""
import json
import uuid
from dataclasses import replace

import pytest
import requests
from kombu import Connection, Exchange, Queue
from nameko.testing.services import entrypoint_hook

from chassis import context
from services.residents.service import ResidentsService
from tests.faults.proxy import BrokerProxy
from tests.infra import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture
def proxy():
    running = BrokerProxy()
    running.up()
    yield running
    running.down()


def test_events_wait_in_the_outbox_while_the_broker_is_away(proxy, container_factory, settings):
    vhost = settings.amqp_uri.rsplit("/", 1)[1]
    through_proxy = replace(settings, amqp_uri=proxy.uri(vhost))
    container = container_factory(ResidentsService, through_proxy.nameko_config())
    container.start()
    try:
        run_the_outage(container, settings, through_proxy, proxy)
    finally:  # stop it while "the broker" answers (nameko's teardown comes after the proxy's)
        if not proxy.listening:
            proxy.up()
        container.stop()


def run_the_outage(container, settings, through_proxy, proxy):
    tenant = f"sd-{uuid.uuid4().hex[:6]}"
    data = {}
    context.bind(data, tenant=tenant, actor="staff-1", roles=["community_staff"])

    def call(method, *args):
        with entrypoint_hook(container, method, context_data=data) as hook:
            return hook(*args)

    community = call("create_community", {"name": "凯旋社区"})
    compound = call("create_compound", {"community_id": community["id"], "name": "永光新村"})
    home = call("create_household", {"compound_id": compound["id"], "address": "3栋101"})
    # the household's own event (household_registered) goes out before the outage
    address = through_proxy.nameko_config()["WEB_SERVER_ADDRESS"]
    wait_until(lambda: json.loads(requests.get(f"http://{address}/health/ready", timeout=30)
                                  .text)["checks"].get("outbox_backlog") == 0,
               what="the household's event published")
    # a witness queue on the real broker sees every residents event
    witness = Queue(f"witness-{uuid.uuid4().hex[:6]}", durable=False, auto_delete=False,
                    exchange=Exchange("residents.events", type="topic", durable=True),
                    routing_key="#")
    with Connection(settings.amqp_uri) as connection:
        witness(connection.channel()).declare()

    proxy.down()
    ids = []
    for n in range(5):  # each resident: registered, then updated twice (three events in order)
        resident = call("register_resident", {"household_id": home["id"], "name": f"居民{n}",
                                              "birth_date": "1950-01-01"})
        call("update_resident", resident["id"], {"name": f"居民{n}甲"})
        call("update_resident", resident["id"], {"name": f"居民{n}乙"})
        ids.append(resident["id"])
    address = through_proxy.nameko_config()["WEB_SERVER_ADDRESS"]
    ready = requests.get(f"http://{address}/health/ready", timeout=30)
    assert ready.status_code == 503
    waiting = json.loads(ready.text)["checks"]
    assert waiting["broker"] != "ok" and waiting["outbox_backlog"] == 5
    gauge = [line for line in requests.get(f"http://{address}/metrics", timeout=30).text
             .splitlines() if line.startswith('gongzhi_outbox_backlog{service="residents"}')]
    assert gauge and float(gauge[0].rsplit(" ", 1)[1]) == 5

    proxy.up()
    received = []
    with Connection(settings.amqp_uri) as connection:
        channel = connection.channel()

        def drain():
            while (message := channel.basic_get(witness.name, no_ack=True)) is not None:
                received.append(json.loads(message.body))
            return len([e for e in received if e["tenant"] == tenant]) >= 15

        wait_until(drain, timeout=60, interval=0.2, what="15 events after the broker came back")
        channel.queue_delete(witness.name)
    mine = [event for event in received if event["tenant"] == tenant]
    for resident_id in ids:
        story = [(e["type"], e["data"].get("changes", {}).get("name")) for e in mine
                 if e["data"]["resident_id"] == resident_id]
        assert [kind for kind, _ in story] == ["residents.resident_registered",
                                               "residents.resident_updated",
                                               "residents.resident_updated"], story
        assert story[1][1].endswith("甲") and story[2][1].endswith("乙")
    wait_until(lambda: json.loads(requests.get(f"http://{address}/health/ready", timeout=30)
                                  .text)["checks"].get("outbox_backlog") == 0, timeout=30,
               what="the outbox empty")
    ids_seen = [event["event_id"] for event in mine]
    print(f"\n[broker away, outbox] writes=15 documents_waiting=5 events_waiting=15 published={len(mine)} "
          f"duplicated={len(ids_seen) - len(set(ids_seen))} lost={15 - len(set(ids_seen))} "
          f"in_order_per_resident=yes")
