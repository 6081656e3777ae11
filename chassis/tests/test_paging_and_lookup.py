"""The shared list answer and by-id lookup, without a broker or a store."""
import pytest

from chassis.errors import NotFound, found
from chassis.schemas import page


def test_a_full_page_has_a_cursor():
    assert page([{"id": "a"}, {"id": "b"}], 2)["next"] == "b"
    assert page([{"id": "a"}], 2)["next"] is None


def test_found_returns_the_document_or_not_found_and_never_looks_up_a_non_string():
    asked = []
    fetch = lambda doc_id: asked.append(doc_id) or ({"_id": doc_id} if doc_id == "v1" else None)
    assert found(fetch, "v1", "visit") == {"_id": "v1"}
    with pytest.raises(NotFound, match="no visit v2"):
        found(fetch, "v2", "visit")
    with pytest.raises(NotFound):
        found(fetch, {"$ne": None}, "visit")
    assert asked == ["v1", "v2"]
