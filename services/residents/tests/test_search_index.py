"""Name and tag search through the search index (services/residents/store.py): the same answers as a
scan of every name, across pages, after a rename, and never another tenant's residents."""
import pytest

from services.residents import store
from services.residents.tests.test_service import household, residents, rpc  # noqa: F401

pytestmark = pytest.mark.integration


def test_name_search_finds_pieces_anywhere_pages_and_follows_renames(residents, settings):
    with rpc(settings, "hongwei") as proxy, rpc(settings, "other") as other:
        home = household(proxy)
        people = ["王秀英", "李秀英", "王秀兰", "张英", "欧阳秀英", "王"]
        ids = {name: proxy.register_resident({"household_id": home["id"], "name": name,
                                              "birth_date": "1950-01-01"})["id"]
               for name in people}
        other_home = household(other)
        other.register_resident({"household_id": other_home["id"], "name": "王秀英",
                                 "birth_date": "1950-01-01"})

        def names(query):
            found, cursor = [], None
            while True:
                page = proxy.list_residents({**query, "limit": 2,
                                             **({"cursor": cursor} if cursor else {})})
                found += [r["name"] for r in page["items"]]
                cursor = page["next"]
                if not cursor:
                    return sorted(found)

        assert names({"q": "秀英"}) == ["李秀英", "欧阳秀英", "王秀英"]
        assert names({"q": "王秀"}) == ["王秀兰", "王秀英"]
        assert names({"q": "欧阳秀英"}) == ["欧阳秀英"]
        assert names({"q": "王秀英"}) == ["王秀英"]  # by its three characters
        assert names({"q": "阳秀英"}) == ["欧阳秀英"]
        assert names({"q": "英"}) == ["张英", "李秀英", "欧阳秀英", "王秀英"]
        assert names({"q": "王"}) == ["王", "王秀兰", "王秀英"]
        assert names({"q": "秀英X"}) == []

        proxy.update_resident(ids["王秀英"], {"name": "王建国"})
        assert names({"q": "秀英"}) == ["李秀英", "欧阳秀英"]
        assert names({"q": "建国"}) == ["王建国"]
        assert other.list_residents({"q": "建国"})["items"] == []
        assert [r["name"] for r in other.list_residents({"q": "秀英"})["items"]] == ["王秀英"]


def test_tag_search_pages_and_follows_tag_changes(residents, settings):
    with rpc(settings, "hongwei") as proxy, rpc(settings, "other") as other:
        home = household(proxy)
        ids = [proxy.register_resident({"household_id": home["id"], "name": f"居民{n}",
                                        "birth_date": "1990-01-01",
                                        "tags": ["volunteer"] if n % 2 else []})["id"]
               for n in range(7)]
        other.register_resident({"household_id": household(other)["id"], "name": "居民",
                                 "birth_date": "1990-01-01", "tags": ["volunteer"]})

        def tagged(tag):
            found, cursor = [], None
            while True:
                page = proxy.list_residents({"tag": tag, "limit": 2,
                                             **({"cursor": cursor} if cursor else {})})
                found += [r["id"] for r in page["items"]]
                cursor = page["next"]
                if not cursor:
                    return found

        assert tagged("volunteer") == sorted(ids[1::2])
        proxy.update_resident(ids[1], {"tags": ["disabled"]})
        proxy.update_resident(ids[0], {"tags": ["volunteer", "disabled"]})
        assert tagged("volunteer") == sorted([ids[0], ids[3], ids[5]])
        assert tagged("disabled") == sorted([ids[0], ids[1]])
        assert names_of(proxy.list_residents({"tag": "disabled", "q": "居民1"})) == ["居民1"]


def names_of(page):
    return [r["name"] for r in page["items"]]


def test_pieces_are_every_two_and_three_characters():
    assert store.name_pieces("欧阳秀英") == {"欧阳", "阳秀", "秀英", "欧阳秀", "阳秀英"}
    assert store.name_pieces("王芳") == {"王芳"}
    assert store.name_pieces("王") == {"王"}


def test_residents_stored_before_the_index_are_found_after_a_start(mongo, db_prefix):
    """Data from before this change: the first start writes their search keys, once."""
    from chassis.context import Call, bind
    from chassis.tenancy import TenantDatabase

    raw = mongo[f"{db_prefix}_residents"]
    raw[store.RESIDENTS].insert_many([
        {"_id": "r-old-1", "tenant": "hongwei", "community_id": "c1", "name": "赵秀英",
         "birth_date": "1950-01-01", "tags": ["volunteer"]},
        {"_id": "r-old-2", "tenant": "other", "community_id": "c9", "name": "赵秀英",
         "birth_date": "1950-01-01", "tags": []}])
    store.ensure_indexes(raw)
    store.ensure_indexes(raw)  # a second replica starting: nothing doubles
    data = {}
    bind(data, tenant="hongwei", actor="t", roles=["community_staff"])
    db = TenantDatabase(raw, Call(data), community_scoped=store.COMMUNITY_SCOPED)
    by_name = store.search_residents(db, {"q": "秀英"}, None, 20, None)
    by_tag = store.search_residents(db, {"tag": "volunteer"}, None, 20, None)
    assert [r["_id"] for r in by_name] == ["r-old-1"] and [r["_id"] for r in by_tag] == ["r-old-1"]
    # 赵秀, 秀英, 赵秀英 and the tag
    assert raw[store.SEARCH_KEYS].count_documents({"resident_id": "r-old-1"}) == 4


def test_residents_indexed_by_bigrams_only_are_found_by_three_characters_after_a_start(
        mongo, db_prefix):
    """Keys as search_keys_v2 left them (no three-character pieces): the next start adds the
    missing ones, once, and only those."""
    from chassis.context import Call, bind
    from chassis.tenancy import TenantDatabase

    raw = mongo[f"{db_prefix}_residents"]
    raw[store.RESIDENTS].insert_many([
        {"_id": f"r-{n}", "tenant": "hongwei", "community_id": "c1", "name": name,
         "birth_date": "1950-01-01", "tags": []}
        for n, name in enumerate(["王秀英", "王秀兰", "欧阳秀英"])])
    for resident in raw[store.RESIDENTS].find():
        bigrams = {f"n:{p}" for p in store.name_pieces(resident["name"]) if len(p) == 2}
        raw[store.SEARCH_KEYS].insert_many(store._key_docs("hongwei", resident["_id"], bigrams))
    for mark in ("search_keys_v1", "search_keys_v2"):
        raw["schema_marks"].insert_one({"_id": mark, "done": True})
    data = {}
    bind(data, tenant="hongwei", actor="t", roles=["community_staff"])
    db = TenantDatabase(raw, Call(data), community_scoped=store.COMMUNITY_SCOPED)
    assert store.search_residents(db, {"q": "王秀英"}, None, 20, None) == []  # not yet
    store.ensure_indexes(raw)
    store.ensure_indexes(raw)  # a second replica starting: nothing doubles
    assert [r["name"] for r in store.search_residents(db, {"q": "王秀英"}, None, 20, None)] == [
        "王秀英"]
    assert [r["name"] for r in store.search_residents(db, {"q": "秀英"}, None, 20, None)] == [
        "王秀英", "欧阳秀英"]
    assert raw[store.SEARCH_KEYS].count_documents({}) == 3 + 3 + 5


def test_key_docs_written_before_seek_are_found_after_a_start(mongo, db_prefix):
    """Key docs the first index wrote (no `seek`): the next start gives them theirs, once,
    and the search pages through them in id order; a resident with a tag that merely begins
    with the searched one stays out of its range."""
    from chassis.context import Call, bind
    from chassis.tenancy import TenantDatabase

    raw = mongo[f"{db_prefix}_residents"]
    people = [(f"r-{n}", ["volunteer"] if n % 3 else ["volunteer|x"]) for n in range(9)]
    raw[store.RESIDENTS].insert_many([
        {"_id": rid, "tenant": "hongwei", "community_id": "c1", "name": f"居民{rid}",
         "birth_date": "1950-01-01", "tags": tags} for rid, tags in people])
    raw[store.SEARCH_KEYS].insert_many([  # as search_keys_v1 left them
        {k: v for k, v in doc.items() if k != "seek"}
        for rid, tags in people for doc in store._key_docs("hongwei", rid, {f"t:{t}" for t in tags})])
    raw["schema_marks"].insert_one({"_id": "search_keys_v1", "done": True})
    store.ensure_indexes(raw)
    store.ensure_indexes(raw)  # a second replica starting: the same values again
    assert raw[store.SEARCH_KEYS].count_documents({"seek": {"$exists": False}}) == 0
    data = {}
    bind(data, tenant="hongwei", actor="t", roles=["community_staff"])
    db = TenantDatabase(raw, Call(data), community_scoped=store.COMMUNITY_SCOPED)
    found, cursor = [], None
    while True:
        page = store.search_residents(db, {"tag": "volunteer"}, None, 2, cursor)
        found += [r["_id"] for r in page]
        if len(page) < 2:
            break
        cursor = page[-1]["_id"]
    assert found == sorted(rid for rid, tags in people if tags == ["volunteer"])
