"""A TCP relay on loopback that a test can switch off and on, to stand for an outage.

Down, it still accepts connections but closes each at once (what a client sees when a
load balancer has no healthy backend), and counts them: a test can wait until the
other side has really tried, instead of sleeping for a guessed time.
"""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    """Relay ``listen_host``:<port> to ``target``; ``down()`` / ``up()`` switch the outage."""

    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server((listen_host, 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._up = True
        self._open: set[socket.socket] = set()
        self.refused = 0
        self._closing = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def down(self) -> None:
        """Start the outage: cut every open connection and refuse new ones."""
        with self._lock:
            self._up = False
            self.refused = 0
            victims, self._open = self._open, set()
        for sock in victims:
            _close(sock)

    def up(self) -> None:
        """End the outage: relay new connections again."""
        with self._lock:
            self._up = True

    def close(self) -> None:
        """Stop listening and cut everything."""
        self._closing = True
        self.down()
        _close(self._listener)

    def _accept_loop(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                relaying = self._up
                if not relaying:
                    self.refused += 1
            if not relaying:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self._lock:
                    self._open.discard(sock)
                _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
