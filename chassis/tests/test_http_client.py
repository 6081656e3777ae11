"""The internal hops' HTTP client against a real socket that answers scripted bytes: the
framings our services' servers use, a connection kept across requests, and each way an
answer can go wrong raised as the error the caller maps (Disconnected: retry or 503;
BadAnswer: 503), never a wrong body."""
import socket
import threading

import pytest

from chassis.http_client import BadAnswer, Connection, Disconnected


class Scripted:
    """A one-connection server: for each request it reads, it sends the next scripted answer
    (None: nothing); it closes the connection after the last. It records the requests."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn, conn.makefile("rb") as incoming:
            for answer in self.answers:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = incoming.readline()
                    if not line:
                        return
                    head += line
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                self.requests.append(head + (incoming.read(length[0]) if length else b""))
                if answer is not None:
                    conn.sendall(answer)

    def close(self):
        self.listener.close()


@pytest.fixture
def serve():
    servers = []

    def start(*answers):
        servers.append(Scripted(answers))
        return Connection("127.0.0.1", servers[-1].port, 5), servers[-1]
    yield start
    for server in servers:
        server.close()


def test_a_kept_connection_carries_several_requests_and_their_exact_bodies(serve):
    body = '{"name": "王秀英", "address": "朝阳区望京街道 3 号楼"}'.encode()
    connection, _ = serve(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body),
        b"HTTP/1.1 404 NOT FOUND\r\ncontent-length: 2\r\nX-Correlation-Id: c-1\r\n\r\n{}")
    connection.request("GET", "/internal/residents/r-1?x=1", headers={"X-A": "1"})
    first = connection.getresponse()
    assert (first.status, first.read(), first.will_close) == (200, body, False)
    connection.request("GET", "/internal/residents/r-2")
    second = connection.getresponse()
    assert (second.status, second.read()) == (404, b"{}")
    assert second.getheader("X-Correlation-Id") == "c-1"
    connection.close()


def test_the_request_names_host_headers_and_body_length(serve):
    connection, server = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    body = '{"note": "血压偏高"}'.encode()
    connection.request("POST", "/internal/x", body=body, headers={"X-Gongzhi-Context": "e30"})
    assert connection.getresponse().status == 200
    assert server.requests == [
        b"POST /internal/x HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Gongzhi-Context: e30\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (server.port, len(body), body)]
    connection.close()


def test_a_chunked_answer_is_joined(serve):
    connection, _ = serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"4\r\n{\"a\"\r\n6;ext=1\r\n: \"\xe7\xa4\xbe\r\n3\r\n\xe5\x8c\xba\r\n"
                       b"2\r\n\"}\r\n0\r\n\r\n")
    connection.request("GET", "/")
    assert connection.getresponse().read().decode() == '{"a": "社区"}'


def test_an_answer_that_closes_says_so(serve):
    connection, _ = serve(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
    connection.request("GET", "/")
    assert connection.getresponse().will_close


@pytest.mark.parametrize("answer", [
    None,  # closed without answering: a kept connection the other side dropped
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",  # the body cut short
    b"HTTP/1.1 200 OK\r\nContent-Len",  # the headers cut short
])
def test_a_connection_closed_mid_answer_is_disconnected(serve, answer):
    connection, _ = serve(answer)  # then the server closes the connection
    connection.request("GET", "/")
    with pytest.raises(Disconnected):
        connection.getresponse()


@pytest.mark.parametrize("answer", [
    b"SMTP ready\r\n\r\n",
    b"HTTP/1.1 OK 200\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
])
def test_what_is_not_http_is_a_bad_answer(serve, answer):
    connection, _ = serve(answer)
    connection.request("GET", "/")
    with pytest.raises(BadAnswer):
        connection.getresponse()
