"""`make bench`: the platform against hand-written baselines, on the same broker and store, in
one run. Prints a table and writes bench/out/results.json.

    python -m bench.run [--visits 300] [--clients 8] [--runs 3] [--read-seconds 3]
                        [--parts pipeline,reads]"""
import argparse
import json
import os
import platform as host
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from bench import activities as signups, baseline, growth, pipeline
from bench.load import run_load
from bench.stats import median_run
from devstack.launcher import Platform, free_port, store_command, wait_for_port
from gateway import tokens

SECRET = "bench-secret-of-at-least-thirty-two-bytes"
OUT = Path("bench/out")
TARGETS = {"pipeline_ratio": 0.8, "pipeline_pair_ratio": 0.7, "read_p99_ms_at_32": 50.0,
           "rss_mb": 120.0, "growth_ratio": 3.0,
           # issue 15 item 2: GET /v1/residents/{id} against the bare @http read, at 32 clients
           "read_cpu_ratio": 2.5, "read_throughput_ratio": 0.5}
READ = "GET /v1/residents/{id}"
BARE = "bare @http store read"


def cpu_seconds(pid):
    """User + system CPU a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU each process spends during a phase, so a ratio can be read as work per completion."""

    def __init__(self, pids):
        self.pids = pids

    def __enter__(self):
        self.before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *exc):
        self.used = {}
        for name, pid in self.pids.items():
            try:
                self.used[name] = round(cpu_seconds(pid) - self.before[name], 2)
            except FileNotFoundError:  # the process ended during the phase: not counted
                pass


def broker_pid():
    """The RabbitMQ node's Erlang VM: not the short-lived, hidden VMs rabbitmqctl starts."""
    listed = subprocess.run(["pgrep", "-a", "-f", "beam.smp"], capture_output=True,
                            text=True).stdout.splitlines()
    nodes = [line.split()[0] for line in listed if " -hidden" not in line]
    return int(nodes[0]) if nodes else None


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)


def save(results):
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


def queued_messages(vhost):
    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "messages"],
                            check=True, capture_output=True, text=True).stdout
    return sum(int(word) for word in listed.split() if word.isdigit())


def settle(vhost, timeout=180):
    """Wait until every queue of the run is empty twice in a row: the events of the untimed
    preparation (registrations, schedulings) must not be consumed inside the timed run."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if queued_messages(vhost) == 0 else 0
        if quiet == 2:
            return
        time.sleep(0.5)
    raise TimeoutError(f"queues of {vhost} did not drain within {timeout}s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--read-seconds", type=float, default=3.0)
    parser.add_argument("--parts", default="pipeline,reads,activities",
                        help="comma-separated: pipeline (with baseline and scaling), reads, "
                             "activities (sign-ups for scarce seats, with baseline); growth "
                             "(1k/10k/100k residents, its own store, ~3 minutes: not a default)")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    OUT.mkdir(parents=True, exist_ok=True)
    grown = {}
    if "growth" in parts:  # its own store and data; no platform processes needed
        found = growth.main([])
        grown = {"growth": found["growth"], "growth_sizes": found["sizes"],
                 "growth_rss_mb": found.get("growth_rss_mb"),
                 "growth_http_ms_p50": found.get("growth_http_ms_p50")}
        save({"date": found["date"], **grown, "verdicts": verdicts(grown)})
        parts.discard("growth")
        if not parts:
            return 0

    vhost = f"gongzhi-bench-{uuid.uuid4().hex[:6]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    store_port = free_port()
    store = subprocess.Popen(store_command(store_port, "memory", OUT),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(store_port, 30, "store")
    mongo_uri = f"mongodb://127.0.0.1:{store_port}/?directConnection=true"
    prefix = "bench"
    env = {**os.environ, "GONGZHI_AMQP_URI": amqp_uri, "GONGZHI_MONGO_URI": mongo_uri,
           "GONGZHI_DB_PREFIX": prefix, "GONGZHI_JWT_SECRET": SECRET,
           "GONGZHI_LOG_LEVEL": "WARNING"}
    running = Platform(env=env, log_dir=OUT / "logs")
    results = {"machine": f"{host.node()} {host.machine()} {os.cpu_count()} cores, "
                          f"Python {host.python_version()}",
               "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "sizes": vars(args), **grown}
    try:
        gateway = running.start_services()
        token = tokens.mint(SECRET, tenant="bench", sub="bench-staff",
                            roles_=["community_staff", "medical_staff"])

        def infra_pids():
            pids = {"store": store.pid, "bench client": os.getpid()}
            if broker_pid():
                pids["broker"] = broker_pid()
            return pids

        def platform_run():
            visits = pipeline.prepare(gateway, token, args.visits)
            pipeline.plan_prepared(mongo_uri, prefix)
            settle(vhost)
            pids = {**infra_pids(), **{n: p.pid for n, p in running.processes.items()}}
            with CpuMeter(pids) as meter:
                run = pipeline.run(gateway, token, mongo_uri, prefix, visits, args.clients)
            return run | {"cpu_seconds": meter.used}

        def baseline_run(number):
            with CpuMeter(infra_pids()) as meter:
                run = baseline.run(amqp_uri, mongo_uri, f"{prefix}{number}", args.visits,
                                   args.clients)
            return run | {"cpu_seconds": meter.used}

        def summary(runs):
            return median_run(runs, "per_second") | {
                "runs_per_second": [r["per_second"] for r in runs]}

        if "pipeline" in parts:
            # Platform and baseline runs alternate, so a slow spell of the machine (it is a
            # shared VM) falls on both sides; the ratio is also given per pair.
            print("pipeline: platform (one residents consumer) and baseline, alternating…",
                  flush=True)
            platform, base = [], []
            for number in range(args.runs):
                platform.append(platform_run())
                base.append(baseline_run(number))
            results["pipeline_platform"] = summary(platform)
            results["pipeline_baseline"] = summary(base)
            results["pipeline_ratio_per_pair"] = [
                round(p["per_second"] / max(b["per_second"], 1e-9), 2)
                for p, b in zip(platform, base)]
            print("pipeline: platform, two residents consumers…", flush=True)
            running.start("residents-2", target="residents")
            results["pipeline_platform_2_residents"] = summary(
                [platform_run() for _ in range(args.runs)])
            save(results)  # a later part that fails must not lose these
        if "reads" in parts:
            print("reads…", flush=True)
            results["reads"] = reads(running, gateway, token, args, infra_pids)
        if "activities" in parts:  # issue 11: sign-ups for scarce seats
            print("activities: 500 sign-ups from 32 clients for 100 seats, and baseline…",
                  flush=True)
            settle(vhost)
            results["activities"] = signups.compare(gateway, token, amqp_uri, mongo_uri, prefix)
            save(results)
        results["rss_mb"] = {name: rss_mb(process.pid)
                             for name, process in running.processes.items()}
    finally:
        running.stop()
        store.terminate()
        store.wait(10)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True)

    results["verdicts"] = verdicts(results)
    save(results)
    print(table(results))
    print(f"\nwritten: {OUT / 'results.json'}")


def reads(running, gateway, token, args, infra_pids):
    """Both gateway reads and the bare @http read, at 1, 8 and 32 clients, median of runs, with
    the CPU the serving side (services, store, broker) spent per request: a figure that holds
    even when something else shares the machine. The endpoints' runs alternate (one of each,
    then the next round), so a slow spell of the shared machine falls on all of them; the
    resident read's CPU and throughput ratios to the bare read are also given per round."""
    if not _any_resident(gateway, token):
        pipeline.prepare(gateway, token, 1)
    resident_id = _any_resident(gateway, token)
    running.start("bare", target="bench.bare_service:BareService")
    auth = {"Authorization": f"Bearer {token}"}
    endpoints = {
        READ: (f"{gateway}/v1/residents/{resident_id}", auth),
        "GET /v1/metrics/summary": (f"{gateway}/v1/metrics/summary", auth),
        BARE: (f"{running.urls['bare']}/bare/residents/{resident_id}", {}),
    }

    def measured(url, headers, clients):
        pids = {name: pid for name, pid in infra_pids().items() if name != "bench client"}
        pids |= {name: process.pid for name, process in running.processes.items()}
        with CpuMeter(pids) as meter:
            found = run_load(url, headers, clients, args.read_seconds)
        # wrk's warm-up runs inside the meter too, so divide by the requests of both phases
        served = found["requests"] * (1 + 1.0 / args.read_seconds)
        per_request = {name: round(used * 1000 / max(served, 1), 2)
                       for name, used in meter.used.items()}
        return found | {"cpu_ms_per_request": round(sum(per_request.values()), 2),
                        "cpu_ms_per_request_by_process": per_request}

    runs = {label: {clients: [] for clients in (1, 8, 32)} for label in endpoints}
    for clients in (1, 8, 32):
        for _ in range(args.runs):
            for label, (url, headers) in endpoints.items():
                runs[label][clients].append(measured(url, headers, clients))
    found = {label: [median_run(by_clients[clients], "rps") for clients in (1, 8, 32)]
             for label, by_clients in runs.items()}
    found["ratios_per_round_at_32"] = [
        {"cpu": round(read["cpu_ms_per_request"] / max(bare["cpu_ms_per_request"], 1e-9), 2),
         "throughput": round(read["rps"] / max(bare["rps"], 1e-9), 2)}
        for read, bare in zip(runs[READ][32], runs[BARE][32])]
    return found


def _any_resident(gateway, token):
    import requests

    response = requests.get(f"{gateway}/v1/residents?limit=1",
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)
    items = response.json()["items"]
    return items[0]["id"] if items else None


def verdicts(results):
    """Each target: the figure and whether it holds (None where that part did not run)."""
    found = {}
    if "pipeline_platform" in results:
        ratio = (results["pipeline_platform"]["per_second"]
                 / max(results["pipeline_baseline"]["per_second"], 1e-9))
        found["pipeline_ratio"] = round(ratio, 2)
        found["pipeline_ratio_holds"] = ratio >= TARGETS["pipeline_ratio"]
        pairs = results.get("pipeline_ratio_per_pair") or []
        found["pipeline_pairs_hold"] = bool(pairs) and min(pairs) >= TARGETS["pipeline_pair_ratio"]
    if "reads" in results:
        worst_p99 = max(row[-1]["p99_ms"] or float("inf")
                        for label, row in results["reads"].items() if label.startswith("GET"))
        found["read_p99_ms_at_32"] = worst_p99
        found["read_p99_holds"] = worst_p99 < TARGETS["read_p99_ms_at_32"]
        read, bare = results["reads"][READ][-1], results["reads"][BARE][-1]  # 32 clients
        cpu = read["cpu_ms_per_request"] / max(bare["cpu_ms_per_request"], 1e-9)
        found["read_cpu_ratio"] = round(cpu, 2)
        found["read_cpu_ratio_holds"] = cpu <= TARGETS["read_cpu_ratio"]
        throughput = read["rps"] / max(bare["rps"], 1e-9)
        found["read_throughput_ratio"] = round(throughput, 2)
        found["read_throughput_ratio_holds"] = throughput >= TARGETS["read_throughput_ratio"]
    if "activities" in results:
        found["signup_ratio"] = results["activities"]["ratio"]
        found["signup_ratio_holds"] = results["activities"]["ratio"] >= 0.5
        found["signup_exactly_100_confirmed"] = results["activities"]["exactly_seats_confirmed"]
    if "rss_mb" in results:
        biggest = max(v for k, v in results["rss_mb"].items() if k != "bare")
        found["largest_rss_mb"] = biggest
        found["rss_holds"] = biggest < TARGETS["rss_mb"]
    if "growth" in results:  # issue 15 targets 3 and 4
        for op, figures in results["growth"].items():
            if op == "summary_by_aggregation":  # the path before the counters, for comparison
                continue
            found[f"growth_{op}_ratio"] = figures["ratio_100k_to_1k"]
            found[f"growth_{op}_holds"] = figures["ratio_100k_to_1k"] <= TARGETS["growth_ratio"]
        if results.get("growth_rss_mb"):
            biggest = max(results["growth_rss_mb"].values())
            found["growth_largest_rss_mb"] = biggest
            found["growth_rss_holds"] = biggest < TARGETS["rss_mb"]
    return found


def _verdict(holds):
    return "holds" if holds else "MISSED"


def table(results):
    lines = [f"Gongzhi benchmark — {results['date']} — {results['machine']}", ""]
    if "pipeline_platform" in results:
        lines += _pipeline_table(results)
    if "reads" in results:
        lines += ["", "| reads | clients | req/s | p50 ms | p99 ms | CPU ms/req | CPU ms/req by "
                      "process | errors | tool |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for label, rows in results["reads"].items():
            if not label.startswith(("GET", BARE)):
                continue
            for row in rows:
                by_process = ", ".join(
                    f"{name} {ms}" for name, ms in row["cpu_ms_per_request_by_process"].items()
                    if ms >= 0.05)
                lines.append(f"| {label} | {row['clients']} | {row['rps']} | "
                             f"{row.get('p50_ms')} | {row.get('p99_ms')} | "
                             f"{row.get('cpu_ms_per_request')} | {by_process} | {row['errors']} | "
                             f"{row.get('tool')} |")
        lines += ["", "resident read / bare read at 32 clients, per alternating round: "
                      f"{results['reads'].get('ratios_per_round_at_32')}"]
    if "activities" in results:
        found_a = results["activities"]
        lines += ["", "| sign-ups (500, 32 clients, 100 seats) | per s (to timeline) | answered s "
                      "| visible s | confirmed | errors |", "| --- | --- | --- | --- | --- | --- |"]
        for label in ("platform", "baseline"):
            row = found_a[label]
            lines.append(f"| {label} | {row['per_second']} | {row['answered_in_s']} | "
                         f"{row['visible_in_s']} | {row['confirmed']} | {row['errors']} |")
    lines += ["", "| process | RSS MB |", "| --- | --- |"]
    lines += [f"| {name} | {mb} |" for name, mb in results["rss_mb"].items()]
    v = results["verdicts"]
    found = []
    if "pipeline_ratio" in v:
        found.append(f"pipeline/baseline {v['pipeline_ratio']} (>= {TARGETS['pipeline_ratio']}: "
                     f"{_verdict(v['pipeline_ratio_holds'])}), every pair >= "
                     f"{TARGETS['pipeline_pair_ratio']}: {_verdict(v['pipeline_pairs_hold'])}")
    if "read_p99_ms_at_32" in v:
        found.append(f"read p99 at 32 clients {v['read_p99_ms_at_32']} ms (< 50: "
                     f"{_verdict(v['read_p99_holds'])})")
    if "read_cpu_ratio" in v:
        found.append(f"resident read CPU/bare {v['read_cpu_ratio']} (<= 2.5: "
                     f"{_verdict(v['read_cpu_ratio_holds'])})")
        found.append(f"resident read throughput/bare {v['read_throughput_ratio']} (>= 0.5: "
                     f"{_verdict(v['read_throughput_ratio_holds'])})")
    if "signup_ratio" in v:
        found.append(f"sign-ups platform/baseline {v['signup_ratio']} (>= 0.5: "
                     f"{_verdict(v['signup_ratio_holds'])}), exactly 100 confirmed: "
                     f"{v['signup_exactly_100_confirmed']}")
    found.append(f"largest service RSS {v['largest_rss_mb']} MB (< 120: "
                 f"{_verdict(v['rss_holds'])})")
    return "\n".join(lines + ["", "targets: " + "; ".join(found)])


def _pipeline_table(results):
    lines = ["| pipeline | completions/s | to resident p50/p95/p99 ms | to metrics p50/p95/p99 ms |",
             "| --- | --- | --- | --- |"]
    for key, label in (("pipeline_platform", "platform (1 residents)"),
                       ("pipeline_platform_2_residents", "platform (2 residents)"),
                       ("pipeline_baseline", "baseline kombu+pymongo")):
        row = results[key]
        fmt = lambda p: "/".join(str(p.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms"))
        lines.append(f"| {label} | {row['per_second']} (runs {row['runs_per_second']}) | "
                     f"{fmt(row['to_resident'])} | {fmt(row['to_metrics'])} |")
    lines += ["", f"platform/baseline per alternating pair: {results.get('pipeline_ratio_per_pair')}",
              "", "CPU seconds per pipeline run (the machine has 2 cores):"]
    for key in ("pipeline_platform", "pipeline_platform_2_residents", "pipeline_baseline"):
        used = results[key].get("cpu_seconds", {})
        lines.append(f"- {key}: total {round(sum(used.values()), 2)} s — " + ", ".join(
            f"{name} {value}" for name, value in used.items()))
    return lines


if __name__ == "__main__":
    # A SIGTERM (a timeout, a killed run) unwinds like an error, so main's `finally` stops the
    # platform's processes and the store instead of leaving them running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
