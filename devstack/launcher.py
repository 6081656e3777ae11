"""Run the whole platform on one machine: `python -m devstack.launcher` (what `make run` does).

Starts the store stand-in when GONGZHI_MONGO_URI is unset, checks RabbitMQ (starting it where
it is installed and down), starts every service (consumers first, so their queues exist
before anything publishes), then the gateway; loads the demo data into an empty store and
prints the gateway URL with a ready-to-use token. Ctrl-C stops everything it started."""
import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

SERVICES = ("residents", "health", "council", "metrics", "events", "gateway")
STATE_DIR = Path(".run")
# Services the gateway calls over HTTP (ADR 0013: residents' and metrics' reads, health's
# visit commands), and the setting that tells it where.
SERVED_OVER_HTTP = {"residents": "GONGZHI_RESIDENTS_URL", "metrics": "GONGZHI_METRICS_URL",
                    "health": "GONGZHI_HEALTH_URL"}


class Platform:
    """The processes of one local platform. Also used by the end-to-end tests."""

    def __init__(self, env=None, log_dir=STATE_DIR / "logs", gateway_port=None):
        """`gateway_port` None: every process on a free port (tests); else the gateway there
        and the services on free ports, so nothing but the one asked-for port can collide."""
        self.env = dict(os.environ if env is None else env)
        # The internal reads' signing key (ADR 0013): one per local platform, never a default.
        self.env.setdefault("GONGZHI_INTERNAL_KEY", f"k1:{secrets.token_urlsafe(32)}")
        self.log_dir = Path(log_dir)
        self.gateway_port = gateway_port
        self.processes = {}
        self.urls = {}
        self.ports = {}

    # -- parts ---------------------------------------------------------------------------------
    def ensure_store(self, db_path=STATE_DIR / "store"):
        if self.env.get("GONGZHI_MONGO_URI"):
            return
        port = free_port()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        target = "memory" if db_path == "memory" else str(Path(db_path).resolve())
        self._spawn("store", store_command(port, target, self.log_dir))
        wait_for_port(port, 20, "store stand-in (nx-27017)")
        self.env["GONGZHI_MONGO_URI"] = f"mongodb://127.0.0.1:{port}/?directConnection=true"

    def ensure_broker(self):
        uri = self.env.get("GONGZHI_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
        host, port = _amqp_host_port(uri)
        if port_open(host, port):
            return
        if host in ("127.0.0.1", "localhost") and shutil.which("rabbitmq-server"):
            print("RabbitMQ is down: starting it (rabbitmq-server -detached)")
            subprocess.run(["rabbitmq-server", "-detached"], check=False)
            wait_for_port(port, 60, "RabbitMQ", host)
            return
        raise SystemExit(f"RabbitMQ is not reachable at {host}:{port}; start it and try again")

    def start_services(self, names=SERVICES, timeout=60):
        """Start services in order, each ready before the next; returns the gateway URL."""
        for name in names:
            self.start(name, timeout)
        return self.urls.get("gateway")

    def start(self, name, timeout=60, target=None):
        """Start one process; `target` (a service name or module:Class) defaults to `name`,
        so a second replica is start("residents-2", target="residents")."""
        # A process started again gets its port again: the gateway reads residents at its URL.
        port = (self.gateway_port if name == "gateway" and self.gateway_port
                else self.ports.get(name) or free_port())
        self.ports[name] = port
        if port_open("127.0.0.1", port):
            raise SystemExit(f"port {port} is already in use: stop what holds it, or set "
                             f"GONGZHI_HTTP_PORT to a free port")
        env = {**self.env, "GONGZHI_HTTP_PORT": str(port)}
        self._spawn(name, [sys.executable, "-m", "chassis.runner", target or name], env)
        self.urls[name] = f"http://127.0.0.1:{port}"
        wait_ready(self.urls[name], timeout, name, self.processes[name])
        if name in SERVED_OVER_HTTP:  # the gateway, started after them, calls there (ADR 0013)
            self.env.setdefault(SERVED_OVER_HTTP[name], self.urls[name])
        return self.urls[name]

    def _spawn(self, name, command, env=None):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            command, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def stop(self, name=None, sig=signal.SIGTERM, timeout=25):
        names = [name] if name else list(reversed(list(self.processes)))
        for each in names:
            process = self.processes.get(each)
            if process and process.poll() is None:
                process.send_signal(sig)
        for each in names:
            process = self.processes.pop(each, None)
            self.urls.pop(each, None)  # a stopped process has no URL to call any more
            if process is None:
                continue
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def store_command(port, where, log_dir):
    """The nx-27017 stand-in's command line, for `where` = "memory" or a directory (created
    here). A directory holds one SQLite file per database: with one file (`--db FILE`) the
    stand-in keeps every database's collections in one namespace, and services' collections of
    the same name (council's `households` and residents', metrics' `resident_facts` and
    council's) become one. Its script sits beside this interpreter (the venv's bin/), which
    need not be on PATH when `make` runs .venv/bin/python directly."""
    beside = Path(sys.executable).parent / "nx-27017"
    program = str(beside) if beside.exists() else (shutil.which("nx-27017") or "nx-27017")
    if str(where) == "memory":
        store = ["--db", "memory"]  # every database in memory, each apart
    else:
        Path(where).mkdir(parents=True, exist_ok=True)
        store = ["--data-dir", str(where)]
    return [program, "--host", "127.0.0.1", "-p", str(port), *store,
            "--log-file", str(Path(log_dir) / "store-server.log"),
            "--pid-file", str(Path(log_dir) / "store.pid")]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_for_port(port, timeout, what, host="127.0.0.1"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not open port {port} within {timeout}s")


def wait_ready(url, timeout, what, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}; see its log")
        try:
            if requests.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready within {timeout}s")


def _amqp_host_port(uri):
    rest = uri.split("://", 1)[1].split("/", 1)[0]
    hostport = rest.rsplit("@", 1)[-1]
    host, _, port = hostport.partition(":")
    return host or "127.0.0.1", int(port or 5672)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    args = parser.parse_args(argv)
    platform = Platform(gateway_port=int(os.environ.get("GONGZHI_HTTP_PORT") or 8000))
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    # Explicit for SIGINT too: a shell that starts us in the background ignores it.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if port_open("127.0.0.1", platform.gateway_port):
        raise SystemExit(f"port {platform.gateway_port} is already in use: stop what holds it, "
                         f"or set GONGZHI_HTTP_PORT to a free port")
    try:
        platform.ensure_broker()
        platform.ensure_store()
        url = platform.start_services()
        from devstack import demo
        from gateway import tokens
        from chassis.config import Settings
        if not args.no_demo:
            print(demo.load_if_empty(url))
        services = ", ".join(f"{name} {platform.urls[name]}" for name in SERVICES if name != "gateway")
        token = tokens.mint(Settings().jwt_secret, tenant=demo.TENANT, sub="demo-staff",
                            roles_=["community_staff"], ttl_seconds=12 * 3600)
        print(f"\nGongzhi is running.\n  console:  {url}/  (the web app; sign in as a demo person)\n"
              f"  gateway:  {url}\n  services: {services}\n  OpenAPI:  {url}/openapi.json\n"
              f"  logs:     {platform.log_dir}/\n  token (community staff of {demo.TENANT}, 12h):\n"
              f"  {token}\n\n  try: curl -H 'Authorization: Bearer <token>' "
              f"{url}/v1/metrics/summary\n\nCtrl-C stops everything.", flush=True)
        while not stopping:
            for name, process in platform.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited ({process.returncode}); stopping", file=sys.stderr)
                    stopping.append(name)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping…", flush=True)
        platform.stop()


if __name__ == "__main__":
    main()
