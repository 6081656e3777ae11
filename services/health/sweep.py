"""The follow-up sweep: create this month's standing plan visits and move follow-ups on by
date (pending -> due -> overdue). Safe with any number of concurrent sweepers: every creation
is an insert under a deterministic id and every move a conditional update, each carrying its
event in the same write (outbox), so nothing is created or flagged twice.

Runs on a timer in every health replica (GONGZHI_FOLLOW_UP_SWEEP_SECONDS) and by hand with a
chosen day, for operators and tests:

    python -m services.health.sweep --today 2026-12-01 [--tenant hongwei]

Events it writes go out through the outbox relay of the running health service."""
import argparse
import json
from datetime import date

from chassis import clock, context
from chassis.config import Settings
from chassis.context import Call
from chassis.mongo import connect
from chassis.tenancy import TenantDatabase
from contracts import new_event
from services.health import followups, store

SWEEPER = "follow-up-sweep"


def tenants(raw):
    found = set()
    for name in (store.FOLLOW_UPS, store.CARE_PLANS):
        found.update(t for t in raw[name].distinct("tenant") if t)
    return sorted(found)


def system_db(raw, tenant, on_events=None):
    data = {}
    context.bind(data, tenant=tenant, actor=SWEEPER, roles=["system"])
    return TenantDatabase(raw, Call(data), on_events)


def follow_up_event(follow_up):
    return new_event("health.follow_up_changed", followups.changed_event_data(follow_up))


def sweep_tenant(db, today: date):
    created = moved = 0
    month = f"{today:%Y-%m}"
    for plan in store.plans_to_make(db, month):
        if followups.plan_eligible(plan, today):
            follow_up = followups.monthly_plan(plan, today)
            visit = store.completed_visit_since(db, plan["_id"],
                                                followups.month_start_instant(today))
            if visit is not None:  # seen this month already
                follow_up = followups.already_done(follow_up, visit)
            created += store.add_follow_up(db, follow_up, follow_up_event(follow_up))
        store.plan_made(db, plan["_id"], month)  # looked at for this month, eligible or not
    for follow_up in store.follow_ups_to_move(db, today.isoformat()):
        status = followups.status_on(today, follow_up["due_on"], follow_up["overdue_after"])
        if status == follow_up["status"]:
            continue
        now = clock.now_iso()
        moved += store.move_follow_up(
            db, follow_up["_id"], follow_up["status"],
            {"status": status, "updated_at": now, f"{status}_at": now},
            follow_up_event({**follow_up, "status": status}))
    return {"created": created, "moved": moved}


def run_follow_up_sweep(raw, today: date, only_tenants=None, on_events=None):
    """Sweep every tenant (or the ones named); returns what this sweeper changed per tenant."""
    results = {}
    for tenant in only_tenants or tenants(raw):
        results[tenant] = sweep_tenant(system_db(raw, tenant, on_events), today)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the follow-up sweep once.")
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the local day to sweep as (default: today, UTC+8)")
    parser.add_argument("--tenant", action="append", help="only these tenants")
    args = parser.parse_args(argv)
    settings = Settings()
    client = connect(settings.mongo_uri)
    try:
        raw = client[settings.database_name("health")]
        today = args.today or followups.local_today()
        results = run_follow_up_sweep(raw, today, args.tenant)
    finally:
        client.close()
    print(json.dumps({"today": today.isoformat(), "tenants": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
