"""SpamAssassin's score of every kind of e-mail Kiosque sends, on the demo region.

Seeds the demo region in a throwaway SQLite database, makes the app write one e-mail
of every kind through its own code (purchases through the API, the scheduler's jobs,
the portal's and the agency's services), builds each as it would leave (headers, MIME
parts, DKIM signature with a throwaway key) and runs `spamassassin -t -L` on it (local
tests only: no DNS, no network). Prints kind → score and the rules hit, and exits 1 if
any kind scores `--threshold` (1.0) or more.

    .venv/bin/python bench/spam_scores.py             # options: --help

Needs SpamAssassin (Debian: apt-get install spamassassin) and openssl (for the key).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.blueprints.agency.operations import invite_colleague, invite_venue  # noqa: E402
from marketplace.demo.seed import AGENCY_EMAIL, seed_demo  # noqa: E402
from marketplace.domain.accounts.memberships import invite_member  # noqa: E402
from marketplace.domain.accounts.models import Membership, User  # noqa: E402
from marketplace.domain.accounts.passwords import request_password_reset  # noqa: E402
from marketplace.domain.catalog.models import Performance, Venue  # noqa: E402
from marketplace.domain.digests.staff import queue_agency_digests, queue_venue_digests  # noqa: E402
from marketplace.domain.follows.services import follow_venue  # noqa: E402
from marketplace.domain.inventory.models import Release  # noqa: E402
from marketplace.domain.inventory.services import change_quantity  # noqa: E402
from marketplace.domain.mail.links import mail_links  # noqa: E402
from marketplace.domain.mail.message import build_message, mail_settings  # noqa: E402
from marketplace.domain.mail.models import OutboundEmail  # noqa: E402
from marketplace.domain.orders.emails import (  # noqa: E402
    PERFORMANCE_CANCELLED,
    REFUNDED_BY_VENUE,
    SEATS_GONE,
    queue_refund_notice,
)
from marketplace.domain.orders.models import Order  # noqa: E402
from marketplace.domain.orders.show_day_emails import (  # noqa: E402
    queue_aftershow_emails,
    queue_practical_emails,
)
from marketplace.domain.timeutil import PARIS, to_paris  # noqa: E402
from marketplace.domain.waitlist.services import join_waitlist  # noqa: E402
from marketplace.domain.watches.alerts import evaluate_watches  # noqa: E402
from marketplace.domain.watches.models import Watch  # noqa: E402
from marketplace.domain.watches.services import create_watch  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.web.staff_emails import agency_emails, portal_emails  # noqa: E402

# A deployment's own domain: what SpamAssassin sees in From, Message-ID and the links.
SITE = "https://billetterie.kiosque-sud.fr"
MAIL_FROM = "Kiosque <billetterie@kiosque-sud.fr>"
DKIM_SELECTOR = "kiosque2026"


@dataclass(frozen=True)
class Score:
    kind: str
    score: float
    rules: list[tuple[str, float]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, default=1.0,
                        help="fail when a kind scores this or more (default 1.0)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="also write each message to DIR/<kind>.eml")
    parser.add_argument("--kind", action="append",
                        help="score only this kind (repeatable)")
    return parser.parse_args()


def make_key(directory: Path) -> Path:
    key = directory / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)
    return key


def write_every_kind(app) -> dict[str, OutboundEmail]:
    """Make the app queue one e-mail of each kind; kind → its row."""
    keys: dict[str, str] = {}
    now = datetime.now(UTC)
    with app.app_context():
        seed_demo(db.session, now=now)
        db.session.commit()
    client = app.test_client()
    offers = [offer["id"] for offer in client.get("/api/v1/offers?per_page=50", base_url=SITE)
              .get_json()["offers"] if offer["seats_left"] >= 3 and offer["max_per_order"] >= 3]
    for kind, offer_id, seats in zip(("confirmation-1-ticket", "confirmation-3-tickets"),
                                          offers, (1, 3), strict=False):
        keys[kind] = f"order:{buy(client, offer_id, seats)}:confirmation"
    with app.app_context():
        session, links = db.session, mail_links(app.config)
        paid = session.scalars(
            select(Order).where(Order.status == "paid", Order.buyer_email.is_not(None))
            .order_by(Order.paid_at.desc()).limit(3)).all()
        for order, reason, kind in zip(paid, (PERFORMANCE_CANCELLED, SEATS_GONE,
                                              REFUNDED_BY_VENUE),
                                       ("cancellation-refund", "late-payment-refund",
                                        "refund-by-venue"), strict=True):
            queue_refund_notice(session, order, reason, now)
            keys[kind] = f"order:{order.id}:refund"
        session.commit()

        soon = session.scalar(
            select(Performance.starts_at).join(Release).join(Order)
            .where(Order.status == "paid", Performance.starts_at > now)
            .order_by(Performance.starts_at).limit(1))
        queue_practical_emails(session, links, soon - timedelta(hours=2))
        keys["practical-info"] = _first_key(session, "practical:")
        played = session.scalar(
            select(Performance.starts_at).join(Release).join(Order)
            .where(Order.status == "paid", Performance.starts_at < now)
            .order_by(Performance.starts_at.desc()).limit(1))
        morning = datetime.combine(to_paris(played).date() + timedelta(days=1), time(10, 0),
                                   tzinfo=PARIS)
        queue_aftershow_emails(session, links, morning)
        keys["after-show-rating"] = _first_key(session, "aftershow:")

        queue_venue_digests(session, links, now)
        keys["venue-digest"] = _first_key(session, "digest:")
        monday = to_paris(now).date() - timedelta(days=to_paris(now).weekday())
        queue_agency_digests(session, links, datetime.combine(monday, time(9, 0), tzinfo=PARIS))
        keys["agency-digest"] = _first_key(session, "agency-digest:")

        marseille = {"email": "camille.martin@example.org", "lat": "43.2965",
                     "lng": "5.3698", "radius": "30", "place_label": "Marseille",
                     "when": "all"}
        created = create_watch(session, marseille, "fr", links, now)
        keys["watch-confirmation"] = f"watch-confirm:{created.watch.id}"
        watch = session.get(Watch, created.watch.id)
        watch.confirmed_at = now
        session.commit()
        evaluate_watches(session, links, now)
        keys["watch-alert"] = _first_key(session, "watch-alert:")

        # The waiting line: the venue brings an offer down to what it sold, someone joins
        # the line, then the venue finds two more seats, which go to them first.
        release = session.scalar(
            select(Release).where(Release.status == "open", Release.sold > 0,
                                  Release.sales_open_at <= now, Release.sales_close_at > now)
            .order_by(Release.id).limit(1))
        venue = session.get(Venue, release.venue_id)
        change_quantity(session, venue, release.id, release.sold + release.held, now)
        join_waitlist(session, release.id, {"email": "camille.martin@example.org",
                                            "quantity": 1}, links, now)
        keys["waitlist-joined"] = _first_key(session, "waitlist-joined:")
        change_quantity(session, venue, release.id, release.sold + release.held + 2, now)
        keys["waitlist-offer"] = _first_key(session, "waitlist-offer:")
        follow_venue(session, venue.slug, "camille.martin@example.org", "fr", links, now)
        keys["follow-confirmation"] = _first_key(session, "follow-confirm:")

    with app.test_request_context(base_url=SITE):
        session = db.session
        secret = app.config["SECRET_KEY"]
        managers = session.scalars(select(User).join(Membership)
                                   .where(Membership.role == "manager").order_by(User.id)
                                   .limit(2)).all()
        manager, colleague = managers
        venue = session.get(Venue, manager.memberships[0].venue_id)
        agent = session.scalar(select(User).where(User.email == AGENCY_EMAIL))
        staff = {"secret": secret, "now": now}
        invite_member(session, venue, inviter=manager, email="nadia.haddad@example.org",
                      name="Nadia Haddad", role="box_office", compose=portal_emails(),
                      **staff)
        keys["staff-invitation"] = _last_key(session)
        # Someone who already has a password (a manager elsewhere) is told, not invited.
        invite_member(session, venue, inviter=manager, email=colleague.email, name="",
                      role="box_office", compose=portal_emails(), **staff)
        keys["staff-added"] = _last_key(session)
        request_password_reset(session, manager.email, compose=portal_emails(), **staff)
        keys["password-reset"] = _last_key(session)
        salins = {"name": "Théâtre des Salins", "city": "Martigues", "postcode": "13500",
                  "address": "19 quai Paul Doumer", "lat": 43.405, "lng": 5.048}
        invite_venue(session, actor=agent, fields=salins, geocoder=None,
                     manager_email="direction@salins.example.org", manager_name="Julie Roux",
                     compose=agency_emails(), **staff)
        keys["venue-onboarding"] = _last_key(session)
        invite_venue(session, actor=agent, fields={**salins, "name": "Le Sémaphore"},
                     geocoder=None, manager_email=colleague.email, manager_name="",
                     compose=agency_emails(), **staff)
        keys["venue-added-to-manager"] = _last_key(session)
        invite_colleague(session, actor=agent, email="paul.girard@example.org",
                         name="Paul Girard", role="staff", compose=agency_emails(),
                         **staff)
        keys["agency-colleague-invitation"] = _last_key(session)
        invite_colleague(session, actor=agent, email=colleague.email, name="", role="staff",
                         compose=agency_emails(), **staff)
        keys["agency-colleague-added"] = _last_key(session)

    response = client.post("/mes-donnees", base_url=SITE,
                           data={"email": "camille.martin@example.org"})
    assert response.status_code == 200, response.status_code
    with app.app_context():
        keys["privacy-link"] = _first_key(db.session, "my-data-link:")
        rows = {kind: db.session.scalar(select(OutboundEmail)
                                        .where(OutboundEmail.dedup_key == key))
                for kind, key in keys.items()}
        db.session.expunge_all()
    return rows


def _first_key(session, prefix: str) -> str:
    key = session.scalar(select(func.min(OutboundEmail.dedup_key))
                         .where(OutboundEmail.dedup_key.startswith(prefix)))
    if key is None:
        raise SystemExit(f"the demo region wrote no e-mail under {prefix!r}")
    return key


def _last_key(session) -> str:
    """The key of the e-mail written last."""
    return session.scalar(select(OutboundEmail.dedup_key).order_by(OutboundEmail.id.desc())
                          .limit(1))


def buy(client, offer_id: int, seats: int) -> str:
    """A purchase through the API, as a phone would make it; the order's id."""
    hold = client.post("/api/v1/holds", base_url=SITE,
                       json={"offer_id": offer_id, "quantity": seats})
    assert hold.status_code == 201, hold.get_json()
    order = client.post(f"/api/v1/holds/{hold.get_json()['hold_id']}/checkout", base_url=SITE,
                        json={"email": "camille.martin@example.org", "name": "Camille Martin",
                              "postcode": "13006", "marketing_consent": False})
    assert order.status_code == 201, order.get_json()
    body = order.get_json()
    paid = client.post(f"/api/v1/payments/demo/{body['order_id']}/succeed"
                       f"?token={body['order_token']}", base_url=SITE)
    assert paid.status_code == 200, paid.get_json()
    return body["order_id"]


def spamassassin(raw: bytes, prefs: Path) -> tuple[float, list[tuple[str, float]]]:
    """SpamAssassin's score of `raw`, local tests only, and the rules it hit with points."""
    report = subprocess.run(["spamassassin", "-t", "-L", "-p", str(prefs)], input=raw,
                            capture_output=True, check=True, timeout=120).stdout.decode()
    status = re.search(r"^X-Spam-Status: \w+, score=(-?[\d.]+)", report, re.MULTILINE)
    rules = [(name, float(points)) for points, name in
             re.findall(r"^\s*(-?\d+\.\d+) ([A-Z0-9_]+)\s", report, re.MULTILINE)]
    return float(status.group(1)), rules


def main() -> int:
    args = parse_args()
    if shutil.which("spamassassin") is None:
        print("spamassassin is not installed (apt-get install spamassassin)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kiosque-spam-") as tmp:
        directory = Path(tmp)
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'kiosque.sqlite'}",
            "SECRET_KEY": "spam-scores", "BASE_URL": SITE, "MAIL_FROM": MAIL_FROM,
            "DKIM_PRIVATE_KEY": str(make_key(directory)), "DKIM_SELECTOR": DKIM_SELECTOR,
            "SMTP_URL": None, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
            # The demo gateway pays the orders whose e-mails are scored; the https site
            # is what real mail links to.
            "PAYMENT_PROVIDER": "demo", "ALLOW_DEMO_PAYMENTS": True,
        })
        with app.app_context():
            db.create_all()
        rows = write_every_kind(app)
        settings = mail_settings(app.config)
        prefs = directory / "user_prefs"
        prefs.write_text("")
        wanted = [kind for kind in rows if not args.kind or kind in args.kind]
        messages = {kind: build_message(rows[kind], settings, datetime.now(UTC)).data
                    for kind in wanted}
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for kind, raw in messages.items():
                (args.keep / f"{kind}.eml").write_bytes(raw)
        with ThreadPoolExecutor(max_workers=2) as pool:
            scores = [Score(kind, *result) for kind, result in
                      zip(messages, pool.map(lambda raw: spamassassin(raw, prefs),
                                             messages.values()), strict=True)]
    width = max(len(score.kind) for score in scores)
    print(f"{'kind':<{width}}  score  rules hit (points)")
    for score in scores:
        rules = ", ".join(f"{name} ({points:g})" for name, points in score.rules) or "-"
        print(f"{score.kind:<{width}}  {score.score:5.1f}  {rules}")
    failing = [score for score in scores if score.score >= args.threshold]
    if failing:
        print(f"\n{len(failing)} kind(s) at {args.threshold} or more: "
              + ", ".join(score.kind for score in failing))
        return 1
    print(f"\nEvery kind under {args.threshold}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
