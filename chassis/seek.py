"""A range of one indexed field, read a chunk at a time, in the field's order (ADR 0016).

The nx-27017 stand-in answers a range on a scalar field with its own single-field index,
sorted by that field with a limit, from the index in O(chunk); so a page whose entries a
filter may drop (a name search, the outreach worklist) is read as such a range: the first
chunk the page's size, each next one four times longer up to `most`, until the caller has
what it wants or the range ends."""
from pymongo import ASCENDING


def chunks(collection, field, low, high, after=None, first=20, most=1000, projection=None):
    """Lists of the documents whose `field` is in [low, high), or in (after, high) when a
    cursor says where the last page ended, each list the next chunk in `field` order; the last
    one may be short. Stop iterating once the page is full: nothing more is read. Nothing
    for a page of no entries (a limit of 0 would read the whole range)."""
    start, size = after, first
    if size < 1:
        return
    while True:
        rows = collection.find(
            {field: {**({"$gt": start} if start is not None else {"$gte": low}), "$lt": high}},
            sort=[(field, ASCENDING)], limit=size,
            projection={**(projection or {}), field: 1})
        if rows:
            yield rows
        if len(rows) < size:
            return
        start, size = rows[-1][field], min(size * 4, most)
