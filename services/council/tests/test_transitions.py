"""The state machine: every legal move, and every illegal one a 409."""
from datetime import datetime, timezone

import pytest

from chassis.config import Settings
from chassis.errors import Conflict
from services.council.needs import domain

HOUSEHOLD = {"id": "h1", "compound_id": "c1", "community_id": "k1", "grid_id": "g1"}
BY = {"sub": "staff-1", "on_behalf_of": None}
NOW = "2026-12-01T02:00:00.000+00:00"
MOVES = {"dispatch": (domain.dispatch, {"unit": "物业公司"}),
         "resolve": (domain.resolve, {"resolution": "已处理"}),
         "rate_yes": (domain.rate, {"satisfied": True, "score": 5}),
         "rate_no": (domain.rate, {"satisfied": False})}
LEGAL = {
    "received": {"dispatch": "dispatched", "resolve": "resolved"},
    "dispatched": {"resolve": "resolved"},
    "resolved": {"rate_yes": "closed", "rate_no": "reopened"},
    "reopened": {"dispatch": "dispatched", "resolve": "resolved"},
    "closed": {},
}


def need_in(status):
    need = domain.new_need("n1", {"category": "repair", "description": "灯坏了",
                                  "urgency": "normal", "channel": "phone"}, HOUSEHOLD,
                           datetime(2026, 12, 1, tzinfo=timezone.utc), Settings(), BY)
    return {**need, "status": status}


@pytest.mark.parametrize("status", sorted(LEGAL))
@pytest.mark.parametrize("move", sorted(MOVES))
def test_each_move_from_each_status(status, move):
    function, data = MOVES[move]
    need = need_in(status)
    if move in LEGAL[status]:
        changes, events = function(need, data, BY, NOW)
        assert changes["status"] == LEGAL[status][move]
        assert changes["version"] == need["version"] + 1
        assert changes["history"][-1] == {"status": changes["status"], "at": NOW, "by": BY,
                                          "note": changes["history"][-1]["note"]}
        assert events
    else:
        with pytest.raises(Conflict) as raised:
            function(need, data, BY, NOW)
        assert raised.value.status == 409


def test_rating_not_satisfied_reopens_and_counts():
    need = need_in("resolved")
    changes, events = domain.rate(need, {"satisfied": False, "comment": "没修好"}, BY, NOW)
    assert changes["reopen_count"] == 1 and changes["ratings"] == 1
    assert changes["satisfied_ratings"] == 0
    assert [kind for kind, _ in events] == ["council.need_rated", "council.need_reopened"]


def test_dispatch_is_the_response_and_the_first_response_stays():
    need = need_in("received")
    changes, _ = domain.dispatch(need, {"unit": "物业公司"}, BY, NOW)
    assert changes["responded_at"] == NOW
    again, _ = domain.dispatch({**need, **changes, "status": "reopened"}, {"unit": "街道"}, BY,
                               "2026-12-05T00:00:00.000+00:00")
    assert again["responded_at"] == NOW and again["unit"] == "街道"


def test_resolving_on_the_spot_is_a_response_too():
    changes, _ = domain.resolve(need_in("received"), {"resolution": "当场解决"}, BY, NOW)
    assert changes["responded_at"] == NOW == changes["resolved_at"]
