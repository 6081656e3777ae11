"""A platform of its own, for the console's browser tests: `python -m devstack.isolated`.

Like `make run` (every service, the gateway serving web/dist, the demo data), but isolated:
a fresh RabbitMQ vhost, an in-memory store, logs in a temporary folder, the gateway on the
given port (GONGZHI_HTTP_PORT, else a free one). Prints `READY <url>` when the demo data is
in; stops everything and removes the vhost on SIGTERM, SIGINT or when stdin closes (so a
test runner that dies takes it along)."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

from devstack import demo
from devstack.launcher import Platform, free_port


def _rabbitmqctl(*args):
    if not shutil.which("rabbitmqctl"):
        return False
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True,
                          timeout=60).returncode == 0


def main():
    port = int(os.environ.get("GONGZHI_HTTP_PORT") or free_port())
    base = os.environ.get("GONGZHI_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    vhost = f"gongzhi-console-{uuid.uuid4().hex[:8]}"
    own_vhost = (_rabbitmqctl("add_vhost", vhost)
                 and _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"))
    env = {**os.environ, "GONGZHI_ENV": "development", "GONGZHI_LOG_LEVEL": "WARNING",
           "GONGZHI_DB_PREFIX": f"console{uuid.uuid4().hex[:6]}"}
    env.pop("GONGZHI_MONGO_URI", None)  # always a fresh in-memory store
    if own_vhost:
        parts = urlsplit(base)
        env["GONGZHI_AMQP_URI"] = f"{parts.scheme}://{parts.netloc}/{quote(vhost, safe='')}"
    logs = Path(tempfile.mkdtemp(prefix="gongzhi-console-"))
    platform = Platform(env=env, log_dir=logs, gateway_port=port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    try:
        platform.ensure_broker()
        platform.ensure_store(db_path="memory")
        url = platform.start_services()
        print(demo.load_if_empty(url), flush=True)
        print(f"READY {url} logs={logs}", flush=True)
        stop.wait()
    finally:
        platform.stop()
        if own_vhost:
            _rabbitmqctl("delete_vhost", vhost)


if __name__ == "__main__":
    main()
