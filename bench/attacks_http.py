"""HTTP helpers for bench/attacks.py: clients with their own loopback source address, a
form reader (hidden CSRF token and the fields a browser would send), and a local receiver
that records what reaches it."""

from __future__ import annotations

import re
import threading
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from requests.adapters import HTTPAdapter


class _SourceAdapter(HTTPAdapter):
    """Connections leave from one loopback address (Linux routes all of 127.0.0.0/8)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def client(source: str = "127.0.0.1") -> requests.Session:
    """A browser-like session whose requests come from `source`."""
    session = requests.Session()
    adapter = _SourceAdapter(source)
    session.mount("http://", adapter)
    return session


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attr = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attr.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and attr.get("name"):
            kind = (attr.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            if kind in ("submit", "button"):
                return
            self.forms[-1]["fields"][attr["name"]] = attr.get("value") or (
                "y" if kind == "checkbox" else "")
        elif tag == "textarea" and attr.get("name"):
            self._textarea = attr["name"]
            self.forms[-1]["fields"][self._textarea] = ""
        elif tag == "select" and attr.get("name"):
            self.forms[-1]["fields"].setdefault(attr["name"], "")
            self._select = attr["name"]
        elif tag == "option" and getattr(self, "_select", None):
            fields = self.forms[-1]["fields"]
            if "selected" in attr or not fields.get(self._select):
                fields[self._select] = attr.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def forms(html: str) -> list[dict]:
    """Every form of the page: {"action", "fields": {name: value}} as a browser sends it."""
    reader = _FormReader()
    reader.feed(html)
    return reader.forms


def form_with(html: str, field: str) -> dict[str, str]:
    """The fields of the first form that has `field` ({} when none has)."""
    for form in forms(html):
        if field in form["fields"]:
            return dict(form["fields"])
    return {}


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return match.group(1) if match else ""


class Receiver:
    """A local HTTP server on 127.0.0.1 that records every request; it answers `status`
    with `body`, or 302 to `redirect_to` when set."""

    def __init__(self, port: int, *, body: str = "ok", status: int = 200,
                 redirect_to: str | None = None) -> None:
        self.hits: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                receiver.hits.append(f"{self.command} {self.path}")
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = _answer

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
