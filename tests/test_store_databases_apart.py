"""The store `make run` and the fault tests start (devstack.launcher.store_command) keeps each
service's database apart: council's `households` projection is not residents' `households`,
metrics' `resident_facts` not council's. With the stand-in on one file it was one namespace
(metrics' resident facts came out without `registered_at`: council's same-id documents won)."""
import subprocess

import pymongo
import pytest

from devstack.launcher import free_port, store_command, wait_for_port

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("where", ["directory", "memory"])
def test_two_databases_never_share_a_collection(tmp_path, where):
    port = free_port()
    target = tmp_path / "store" if where == "directory" else "memory"
    server = subprocess.Popen(store_command(port, target, tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 30, "store stand-in")
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
        client["gongzhi_council"]["resident_facts"].insert_one({"_id": "r-1", "lives_alone": True})
        client["gongzhi_metrics"]["resident_facts"].insert_one(
            {"_id": "r-1", "registered_at": "2026-12-01T08:00:00.000+00:00"})
        assert client["gongzhi_metrics"]["resident_facts"].find_one({"_id": "r-1"}) == {
            "_id": "r-1", "registered_at": "2026-12-01T08:00:00.000+00:00"}
        assert client["gongzhi_council"]["resident_facts"].find_one({"_id": "r-1"}) == {
            "_id": "r-1", "lives_alone": True}
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
