"""How read costs grow with a tenant's size: `python -m bench.growth [--sizes 1000,10000,100000]`
(also `make bench ARGS="--parts growth"`).

One nx-27017 store process; per size, a tenant of its own is bulk-loaded straight into the
stores (raw insert_many, no events: loading 100,000 residents through the API would take
an hour) in the shapes the services write: residents (in households of 2.5, communities of
at most 5,000 residents, 10 grids each), their timeline, one completed visit per two
residents, a follow-up per ten visits, door-knocks for 30% of households this week, a need
per 50 residents; the metrics facts and council's registry projection to match. Then each
operation runs through the services' own store/domain code in this process (the cost the
service would pay, without the RPC hop), repeated, and we report wall ms and the store
process's CPU ms per call. Writes bench/out/growth.json; prints a table."""
import argparse
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pymongo
import requests

from chassis.context import Call, bind
from chassis.tenancy import TenantDatabase
from devstack.launcher import Platform, free_port, store_command, wait_for_port
from gateway import tokens
from services.residents import store as residents_store

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "秀英桂兰玉兰淑珍建国建华志强伟明丽娟海燕小红文杰俊杰晓东春梅国庆德胜秋菊凤英子豪梓涵浩然雨萱一诺欣怡宇轩思远嘉怡"
COMMUNITY_CAP = 5_000
ACTOR = {"id": "bench-staff", "roles": ["community_staff"]}
OPS = ("summary_refresh", "summary_by_aggregation", "search_by_name", "search_by_tag", "timeline",
       "coverage", "coverage_by_reading_everything")
OUT = Path("bench/out")
SECRET = "bench-secret-of-at-least-thirty-two-bytes"
RSS_CALLS = 20  # HTTP calls per operation before the services' RSS is read


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


class ServicesOnTheStore:
    """Issue 15 target 4: the platform's services on this store. Started before any tenant is
    loaded (a service ensures its indexes at start, which on 100,000 loaded residents takes
    the stand-in longer than the services' store timeouts); `rss` then drives each growth
    operation through the gateway over HTTP for one tenant and reads every service's RSS."""

    def __init__(self, port, prefix):
        self.vhost = f"gongzhi-growth-{uuid.uuid4().hex[:6]}"
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", self.vhost], check=True,
                       capture_output=True)
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", self.vhost, "guest",
                        ".*", ".*", ".*"], check=True, capture_output=True)
        env = {**os.environ,
               "GONGZHI_AMQP_URI": f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}",
               "GONGZHI_MONGO_URI": f"mongodb://127.0.0.1:{port}/?directConnection=true",
               "GONGZHI_DB_PREFIX": prefix, "GONGZHI_JWT_SECRET": SECRET,
               "GONGZHI_LOG_LEVEL": "WARNING"}
        self.running = Platform(env=env, log_dir=OUT / "logs")
        try:
            self.gateway = self.running.start_services(timeout=120)
        except BaseException:
            self.stop()
            raise

    def rss(self, tenant, community, names, resident_ids):
        """{"rss_mb": {service: MB}, "http_ms_p50": {operation: ms}}"""
        token = tokens.mint(SECRET, tenant=tenant, sub="bench-staff", roles_=["community_staff"])
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        paths = {
            "summary_refresh": lambda n: "/v1/metrics/summary",
            "search_by_name": lambda n: f"/v1/residents?q={names[n % len(names)]}",
            "search_by_tag": lambda n: "/v1/residents?tag=disabled",
            "timeline": lambda n: f"/v1/residents/{resident_ids[n % len(resident_ids)]}/timeline",
            "coverage": lambda n: f"/v1/outreach/coverage?community_id={community}",
        }
        http_ms = {}
        for op, path in paths.items():
            walls = []
            for n in range(RSS_CALLS):
                started = time.perf_counter()
                session.get(self.gateway + path(n), timeout=120).raise_for_status()
                walls.append((time.perf_counter() - started) * 1000)
            http_ms[op] = round(statistics.median(walls), 1)
        return {"rss_mb": {name: rss_mb(process.pid)
                           for name, process in self.running.processes.items()},
                "http_ms_p50": http_ms}

    def stop(self):
        self.running.stop()
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], capture_output=True)


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def iso(moment):
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def name_of(rng):
    given = GIVEN[rng.randrange(len(GIVEN) // 2) * 2:][:rng.choice((1, 2))]
    return rng.choice(SURNAMES) + given


def tenant_data(tenant, size, rng, now):
    """Every document of one tenant, by (database suffix, collection)."""
    docs = {}

    def put(where, doc):
        docs.setdefault(where, []).append({"tenant": tenant, **doc})

    communities = [f"{tenant}-c{i}" for i in range(max(1, -(-size // COMMUNITY_CAP)))]
    week = "{}-W{:02d}".format(*datetime.now(timezone(timedelta(hours=8))).isocalendar()[:2])
    for community in communities:
        put(("residents", "communities"), {"_id": community, "name": f"社区{community}"})
        for g in range(10):
            grid = f"{community}-g{g}"
            put(("residents", "grids"), {"_id": grid, "community_id": community,
                                         "name": f"网格{g}", "worker_subs": []})
            put(("council", "grids"), {"_id": grid, "community_id": community,
                                       "name": f"网格{g}", "worker_subs": []})
    household, members, households = None, 0, []
    for n in range(size):
        community = communities[n * len(communities) // size]
        compound = f"{community}-p{n % 4}"
        if household is None or members >= rng.choice((1, 2, 3, 4)):
            household = {"_id": f"{tenant}-h{n}", "community_id": community,
                         "compound_id": compound, "grid_id": f"{community}-g{rng.randrange(10)}",
                         "address": f"{n % 30 + 1}栋{n % 6 + 1}0{n % 4 + 1}"}
            households.append(household)
            put(("residents", "households"), {**household, "grid": household["grid_id"]})
            put(("council", "households"), household)
            put(("metrics", "household_facts"), {"_id": household["_id"],
                                                 "community_id": community})
            members = 0
        members += 1
        rid = f"{tenant}-r{n}"
        birth = date(1930, 1, 1) + timedelta(days=rng.randrange(90 * 365))
        tags = [t for t, p in (("disabled", 0.05), ("lives_alone", 0.03), ("volunteer", 0.02))
                if rng.random() < p]
        registered = now - timedelta(days=rng.randrange(730), seconds=rng.randrange(86400))
        resident = {"_id": rid, "household_id": household["_id"], "compound_id": compound,
                    "community_id": community, "name": name_of(rng),
                    "birth_date": birth.isoformat(), "gender": rng.choice(("male", "female")),
                    "tags": tags, "registered_at": iso(registered)}
        put(("residents", "timeline"), {"_id": f"e-{uuid.uuid4().hex}", "resident_id": rid,
                                        "community_id": community, "at": iso(registered),
                                        "kind": "registered", "summary": "登记入册",
                                        "source": "residents", "actor": ACTOR})
        put(("metrics", "resident_facts"), {"_id": rid, "community_id": community,
                                            "birth_date": resident["birth_date"],
                                            "registered_at": resident["registered_at"]})
        put(("council", "resident_facts"), {"_id": rid, "household_id": household["_id"],
                                            "community_id": community,
                                            "birth_date": resident["birth_date"],
                                            "lives_alone": "lives_alone" in tags})
        if n % 2 == 0:  # one completed visit per two residents, within the last year
            at = iso(now - timedelta(days=rng.randrange(365), seconds=rng.randrange(86400)))
            vid = f"{tenant}-v{n}"
            packages = rng.randrange(4)
            resident["health"] = {"visits_completed": 1, "medicine_packages": packages,
                                  "last_visit_at": at}
            resident["counted_visits"] = {vid: True}
            put(("residents", "timeline"), {"_id": f"e-{uuid.uuid4().hex}", "resident_id": rid,
                                            "community_id": community, "at": at,
                                            "kind": "home_visit_completed",
                                            "summary": "上门医疗服务完成：头晕",
                                            "source": "health", "actor": ACTOR})
            put(("metrics", "visit_facts"), {"_id": f"{tenant}:{vid}", "visit_id": vid,
                                             "resident_id": rid, "community_id": community,
                                             "completed_at": at, "medicine_packages": packages})
            if n % 20 == 0:
                put(("metrics", "follow_up_facts"), {
                    "_id": f"{tenant}-f{n}", "community_id": community, "resident_id": rid,
                    "status": rng.choice(("pending", "due", "overdue", "done")), "rank": 1})
        if n % 50 == 0:
            received = iso(now - timedelta(days=rng.randrange(90)))
            put(("metrics", "need_facts"), {
                "_id": f"{tenant}-n{n}", "community_id": community, "compound_id": compound,
                "status": "resolved", "unit": "物业", "received_at": received,
                "respond_by": received, "resolve_by": received, "responded_at": received,
                "resolved_at": received, "overdue": False, "reopen_count": 0, "ratings": 1,
                "satisfied_ratings": 1, "version": 3})
        put(("residents", "residents"), resident)
        for key in residents_store._key_docs(tenant, rid, residents_store.search_keys(resident)):
            put(("residents", "search_keys"), key)
    by_grid = {}
    # knocked within this week (a day ago is last week on a Monday)
    from services.council.needs.deadlines import week_bounds
    knocked_at = max(iso(now), week_bounds(week)[0])
    for home in households:
        if rng.random() < 0.3:
            put(("metrics", "knock_facts"), {"_id": f"{tenant}:{week}:{home['_id']}",
                                             "week": week, "community_id": home["community_id"],
                                             "household_id": home["_id"]})
            by_grid.setdefault((home["community_id"], home["grid_id"]), {})[home["_id"]] = knocked_at
    for (community, grid), knocked in by_grid.items():
        put(("council", "coverage_weeks"), {"_id": f"{tenant}:{week}:{grid}", "week": week,
                                            "community_id": community, "grid_id": grid,
                                            "knocked": len(knocked), "households": knocked})
    for where, rows in counter_docs(tenant, docs).items():  # after every fact they count
        docs[where] = rows
    council_worklist(tenant, docs)
    return docs, communities


def council_worklist(tenant, docs):
    """Council's households as its consumers leave them (services/council/households.py,
    ADR 0017): each knocked one's `last_knocked_at`, `alone_from` from its residents, the
    worklist keys, and the household counts per grid, through the same functions."""
    from chassis import clock
    from services.council import household_counts, worklist_keys

    last = {}
    for week in docs.get(("council", "coverage_weeks"), ()):
        for household_id, at in week["households"].items():
            last[household_id] = max(at, last.get(household_id, at))
    residents = {}
    for fact in docs.get(("council", "resident_facts"), ()):
        residents.setdefault(fact["household_id"], []).append(fact)
    shards = {}
    for home in docs.get(("council", "households"), ()):
        if home["_id"] in last:
            home["last_knocked_at"] = last[home["_id"]]
        home["alone_from"] = worklist_keys.alone_from(residents.get(home["_id"], ()))
        home.update(worklist_keys.key_fields(tenant, home, clock.today())[0])
        shard = shards.setdefault(
            household_counts.shard_id(tenant, home["community_id"], home["_id"]),
            household_counts.shard_doc(tenant, home["community_id"], home["_id"]))
        household_counts.add_to_shard(shard, home["_id"], home.get("grid_id"))
    docs[("council", household_counts.COUNTS)] = list(shards.values())


def counter_docs(tenant, docs):
    """The summary counters (services/metrics/counters.py) as its consumers would have left
    them for these facts: built here in their shape (feeding 150,000 events through the
    consumers would take many minutes); `check_counters` compares the answers."""
    from chassis import counter_keys
    from services.metrics import counters, tallies

    cohorts, days, shards = {}, {}, {}
    for fact in docs.get(("metrics", "resident_facts"), ()):
        key = counters._cohort_id(SimpleNamespace(tenant=tenant), fact["community_id"],
                                  fact["birth_date"])
        doc = cohorts.setdefault(key, {"_id": key, "tenant": tenant,
                                       "community_id": fact["community_id"],
                                       "year": counters._year(fact["birth_date"])})
        day = fact["birth_date"]
        doc.setdefault("members", {})[counter_keys.field_key(fact["_id"])] = day
        doc["members_n"] = doc.get("members_n", 0) + 1
        days_of = doc.setdefault("members_days", {})
        days_of[day] = days_of.get(day, 0) + 1
    births = {f["_id"]: f for f in docs.get(("metrics", "resident_facts"), ())}
    for fact in docs.get(("metrics", "visit_facts"), ()):
        day = counters.local_day(fact["completed_at"])
        key = f"{tenant}:{fact['community_id']}:{day}"
        doc = days.setdefault(key, {"_id": key, "tenant": tenant, "day": day,
                                    "community_id": fact["community_id"], "visits": {},
                                    "visits_n": 0, "packages_n": 0})
        doc["visits"][counter_keys.field_key(fact["visit_id"])] = fact["medicine_packages"]
        doc["visits_n"] += 1
        doc["packages_n"] += fact["medicine_packages"]
        shard_id = counters._served_shard_id(SimpleNamespace(tenant=tenant),
                                             fact["community_id"], fact["resident_id"])
        shard = shards.setdefault(shard_id, {"_id": shard_id, "tenant": tenant, "n": 0,
                                             "community_id": fact["community_id"],
                                             "residents": {}})
        if counter_keys.field_key(fact["resident_id"]) not in shard["residents"]:
            shard["residents"][counter_keys.field_key(fact["resident_id"])] = 1
            shard["n"] += 1
        resident = births[fact["resident_id"]]
        cohort = cohorts[counters._cohort_id(SimpleNamespace(tenant=tenant),
                                             resident["community_id"], resident["birth_date"])]
        birth_day = resident["birth_date"]
        if counter_keys.field_key(resident["_id"]) not in cohort.setdefault("served", {}):
            cohort["served"][counter_keys.field_key(resident["_id"])] = birth_day
            cohort["served_n"] = cohort.get("served_n", 0) + 1
            served_days = cohort.setdefault("served_days", {})
            served_days[birth_day] = served_days.get(birth_day, 0) + 1
    built = {counters.COHORTS: list(cohorts.values()),
             counters.VISIT_DAYS: list(days.values()),
             counters.SERVED_SHARDS: list(shards.values())}
    # and their tallies, as the fold leaves them (services/metrics/tallies.py)
    folded = {tallies.tally_collection(name): [tallies.tally_of(doc, *counters.TALLIED[name])
                                               for doc in rows] for name, rows in built.items()}
    return {**{("metrics", name): rows for name, rows in {**built, **folded}.items()},
            **outreach_counter_docs(tenant, docs)}


def outreach_counter_docs(tenant, docs):
    """The need, follow-up, household and knock counters (services/metrics/need_counters.py,
    follow_up_counters.py, household_counters.py) as their consumers would have left them."""
    from chassis import counter_keys
    from services.metrics import follow_up_counters, household_counters, need_counters

    def latest(rows, counter, version):
        shards = {}
        for fact in rows:
            shard_id = counter.shard_id(tenant, fact["community_id"], fact["_id"])
            shard = shards.setdefault(shard_id, {"_id": shard_id, "tenant": tenant, "items": {},
                                                 "community_id": fact["community_id"],
                                                 **{name: 0 for name in counter.FIELDS}})
            part = counter.contribution(fact)
            shard["items"][counter_keys.field_key(fact["_id"])] = {"v": fact[version], "c": part}
            for name, n in part.items():
                shard[name] += n
        return list(shards.values())

    def credited(rows, shard_of, fields):
        shards = {}
        for fact in rows:
            shard_id = shard_of(fact)
            shard = shards.setdefault(shard_id, {"_id": shard_id, "tenant": tenant, "n": 0,
                                                 "households": {}, **fields(fact)})
            shard["households"][counter_keys.field_key(fact["household_id"])] = 1
            shard["n"] += 1
        return list(shards.values())

    homes = [{**f, "household_id": f["_id"]} for f in docs.get(("metrics", "household_facts"), ())]
    return {("metrics", need_counters.SHARDS_COLLECTION): latest(
                docs.get(("metrics", "need_facts"), ()), need_counters, "version"),
            ("metrics", follow_up_counters.SHARDS_COLLECTION): latest(
                docs.get(("metrics", "follow_up_facts"), ()), follow_up_counters, "rank"),
            ("metrics", household_counters.HOUSEHOLD_SHARDS): credited(
                homes, lambda f: household_counters.household_shard_id(
                    tenant, f["community_id"], f["household_id"]),
                lambda f: {"community_id": f["community_id"]}),
            ("metrics", household_counters.KNOCK_SHARDS): credited(
                docs.get(("metrics", "knock_facts"), ()),
                lambda f: household_counters.knock_shard_id(tenant, f["week"], f["community_id"],
                                                            f["household_id"]),
                lambda f: {"community_id": f["community_id"], "week": f["week"]})}


def check_counters(ops):
    """The counted summary must be the aggregated one (ADR 0015), or the figures mean nothing."""
    counted = ops["summary_refresh"]()
    aggregated = ops["summary_by_aggregation"]()
    for figures in (counted, aggregated):
        figures.pop("as_of")
    if counted != aggregated:
        raise SystemExit(f"counters differ from the facts: {counted} != {aggregated}")
    paged, everything = ops["coverage"](), ops["coverage_by_reading_everything"]()
    same = ("week", "households", "knocked", "coverage", "by_grid", "not_knocked_total")
    if ({k: paged[k] for k in same} != {k: everything[k] for k in same}
            or paged["not_knocked"] != everything["not_knocked"][:len(paged["not_knocked"])]):
        raise SystemExit("counted coverage differs from the households read one by one")


def ensure_indexes(client, prefix):
    from services.council import households as council_households
    from services.council.outreach import store as outreach_store
    from services.metrics import activities, outreach, store as metrics_store
    from services.residents import store as residents_store

    residents_store.ensure_indexes(client[f"{prefix}_residents"])
    metrics_store.ensure_indexes(client[f"{prefix}_metrics"])
    outreach.ensure_indexes(client[f"{prefix}_metrics"])
    activities.ensure_indexes(client[f"{prefix}_metrics"])
    council_households.ensure_indexes(client[f"{prefix}_council"])
    outreach_store.ensure_indexes(client[f"{prefix}_council"])
    # what chassis.store.Store also creates at a service's start: on a loaded collection that
    # takes longer than the services' 3 s socket timeout, so here, before the data
    for name in residents_store.OUTBOXED:
        client[f"{prefix}_residents"][name].create_index("_outbox_n")


def load(client, prefix, docs):
    started = time.perf_counter()
    for (database, collection), rows in docs.items():
        target = client[f"{prefix}_{database}"][collection]
        for i in range(0, len(rows), 5000):
            target.insert_many(rows[i:i + 5000], ordered=False)
    return time.perf_counter() - started


def operations(client, prefix, tenant, communities, rng, size):
    """Each operation as a no-argument function through the services' own code."""
    from services.council import households as council_households
    from services.council.outreach import coverage_read
    from services.metrics import store as metrics_store
    from services.metrics.service import MetricsService
    from services.residents import store as residents_store
    from chassis import clock

    data = {}
    bind(data, tenant=tenant, actor="bench", roles=["community_staff"])
    call = Call(data)
    residents = TenantDatabase(client[f"{prefix}_residents"], call,
                               community_scoped=residents_store.COMMUNITY_SCOPED)
    metrics = TenantDatabase(client[f"{prefix}_metrics"], call,
                             community_scoped=metrics_store.COMMUNITY_SCOPED)
    council = TenantDatabase(client[f"{prefix}_council"], call)
    today = clock.today()
    sample = [residents["residents"].find_one({"_id": f"{tenant}-r{rng.randrange(size)}"})
              for _ in range(20)]
    names = [row["name"] for row in sample]
    ids = [row["_id"] for row in sample]
    community = communities[0]
    week = "{}-W{:02d}".format(*datetime.now(timezone(timedelta(hours=8))).isocalendar()[:2])
    picks = iter(range(10**9))

    service = SimpleNamespace(store=metrics)
    service._resident_figures = MetricsService._resident_figures.__get__(service)

    def summary():
        return MetricsService._summary(service, {})

    def summary_by_aggregation():  # the path before the counters: a window covering everything
        everything = {"from_": date(1900, 1, 1), "to": clock.today()}
        return {**MetricsService._summary(service, everything), "from": None, "to": None}

    def by_name():
        return residents_store.search_residents(
            residents, {"q": names[next(picks) % len(names)]}, today, 20, None)

    def by_tag():
        return residents_store.search_residents(residents, {"tag": "disabled"}, today, 20, None)

    def timeline():
        return residents_store.timeline(residents, ids[next(picks) % len(ids)], 20, None)

    def cover():  # the route's default page, as a user would ask for it
        return coverage_read.read(council, week, community, None, 50, None, today, week)

    def cover_by_reading_everything():  # the path before ADR 0017 (another week's today)
        return coverage_read.read(council, week, community, None, 10**6, None, today, None)

    return {"summary_refresh": summary, "summary_by_aggregation": summary_by_aggregation,
            "search_by_name": by_name, "search_by_tag": by_tag,
            "timeline": timeline, "coverage": cover,
            "coverage_by_reading_everything": cover_by_reading_everything}


def measure(fn, store_pid, repeat, seconds):
    fn()  # warm
    walls, cpu_before, started = [], cpu_seconds(store_pid), time.perf_counter()
    while len(walls) < repeat or (time.perf_counter() - started < seconds and len(walls) < 200):
        t = time.perf_counter()
        fn()
        walls.append((time.perf_counter() - t) * 1000)
    store_cpu = (cpu_seconds(store_pid) - cpu_before) * 1000 / len(walls)
    return {"ms_p50": round(statistics.median(walls), 3), "store_cpu_ms": round(store_cpu, 3),
            "calls": len(walls)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.growth")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--ops", default=",".join(OPS), help="a subset, for quick loops")
    parser.add_argument("--no-rss", dest="rss", action="store_false",
                        help="skip starting the services on the largest tenant for their RSS")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    chosen = [op for op in args.ops.split(",") if op]
    OUT.mkdir(parents=True, exist_ok=True)
    # The loaded history ends a day ago: check_counters compares the all-time counters with a
    # window "up to today", which ends at today's end in UTC+8, before now in a UTC evening.
    rng, now = random.Random(15), datetime.now(timezone.utc) - timedelta(days=1)
    port, prefix = free_port(), "growth"
    results = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "load_average": os.getloadavg(), "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(store_command(port, "memory", tmp),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        services = None
        try:
            wait_for_port(port, 30, "the store stand-in")
            client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
            ensure_indexes(client, prefix)
            # search keys are loaded with the residents (with their `seek`): no backfill at
            # the services' start
            for mark in ("search_keys_v2", "search_keys_v3"):
                client[f"{prefix}_residents"]["schema_marks"].update_one(
                    {"_id": mark}, {"$set": {"done": True}}, upsert=True)
            services = ServicesOnTheStore(port, prefix) if args.rss else None
            for size in sizes:
                tenant = f"g{size}"
                docs, communities = tenant_data(tenant, size, rng, now)
                loaded = load(client, prefix, docs)
                print(f"{size}: loaded {sum(map(len, docs.values()))} documents in "
                      f"{loaded:.1f} s", flush=True)
                ops = operations(client, prefix, tenant, communities, rng, size)
                check_counters(ops)
                results["sizes"][size] = {
                    "documents": sum(map(len, docs.values())), "load_s": round(loaded, 1),
                    **{name: measure(fn, server.pid, args.repeat, args.seconds)
                       for name, fn in ops.items() if name in chosen}}
                print(json.dumps(results["sizes"][size], ensure_ascii=False), flush=True)
                if services is not None and size == max(sizes):
                    sample = [client[f"{prefix}_residents"]["residents"].find_one(
                        {"_id": f"{tenant}-r{rng.randrange(size)}"}) for _ in range(20)]
                    found = services.rss(tenant, communities[0], [r["name"] for r in sample],
                                         [r["_id"] for r in sample])
                    results["growth_rss_mb"] = found["rss_mb"]
                    results["growth_http_ms_p50"] = found["http_ms_p50"]
                    print(json.dumps(found, ensure_ascii=False), flush=True)
            client.close()
        finally:
            if services is not None:
                services.stop()
            server.terminate()
            server.wait(timeout=120)
    small, large = results["sizes"].get(min(sizes)), results["sizes"].get(max(sizes))
    results["growth"] = {op: {"ratio_100k_to_1k": round(large[op]["ms_p50"]
                                                        / max(small[op]["ms_p50"], 1e-9), 2),
                              "store_cpu_ratio": round(large[op]["store_cpu_ms"]
                                                       / max(small[op]["store_cpu_ms"], 1e-3), 2)}
                         for op in OPS if op in chosen}
    results["load_average_after"] = os.getloadavg()
    (OUT / "growth.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(table(results))
    return results


def table(results):
    sizes = list(results["sizes"])
    lines = ["| operation | " + " | ".join(f"{s:,} ms p50 (store CPU ms)" for s in sizes)
             + " | ratio largest/smallest |", "| --- |" + " --- |" * (len(sizes) + 1)]
    for op in (op for op in OPS if op in results["growth"]):
        cells = [f"{results['sizes'][s][op]['ms_p50']} ({results['sizes'][s][op]['store_cpu_ms']})"
                 for s in sizes]
        lines.append(f"| {op} | " + " | ".join(cells)
                     + f" | {results['growth'][op]['ratio_100k_to_1k']} |")
    if results.get("growth_rss_mb"):
        lines += ["", f"services on the {max(sizes):,} tenant, after {RSS_CALLS} HTTP calls of "
                      "each operation: RSS MB " + ", ".join(
                          f"{k} {v}" for k, v in results["growth_rss_mb"].items()),
                  "HTTP ms p50: " + ", ".join(f"{k} {v}" for k, v in
                                              results["growth_http_ms_p50"].items())]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
