"""A TCP proxy the test controls: cut its connections, refuse new ones, or cut after some bytes."""
from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from typing import Iterator

BUFFER = 16 * 1024


class CutProxy:
    """Forwards 127.0.0.1:port to a target port, one pair of pump threads per connection."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.refusing = False  # new connections are closed at once (the server is "down")
        self._budget: int | None = None  # client → server bytes left before every connection is cut
        self._hold = False  # when the budget is spent, stall (until release()) instead of cutting
        self.stalled = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True, name="cut-proxy").start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()  # the target is down too: the client sees its connection end
                continue
            server.settimeout(None)
            with self._lock:
                self._open += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        """Copy one direction until either side ends (or the budget runs out), then close both."""
        try:
            while data := source.recv(BUFFER):
                data, spent = self._spend(data) if upstream else (data, False)
                sink.sendall(data)
                if spent:
                    if self._hold:
                        self.stalled.set()
                        self._released.wait()
                    self.cut_all()
                    break
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _spend(self, data: bytes) -> tuple[bytes, bool]:
        """Take data from the budget: what may still go, and whether the budget is spent with it."""
        with self._lock:
            if self._budget is None:
                return data, False
            if len(data) < self._budget:
                self._budget -= len(data)
                return data, False
            fits, self._budget = data[: self._budget], None
            return fits, True

    def cut_after(self, count: int, *, hold: bool = False) -> None:
        """Cut every connection once the clients have sent count more bytes; with hold, stall them
        there (stalled is set) until release() cuts them."""
        with self._lock:
            self._budget, self._hold = count, hold
            self.stalled.clear()
            self._released.clear()

    def release(self) -> None:
        """Cut the stalled connections."""
        self._released.set()

    def cut_all(self) -> None:
        """Drop every open connection now, as a broken link does."""
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            self._shut(sock)

    @contextmanager
    def down(self) -> Iterator[None]:
        """An outage: open connections are cut and new ones closed at once until the block ends."""
        self.refusing = True
        self.cut_all()
        try:
            yield
        finally:
            self.refusing = False

    def _close(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._open = [s for s in self._open if s not in sockets]
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def close(self) -> None:
        self._closed.set()
        self._released.set()
        self.listener.close()
        self.cut_all()
