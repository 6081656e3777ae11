"""A careful HTTP load client: persistent connections, one per client thread, timing from the
client side, a warm-up that is discarded."""
import http.client
import threading
import time
from urllib.parse import urlsplit

from bench import wrk
from bench.stats import latency_summary


def run_load(url, headers, clients, seconds, warmup_seconds=1.0):
    """GET `url` with `clients` persistent connections for `seconds`: through wrk where it is
    installed, otherwise through the Python client below."""
    if wrk.available():
        return wrk.run_wrk(url, headers, clients, seconds, warmup_seconds)
    return run_threads(url, headers, clients, seconds, warmup_seconds)


def run_threads(url, headers, clients, seconds, warmup_seconds=1.0):
    """GET `url` from `clients` threads for `seconds`; returns rps and latency percentiles."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies, errors = [], [0]
    lock = threading.Lock()
    start_at = time.monotonic() + 0.2
    measure_from = start_at + warmup_seconds
    stop_at = measure_from + seconds

    def client():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < start_at:
            time.sleep(0.001)
        while True:
            began = time.monotonic()
            if began >= stop_at:
                break
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                ok = False
            ended = time.monotonic()
            if began >= measure_from:
                if ok:
                    mine.append(ended - began)
                else:
                    failed += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"clients": clients, "requests": len(latencies), "errors": errors[0],
            "rps": round(len(latencies) / seconds, 1), **latency_summary(latencies),
            "tool": "python threads"}
