"""What a write tells the outbox relay: its events as they are when nothing older waits on the
document, otherwise only the document (the relay then reads its outbox, oldest first)."""
import pytest

from chassis.context import Call
from chassis.tenancy import TenantDatabase

pytestmark = pytest.mark.integration


def event(n):
    return {"event_id": f"01EV{n}", "type": "health.visit_scheduled", "version": 1, "data": {}}


@pytest.fixture
def kicks():
    return []


@pytest.fixture
def db(mongo, db_prefix, kicks):
    return TenantDatabase(mongo[f"{db_prefix}_kicks"], Call({"tenant": "t", "actor": "u"}),
                          lambda name, doc_id, events=None: kicks.append((doc_id, events)))


def test_a_new_document_hands_its_events_over(db, kicks):
    db["visits"].insert_one({"_id": "v1"}, events=[event(1)])
    assert [(doc_id, [e["event_id"] for e in events]) for doc_id, events in kicks] == [
        ("v1", ["01EV1"])]


def test_an_update_behind_an_unsent_event_makes_the_relay_read_them_all(db, kicks):
    db["visits"].insert_one({"_id": "v2"}, events=[event(1)])
    changed = db["visits"].find_one_and_update({"_id": "v2"}, {"$set": {"s": 1}},
                                               events=[event(2)])
    assert kicks[-1] == ("v2", None)
    assert "_outbox_n" not in changed and "_outbox" not in changed


def test_an_update_of_a_sent_document_hands_its_events_over(db, kicks):
    db["visits"].insert_one({"_id": "v3"})
    db["visits"].find_one_and_update({"_id": "v3"}, {"$set": {"s": 1}}, events=[event(3)])
    assert kicks[-1][0] == "v3" and [e["event_id"] for e in kicks[-1][1]] == ["01EV3"]
