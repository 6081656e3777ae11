"""The dead-letter CLI's own decisions (no broker needed for these)."""
import io

import pytest

from chassis import dlq


def run(*argv, answer="no"):
    out = io.StringIO()
    code = dlq.main(["--amqp-uri", "amqp://guest:guest@127.0.0.1:1/", *argv], out=out,
                    ask=lambda _: answer)
    return code, out.getvalue()


def test_purge_without_yes_asks_and_a_no_purges_nothing():
    assert run("purge", "residents.on_visit_completed", answer="n") == (1, "nothing purged\n")


def test_an_unknown_consumer_is_a_clear_error():
    code, out = run("list", "nobody.on_nothing")
    assert code == 1 and "no consumer 'nobody.on_nothing'" in out


def test_replay_needs_a_key_or_all():
    with pytest.raises(SystemExit):
        run("replay", "residents.on_visit_completed")
