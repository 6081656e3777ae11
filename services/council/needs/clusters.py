"""Clusters: one category raised by several distinct households of one compound lately, the
bridge from needs to a deliberation-week proposal (12345's 'issues that keep coming back')."""
MIN_HOUSEHOLDS = 3


def clusters(rows, min_households=MIN_HOUSEHOLDS):
    groups = {}
    for row in rows:
        group = groups.setdefault((row["compound_id"], row["category"]),
                                  {"households": set(), "need_ids": []})
        group["households"].add(row["household_id"])
        group["need_ids"].append(row["_id"])
    found = [{"compound_id": compound, "category": category,
              "households": len(group["households"]), "need_ids": sorted(group["need_ids"])}
             for (compound, category), group in groups.items()
             if len(group["households"]) >= min_households]
    return sorted(found, key=lambda c: (-c["households"], c["compound_id"], c["category"]))
