"""A real HTTP webhook receiver on loopback that checks signatures as the README shows."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from webhooks.signing import verify


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    authentic: bool


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (then 200); keeps what it got."""

    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                authentic = verify(
                    receiver.secret,
                    timestamp=self.headers.get("X-ActQuiz-Timestamp"),
                    signature_header=self.headers.get("X-ActQuiz-Signature"),
                    body=body,
                    now=time.time(),
                )
                receiver.received.append(Received(dict(self.headers), body, authentic))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not authentic:
                    status = 401
                payload = b"receiver is down" if status >= 500 else b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/actquiz?source=test"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
