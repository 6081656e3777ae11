"""Schema bases every service shares: strict input (unknown fields rejected, strings
stripped) and cursor paging."""
from marshmallow import RAISE, Schema, fields, pre_load, validate

MAX_PAGE = 200


class Strict(Schema):
    class Meta:
        unknown = RAISE

    @pre_load
    def strip_strings(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


class CursorQuery(Strict):
    """`?limit=` (default 50, at most 200) and `?cursor=` (the `next` of the previous page)."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None)


def page(items, limit):
    """A list answer for a CursorQuery: the items, and the cursor of the next page (the last
    id) when this page is full."""
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}
