"""Answer shapes only the gateway has: problems, pages, and the hierarchy lists' queries."""
from marshmallow import Schema, fields

from chassis.schemas import CursorQuery


class ProblemOut(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "field -> list of messages (validation only)"})


class PageQuery(CursorQuery):
    community_id = fields.String()
    compound_id = fields.String()


class RebuildOut(Schema):
    residents = fields.Integer()
    visits = fields.Integer()
    follow_ups = fields.Integer()
    households = fields.Integer()
    knocks = fields.Integer()
    needs = fields.Integer()
    proposals = fields.Integer()  # the deliberation week
    supports = fields.Integer()
    activities = fields.Integer()  # issue 11
    attendance = fields.Integer()
    volunteer_credits = fields.Integer()


_pages = {}


def page_of(schema_cls):
    """A `{items: [...], next}` schema for a list of `schema_cls` (one class per item type)."""
    if schema_cls not in _pages:
        name = schema_cls.__name__.replace("Out", "") + "Page"
        _pages[schema_cls] = type(name, (Schema,), {
            "items": fields.List(fields.Nested(schema_cls)),
            "next": fields.String(allow_none=True, metadata={"description": "cursor for ?cursor="}),
        })
    return _pages[schema_cls]
