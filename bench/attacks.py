"""A black-box security probe: the attacks of the security review, over HTTP only.

Starts the app of a source tree (gunicorn, 2 workers, on a fresh SQLite file, or
PostgreSQL/Redis with --pg/--redis; demo payment gateway; `db upgrade` + `demo seed`;
rate limits ON), then tries each attack against 127.0.0.1 and prints one line each:
HELD or GOT THROUGH with a short why. Outcomes the answers do not show (what the outbox
or the database holds) are read from the app's own database; webhook attacks use local
receivers on 127.0.0.1. Clients come from their own loopback addresses (127.x.y.z).

    .venv/bin/python bench/attacks.py                      # this tree, SQLite
    .venv/bin/python bench/attacks.py --tree /tmp/old-main  # an older checkout
    .venv/bin/python bench/attacks.py --pg postgresql://postgres@127.0.0.1:5432 \\
        --redis redis://127.0.0.1:6379/11

A measurement, not a gate: exits 0 unless the app fails to start.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.attacks_http import Receiver, client, csrf_token, form_with  # noqa: E402
from bench.rush import free_port, wait_until_up  # noqa: E402

TIMEOUT = 30
HELD, THROUGH = "HELD", "GOT THROUGH"


class App:
    """One running instance of the tree, and what the attacks share about it."""

    def __init__(self, tree: Path, env: dict, db_url: str, workers: int = 2) -> None:
        self.tree, self.env, self.db_url = tree, env, db_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = env | {"BASE_URL": self.base}
        # The app's own log (tracebacks of its outbound calls…) stays out of the report.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 — closed in stop()
        self.server = subprocess.Popen(
            [*program(tree, "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "error", "wsgi:app"], cwd=tree, env=self.env,
            stdout=self.log, stderr=self.log)
        try:
            wait_until_up(self.base, 60)
        except SystemExit:
            self.server.kill()
            self.log.seek(0)
            raise SystemExit(self.log.read().decode(errors="replace")[-3000:]) from None
        self.engine = sa.create_engine(db_url)

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)
        self.engine.dispose()
        self.log.close()

    def sql(self, query: str, **params) -> list:
        with self.engine.begin() as conn:
            result = conn.execute(sa.text(query), params)
            return list(result) if result.returns_rows else []

    def api(self, method: str, path: str, body: dict | None = None, *, token: str = "",
            session: requests.Session | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return (session or requests).request(method, self.base + path, json=body,
                                             headers=headers, timeout=TIMEOUT, **kwargs)


def program(tree: Path, name: str) -> list[str]:
    """The tree's own venv program if it has one, else this interpreter's module."""
    own = tree / ".venv" / "bin" / name
    if own.exists():
        return [str(own)]
    return [sys.executable, "-m", name]


def flask(tree: Path, env: dict, *args: str) -> str:
    done = subprocess.run([*program(tree, "flask"), "--app", "wsgi", *args], cwd=tree,
                          env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


# --- steps the attacks share -------------------------------------------------------------

def new_offer(app: App, token: str, quantity: int, max_per_order: int,
              title: str = "Sonde") -> int:
    """A fresh release of the token's venue, on sale now; its storefront offer id."""
    starts = datetime.now(UTC) + timedelta(hours=5)
    performance = app.api("POST", "/api/v1/venue/performances", {
        "show": {"title": f"{title} {secrets.token_hex(3)}", "discipline": "theatre"},
        "starts_at": starts.isoformat()}, token=token)
    performance.raise_for_status()
    release = app.api("POST", "/api/v1/venue/releases", {
        "performance_id": performance.json()["id"], "category": "Placement libre",
        "face_price_cents": 2000, "quantity": quantity, "max_per_order": max_per_order,
        "start_discount_percent": 25, "max_discount_percent": 50}, token=token)
    release.raise_for_status()
    return release.json()["offer_id"]


def buy(app: App, session: requests.Session, offer_id: int, quantity: int, buyer: dict,
        *, pay: bool = True) -> tuple[requests.Response, dict]:
    """Hold, check out, pay with the demo gateway; the last answer and the order so far."""
    hold = app.api("POST", "/api/v1/holds", {"offer_id": offer_id, "quantity": quantity},
                   session=session)
    if hold.status_code != 201:
        return hold, {}
    checkout = app.api("POST", f"/api/v1/holds/{hold.json()['hold_id']}/checkout",
                       {**buyer, "marketing_consent": True}, session=session)
    if checkout.status_code != 201 or not pay:
        return checkout, checkout.json() if checkout.status_code == 201 else {}
    order = checkout.json()
    paid = app.api("POST", f"/api/v1/payments/demo/{order['order_id']}/succeed"
                   f"?token={order.get('order_token', '')}", session=session)
    return paid, order


def portal_login(app: App, session: requests.Session, email: str, password: str,
                 remember: bool = False) -> requests.Response:
    page = session.get(app.base + "/portal/login", timeout=TIMEOUT)
    fields = form_with(page.text, "password") or {"csrf_token": csrf_token(page.text)}
    fields |= {"email": email, "password": password}
    if remember:
        fields["remember"] = "y"
    else:
        fields.pop("remember", None)
    return session.post(app.base + "/portal/login", data=fields, allow_redirects=False,
                        timeout=TIMEOUT)


def logged_in(response: requests.Response) -> bool:
    return response.status_code in (302, 303) and "/login" not in response.headers.get(
        "Location", "")


def replay(app: App, cookies: requests.cookies.RequestsCookieJar) -> bool:
    """Whether these copied cookies still open the portal."""
    thief = client("127.0.6.99")
    thief.cookies.update(cookies)
    answer = thief.get(app.base + "/portal/", allow_redirects=False, timeout=TIMEOUT)
    return answer.status_code == 200 or logged_in(answer)  # /portal/ leads to one's venue


def set_webhook(app: App, slug: str, url: str | None) -> None:
    app.sql("UPDATE venues SET webhook_url = :url WHERE slug = :slug", url=url, slug=slug)


# --- the attacks ---------------------------------------------------------------------------

class Probe:
    def __init__(self, app: App, args: argparse.Namespace) -> None:
        self.app, self.args = app, args
        slugs = [row[0] for row in app.sql("SELECT slug FROM venues ORDER BY id")]
        self.slug = "la-criee" if "la-criee" in slugs else slugs[0]
        self.others = [slug for slug in slugs if slug != self.slug]
        self.token = flask(app.tree, app.env, "token", "issue", "--venue", self.slug)
        self.offer = new_offer(app, self.token, 200, 6)

    def manager(self, slug: str) -> tuple[str, str]:
        return f"manager@{slug}.demo.kiosque.fr", "kiosque-manager"

    def webhook_loopback(self) -> tuple[bool, str]:
        receiver = Receiver(free_port())
        try:
            port = receiver.server.server_address[1]
            answers = {}
            for url in (receiver.url, f"http://2130706433:{port}/"):
                answers[url] = self.app.api("PATCH", "/api/v1/venue/me", {"webhook_url": url},
                                            token=self.token).status_code
            portal = client("127.0.1.1")
            portal_login(self.app, portal, *self.manager(self.slug))
            page = portal.get(f"{self.app.base}/portal/venues/{self.slug}/profile",
                              timeout=TIMEOUT)
            fields = form_with(page.text, "webhook_url") | {"webhook_url": receiver.url}
            fields.pop("new_webhook_secret", None)
            saved = portal.post(f"{self.app.base}/portal/venues/{self.slug}/profile",
                                data=fields, allow_redirects=False, timeout=TIMEOUT)
            answers["portal form"] = saved.status_code
            self.app.api("POST", "/api/v1/venue/webhooks/test", token=self.token)
            buy(self.app, client("127.0.1.2"), self.offer, 1, {
                "email": "loop@example.org", "name": "Loop Back", "postcode": "13001"})
            time.sleep(1.5)
            stored = self.app.sql("SELECT webhook_url FROM venues WHERE slug = :s", s=self.slug)
            accepted = [where for where, status in answers.items()
                        if status < 400 and where != "portal form"]
            if answers["portal form"] in (302, 303):
                accepted.append("portal form")
            why = (f"answers {answers}; receiver got {len(receiver.hits)} request(s); "
                   f"stored URL {stored[0][0]!r}")
            return not accepted and not receiver.hits, why
        finally:
            set_webhook(self.app, self.slug, None)
            receiver.close()

    def webhook_redirect(self) -> tuple[bool, str]:
        inside = Receiver(free_port(), body="inside")
        door = Receiver(free_port(), redirect_to=inside.url)
        try:
            set_webhook(self.app, self.slug, door.url)  # as if it had resolved publicly once
            answer = self.app.api("POST", "/api/v1/venue/webhooks/test", token=self.token)
            portal = client("127.0.2.1")
            portal_login(self.app, portal, *self.manager(self.slug))
            page = portal.get(f"{self.app.base}/portal/venues/{self.slug}/webhooks",
                              timeout=TIMEOUT)
            button = portal.post(f"{self.app.base}/portal/venues/{self.slug}/webhooks/test",
                                 data={"csrf_token": csrf_token(page.text)},
                                 allow_redirects=False, timeout=TIMEOUT)
            time.sleep(0.5)
            why = (f"API test answered {answer.status_code}, portal test {button.status_code}; "
                   f"first server got {len(door.hits)}, "
                   f"redirect target got {len(inside.hits)}")
            return not inside.hits, why
        finally:
            set_webhook(self.app, self.slug, None)
            inside.close()
            door.close()

    def webhook_scanner(self) -> tuple[bool, str]:
        marker = f"SECRET-BODY-{secrets.token_hex(4)}"
        receiver = Receiver(free_port(), body=marker, status=500)
        closed = f"http://127.0.0.1:{free_port()}/"
        leaks = []
        # A venue of its own: the tests of attacks 1 and 2 may have used up a venue's quota.
        slug = self.others[3]
        token = flask(self.app.tree, self.app.env, "token", "issue", "--venue", slug)
        portal = client("127.0.3.1")
        portal_login(self.app, portal, *self.manager(slug))
        try:
            for url in (receiver.url, closed):
                set_webhook(self.app, slug, url)
                api = self.app.api("POST", "/api/v1/venue/webhooks/test", token=token)
                page = portal.get(f"{self.app.base}/portal/venues/{slug}/webhooks",
                                  timeout=TIMEOUT)
                shown = portal.post(f"{self.app.base}/portal/venues/{slug}/webhooks/test",
                                    data={"csrf_token": csrf_token(page.text)}, timeout=TIMEOUT)
                time.sleep(1.5)  # a delivery made in the background shows in the log later
                log = portal.get(f"{self.app.base}/portal/venues/{slug}/webhooks",
                                 timeout=TIMEOUT)
                for where, text in (("API", api.text), ("portal", shown.text + log.text)):
                    for bad in (marker, "refused", "Errno", "Connection", "Max retries"):
                        if bad in text:
                            leaks.append(f"{where} shows {bad!r} for {url}")
            return not leaks, "; ".join(leaks) or "answers show neither body nor error text"
        finally:
            set_webhook(self.app, slug, None)
            receiver.close()

    def erasure(self) -> tuple[bool, str]:
        tag = secrets.token_hex(3)
        self.erased = {"email": f"efface.{tag}@example.org", "name": f"Zebulon Efface{tag}",
                       "postcode": "98799"}
        answer, order = buy(self.app, client("127.0.4.1"), self.offer, 1, self.erased)
        if not order:
            return False, f"could not buy ({answer.status_code}): probe could not set up"
        browser = client("127.0.4.2")
        page = browser.get(self.app.base + "/mes-donnees", timeout=TIMEOUT)
        browser.post(self.app.base + "/mes-donnees", timeout=TIMEOUT, data={
            "csrf_token": csrf_token(page.text), "email": self.erased["email"]})
        bodies = self.app.sql("SELECT body_text FROM outbound_emails WHERE to_address = :e "
                              "ORDER BY id DESC", e=self.erased["email"])
        links = [m for (body,) in bodies
                 for m in re.findall(r"/mes-donnees/([^\s\"'<>]+)", body or "")]
        if not links:
            return False, "no /mes-donnees link reached the outbox: probe could not erase"
        self.link_token = links[0]
        gone = self.app.api("DELETE", f"/api/v1/me/data?token={self.link_token}")
        found = self.scan_database(list(self.erased.values()))
        return not found, (f"erasure answered {gone.status_code}; "
                           + ("still in " + ", ".join(found) if found else "no trace left"))

    def scan_database(self, needles: list[str]) -> list[str]:
        found = []
        inspector = sa.inspect(self.app.engine)
        with self.app.engine.connect() as conn:
            for table in inspector.get_table_names():
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings():
                    for column, value in row.items():
                        text = (value.decode(errors="ignore") if isinstance(value, bytes)
                                else value if isinstance(value, str) else None)
                        if text is None:
                            continue
                        hits = [n for n in needles  # whole words: not inside a hash
                                if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", text,
                                             re.IGNORECASE)]
                        if hits:
                            found.append(f"{table}.{column} ({', '.join(hits)})")
        return sorted(set(found))

    def link_after_erasure(self) -> tuple[bool, str]:
        token = getattr(self, "link_token", None)
        if token is None:
            return False, "no link from attack 4: nothing to test"
        email = self.erased["email"]
        readable = email in unquote(token)
        for part in re.split(r"[.:]", unquote(token)):
            with contextlib.suppress(ValueError):
                decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
                readable |= email.encode() in decoded
        page = requests.get(f"{self.app.base}/mes-donnees/{token}", timeout=TIMEOUT)
        shows = page.status_code == 200 and email in page.text
        why = (f"link answers {page.status_code} after erasure"
               f"{' showing the address' if shows else ''}; address "
               f"{'readable' if readable else 'not readable'} in the URL")
        return page.status_code != 200 and not readable, why

    def logout_remembered(self) -> tuple[bool, str]:
        slug = self.others[0]
        browser = client("127.0.6.1")
        if not logged_in(portal_login(self.app, browser, *self.manager(slug), remember=True)):
            return False, "could not log in: probe could not set up"
        stolen = requests.cookies.RequestsCookieJar()
        stolen.update(browser.cookies)
        if not replay(self.app, stolen):
            return False, "copied cookies do not open /portal/ even before logout: probe fault"
        home = browser.get(self.app.base + "/portal/", timeout=TIMEOUT)
        out = browser.post(self.app.base + "/portal/logout", allow_redirects=False,
                           data={"csrf_token": csrf_token(home.text)}, timeout=TIMEOUT)
        names = sorted(cookie.name for cookie in stolen)
        if replay(self.app, stolen):
            return False, f"old cookies {names} still open /portal/ (logout {out.status_code})"
        return True, f"old cookies {names} sent back to the login page"

    def password_change(self) -> tuple[bool, str]:
        slug = self.others[1]
        email, password = self.manager(slug)
        browser = client("127.0.7.1")
        if not logged_in(portal_login(self.app, browser, email, password, remember=True)):
            return False, "could not log in: probe could not set up"
        stolen = requests.cookies.RequestsCookieJar()
        stolen.update(browser.cookies)
        if not replay(self.app, stolen):
            return False, "copied cookies do not open /portal/ even before: probe fault"
        page = browser.get(self.app.base + "/portal/account", timeout=TIMEOUT)
        fields = form_with(page.text, "current_password")
        if not fields:
            return False, "no password form on /portal/account"
        new = "Une-phrase-de-passe-tres-longue-" + secrets.token_hex(4)
        for name in fields:
            if "password" in name or name == "confirm":
                fields[name] = new
        fields["current_password"] = password
        changed = browser.post(self.app.base + "/portal/account", data=fields,
                               allow_redirects=False, timeout=TIMEOUT)
        if changed.status_code not in (302, 303):
            return False, f"password change refused ({changed.status_code}): probe fault?"
        if replay(self.app, stolen):
            return False, "cookies copied before the password change still open /portal/"
        return True, "cookies copied before the password change are refused"

    def proxy_buckets(self) -> tuple[bool, str]:
        env = self.app.env | {"TRUSTED_PROXY_HOPS": "1"}
        env.pop("BASE_URL")
        proxied = App(self.app.tree, env, self.app.db_url)
        try:
            offer = new_offer(proxied, self.token, 500, 1)
            separate = self._buckets(proxied, offer, "127.0.8.1")
            shared = self._buckets(self.app, offer, "127.0.8.2")
        finally:
            proxied.stop()
        held = separate[1] == 0 and shared[1] > 0
        why = (f"hops=1: first XFF limited after {separate[0]}, other XFF limited "
               f"{separate[1]}/3; hops=0: spoofed XFF limited {shared[1]}/3")
        return held, why

    def _buckets(self, app: App, offer: int, source: str) -> tuple[int | str, int]:
        """Drive holds from one X-Forwarded-For until well past the limit, then ask three
        times with another; (requests before the first 429, 429s of the other)."""
        proxy = client(source)

        def hold(xff: str) -> int:
            answer = app.api("POST", "/api/v1/holds", {"offer_id": offer, "quantity": 1},
                             session=proxy, headers={"X-Forwarded-For": xff})
            if answer.status_code == 201:
                app.api("DELETE", f"/api/v1/holds/{answer.json()['hold_id']}", session=proxy)
            return answer.status_code

        first_limited: int | str = "never (in 80)"
        for sent in range(1, 81):
            if hold("198.51.100.1") == 429 and isinstance(first_limited, str):
                first_limited = sent
            if isinstance(first_limited, int) and sent >= first_limited + 25:
                break
        return first_limited, sum(hold("198.51.100.2") == 429 for _ in range(3))

    def hoarding(self) -> tuple[bool, str]:
        offer = new_offer(self.app, self.token, 10, 6)
        browser = client("127.0.9.1")
        browser.get(self.app.base + "/", timeout=TIMEOUT)  # a cookie jar, as a browser has
        statuses: list[int] = []

        def one() -> None:
            own = client("127.0.9.1")
            own.cookies.update(browser.cookies)
            statuses.append(self.app.api("POST", "/api/v1/holds",
                                         {"offer_id": offer, "quantity": 1},
                                         session=own).status_code)

        run_together([one] * 10)
        held = statuses.count(201)
        return held < 10, f"one client held {held} of 10 seats (answers {sorted(statuses)})"

    def geocoding(self) -> tuple[bool, str]:
        def near(i: int) -> Callable[[], None]:
            def go() -> None:
                with contextlib.suppress(requests.RequestException):
                    client(f"127.0.10.{i + 1}").get(
                        f"{self.app.base}/?near=Lieu-{secrets.token_hex(5)}", timeout=60)
            return go

        took: list[float] = []

        def offers() -> None:
            time.sleep(0.3)
            started = time.perf_counter()
            try:
                client("127.0.10.99").get(self.app.base + "/api/v1/offers", timeout=60)
            finally:
                took.append(time.perf_counter() - started)

        run_together([near(i) for i in range(6)] + [offers])
        return took[0] < 3, f"GET /api/v1/offers took {took[0]:.1f} s during 6 unknown ?near="

    def email_bombing(self) -> tuple[bool, str]:
        target = f"cible.{secrets.token_hex(3)}@example.org"
        for i in range(10):
            time.sleep(1.1 if i else 0)  # a second apart: not one request merged with another
            browser = client(f"127.0.11.{i + 1}")
            page = browser.get(self.app.base + "/mes-donnees", timeout=TIMEOUT)
            browser.post(self.app.base + "/mes-donnees", timeout=TIMEOUT,
                         headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
                         data={"csrf_token": csrf_token(page.text), "email": target})
        sent = self.app.sql("SELECT count(*) FROM outbound_emails WHERE to_address = :e",
                            e=target)[0][0]
        return sent <= 3, f"{sent} e-mails queued to one address from 10 clients"

    def lockout(self) -> tuple[bool, str]:
        slug = self.others[2]
        email, password = self.manager(slug)
        guesser = client("127.0.12.1")
        # At least 6 guesses, then on until the app slows the guesser down (in-memory limits
        # count per gunicorn worker: a few more guesses reach every worker's count).
        wrong: list[int] = []
        while len(wrong) < 20 and (len(wrong) < 6 or 429 not in wrong):
            wrong.append(portal_login(self.app, guesser, email, f"wrong-{len(wrong)}")
                         .status_code)
        owner = portal_login(self.app, client("127.0.12.2"), email, password)
        why = f"guesses answered {wrong}; the owner then got {owner.status_code}"
        return logged_in(owner), why

    def crlf_title(self) -> tuple[bool, str]:
        title = f"Sonde {secrets.token_hex(3)}\r\nBcc: victim@example.org"
        answer = self.app.api("POST", "/api/v1/venue/performances", {
            "show": {"title": title, "discipline": "theatre"},
            "starts_at": (datetime.now(UTC) + timedelta(hours=5)).isoformat()},
            token=self.token)
        if answer.status_code == 422:
            return True, "refused with 422"
        stored = [t for (t,) in self.app.sql("SELECT title FROM shows WHERE title LIKE :t",
                                             t=title.split("\r")[0] + "%")]
        clean = all("\r" not in t and "\n" not in t for t in stored)
        why = f"answered {answer.status_code}; stored {stored!r}"
        if answer.status_code == 201 and not clean:
            why += self._crlf_in_mail(answer.json()["id"], title)
        return answer.status_code >= 400 or clean, why

    def _crlf_in_mail(self, performance_id: int, title: str) -> str:
        """Where the title goes once a ticket for it is bought: the confirmation's subject."""
        release = self.app.api("POST", "/api/v1/venue/releases", {
            "performance_id": performance_id, "category": "Placement libre",
            "face_price_cents": 2000, "quantity": 5, "start_discount_percent": 25,
            "max_discount_percent": 50}, token=self.token)
        email = f"crlf.{secrets.token_hex(3)}@example.org"
        buy(self.app, client("127.0.13.1"), release.json()["offer_id"], 1,
            {"email": email, "name": "Cr Lf", "postcode": "13004"})
        subjects = [s for (s,) in self.app.sql(
            "SELECT subject FROM outbound_emails WHERE to_address = :e", e=email)]
        raw = [s for s in subjects if "\r" in s or "\n" in s]
        return (f"; ticket e-mail subject {'keeps' if raw else 'drops'} the CR/LF"
                f" ({subjects!r})")

    def demo_pay_without_token(self) -> tuple[bool, str]:
        answer, order = buy(self.app, client("127.0.14.1"), self.offer, 1, {
            "email": "sanstoken@example.org", "name": "Sans Jeton", "postcode": "13002"},
            pay=False)
        if not order:
            return False, f"could not check out ({answer.status_code}): probe could not set up"
        paid = requests.post(f"{self.app.base}/api/v1/payments/demo/{order['order_id']}"
                             "/succeed", timeout=TIMEOUT)
        status = self.app.sql("SELECT status FROM orders WHERE id = :i",
                              i=order["order_id"])[0][0]
        return status == "pending", f"answered {paid.status_code}; order is {status}"

    def plus_addressing(self) -> tuple[bool, str]:
        offer = new_offer(self.app, self.token, 40, 6)
        user = f"plus{secrets.token_hex(3)}"
        buyer = {"email": f"{user}@x.org", "name": "Plus Un", "postcode": "13003"}
        bought = 0
        for i in range(1, 5):  # up to 24 seats, 6 by 6, each order from its own address
            answer, order = buy(self.app, client(f"127.0.15.{i}"), offer, 6, buyer)
            if not order or answer.status_code >= 400:
                break
            bought += 6
        plus, _ = buy(self.app, client("127.0.15.10"), offer, 1,
                      buyer | {"email": f"{user}+1@x.org"}, pay=False)
        same, _ = buy(self.app, client("127.0.15.11"), offer, 1, buyer, pay=False)
        message = same.text.lower()
        reveals = any(word in message for word in ("already", "déjà", "you have",
                                                   "vous avez"))
        why = (f"{user}@ bought {bought} seats; then {user}+1@ answered {plus.status_code}, "
               f"{user}@ answered {same.status_code}"
               f"{' and its message tells what was bought' if reveals else ''}")
        return plus.status_code >= 400 and not reveals, why

    def head_login(self) -> tuple[bool, str]:
        answer = requests.head(self.app.base + "/portal/login", timeout=TIMEOUT)
        return answer.status_code == 200, f"HEAD answered {answer.status_code}"

    def uptake_garbage(self) -> tuple[bool, str]:
        answer = requests.get(self.app.base + "/api/v1/agency/uptake?from=garbage",
                              timeout=TIMEOUT)
        return answer.status_code == 401, f"answered {answer.status_code}"

    def attacks(self) -> list[tuple[str, Callable[[], tuple[bool, str]]]]:
        return [
            ("1 webhook URL to loopback", self.webhook_loopback),
            ("2 webhook redirect inside", self.webhook_redirect),
            ("3 webhook test as port scanner", self.webhook_scanner),
            ("4 erasure leaves traces", self.erasure),
            ("5 data link after erasure", self.link_after_erasure),
            ("6 logout with stay-logged-in", self.logout_remembered),
            ("7 cookie after password change", self.password_change),
            ("8 rate-limit buckets behind a proxy", self.proxy_buckets),
            ("9 hold hoarding", self.hoarding),
            ("10 geocoding DoS", self.geocoding),
            ("11 e-mail bombing", self.email_bombing),
            ("12 login lockout of the owner", self.lockout),
            ("13 CR/LF in a show title", self.crlf_title),
            ("14 demo payment without token", self.demo_pay_without_token),
            ("15 plus-addressing beats the cap", self.plus_addressing),
            ("16 HEAD /portal/login", self.head_login),
            ("17 uptake garbage without token", self.uptake_garbage),
        ]


def run_together(jobs: list[Callable[[], None]]) -> None:
    start = threading.Barrier(len(jobs))

    def wrapped(job: Callable[[], None]) -> Callable[[], None]:
        def go() -> None:
            start.wait()
            job()
        return go

    threads = [threading.Thread(target=wrapped(job)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def prepare(args: argparse.Namespace, workdir: Path) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SMTP_URL", "WEBHOOK_ALLOW_PRIVATE", "TRUSTED_PROXY_HOPS", "REDIS_URL",
                        "DATABASE_URL", "VIRTUAL_ENV")}
    env |= {"SECRET_KEY": "attacks-" + secrets.token_hex(8), "PAYMENT_PROVIDER": "demo",
            "RATELIMIT_ENABLED": "1"}
    if not (args.tree / ".venv" / "bin" / "flask").exists():
        env["PYTHONPATH"] = str(args.tree)
    if args.redis:
        env["REDIS_URL"] = args.redis
        import redis  # only needed here
        redis.Redis.from_url(args.redis).flushdb()
    if args.pg:
        name = "kiosque_probe_attacks"
        with sa.create_engine(args.pg + "/postgres", isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = f"{args.pg}/{name}"
        db_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = db_url = f"sqlite:///{workdir / 'attacks.sqlite'}"
    env["DATABASE_URL"] = url
    flask(args.tree, env, "db", "upgrade")
    flask(args.tree, env, "demo", "seed")
    return env, db_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="the source tree to run (default: this repository)")
    parser.add_argument("--pg", help="PostgreSQL server URL, e.g. "
                        "postgresql://postgres@127.0.0.1:5432 (default: a fresh SQLite file)")
    parser.add_argument("--redis", help="Redis URL, e.g. redis://127.0.0.1:6379/11 (flushed)")
    args = parser.parse_args()
    args.tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as workdir:
        try:
            env, db_url = prepare(args, Path(workdir))
            app = App(args.tree, env, db_url)
        except (subprocess.CalledProcessError, SystemExit) as failure:
            detail = getattr(failure, "stderr", "") or failure
            raise SystemExit(f"the app did not start: {detail}") from None
        held = through = 0
        try:
            probe = Probe(app, args)
            for name, attack in probe.attacks():
                try:
                    ok, why = attack()
                except Exception as error:  # noqa: BLE001 — old code may answer anything
                    ok, why = False, f"probe error {type(error).__name__}: {error}"
                    if os.environ.get("ATTACKS_DEBUG"):
                        traceback.print_exc()
                held += ok
                through += not ok
                print(f"{name}: {HELD if ok else THROUGH} — {why}", flush=True)
        finally:
            app.stop()
        print(f"attacks: {held + through} tried, {held} held, {through} got through")


if __name__ == "__main__":
    main()
