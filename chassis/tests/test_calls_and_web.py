"""Unit tests (no broker, no store): request keys, and werkzeug refusals as problems."""
import json

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from chassis import calls
from chassis.calls import RequestLedger, updated_by_field
from chassis.web import problem_response


def test_a_repeated_request_gets_the_same_insert_keys_in_the_same_order():
    first, again = RequestLedger("req-1"), RequestLedger("req-1")
    keys = [first.next_insert_key("residents"), first.next_insert_key("timeline"),
            first.next_insert_key("residents")]
    assert keys == [again.next_insert_key("residents"), again.next_insert_key("timeline"),
                    again.next_insert_key("residents")]
    assert keys[0] != keys[2] and RequestLedger("req-2").next_insert_key("residents") != keys[0]


def test_without_a_request_id_nothing_is_stamped():
    assert RequestLedger(None).next_insert_key("residents") is None


def test_a_request_id_cannot_reach_into_another_field():
    assert updated_by_field("a.b$c", 7) == "_requests.w7.a_b_c"


def test_a_recorded_write_drops_the_records_of_old_windows(monkeypatch):
    monkeypatch.setattr(calls, "_now", lambda: 100 * calls.REQUEST_WINDOW_SECONDS + 5)
    update = calls.recorded({"$set": {"status": "done"}}, "req-1")
    assert update["$set"] == {"status": "done", "_requests.w100.req-1": True}
    assert "_requests.w98" in update["$unset"] and "_requests.w99" not in update["$unset"]
    assert len(update["$unset"]) == calls.PRUNED_WINDOWS
    assert calls.replay_filter("req-1") == {"$or": [{"_requests.w100.req-1": True},
                                                    {"_requests.w99.req-1": True}]}


def test_werkzeug_refusals_become_problems_with_their_headers():
    response = problem_response(MethodNotAllowed(valid_methods=["GET", "POST"]))
    body = json.loads(response.get_data())
    assert response.status_code == 405 and body["status"] == 405
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Allow"] == "GET, POST"
    assert json.loads(problem_response(NotFound()).get_data())["title"] == "Not Found"


def test_a_routes_arguments_are_checked_once_per_shape_and_a_wrong_shape_always_fails():
    from types import SimpleNamespace

    from nameko.exceptions import IncorrectSignature

    from chassis.web import HttpEntrypoint

    class Service:
        def route(self, request, item_id):
            pass

    entrypoint = HttpEntrypoint("GET", "/items/<item_id>")
    entrypoint.container, entrypoint.method_name = SimpleNamespace(service_cls=Service), "route"
    for _ in range(2):
        entrypoint.check_signature(("request",), {"item_id": "甲"})
        with pytest.raises(IncorrectSignature):
            entrypoint.check_signature(("request",), {"other": "乙"})
        with pytest.raises(IncorrectSignature):
            entrypoint.check_signature(("request", "extra"), {"item_id": "甲"})
