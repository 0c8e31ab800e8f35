"""One venue with 50,000 contacts: the portal's contact pages and the full exports.

Creates its own PostgreSQL database (kiosque_bench_contacts), migrates it, creates one
venue with a manager, an API token and a season of performances, then bulk-loads
(COPY) 50,000 contacts and their ~90,000 paid orders, and runs ANALYZE (as autovacuum
would after a bulk load). Then, through the Flask test client (the whole request:
routing, login session, SQL, templates), measures the median and worst of

  - the contacts page: the first page, searches, each segment, a combined segment,
    a deep page, the htmx fragment, a contact's page with its history;
  - the exports of the whole base: the customer file (50,000 lines) and the
    marketing file, streamed, to the last byte;
  - the venue API: a JSON page, and every contact as CSV;

and prints the SQL plan behind the first page.

    .venv/bin/python bench/contacts.py            # options: --help
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rush import fresh_database  # noqa: E402

DATABASE = "kiosque_bench_contacts"
PASSWORD = "bench password 50k"
NOW = datetime.now(UTC).replace(microsecond=0)
FIRST_NAMES = ("Léa", "Hélène", "Camille", "Chloé", "Zoé", "Inès", "Manon", "Jade", "Louise",
               "Noémie", "Élodie", "Gaëlle", "Lucas", "Hugo", "Théo", "Raphaël", "Jérôme",
               "Loïc", "François", "Mathéo", "Nicolas", "Karim", "Yanis", "Amélie", "Sébastien")
LAST_NAMES = ("Martin", "Bernard", "Dupré", "Petit", "Durand", "Leroy", "Moreau", "Simon",
              "Laurent", "Lefèvre", "Michel", "García", "Roux", "Fournier", "Girard", "Bonnet",
              "Mercier", "Boyer", "Chevalier", "Benoît", "Haddad", "Nguyen", "Müller", "Ösel")
POSTCODES = ("13001", "13002", "13006", "13007", "13008", "13013", "13100", "13090", "13400",
             "83000", "83100", "84000", "04000", "06000", "30000", "75011")
DISCIPLINES = ("theatre", "dance", "music", "circus", "opera", "comedy", "family", "other")
CONSENT = "J'accepte de recevoir la programmation du Théâtre du Bench par e-mail."


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help=f"PostgreSQL server URL (a database {DATABASE} is created on it)")
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15, help="requests per page measured")
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep an existing {DATABASE} (skip creating and loading it)")
    return parser.parse_args()


def make_app(url: str):
    from marketplace import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": None,
        "SMTP_URL": None, "BASE_URL": "http://kiosque.bench",
    })


def prepare(args: argparse.Namespace) -> str:
    url = f"{args.pg}/{DATABASE}"
    if args.reuse:
        return url
    fresh_database(args.pg, DATABASE)
    app = make_app(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        venue_id, release_ids = create_venue(app)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        load_contacts(conn, venue_id, release_ids, args.contacts)
        conn.execute("ANALYZE")
        contacts, orders = conn.execute(
            "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM orders)").fetchone()
    print(f"loaded {contacts} contacts and {orders} paid orders into one venue "
          f"in {time.perf_counter() - started:.1f} s")
    return url


def create_venue(app) -> tuple[int, list[int]]:
    """The venue, its manager, its token, and 120 past performances with a release each."""
    from werkzeug.security import generate_password_hash

    from marketplace.domain.accounts.models import Membership, User
    from marketplace.domain.accounts.services import issue_token
    from marketplace.domain.models import Performance, Release, Show, Venue
    from marketplace.extensions import db

    venue = Venue(slug="theatre-du-bench", name="Théâtre du Bench", address="1 quai du Port",
                  postcode="13002", city="Marseille", lat=43.2965, lng=5.3698)
    user = User(email="manager@bench.example", name="Manager",
                password_hash=generate_password_hash(PASSWORD))
    db.session.add_all([venue, user])
    db.session.flush()
    db.session.add(Membership(user=user, venue=venue, role="manager"))
    shows = [Show(venue=venue, title=f"Spectacle {d} {n}", discipline=d)
             for d in DISCIPLINES for n in range(3)]
    db.session.add_all(shows)
    db.session.flush()
    releases = []
    for n in range(120):
        starts = NOW - timedelta(days=3 * n + 1)
        performance = Performance(show=shows[n % len(shows)], venue=venue, starts_at=starts)
        releases.append(Release(
            performance=performance, venue_id=venue.id, category="Placement libre",
            face_price_cents=2500 + 500 * (n % 5), quantity=5000, sold=0, held=0,
            start_discount=25, max_discount=80, curve="linear",
            sales_open_at=starts - timedelta(days=3), max_discount_at=starts - timedelta(hours=1),
            sales_close_at=starts, max_per_order=6, status="closed"))
    db.session.add_all(releases)
    token = issue_token(db.session, venue=venue, label="bench", now=NOW)
    db.session.commit()
    (ROOT / "instance").mkdir(exist_ok=True)
    (ROOT / "instance" / "bench-contacts-token.txt").write_text(token)
    return venue.id, [r.id for r in releases]


def load_contacts(conn, venue_id: int, release_ids: list[int], count: int) -> None:
    from marketplace.domain.contacts.models import search_text_for
    from marketplace.domain.contacts.stages import stage_for

    rng = random.Random(50_000)
    releases = conn.execute(
        "SELECT r.id, r.face_price_cents, s.discipline FROM releases r "
        "JOIN performances p ON p.id = r.performance_id JOIN shows s ON s.id = p.show_id "
        "WHERE r.id = ANY(%s)", (release_ids,)).fetchall()
    contacts, holds, orders = io.StringIO(), io.StringIO(), io.StringIO()
    order_number = 0
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name, postcode = f"{first} {last}", rng.choice(POSTCODES)
        email = f"{_ascii(first)}.{_ascii(last)}.{n}@example.org".lower()
        purchases = min(1 + int(rng.expovariate(1.1)), 12)
        last_at = NOW - timedelta(days=rng.uniform(0, 700))
        times = sorted(last_at - timedelta(days=rng.uniform(0, 300)) for _ in range(purchases))
        times[-1] = last_at
        bought = [rng.choice(releases) for _ in times]
        amount, disciplines = 0, set()
        for index, (at, (release_id, face, discipline)) in enumerate(
                zip(times, bought, strict=True)):
            order_number += 1
            discount = rng.choice((25, 30, 35, 40, 45, 50, 55, 60, 70, 80))
            unit = (face * (100 - discount) // 1000) * 10
            quantity = rng.choice((1, 1, 2, 2, 2, 3, 4))
            hold_id = f"bench-hold-{order_number}"
            holds.write(_line(hold_id, release_id, quantity, unit, "converted", at, at))
            orders.write(_line(
                f"bench-order-{order_number}", hold_id, release_id, venue_id, "paid",
                quantity, unit, quantity * unit, face, discount, email, name, postcode,
                "f", "0" * 64, "fr", "demo", "t" if index == 0 else "f", n, at, at))
            amount += quantity * unit
            disciplines.add(discipline)
        consent = rng.random() < 0.35
        birth_year = rng.randint(1940, 2007) if rng.random() < 0.6 else None
        contacts.write(_line(
            n, venue_id, email, name, postcode, birth_year, "kiosque",
            stage_for(times, NOW), purchases, amount,
            '["' + '", "'.join(sorted(disciplines)) + '"]', times[0], last_at,
            "t" if consent else "f", times[0] if consent else None,
            CONSENT if consent else None, "", times[0], last_at,
            search_text_for(name, email, postcode)))
    with conn.cursor() as cursor:
        _copy(cursor, "contacts (id, venue_id, email, name, postcode, birth_year, source, "
                      "stage, purchases, amount_cents, disciplines, first_purchase_at, "
                      "last_purchase_at, marketing_consent, consent_at, consent_text, notes, "
                      "created_at, updated_at, search_text)", contacts)
        _copy(cursor, "holds (id, release_id, quantity, unit_price_cents, status, created_at, "
                      "expires_at)", holds)
        _copy(cursor, "orders (id, hold_id, release_id, venue_id, status, quantity, "
                      "unit_price_cents, total_cents, face_price_cents, discount_percent, "
                      "buyer_email, buyer_name, buyer_postcode, marketing_consent, token_hash, "
                      "locale, payment_provider, new_to_venue, contact_id, created_at, "
                      "paid_at)", orders)
        cursor.execute("SELECT setval('contacts_id_seq', (SELECT max(id) FROM contacts))")


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _line(*values) -> str:
    def text(value) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
    return "\t".join(text(v) for v in values) + "\n"


def _copy(cursor, target: str, data: io.StringIO) -> None:
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        copy.write(data.getvalue())


def timed(client, url: str, repeat: int, **kwargs) -> tuple[list[float], int, int]:
    """Milliseconds of each request (to the last byte), the status and the body size.

    One request first, not counted: templates compiled, PostgreSQL's cache warm.
    """
    client.get(url, **kwargs).get_data()
    times, size, status = [], 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        body = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        size, status = len(body), response.status_code
    return times, status, size


def report(label: str, times: list[float], status: int, size: int) -> None:
    size_text = f"{size / 1e6:.1f} MB" if size > 1e6 else f"{size / 1e3:.0f} kB"
    print(f"  {label:<52} median {statistics.median(times):7.1f} ms   "
          f"worst {max(times):7.1f} ms   {size_text:>8}   [{status}]")


def main() -> None:
    args = parse_args()
    url = prepare(args)
    app = make_app(url.replace("postgresql://", "postgresql+psycopg://", 1))
    token = (ROOT / "instance" / "bench-contacts-token.txt").read_text().strip()
    with psycopg.connect(url) as conn:
        regular_id = conn.execute("SELECT id FROM contacts ORDER BY purchases DESC, id "
                                  "LIMIT 1").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    base = "/portal/venues/theatre-du-bench/contacts"
    client = app.test_client()
    login = client.post("/portal/login", data={"email": "manager@bench.example",
                                               "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    print(f"\nOne venue, {total:,} contacts, PostgreSQL, Flask test client "
          f"(whole request in-process), {args.repeat} requests each:")
    pages = [
        ("contacts page: first page (most recent first)", base),
        ("  same, htmx fragment (the filters' answer)", base),
        ("search: a name, « martin »", f"{base}?q=martin"),
        ("search: without accents, « helene dupre »", f"{base}?q=helene+dupre"),
        ("search: an e-mail, « lea.martin.4 »", f"{base}?q=lea.martin.4"),
        ("search: a postcode, « 13006 »", f"{base}?q=13006"),
        ("segment: regulars", f"{base}?stage=regular"),
        ("segment: first-timers", f"{base}?stage=first_time"),
        ("segment: lapsed", f"{base}?stage=lapsed"),
        ("segment: consented only", f"{base}?consented=1"),
        ("segment: discipline dance", f"{base}?discipline=dance"),
        ("segment: postcode area 13", f"{base}?postcode=13"),
        ("segment: bought at -50 % or more", f"{base}?deep_discount=1"),
        ("segment: consented + dance + 13 + -50 %",
         f"{base}?consented=1&discipline=dance&postcode=13&deep_discount=1"),
        ("sorted by name", f"{base}?sort=name"),
        ("page 500 (offset 25,000)", f"{base}?page=500"),
        ("a contact's page (12 orders)", f"{base}/{regular_id}"),
    ]
    for label, path in pages:
        headers = {"HX-Request": "true"} if "htmx" in label else {}
        report(label, *timed(client, path, args.repeat, headers=headers))
    print("\nExports, streamed, to the last byte:")
    exports = [
        ("customer file, whole base (CSV)", f"{base}/export/all.csv"),
        ("marketing file, whole base (consented, CSV)", f"{base}/export/marketing.csv"),
        ("customer file, segment regulars (CSV)", f"{base}/export/all.csv?stage=regular"),
    ]
    for label, path in exports:
        times, status, size = timed(client, path, max(3, args.repeat // 5))
        report(label, times, status, size)
    print("\nVenue API (bearer token):")
    headers = {"Authorization": f"Bearer {token}"}
    report("GET /api/v1/venue/contacts (JSON, 100 a page)",
           *timed(client, "/api/v1/venue/contacts", args.repeat, headers=headers))
    report("GET /api/v1/venue/contacts?per_page=500&page=50",
           *timed(client, "/api/v1/venue/contacts?per_page=500&page=50", args.repeat,
                  headers=headers))
    report("GET /api/v1/venue/contacts?format=csv (every contact)",
           *timed(client, "/api/v1/venue/contacts?format=csv", max(3, args.repeat // 5),
                  headers=headers))
    explain(url)


def explain(url: str) -> None:
    """The plan of the first page's two statements, as PostgreSQL runs them."""
    with psycopg.connect(url) as conn:
        venue_id = conn.execute("SELECT id FROM venues WHERE slug = 'theatre-du-bench'"
                                ).fetchone()[0]
        for label, sql in (
            ("first page's rows", "SELECT id, email, name FROM contacts WHERE venue_id = %s AND "
                           "email NOT LIKE 'erased-%%@invalid' ORDER BY last_purchase_at DESC "
                           "NULLS LAST, id DESC LIMIT 50"),
            ("count", "SELECT count(*), sum(CASE WHEN marketing_consent THEN 1 ELSE 0 END) "
                          "FROM contacts WHERE venue_id = %s AND email NOT LIKE "
                          "'erased-%%@invalid'"),
        ):
            plan = conn.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", (venue_id,)).fetchall()
            print(f"\nPlan of the {label}:")
            for (line,) in plan:
                print(f"  {line}")


if __name__ == "__main__":
    main()
