"""Schema bases every service shares: strict input (unknown fields rejected, strings
stripped, no control characters) and cursor paging."""
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from chassis.text import control_problems

MAX_PAGE = 200


class Text(fields.String):
    """Multi-line text (notes, descriptions, histories): tab and line breaks are allowed in
    it; every other text field of a Strict schema is one line (chassis/text.py)."""

    multiline = True

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"x-multiline": True, **(kwargs.get("metadata") or {})}
        super().__init__(**kwargs)


class Strict(Schema):
    """Every input schema's base. Strings are stripped, and text holding control characters
    (NUL and the rest of C0, DEL, C1; tab, CR and LF only in `Text` fields) is refused with
    a message per field, anywhere in the body: nested schemas and lists included."""

    class Meta:
        unknown = RAISE

    @pre_load
    def strip_strings_and_refuse_controls(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        problems = control_problems(self, data)
        if problems:
            raise ValidationError(problems)
        return data


class CursorQuery(Strict):
    """`?limit=` (default 50, at most 200) and `?cursor=` (the `next` of the previous page)."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None)


def page(items, limit):
    """A list answer for a CursorQuery: the items, and the cursor of the next page (the last
    id) when this page is full."""
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}
