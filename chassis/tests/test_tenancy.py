"""The store cannot be asked anything without a tenant, nor about another tenant."""
import pytest

from chassis.context import Call
from chassis.errors import MissingTenant
from chassis.tenancy import CrossTenant, TenantDatabase

pytestmark = pytest.mark.integration


@pytest.fixture
def raw(mongo, db_prefix):
    return mongo[f"{db_prefix}_tenancy"]


def scoped(raw, tenant):
    return TenantDatabase(raw, Call({"tenant": tenant, "actor": "u", "roles": []}))


def test_no_tenant_no_store(raw):
    with pytest.raises(MissingTenant):
        TenantDatabase(raw, Call({}))


def test_each_tenant_sees_only_its_own(raw):
    a, b = scoped(raw, "a"), scoped(raw, "b")
    a["things"].insert_one({"_id": "x", "name": "甲"})
    assert b["things"].find_one({"_id": "x"}) is None
    assert b["things"].find({}) == [] and b["things"].count() == 0
    assert b["things"].aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}]) == []
    assert not b["things"].update_one({"_id": "x"}, {"$set": {"name": "乙"}})
    assert b["things"].find_one_and_update({"_id": "x"}, {"$set": {"name": "乙"}}) is None
    assert b["things"].delete_many({}) == 0
    assert a["things"].find_one({"_id": "x"})["name"] == "甲"


def test_naming_another_tenant_is_refused(raw):
    a = scoped(raw, "a")
    with pytest.raises(CrossTenant):
        a["things"].find({"tenant": "b"})
    with pytest.raises(CrossTenant):
        a["things"].insert_one({"_id": "y", "tenant": "b"})
    assert raw["things"].count_documents({"tenant": "b"}) == 0


def test_events_are_stored_with_the_change_and_hidden_from_reads(raw):
    a = scoped(raw, "a")
    event = {"event_id": "E1", "type": "health.visit_cancelled", "version": 1,
             "occurred_at": "t", "data": {}}
    a["things"].insert_one({"_id": "z", "status": "new"}, events=[event])
    a["things"].update_one({"_id": "z"}, {"$set": {"status": "done"}},
                           events=[{**event, "event_id": "E2"}])
    stored = raw["things"].find_one({"_id": "z"})
    assert set(stored["_outbox"]) == {"E1", "E2"} and stored["_outbox_n"] == 2
    assert stored["_outbox"]["E2"]["tenant"] == "a"
    assert "_outbox" not in a["things"].find_one({"_id": "z"})


def test_inserting_many_if_absent_keeps_what_exists_and_stamps_the_tenant(raw):
    a = scoped(raw, "a")
    a["keys"].insert_one({"_id": "k2", "v": "已有"})
    assert a["keys"].insert_all_absent([{"_id": f"k{n}", "v": f"新{n}"} for n in (1, 2, 3)]) == 2
    assert a["keys"].insert_all_absent([{"_id": "k1", "v": "又一次"}]) == 0
    assert a["keys"].insert_all_absent([]) == 0
    assert {d["_id"]: d["v"] for d in a["keys"].find({})} == {"k1": "新1", "k2": "已有", "k3": "新3"}
    assert raw["keys"].count_documents({"tenant": "a"}) == 3
    with pytest.raises(CrossTenant):
        a["keys"].insert_all_absent([{"_id": "k9", "tenant": "b"}])
    assert raw["keys"].count_documents({"_id": "k9"}) == 0


def test_updating_each_in_one_command_changes_only_the_own_tenants(raw):
    a, b = scoped(raw, "a"), scoped(raw, "b")
    a["counts"].insert_all_absent([{"_id": "甲", "n": 0}, {"_id": "乙", "n": 0}])
    changes = [({"_id": "甲"}, {"$inc": {"n": 1}}), ({"_id": "乙"}, {"$inc": {"n": 2}}),
               ({"_id": "丙"}, {"$inc": {"n": 3}})]
    assert b["counts"].update_each(changes) == 0
    assert a["counts"].update_each(changes) == 2
    assert a["counts"].update_each([]) == 0
    with pytest.raises(CrossTenant):
        a["counts"].update_each([({"_id": "甲"}, {"$inc": {"n": 1}}),
                                 ({"_id": "乙", "tenant": "b"}, {"$inc": {"n": 1}})])
    assert {d["_id"]: d["n"] for d in raw["counts"].find()} == {"甲": 1, "乙": 2}


def test_reading_by_ids_answers_only_the_own_tenants(raw):
    a, b = scoped(raw, "a"), scoped(raw, "b")
    a["people"].insert_all_absent([{"_id": "张三", "n": 1}, {"_id": "李四", "n": 2}])
    b["people"].insert_one({"_id": "王五", "n": 3})
    assert sorted(d["_id"] for d in a["people"].find_by_ids(["张三", "李四", "王五"])) == [
        "张三", "李四"]
    assert [d["n"] for d in a["people"].find_by_ids(["李四"], {"n": 1})] == [2]
    assert a["people"].find_by_ids(["王五"]) == [] and a["people"].find_by_ids([]) == []


def test_a_read_by_id_alone_is_scoped_exactly_as_a_filtered_one(raw):
    """find_one({"_id"}) asks the store by id alone (the stand-in's fast path) and scopes the
    answer itself: the same documents, the same fields, as the tenant-filtered query."""
    a, b = scoped(raw, "a"), scoped(raw, "b")
    a["cards"].insert_one({"_id": "c1", "name": "王秀英", "note": "备注"})
    assert b["cards"].find_one({"_id": "c1"}) is None
    assert b["cards"].find_one({"_id": "c1"}, {"name": 1}) is None
    assert b["cards"].find_one({"_id": "c1"}, {"tenant": 0}) is None
    assert a["cards"].find_one({"_id": "c1", "tenant": "a"})["name"] == "王秀英"
    with pytest.raises(CrossTenant):
        a["cards"].find_one({"_id": "c1", "tenant": "b"})
    # the fields asked for, and no more: the tenant read for the check is not answered
    assert a["cards"].find_one({"_id": "c1"}, {"name": 1}) == {"_id": "c1", "name": "王秀英"}
    assert a["cards"].find_one({"_id": "c1"}, {"_id": 0, "note": 1}) == {"note": "备注"}
    assert a["cards"].find_one({"_id": "c1"}, {"_id": 1}) == {"_id": "c1"}
    assert b["cards"].find_one({"_id": "c1"}, {"_id": 1}) is None
    assert a["cards"].find_one({"_id": "c1"}, {"_id": 0}) == {"tenant": "a", "name": "王秀英",
                                                              "note": "备注"}
    assert "tenant" not in a["cards"].find_one({"_id": "c1"}, {"tenant": 0, "note": 0})
    assert a["cards"].find_one({"_id": "c1"}) == raw["cards"].find_one(
        {"_id": "c1"}, {"_outbox": 0, "_outbox_n": 0})
    assert a["cards"].find_one({"_id": "missing"}) is None
    # another field, or an operator on the id: the store's filter, as before
    assert a["cards"].find_one({"_id": "c1", "name": "别人"}) is None
    assert a["cards"].find_one({"_id": {"$in": ["c1"]}})["note"] == "备注"
    assert b["cards"].find_one({"_id": {"$in": ["c1"]}}) is None


def test_hidden_fields_are_never_answered_by_any_read(raw):
    """Outbox bookkeeping is dropped from every answer (applied here, not by the store)."""
    a = scoped(raw, "a")
    event = {"event_id": "H1", "type": "health.visit_cancelled", "version": 1,
             "occurred_at": "t", "data": {}}
    a["cards"].insert_one({"_id": "h1", "name": "甲"}, events=[event])
    after = a["cards"].find_one_and_update({"_id": "h1"}, {"$set": {"name": "乙"}},
                                           events=[{**event, "event_id": "H2"}])
    assert after["name"] == "乙" and "_outbox" not in after and "_outbox_n" not in after
    assert raw["cards"].find_one({"_id": "h1"})["_outbox_n"] == 2
    for answer in (a["cards"].find_one({"_id": "h1"}), a["cards"].find_one({"name": "乙"}),
                   *a["cards"].find({"_id": "h1"})):
        assert answer["name"] == "乙" and not [k for k in answer if k.startswith("_") and
                                               k != "_id"]
