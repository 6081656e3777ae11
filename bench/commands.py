"""Store commands and consumer deliveries per visit completion, per service: the platform on
a vhost and an in-memory store of its own, every process counting its pymongo commands
(bench/command_counter/sitecustomize.py); N prepared visits completed through the gateway,
counted from just before the first completion until every event is visible and the queues
are empty.

    python -m bench.commands [--visits 300] [--clients 8]"""
import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from bench import pipeline
from bench.run import OUT, SECRET, CpuMeter, rabbitmqctl, settle
from devstack.launcher import Platform, free_port, store_command, wait_for_port
from gateway import tokens

HERE = Path(__file__).resolve().parent / "command_counter"  # its sitecustomize.py


def snapshot(processes, out_dir):
    """Every service's counts now (each writes its file on SIGUSR1)."""
    for process in processes.values():
        (out_dir / f"{process.pid}.json").unlink(missing_ok=True)
        process.send_signal(signal.SIGUSR1)
    found = {}
    deadline = time.monotonic() + 10
    for name, process in processes.items():
        path = out_dir / f"{process.pid}.json"
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.05)  # the file is written whole by then (a few hundred bytes)
        found[name] = Counter(json.loads(path.read_text())["counts"])
    return found


def handled(urls):
    """Deliveries each consumer finished, from the services' /metrics."""
    found = Counter()
    for service, url in urls.items():
        try:
            text = requests.get(url + "/metrics", timeout=5).text
        except requests.RequestException:
            continue
        for line in text.splitlines():
            if line.startswith("gongzhi_events_handled_total{"):
                consumer = line.split('consumer="', 1)[1].split('"', 1)[0]
                found[consumer] += float(line.rsplit(" ", 1)[1])
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    counts_dir = Path(tempfile.mkdtemp(prefix="gongzhi-commands-"))
    vhost = f"gongzhi-commands-{uuid.uuid4().hex[:6]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    store_port = free_port()
    store = subprocess.Popen(store_command(store_port, "memory", OUT),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(store_port, 30, "store")
    mongo_uri = f"mongodb://127.0.0.1:{store_port}/?directConnection=true"
    path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "GONGZHI_AMQP_URI": f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
           "GONGZHI_MONGO_URI": mongo_uri, "GONGZHI_DB_PREFIX": "bench",
           "GONGZHI_JWT_SECRET": SECRET, "GONGZHI_LOG_LEVEL": "WARNING",
           "GONGZHI_COUNT_COMMANDS": str(counts_dir), "PYTHONPATH": path}
    running = Platform(env=env, log_dir=OUT / "logs")
    try:
        gateway = running.start_services()
        token = tokens.mint(SECRET, tenant="bench", sub="bench-staff",
                            roles_=["community_staff", "medical_staff"])
        visits = pipeline.prepare(gateway, token, args.visits)
        pipeline.plan_prepared(mongo_uri, "bench")
        settle(vhost)
        before = snapshot(running.processes, counts_dir)
        delivered_before = handled(running.urls)
        pids = {name: process.pid for name, process in running.processes.items()}
        with CpuMeter(pids) as meter:
            run = pipeline.run(gateway, token, mongo_uri, "bench", visits, args.clients)
            settle(vhost)
        after = snapshot(running.processes, counts_dir)
        delivered = handled(running.urls) - delivered_before
    finally:
        running.stop()
        store.terminate()
        store.wait(10)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True)
    done = run["completions"] or 1
    report = {"visits": args.visits, "run": {k: run[k] for k in (
        "completions", "failures", "all_visible", "seconds", "per_second")},
        "cpu_seconds": meter.used, "commands_per_completion": {}, "commands": {},
        "deliveries_per_completion": {k: round(v / done, 2) for k, v in sorted(delivered.items())
                                      if v}}
    for name in after:
        used = after[name] - before[name]
        report["commands_per_completion"][name] = round(sum(used.values()) / done, 2)
        report["commands"][name] = {k: round(v / done, 3) for k, v in sorted(used.items())}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return report


if __name__ == "__main__":
    main()
