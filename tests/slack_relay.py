"""A loopback TCP relay that can make the connections through it go silent.

Slack sometimes asks a Socket Mode client to reconnect (``{"type": "disconnect"}``) and
then leaves the old connection open without another byte: no pings, no close frame. The
relay stands between the bot and ``FakeSocketModeServer`` to play that: after
``silence_after_next_message()``, each connection open at that moment forwards one more
chunk from the server (the disconnect message) and then nothing in either direction,
while both sockets stay open. "That chunk" is the first one holding ``marker`` (the
server's frames are not masked, so the JSON text shows in the bytes): a pong answering the
client's keep-alive ping must not take its place.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from typing import Any

_LOOPBACK = "127.0.0.1"


class _Pair:
    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.silence_after: bytes | None = None
        self.silent = False


class SilencingRelay:
    """Relays ws:// connections to ``upstream_port``; hands out URLs like the fake does."""

    def __init__(self, upstream_port: int, *, app_id: str = "A111") -> None:
        self._upstream_port = upstream_port
        self._app_id = app_id
        self._lock = threading.Lock()
        self._pairs: list[_Pair] = []
        self._listener = socket.create_server((_LOOPBACK, 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def connection_url(self) -> str:
        return f"ws://{_LOOPBACK}:{self.port}/link/?ticket={uuid.uuid4()}&app_id={self._app_id}"

    def silence_after_next_message(self, marker: bytes = b'"disconnect"') -> None:
        """Each connection open now goes silent after the server's next chunk that holds
        ``marker``."""
        with self._lock:
            for pair in self._pairs:
                pair.silence_after = marker

    @property
    def silent_connections(self) -> int:
        with self._lock:
            return sum(p.silent for p in self._pairs)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in (pair.client, pair.upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def __enter__(self) -> SilencingRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((_LOOPBACK, self._upstream_port))
            pair = _Pair(client, upstream)
            with self._lock:
                self._pairs.append(pair)
            for args in ((pair, client, upstream, True), (pair, upstream, client, False)):
                threading.Thread(target=self._pump, args=args, daemon=True).start()

    def _pump(self, pair: _Pair, source: socket.socket, sink: socket.socket, up: bool) -> Any:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return  # the peer closed; leave the other side open (and silent)
            with self._lock:
                if pair.silent:
                    continue  # swallow: the connection looks alive but says nothing
                last = not up and pair.silence_after is not None and pair.silence_after in data
            with contextlib.suppress(OSError):
                sink.sendall(data)
            if last:
                with self._lock:
                    pair.silent = True
