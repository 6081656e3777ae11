"""Request bodies read and parsed with bounds, so that no request can cost a process more
memory or stack than a sensible one.

- Size: at most GONGZHI_MAX_BODY_BYTES. A larger Content-Length is refused before anything
  is read (chassis/web.py, for every HTTP entrypoint); a chunked body is read in pieces and
  refused as soon as it passes the limit. Either way: 413 problem+json.
- Depth: JSON nested deeper than MAX_JSON_DEPTH (or deep enough to exhaust the parser's
  recursion) is 400, like any malformed JSON; no request body of ours nests past a handful.
"""
import json

from chassis.errors import DomainError, Invalid

MAX_JSON_DEPTH = 32
_READ_SIZE = 64 * 1024


class BadJson(Invalid):
    status = 400
    title = "Malformed JSON"


class BodyTooLarge(DomainError):
    status = 413
    title = "Content too large"


def too_large(limit):
    return BodyTooLarge(f"the body is larger than {limit} bytes (GONGZHI_MAX_BODY_BYTES)")


def read_body(request, limit):
    """The raw body of a werkzeug request, never reading more than `limit` + 1 bytes."""
    length = request.content_length
    if length is not None:
        if length > limit:
            raise too_large(limit)
        return request.get_data(cache=False)  # werkzeug reads at most Content-Length
    if request.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return b""
    # werkzeug hands out an empty stream for a chunked body (the server does not say it
    # terminates the input); eventlet's input decodes the chunks, so read it ourselves.
    stream, chunks, size = request.environ["wsgi.input"], [], 0
    while True:
        chunk = stream.read(min(_READ_SIZE, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)


def parse_json(raw, max_depth=MAX_JSON_DEPTH):
    """The JSON value of a UTF-8 body, or BadJson (400)."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise _too_deep(max_depth) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadJson(f"the body is not valid UTF-8 JSON: {exc}",
                      {"_body": ["Malformed JSON."]}) from None
    if _deeper_than(value, max_depth):
        raise _too_deep(max_depth)
    return value


def _too_deep(max_depth):
    return BadJson(f"the body nests deeper than {max_depth} levels",
                   {"_body": [f"JSON nested deeper than {max_depth} levels."]})


def _deeper_than(value, limit):
    """Iterative (a recursive walk would fail the way the parser did)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False
