"""Unit tests (no broker, no store): bounded bodies, JSON depth, control characters."""
import io

import pytest
from marshmallow import fields
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from chassis.bodies import MAX_JSON_DEPTH, BadJson, BodyTooLarge, parse_json, read_body
from chassis.errors import Invalid
from chassis.schemas import Strict, Text
from chassis.validation import load


class CountingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def chunked_request(data):
    environ = EnvironBuilder(method="POST", headers={"Transfer-Encoding": "chunked"}).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = CountingStream(data)
    return Request(environ), environ["wsgi.input"]


def test_a_chunked_body_is_read_up_to_the_limit_and_no_further():
    request, stream = chunked_request(b"x" * 10_000_000)
    with pytest.raises(BodyTooLarge) as refused:
        read_body(request, 1000)
    assert refused.value.status == 413 and stream.taken == 1001
    request, _ = chunked_request(b'{"a": 1}')
    assert read_body(request, 1000) == b'{"a": 1}'


def test_a_declared_length_past_the_limit_is_refused_before_reading():
    environ = EnvironBuilder(method="POST", data=b"x" * 5000).get_environ()
    stream = environ["wsgi.input"] = CountingStream(b"x" * 5000)
    with pytest.raises(BodyTooLarge):
        read_body(Request(environ), 1000)
    assert stream.taken == 0


@pytest.mark.parametrize("raw", [b"[" * 100_000, b"[" * 5000 + b"]" * 5000,
                                 b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1),
                                 b"\xff", b'{"a": '])
def test_deep_or_broken_json_is_400(raw):
    with pytest.raises(BadJson) as refused:
        parse_json(raw)
    assert refused.value.status == 400


def test_json_within_the_depth_parses():
    nested = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert parse_json(nested) is not None
    assert parse_json('{"名": "李大爷"}'.encode()) == {"名": "李大爷"}


class Note(Strict):
    title = fields.String()
    body = Text()
    tags = fields.List(fields.String())


@pytest.mark.parametrize("payload, field", [
    ({"title": "a\x00b"}, "title"), ({"title": "a\tb"}, "title"), ({"title": "a\nb"}, "title"),
    ({"body": "a\x00b"}, "body"), ({"body": "a\x1bb"}, "body"), ({"tags": ["ok", "a\x7f"]}, "tags"),
    ({"title": "a\u0085b"}, "title"),
])
def test_control_characters_are_422_by_field(payload, field):
    with pytest.raises(Invalid) as refused:
        load(Note, payload)
    assert set(refused.value.errors) == {field}


def test_text_keeps_tabs_and_line_breaks_and_names_keep_chinese():
    loaded = load(Note, {"title": " 凯旋社区\n", "body": "第一行\n\t第二行\r\n", "tags": ["志愿者"]})
    assert loaded == {"title": "凯旋社区", "body": "第一行\n\t第二行", "tags": ["志愿者"]}
