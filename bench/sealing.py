"""What sealing costs a resident write and read: `python -m bench.sealing [--n 400]`.

The residents store functions (services/residents/store.py) against the nx-27017 stand-in,
in this process, once with the real keyring (AES-GCM for phone and ID number, an HMAC for the
lookup hash) and once with a keyring that seals nothing (the code path before ADR 0011),
alternating in rounds so that drift on a shared machine hits both alike. Also the bare cost
of the cryptography for one resident. Prints medians in microseconds."""
import argparse
import base64
import statistics
import subprocess
import tempfile
import time
import uuid

import pymongo

from chassis import sealing
from chassis.context import Call, bind
from chassis.tenancy import TenantDatabase
from devstack.launcher import free_port, store_command, wait_for_port
from services.residents import store

KEY = "k1:" + base64.b64encode(b"bench-data-key-32-bytes-exactly!").decode()


class NoSealing(sealing.Keyring):
    """Stores values as given: the cost of the store path without encryption."""

    def seal(self, value, slot):
        return value

    def open(self, value, slot):
        return value

    def lookup(self, value, tenant, field, key=None):
        return value

    def lookups(self, value, tenant, field):
        return [value]


def resident(n):
    return {"_id": f"r-{uuid.uuid4().hex}", "household_id": "h", "compound_id": "c",
            "community_id": "k", "name": "王秀英", "birth_date": "1946-03-02",
            "gender": "female", "phone": f"139{n:08d}", "id_number": f"11010519460302{n:04d}",
            "tags": [], "registered_at": "2026-12-01T01:00:00.000+00:00"}


def timed(fn):
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1e6


def run(db, keys, n, offset):
    sealing._rings[None] = keys
    writes, reads = [], []
    for i in range(n):
        doc = resident(offset + i)
        event = {"event_id": uuid.uuid4().hex, "type": "residents.resident_registered",
                 "version": 1, "occurred_at": doc["registered_at"], "data": {}}
        writes.append(timed(lambda: store.add_resident(db, doc, event)))
        reads.append(timed(lambda: store.get_resident(db, doc["_id"])))
    return writes, reads


def crypto_only(keys, n):
    slot = sealing.Slot("bench", "residents.phone", "r-1")
    seal = [timed(lambda: (keys.seal("13912345678", slot), keys.seal("110105194603021234", slot),
                           keys.lookup("110105194603021234", "bench", "residents.id_number")))
            for _ in range(n)]
    sealed = keys.seal("13912345678", slot)
    opened = [timed(lambda: (keys.open(sealed, slot), keys.open(sealed, slot))) for _ in range(n)]
    return statistics.median(seal), statistics.median(opened)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.sealing")
    parser.add_argument("--n", type=int, default=400, help="residents per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(store_command(port, f"{tmp}/bench", tmp),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, 30, "the store stand-in")
            client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
            data = {}
            bind(data, tenant="bench", actor="bench", roles=[])
            db = TenantDatabase(client["bench_residents"], Call(data))
            store.ensure_indexes(client["bench_residents"])
            real, none = sealing.Keyring.parse(KEY), NoSealing([sealing.Key("x", b"0" * 32)])
            results = {"sealed": ([], []), "clear": ([], [])}
            run(db, real, 50, 10_000_000)  # warm-up
            for r in range(args.rounds):
                for name, keys in (("clear", none), ("sealed", real)):
                    writes, reads = run(db, keys, args.n, (r * 2 + (name == "sealed")) * args.n)
                    results[name][0].extend(writes)
                    results[name][1].extend(reads)
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    seal_us, open_us = crypto_only(sealing.Keyring.parse(KEY), 5000)
    print(f"residents per variant: {args.n * args.rounds}")
    print("| resident | clear (before) µs p50 | sealed (after) µs p50 | added |")
    print("| --- | --- | --- | --- |")
    for label, index in (("write (add_resident)", 0), ("read (get_resident)", 1)):
        before = statistics.median(results["clear"][index])
        after = statistics.median(results["sealed"][index])
        print(f"| {label} | {before:.0f} | {after:.0f} | {after - before:+.0f} µs "
              f"({(after / before - 1) * 100:+.1f}%) |")
    print(f"crypto alone: seal phone + ID number + lookup hash {seal_us:.1f} µs; "
          f"open both {open_us:.1f} µs")


if __name__ == "__main__":
    main()
