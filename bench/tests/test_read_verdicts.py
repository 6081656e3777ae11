"""The read targets of issue 15 item 2 as results.json gives them: the resident read's CPU per
request and throughput at 32 clients against the bare @http read's, under stable keys."""
from bench.run import BARE, READ, table, verdicts


def row(clients, rps, cpu):
    return {"clients": clients, "rps": rps, "p50_ms": 1.0, "p99_ms": 40.0, "errors": 0,
            "tool": "wrk", "cpu_ms_per_request": cpu,
            "cpu_ms_per_request_by_process": {"gateway": cpu / 2, "residents": cpu / 2}}


def results(read_rps, read_cpu):
    return {"date": "2026-12-01", "machine": "test", "rss_mb": {"gateway": 70.0},
            "reads": {READ: [row(1, 100, 9.0), row(8, 200, 8.0), row(32, read_rps, read_cpu)],
                      BARE: [row(1, 300, 2.0), row(8, 500, 2.0), row(32, 600, 2.0)],
                      "ratios_per_round_at_32": [{"cpu": 2.0, "throughput": 0.5}]}}


def test_the_ratios_are_taken_at_32_clients_against_the_bare_read():
    found = verdicts(results(read_rps=330, read_cpu=4.4))
    assert found["read_cpu_ratio"] == 2.2 and found["read_cpu_ratio_holds"] is True
    assert found["read_throughput_ratio"] == 0.55 and found["read_throughput_ratio_holds"] is True
    assert "read_p99_ms_at_32" in found


def test_missed_targets_say_so():
    done = results(read_rps=240, read_cpu=6.0)
    done["verdicts"] = found = verdicts(done)
    assert found["read_cpu_ratio_holds"] is False and found["read_throughput_ratio_holds"] is False
    assert "resident read CPU/bare 3.0 (<= 2.5: MISSED)" in table(done)
