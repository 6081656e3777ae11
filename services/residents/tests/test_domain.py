"""Registry rules without a broker or a store."""
from datetime import date

import pytest
from marshmallow import ValidationError

from services.residents import domain
from services.residents.identity import id_number_problem, with_check_digit
from services.residents.schemas import ResidentIn


def resident(**overrides):
    return {"_id": "r1", "household_id": "h", "compound_id": "c", "community_id": "k",
            "name": "李大爷", "birth_date": "1946-03-02", "gender": "male",
            "phone": "13812345678", "id_number": with_check_digit("42030219460302123"),
            "tags": ["lives_alone"], "registered_at": "2026-01-01T00:00:00.000+00:00", **overrides}


def test_age_counts_whole_years_and_birthdays():
    assert domain.age_on(date(1946, 3, 2), date(2026, 3, 1)) == 79
    assert domain.age_on(date(1946, 3, 2), date(2026, 3, 2)) == 80


def test_elderly_follows_the_birth_date_at_every_read():
    view = domain.resident_view(resident(birth_date="1966-12-01"), date(2026, 11, 30))
    assert "elderly" not in view["tags"] and view["age"] == 59
    view = domain.resident_view(resident(birth_date="1966-12-01"), date(2026, 12, 1))
    assert view["tags"] == ["elderly", "lives_alone"] and view["age"] == 60
    assert domain.elderly_cutoff(date(2026, 12, 1)) == "1966-12-01"
    assert domain.elderly_cutoff(date(2028, 2, 29)) == "1968-02-29"


def test_elderly_is_never_stored():
    assert domain.stored_tags(["elderly", "volunteer", "volunteer"]) == ["volunteer"]


def test_numbers_are_masked_and_chinese_kept_exactly():
    view = domain.resident_view(resident(), date(2026, 11, 28))
    assert view["phone"] == "138****5678"
    assert view["id_number"].startswith("420302") and view["id_number"][6:14] == "********"
    assert view["name"] == "李大爷"
    assert view["health"] == domain.EMPTY_HEALTH


def test_events_never_carry_personal_numbers():
    data = domain.registered_event_data(resident())
    assert "phone" not in data and "id_number" not in data
    assert domain.public_changes({"phone": "1", "id_number": "2", "name": "王"}) == {"name": "王"}


@pytest.mark.parametrize("number, ok", [
    (with_check_digit("11010519491231002"), True),
    ("11010519491231002Y", False),
    ("110105194912310", False),
    (with_check_digit("11010519491331002"), False),  # month 13
])
def test_id_numbers_are_checked(number, ok):
    assert (id_number_problem(number) is None) is ok


def test_schema_rejects_unknown_fields_and_strips_names():
    loaded = ResidentIn().load({"household_id": "h", "name": " 王奶奶 ", "birth_date": "1941-09-03"})
    assert loaded["name"] == "王奶奶" and loaded["tags"] == []
    with pytest.raises(ValidationError) as error:
        ResidentIn().load({"household_id": "h", "name": "x", "birth_date": "1941-09-03", "vip": 1})
    assert "vip" in error.value.messages


def test_a_counted_visit_keeps_no_clinical_detail_and_needs_a_plain_id():
    data = {"visit_id": "01JVISIT", "resident_id": "r1", "completed_at": "2026-11-28T10:00:00Z",
            "medicine_packages": 3, "symptoms": ["头晕"]}
    assert domain.counted_visit(data) == {"visit_id": "01JVISIT", "medicine_packages": 3,
                                          "completed_at": "2026-11-28T10:00:00Z"}
    for bad in ("a.b", "$where", "", "x" * 65):
        with pytest.raises(domain.Invalid):
            domain.counted_visit(data | {"visit_id": bad})


def test_the_health_summary_is_read_from_the_resident_document():
    health = {"visits_completed": 2, "medicine_packages": 5, "last_visit_at": "2026-11-02"}
    assert domain.resident_view(resident(health=health), date(2026, 11, 28))["health"] == health
