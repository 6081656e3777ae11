"""The overdue sweep: flag needs whose deadline passed unmet (respond_by while still
received; resolve_by while still open) and publish `council.need_overdue`, once per need.

Safe with any number of concurrent sweepers: the flag is a conditional write (`overdue` still
false, version unchanged) carrying its event in the same write (outbox), so only one sweeper's
write matches. Runs on a timer in every council replica (GONGZHI_NEED_SWEEP_SECONDS) and by
hand for any instant, for operators and tests:

    python -m services.council.needs.sweep --now 2026-12-08T10:00:00+08:00 [--tenant hongwei]

Events it writes go out through the outbox relay of the running council service."""
import argparse
import json
from datetime import datetime

from chassis import clock, context
from chassis.config import Settings
from chassis.context import Call
from chassis.mongo import connect
from chassis.tenancy import TenantDatabase
from services.council.needs import domain, store, transitions

SWEEPER = "need-sweep"


def tenants(raw):
    return sorted(t for t in raw[store.NEEDS].distinct("tenant") if t)


def system_db(raw, tenant, on_events=None):
    data = {}
    context.bind(data, tenant=tenant, actor=SWEEPER, roles=["system"])
    return TenantDatabase(raw, Call(data), on_events)


def missed(need, now_iso):
    if need["status"] == "received" and need["respond_by"] <= now_iso:
        return "respond"
    return "resolve"


def sweep_tenant(db, now_iso):
    flagged = 0
    for need in store.late(db, now_iso):
        what = missed(need, now_iso)
        entry = {"status": need["status"], "at": now_iso, "by": domain.SYSTEM,
                 "note": "超时未响应" if what == "respond" else "超时未办结"}
        changes = {"overdue": True, "overdue_at": now_iso, "missed": what,
                   "version": need["version"] + 1, "history": [*need["history"], entry]}
        event = transitions.event("council.need_overdue", {**need, **changes}, missed=what)
        flagged += store.flag_overdue(db, need, changes, event)
    return flagged


def run_need_sweep(raw, now: datetime, only_tenants=None, on_events=None):
    now_iso = clock.iso(now)
    return {tenant: sweep_tenant(system_db(raw, tenant, on_events), now_iso)
            for tenant in (only_tenants or tenants(raw))}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the needs' overdue sweep once.")
    parser.add_argument("--now", type=datetime.fromisoformat, default=None,
                        help="the instant to sweep as, ISO 8601 with offset (default: now)")
    parser.add_argument("--tenant", action="append", help="only these tenants")
    args = parser.parse_args(argv)
    settings = Settings()
    client = connect(settings.mongo_uri)
    now = args.now or clock.utcnow()
    try:
        results = run_need_sweep(client[settings.database_name("council")], now, args.tenant)
    finally:
        client.close()
    print(json.dumps({"now": clock.iso(now), "flagged": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
