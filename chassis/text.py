"""Which characters text input may hold. Names, addresses and ids are one line; notes and
descriptions (`chassis.schemas.Text`) may also hold tab and line breaks. Nothing holds NUL,
the other C0 controls, DEL or the C1 controls: they are invisible, break logs, CSV exports and
other systems (the hospital's), and no person types them. Chinese and every other printable
character pass untouched."""
import re

from marshmallow import fields

ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF, CR allowed
ONE_LINE_MESSAGE = "Control characters (including tab and line breaks) are not allowed."
MULTI_LINE_MESSAGE = "Control characters other than tab and line breaks are not allowed."


def control_problems(schema, data):
    """{data key: [message]} for the fields of a raw input dict that hold control
    characters (nested dicts as nested maps, list items by index)."""
    by_key = {(field.data_key or name): field for name, field in schema.fields.items()}
    problems = {}
    for key, value in data.items():
        found = _problems(by_key.get(key), value) or _problems(None, key)
        if found:
            problems[str(_printable(key))] = found
    return problems


def _problems(field, value):
    if isinstance(value, str):
        multiline = getattr(field, "multiline", False)
        if (MULTI_LINE if multiline else ONE_LINE).search(value):
            return [MULTI_LINE_MESSAGE if multiline else ONE_LINE_MESSAGE]
        return None
    if isinstance(value, list):
        inner = field.inner if isinstance(field, fields.List) else None
        found = {str(i): p for i, item in enumerate(value) if (p := _problems(inner, item))}
        return found or None
    if isinstance(value, dict):
        if isinstance(field, fields.Nested):
            return control_problems(field.schema, value) or None
        found = {}
        for key, item in value.items():
            problem = _problems(None, item) or _problems(None, key)
            if problem:
                found[str(_printable(key))] = problem
        return found or None
    return None


def _printable(key):
    """An error map's key for a field name that itself holds control characters."""
    return ONE_LINE.sub("?", key) if isinstance(key, str) else key
