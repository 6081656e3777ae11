"""A TCP proxy in front of the shared RabbitMQ, so a test can take "the broker" away from its
own services (drop every connection, refuse new ones) and give it back, without touching the
broker that other people use."""
import socket

import eventlet
from eventlet.green import socket as green_socket


class BrokerProxy:
    def __init__(self, target=("127.0.0.1", 5672)):
        self.target = target
        self.port = None
        self._listener = None
        self._acceptor = None
        self._pipes = set()

    @property
    def listening(self):
        return self._listener is not None

    def uri(self, vhost):
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{vhost}"

    def up(self):
        listener = green_socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or 0))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._acceptor = eventlet.spawn(self._accept, listener)

    def down(self):
        """The broker is gone: no new connections, and every open one is cut."""
        if self._acceptor is not None:
            self._acceptor.kill()
            self._acceptor = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for sock in list(self._pipes):  # the pumps see the end and close them
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        eventlet.sleep(0.1)

    def _accept(self, listener):
        while True:
            client, _ = listener.accept()
            try:
                upstream = green_socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._pipes.update((client, upstream))
            eventlet.spawn_n(self._pump, client, upstream)
            eventlet.spawn_n(self._pump, upstream, client)

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except Exception:  # reset, closed under us: the pipe is over either way
            pass
        finally:
            for sock in (source, sink):
                self._pipes.discard(sock)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except Exception:
                    pass
