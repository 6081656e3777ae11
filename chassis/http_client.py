"""A kept-alive HTTP/1.1 client connection for the internal hops (ADR 0013), the subset of
`http.client.HTTPConnection` they use: `request`, `getresponse`, `close`.

Why not http.client: it parses every answer's headers with the stdlib's email parser
(`http.client.parse_headers` builds an `email.message.Message`), 8% of the gateway's samples
per resident read (bench/RESULTS.md, 2026-12-01). Our own services answer these hops, so the
answer is a status line, a few headers and a body framed by Content-Length or chunked; this
reads just that. Anything else is `BadAnswer`, and the connection is not reused."""
import socket

MAX_LINE = 65536
MAX_HEADERS = 100


class BadAnswer(OSError):
    """An answer that is not the HTTP/1.1 these hops speak."""


class Disconnected(ConnectionResetError):
    """The other side closed the connection before answering (a kept connection it dropped
    meanwhile, or a restart): safe to retry a request that is harmless to repeat."""


class Answer:
    __slots__ = ("status", "headers", "will_close", "_body")

    def __init__(self, status, headers, will_close, body):
        self.status, self.headers, self.will_close, self._body = (status, headers,
                                                                  will_close, body)

    def getheader(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def read(self):
        return self._body


class Connection:
    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self._host_header = f"{host}:{port}".encode("latin-1")
        self._sock = self._file = None
        self._answer = None

    def _open(self):
        self._sock = socket.create_connection((self.host, self.port), self.timeout)
        # small requests and answers: do not wait for an ACK to send the next segment
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._file = self._sock.makefile("rb")

    def request(self, method, target, body=None, headers=None):
        if self._sock is None:
            self._open()
        lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: " + self._host_header]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}".encode("latin-1"))
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(b"Content-Length: %d" % len(body or b""))
        self._sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + (body or b""))
        self._answer = None

    def getresponse(self):
        status_line = self._file.readline(MAX_LINE + 1)
        if len(status_line) > MAX_LINE:
            raise BadAnswer("a status line longer than we read")
        if not status_line.endswith(b"\n"):  # nothing, or a line cut by the close
            raise Disconnected("the other side closed the connection without answering")
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise BadAnswer(f"not an HTTP/1.1 status line: {status_line[:80]!r}")
        status = int(parts[1])
        headers = self._headers()
        will_close = (headers.get("connection", "").lower() == "close"
                      or parts[0] == b"HTTP/1.0" and
                      headers.get("connection", "").lower() != "keep-alive")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._chunked()
        elif "content-length" in headers:
            body = self._exactly(_length(headers["content-length"]))
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:  # framed by the close
            body, will_close = self._file.read(), True
        return Answer(status, headers, will_close, body)

    def _headers(self):
        headers = {}
        for _ in range(MAX_HEADERS):
            line = self._file.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                return headers
            if not line.endswith(b"\n"):  # nothing more, or a line cut by the close
                if len(line) > MAX_LINE:
                    raise BadAnswer("a header line longer than we read")
                raise Disconnected("the connection closed within the answer's headers")
            name, sep, value = line.partition(b":")
            if not sep:
                raise BadAnswer(f"not a header line: {line[:80]!r}")
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        raise BadAnswer(f"more than {MAX_HEADERS} header lines")

    def _exactly(self, n):
        body = self._file.read(n)
        if len(body) != n:
            raise Disconnected(f"the answer's body ended after {len(body)} of {n} bytes")
        return body

    def _chunked(self):
        chunks = []
        while True:
            size_line = self._file.readline(MAX_LINE + 1)
            if not size_line:
                raise Disconnected("the connection closed within a chunked answer")
            size = _length(size_line.split(b";", 1)[0].strip(), base=16)
            if size == 0:
                self._headers()  # trailers, if any, up to the blank line
                return b"".join(chunks)
            chunks.append(self._exactly(size))
            self._file.readline(MAX_LINE + 1)  # the CRLF after each chunk

    def close(self):
        for part in (self._file, self._sock):
            if part is not None:
                part.close()
        self._sock = self._file = None


def _length(text, base=10):
    try:
        n = int(text, base)
    except ValueError:
        raise BadAnswer(f"not a length: {text[:20]!r}") from None
    if n < 0:
        raise BadAnswer(f"a negative length: {n}")
    return n
