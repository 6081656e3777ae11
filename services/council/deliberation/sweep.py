"""The deliberation sweep: record every open and close the clock has called for, in every
tenant. Safe with any number of concurrent sweepers (conditional updates, events in the
same write), so every council replica runs it on a timer (GONGZHI_DELIBERATION_SWEEP_SECONDS).

Operators and tests run it once for a chosen moment (a later moment closes what it names:
a status never moves back):

    python -m services.council.deliberation.sweep [--now 2026-12-08T12:00:00+08:00] [--tenant hongwei]

The events it writes go out through the outbox relay of the running council service."""
import argparse
import json
from datetime import datetime

from chassis import clock, context
from chassis.config import Settings
from chassis.context import Call
from chassis.mongo import connect
from chassis.tenancy import TenantDatabase
from services.council.deliberation import lifecycle, store

SWEEPER = "deliberation-sweep"


def system_db(raw, tenant, on_events=None):
    data = {}
    context.bind(data, tenant=tenant, actor=SWEEPER, roles=["system"])
    return TenantDatabase(raw, Call(data), on_events)


def sweep_tenant(db, now, count_households):
    moved = 0
    for deliberation in store.deliberations_to_move(db, now):
        _, made = lifecycle.moves_made(db, deliberation, now,
                                       lambda community, compound: count_households(
                                           db.tenant, community, compound))
        moved += made
    return moved


def run_sweep(raw, now, count_households, only_tenants=None, on_events=None):
    """`count_households(tenant, community_id, compound_id)`; returns moves per tenant."""
    return {tenant: sweep_tenant(system_db(raw, tenant, on_events), now, count_households)
            for tenant in only_tenants or store.tenants(raw)}


def main(argv=None):
    from nameko.standalone.rpc import ClusterRpcProxy

    parser = argparse.ArgumentParser(description="Run the deliberation sweep once.")
    parser.add_argument("--now", type=datetime.fromisoformat, default=None,
                        help="the moment to sweep as (ISO 8601 with offset; default: now)")
    parser.add_argument("--tenant", action="append", help="only these tenants")
    args = parser.parse_args(argv)
    settings = Settings()
    now = clock.iso(args.now) if args.now else clock.now_iso()
    client = connect(settings.mongo_uri)

    def count_households(tenant, community_id, compound_id):
        data = {}
        context.bind(data, tenant=tenant, actor=SWEEPER, roles=["system"])
        with ClusterRpcProxy({"AMQP_URI": settings.amqp_uri}, context_data=data,
                             timeout=settings.rpc_timeout) as cluster:
            return cluster.residents.count_households(community_id, compound_id)

    try:
        results = run_sweep(client[settings.database_name("council")], now, count_households,
                            args.tenant)
    finally:
        client.close()
    print(json.dumps({"now": now, "moved": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
