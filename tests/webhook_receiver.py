"""A venue's own system in miniature: a local HTTP server that records signed webhooks."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from marketplace.outbound import OutboundPolicy

# An address on the public Internet for fake DNS answers. Tests never connect to it: a
# test that would is a test whose refusal failed.
PUBLIC_IP = "93.184.215.14"


def offline_resolve(host: str, port: int) -> list[str]:
    """The tests' resolver by default: numeric hosts as the system reads them (2130706433,
    0x7f.1, ::ffff:127.0.0.1), `localhost`, and no name at all: never the network."""
    if host.lower() == "localhost":
        return ["127.0.0.1", "::1"]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                               flags=socket.AI_NUMERICHOST)
    return [info[4][0] for info in infos]


class FakeDNS:
    """A resolver whose answers a test writes (and changes, to play DNS rebinding)."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers = dict(answers or {})
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.answers:
            return list(self.answers[host])
        return offline_resolve(host, port)


# The policy of WEBHOOK_ALLOW_PRIVATE=1, for tests that call deliver_webhooks themselves:
# a receiver on this machine is a private address (DESIGN.md rule 9).
LOCAL = OutboundPolicy(allow_private=True, resolve=offline_resolve)


@dataclass
class Receiver:
    url: str
    port: int = 0
    fail_first: int = 0
    received: list[dict] = field(default_factory=list)
    attempts: int = 0
    connections: int = 0  # every TCP connection accepted, even one that sent nothing


@contextmanager
def webhook_receiver(fail_first: int = 0, *, status: int = 200, body: bytes = b"",
                     headers: dict[str, str] | None = None,
                     tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """Yield a receiver answering 500 to its first `fail_first` calls, then `status` with
    `headers` and `body` (https with the `tls` context given)."""
    state = Receiver(url="", fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def setup(self):
            state.connections += 1
            super().setup()

        def do_POST(self):  # noqa: N802 (http.server's name)
            data = self.rfile.read(int(self.headers["Content-Length"]))
            state.attempts += 1
            if state.attempts <= state.fail_first:
                self.send_response(500)
                self.send_header("Content-Length", "0")
            else:
                state.received.append({"headers": dict(self.headers), "body": data,
                                       "json": json.loads(data)})
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.attempts > state.fail_first:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_port
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{state.port}/kiosque"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
