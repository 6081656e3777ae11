"""Scores per unit (12345 ranks units monthly on these rates): overall and by the unit each
need was last dispatched to. The arithmetic is contracts/need_rates.py, shared with metrics."""
from contracts.need_rates import rates


def scores(rows):
    by_unit = {}
    for row in rows:
        if row.get("unit"):
            by_unit.setdefault(row["unit"], []).append(row)
    return {"overall": rates(rows),
            "by_unit": [{"unit": unit, **rates(unit_rows)}
                        for unit, unit_rows in sorted(by_unit.items())]}
