"""The wrk output parser: the read benchmark's figures come from it."""
from bench.wrk import parse

OUTPUT = """Running 2s test @ http://127.0.0.1:18765/v1/residents/x
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.82ms    1.80ms  11.84ms   84.62%
    Req/Sec     1.23k   189.04     1.55k    70.00%
  Latency Distribution
     50%  870.00us
     75%    2.43ms
     90%    4.54ms
     99%    1.02s
  2451 requests in 2.00s, 1.22MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 5
Requests/sec:   1223.83
Transfer/sec:    621.57KB
"""


def test_parse_reads_rate_percentiles_in_milliseconds_and_errors():
    found = parse(OUTPUT, clients=2)
    assert found == {"clients": 2, "requests": 2451, "errors": 8, "rps": 1223.8,
                     "p50_ms": 0.87, "p90_ms": 4.54, "p99_ms": 1020.0, "tool": "wrk"}


def test_parse_without_errors_counts_none():
    clean = "\n".join(line for line in OUTPUT.splitlines()
                      if "errors" not in line and "Non-2xx" not in line)
    assert parse(clean, clients=2)["errors"] == 0


def test_parse_without_a_latency_table_keeps_the_output():
    bare = "\n".join(line for line in OUTPUT.splitlines() if "%" not in line)
    found = parse(bare, clients=2)
    assert found["p99_ms"] is None and "Requests/sec" in found["wrk_output"]
