"""Reads driven by wrk (a C load generator) where it is installed: it spends far less CPU per
request than Python client threads, which matters when client and platform share two cores."""
import re
import shutil
import subprocess

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def available():
    return shutil.which("wrk") is not None


def _ms(text):
    if text is None:
        return None
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return round(float(number) * UNITS_MS[unit], 2)


def parse(output, clients):
    """Requests per second, p50/p90/p99 and errors from `wrk --latency` output."""
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", output, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in socket.groups()) if socket else 0)
    found = {"clients": clients, "requests": requests, "errors": errors, "rps": round(rps, 1),
             "p50_ms": _ms(percentiles.get("50")), "p90_ms": _ms(percentiles.get("90")),
             "p99_ms": _ms(percentiles.get("99")), "tool": "wrk"}
    if found["p99_ms"] is None:  # no latency table: keep what wrk said, to read later
        found["wrk_output"] = output[-2000:]
    return found


def run_wrk(url, headers, clients, seconds, warmup_seconds=1.0):
    """A discarded warm-up, then the measured run, both on persistent connections."""
    threads = str(min(2, clients))
    header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]

    def wrk(duration):
        return subprocess.run(
            ["wrk", "-t", threads, "-c", str(clients), "-d", duration, "--latency",
             "--timeout", "10s", *header_args, url],
            check=True, capture_output=True, text=True).stdout

    wrk(f"{max(1, round(warmup_seconds))}s")
    return parse(wrk(f"{max(1, round(seconds))}s"), clients)
