"""Coverage rules: counts per grid, and who to knock next in which order."""
from services.council.outreach.coverage import coverage, not_knocked

HOMES = [
    {"_id": "h1", "address": "1栋", "grid_id": "g1", "last_knocked_at": "2026-11-20T02:00"},
    {"_id": "h2", "address": "2栋", "grid_id": "g1", "last_knocked_at": None},
    {"_id": "h3", "address": "3栋", "grid_id": "g1", "last_knocked_at": "2026-11-10T02:00"},
    {"_id": "h4", "address": "4栋", "grid_id": "g2", "last_knocked_at": "2026-11-01T02:00"},
    {"_id": "h5", "address": "5栋", "grid_id": "g2", "last_knocked_at": None},
    {"_id": "h6", "address": "6栋", "grid_id": "g2", "last_knocked_at": "2026-12-01T02:00"},
]
GRIDS = [{"_id": "g1", "name": "第1网格"}, {"_id": "g2", "name": "第2网格"}]


def test_elderly_alone_first_then_never_then_oldest():
    order = not_knocked(HOMES, knocked_ids={"h6"}, elderly_alone_ids={"h1"})
    assert [(r["household_id"], r["priority"]) for r in order] == [
        ("h1", "elderly_living_alone"), ("h2", "never_knocked"), ("h5", "never_knocked"),
        ("h4", "longest_since_knocked"), ("h3", "longest_since_knocked")]


def test_several_elderly_alone_households_are_ordered_by_their_last_knock():
    order = not_knocked(HOMES, knocked_ids=set(), elderly_alone_ids={"h1", "h5", "h4"})
    assert [r["household_id"] for r in order[:3]] == ["h5", "h4", "h1"]


def test_a_knocked_household_is_not_listed_even_if_elderly_alone():
    assert "h6" not in {r["household_id"] for r in
                        not_knocked(HOMES, knocked_ids={"h6"}, elderly_alone_ids={"h6"})}


def test_counts_per_grid_and_overall():
    weeks = [{"grid_id": "g1", "households": {"h1": "t", "h2": "t"}},
             {"grid_id": "g2", "households": {"h6": "t", "elsewhere": "t"}}]
    result = coverage("2026-W49", HOMES, GRIDS, weeks, set())
    assert (result["households"], result["knocked"], result["coverage"]) == (6, 3, 0.5)
    assert [(g["grid_id"], g["households"], g["knocked"], g["coverage"])
            for g in result["by_grid"]] == [("g1", 3, 2, 0.6667), ("g2", 3, 1, 0.3333)]
    assert len(result["not_knocked"]) == 3


def test_an_empty_scope_has_zero_coverage():
    result = coverage("2026-W49", [], [], [], set())
    assert (result["households"], result["knocked"], result["coverage"]) == (0, 0, 0.0)
