"""A call whose token names communities sees and writes only theirs, on the collections its
service declared community-owned; calls without the claim see the whole tenant."""
import pytest

from chassis.context import Call, bind
from chassis.errors import Forbidden
from chassis.tenancy import OutsideCommunities, TenantDatabase, community_fields

pytestmark = pytest.mark.integration

SCOPED = {"things": "community_id", "communities": "_id"}


@pytest.fixture
def raw(mongo, db_prefix):
    raw = mongo[f"{db_prefix}_community_scope"]
    everyone = db(raw)
    for community, n in (("A", 3), ("B", 2)):
        everyone["communities"].insert_one({"_id": community, "name": f"社区{community}"})
        for i in range(n):
            everyone["things"].insert_one({"_id": f"{community}{i}", "community_id": community,
                                           "n": i})
    everyone["notes"].insert_one({"_id": "tenant-wide", "text": "not owned by a community"})
    yield raw
    for name in ("things", "communities", "notes"):
        raw[name].delete_many({"tenant": "t"})


def db(raw, communities=None, tenant="t"):
    data = {}
    bind(data, tenant=tenant, actor="u", roles=["community_staff"], communities=communities)
    return TenantDatabase(raw, Call(data), community_scoped=SCOPED)


def ids(rows):
    return sorted(row["_id"] for row in rows)


def test_reads_are_narrowed_to_the_callers_communities(raw):
    a = db(raw, ["A"])["things"]
    assert ids(a.find({})) == ["A0", "A1", "A2"]
    assert a.count() == 3 and a.count({"n": 0}) == 1
    assert a.find_one({"_id": "B0"}) is None
    assert a.find({"community_id": "B"}) == []
    assert ids(a.find({"community_id": "A", "n": {"$gte": 1}})) == ["A1", "A2"]
    assert ids(a.find({"community_id": {"$in": ["A", "B"]}})) == ["A0", "A1", "A2"]
    rows = a.aggregate([{"$group": {"_id": "$community_id", "n": {"$sum": 1}}}])
    assert rows == [{"_id": "A", "n": 3}]


def test_a_community_owned_through_its_own_id(raw):
    a = db(raw, ["A"])["communities"]
    assert ids(a.find({})) == ["A"]
    assert a.find_one({"_id": "B"}) is None
    assert ids(a.find({"_id": {"$gt": ""}})) == ["A"]


def test_writes_reach_only_the_callers_communities(raw):
    a = db(raw, ["A"])["things"]
    assert not a.update_one({"_id": "B0"}, {"$set": {"n": 99}})
    assert a.find_one_and_update({"_id": "B1"}, {"$set": {"n": 99}}) is None
    assert a.delete_many({"community_id": "B"}) == 0 and a.delete_many({"_id": "B0"}) == 0
    assert a.update_one({"_id": "A0"}, {"$set": {"n": 10}})
    assert a.update_each([({"_id": "A1"}, {"$set": {"n": 11}}),
                          ({"_id": "B1"}, {"$set": {"n": 99}})]) == 1
    with pytest.raises(OutsideCommunities):
        a.update_each([({"_id": "A2"}, {"$set": {"community_id": "B"}})])
    everyone = db(raw)["things"]
    assert [r["n"] for r in everyone.find({"community_id": "B"}, sort=[("_id", 1)])] == [0, 1]
    assert everyone.find_one({"_id": "A0"})["n"] == 10
    assert everyone.find_one({"_id": "A1"})["n"] == 11
    assert everyone.find_one({"_id": "A2"})["community_id"] == "A"


def test_a_document_outside_the_scope_is_refused(raw):
    a = db(raw, ["A"])
    with pytest.raises(OutsideCommunities) as refused:
        a["things"].insert_one({"_id": "B9", "community_id": "B"})
    assert isinstance(refused.value, Forbidden) and refused.value.status == 403
    with pytest.raises(OutsideCommunities):
        a["things"].insert_one({"_id": "X9"})  # no community at all: not the caller's either
    with pytest.raises(OutsideCommunities):
        a["things"].insert_if_absent({"_id": "B8", "community_id": "B"})
    with pytest.raises(OutsideCommunities):
        a["communities"].insert_one({"_id": "C", "name": "新社区"})  # a new community
    with pytest.raises(OutsideCommunities):
        a["things"].update_one({"_id": "A1"}, {"$set": {"community_id": "B"}})  # moving out
    with pytest.raises(OutsideCommunities):
        a["things"].update_one({"_id": "A1"}, {"$unset": {"community_id": ""}})
    with pytest.raises(OutsideCommunities):
        a["things"].update_one({"_id": "Z"}, {"$set": {"n": 1}}, upsert=True)
    assert db(raw)["things"].count({"_id": {"$in": ["B9", "X9", "B8", "Z"]}}) == 0
    assert db(raw)["things"].find_one({"_id": "A1"})["community_id"] == "A"
    assert a["things"].insert_one({"_id": "A9", "community_id": "A"})["_id"] == "A9"
    assert a["things"].update_one({"_id": "A8", "community_id": "A"}, {"$set": {"n": 8}},
                                  upsert=True)
    assert db(raw)["things"].find_one({"_id": "A8"})["community_id"] == "A"


def test_several_communities_and_an_empty_claim(raw):
    both = db(raw, ["A", "B"])["things"]
    assert both.count() == 5
    none = db(raw, [])
    assert none["things"].find({}) == [] and none["communities"].count() == 0
    assert not none.sees_community("A")


def test_no_claim_or_no_declaration_means_the_whole_tenant(raw):
    assert db(raw)["things"].count() == 5
    assert db(raw, ["A"])["notes"].count() == 1  # not declared community-owned
    assert db(raw, ["A"], tenant="other")["things"].count() == 0  # the tenant still rules


def test_consumers_bind_no_communities():
    data = {"communities": ["A"]}
    bind(data, tenant="t", actor="system", roles=[])  # what an event consumer does
    assert Call(data).communities is None and Call(data).sees_community("B")


def test_declarations():
    assert community_fields(("a", "b")) == {"a": "community_id", "b": "community_id"}
    assert community_fields({"communities": "_id"}) == {"communities": "_id"}


def test_a_read_by_id_alone_is_narrowed_and_answers_only_the_fields_asked(raw):
    """The by-id read scopes the store's answer itself (chassis/tenancy.py): another
    community's document is None whatever the projection, and the community field read for
    the check is answered only when it was asked for."""
    a = db(raw, ["A"])["things"]
    for projection in (None, {"n": 1}, {"community_id": 0}, {"_id": 0, "n": 1}):
        assert a.find_one({"_id": "B1"}, projection) is None
    assert a.find_one({"_id": "A1"}, {"n": 1}) == {"_id": "A1", "n": 1}
    assert a.find_one({"_id": "A1"}, {"community_id": 0})["n"] == 1
    assert "community_id" not in a.find_one({"_id": "A1"}, {"community_id": 0})
    assert a.find_one({"_id": "A1"})["community_id"] == "A"
    assert db(raw, [])["things"].find_one({"_id": "A1"}) is None
    assert db(raw, ["B"])["communities"].find_one({"_id": "A"}) is None
    assert db(raw, ["B"])["communities"].find_one({"_id": "B"}, {"name": 1}) == {
        "_id": "B", "name": "社区B"}
    assert db(raw, tenant="other")["things"].find_one({"_id": "A1"}) is None
