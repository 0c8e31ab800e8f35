"""`demo seed`: the demo region in the database, idempotently, by natural keys.

Venues by slug, users by e-mail, shows by (venue, title), performances by (show, start),
releases by (performance, category). What exists is left as it is; what the plan of the
day adds is inserted in bulk, releases together with the sales made before today.
Flushes only: the caller commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from marketplace.demo.contacts import settle_contacts
from marketplace.demo.people import FIRST_NAMES, LAST_NAMES, Audience, make_people
from marketplace.demo.plan import (
    VenuePlan,
    paris_midnight,
    plan_day,
    region_venues,
    rng_for,
    synthetic_venues,
)
from marketplace.demo.sales import SaleContext, SalesRows, simulate_sales
from marketplace.domain.accounts.models import Membership, User
from marketplace.domain.catalog.models import Performance, Show, Venue
from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.orders.models import Order, Payment, PaymentEvent, Ticket
from marketplace.domain.timeutil import to_paris

PAST_DAYS = 35  # a few weeks of sales for the agency to look at
REGION_DAYS = 7  # today and the next six days
SYNTHETIC_DAYS = 30
DEMO_DOMAIN = "demo.kiosque.fr"
AGENCY_EMAIL = f"agence@{DEMO_DOMAIN}"
# One documented password per role (README): demo data only.
PASSWORDS = {"manager": "kiosque-manager", "box_office": "kiosque-caisse",
             "agency": "kiosque-agence"}
_MAILBOX = {"manager": "manager", "box_office": "caisse"}


def staff_email(role: str, slug: str) -> str:
    """The demo login of a venue's manager or box office."""
    return f"{_MAILBOX[role]}@{slug}.{DEMO_DOMAIN}"


@dataclass
class SeedReport:
    today: date
    created: Counter = field(default_factory=Counter)
    synthetic_venues: int = 0


def seed_demo(session: Session, *, now: datetime, scale: int = 0) -> SeedReport:
    """Make sure the demo region (and `scale` synthetic venues) exist as planned for today."""
    today = to_paris(now).date()
    # Everything hangs on the day, not the instant: seeding again the same day is a no-op.
    anchor = paris_midnight(today)
    report = SeedReport(today=today, synthetic_venues=scale)
    seeder = _Seeder(session, anchor, report)
    seeder.seed(region_venues(), [today + timedelta(days=d) for d in range(-PAST_DAYS,
                                                                          REGION_DAYS)])
    if scale:
        seeder.seed(synthetic_venues(scale), [today + timedelta(days=d)
                                              for d in range(SYNTHETIC_DAYS)])
    session.flush()
    return report


class _Seeder:
    def __init__(self, session: Session, anchor: datetime, report: SeedReport) -> None:
        self.session, self.anchor, self.report = session, anchor, report
        self._hashes: dict[str, str] = {}
        self._audience: Audience | None = None

    def seed(self, plans: list[VenuePlan], days: list[date]) -> None:
        venue_ids = self._venues(plans)
        door_staff = self._staff(plans, venue_ids)
        show_ids = self._shows(plans, venue_ids)
        self._programme(plans, days, venue_ids, show_ids, door_staff)

    def _insert(self, model, rows: list[dict]) -> list[int]:
        """Insert rows in bulk and return their new ids, in the order of `rows`."""
        if not rows:
            return []
        self.report.created[model.__tablename__] += len(rows)
        # Core inserts: one executemany per table (the ORM splits batches on None values).
        table = model.__table__
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(self.session.scalars(statement, rows))

    def _venues(self, plans: list[VenuePlan]) -> dict[str, int]:
        ids = dict(self.session.execute(select(Venue.slug, Venue.id).where(
            Venue.slug.in_([p.slug for p in plans]))).all())
        missing = [p for p in plans if p.slug not in ids]
        created_at = self.anchor - timedelta(days=90)
        new_ids = self._insert(Venue, [{
            "slug": p.slug, "name": p.name, "address": p.address, "postcode": p.postcode,
            "city": p.city, "lat": p.lat, "lng": p.lng, "discipline": p.discipline,
            "step_free_access": p.notes.step_free_access, "access_notes": p.notes.access_notes,
            "transport_notes": p.notes.transport_notes,
            "getting_home_notes": p.notes.getting_home_notes, "phone": "",
            "email": f"billetterie@{p.slug}.{DEMO_DOMAIN}", "website": "", "status": "active",
            "created_at": created_at,
        } for p in missing])
        ids.update(zip((p.slug for p in missing), new_ids, strict=True))
        return ids

    def _password_hash(self, role: str) -> str:
        # scrypt is slow on purpose: hash each demo password once and share the string.
        if role not in self._hashes:
            self._hashes[role] = generate_password_hash(PASSWORDS[role], method="scrypt")
        return self._hashes[role]

    def _staff(self, plans: list[VenuePlan], venue_ids: dict[str, int]) -> dict[int, int]:
        """Demo logins for each venue (and the agency); return the box-office user per venue."""
        wanted = {staff_email(role, p.slug): (role, p) for p in plans
                  for role in ("manager", "box_office")}
        users = dict(self.session.execute(select(User.email, User.id).where(
            User.email.in_([*wanted, AGENCY_EMAIL]))).all())
        created_at = self.anchor - timedelta(days=90)
        if AGENCY_EMAIL not in users:
            users[AGENCY_EMAIL] = self._insert(User, [{
                "email": AGENCY_EMAIL, "name": "Agence régionale (démo)", "active": True,
                "password_hash": self._password_hash("agency"), "agency_role": "admin",
                "created_at": created_at}])[0]
        missing = [email for email in wanted if email not in users]
        rows = []
        for email in missing:
            role, plan = wanted[email]
            rng = rng_for("staff", email)
            rows.append({"email": email, "active": True, "created_at": created_at,
                         "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                         "password_hash": self._password_hash(role), "agency_role": None})
        users.update(zip(missing, self._insert(User, rows), strict=True))
        members = set(self.session.execute(select(Membership.user_id, Membership.venue_id).where(
            Membership.user_id.in_([users[e] for e in wanted]))).all())
        self._insert(Membership, [
            {"user_id": users[email], "venue_id": venue_ids[plan.slug], "role": role,
             "created_at": created_at}
            for email, (role, plan) in wanted.items()
            if (users[email], venue_ids[plan.slug]) not in members
        ])
        return {venue_ids[p.slug]: users[staff_email("box_office", p.slug)] for p in plans}

    def _shows(self, plans: list[VenuePlan],
               venue_ids: dict[str, int]) -> dict[tuple[int, str], int]:
        ids = {(venue_id, title): show_id for venue_id, title, show_id in self.session.execute(
            select(Show.venue_id, Show.title, Show.id).where(
                Show.venue_id.in_(venue_ids.values())))}
        missing = [(venue_ids[p.slug], s) for p in plans for s in p.shows
                   if (venue_ids[p.slug], s.title) not in ids]
        created_at = self.anchor - timedelta(days=60)
        new_ids = self._insert(Show, [{
            "venue_id": venue_id, "title": s.title, "discipline": s.discipline,
            "description": s.description, "duration_minutes": s.duration_minutes,
            "age_guidance": s.age_guidance, "image_url": "", "created_at": created_at,
        } for venue_id, s in missing])
        ids.update(zip(((v, s.title) for v, s in missing), new_ids, strict=True))
        return ids

    def _programme(self, plans: list[VenuePlan], days: list[date], venue_ids: dict[str, int],
                   show_ids: dict[tuple[int, str], int], door_staff: dict[int, int]) -> None:
        window = (paris_midnight(days[0]), paris_midnight(days[-1] + timedelta(days=1)))
        in_window = (Performance.venue_id.in_(venue_ids.values()),
                     Performance.starts_at >= window[0], Performance.starts_at < window[1])
        performances = {(show_id, starts_at): perf_id for show_id, starts_at, perf_id in
                        self.session.execute(select(Performance.show_id, Performance.starts_at,
                                                    Performance.id).where(*in_window))}
        releases = set(self.session.execute(
            select(Release.performance_id, Release.category).join(Performance).where(*in_window)
        ).all())
        planned, new_keys, new_rows = [], [], []
        for plan in plans:
            venue_id = venue_ids[plan.slug]
            for day in days:
                for spec in plan_day(plan, day):
                    show_id, starts_at = show_ids[(venue_id, spec.show.title)], spec.starts_at
                    key = (show_id, starts_at.astimezone(UTC))
                    planned.append((plan, venue_id, key, spec))
                    if key not in performances:
                        new_keys.append(key)
                        new_rows.append({
                            "show_id": show_id, "venue_id": venue_id, "starts_at": key[1],
                            "status": "scheduled",
                            "created_at": min(key[1] - timedelta(days=10), self.anchor)})
        performances.update(zip(new_keys, self._insert(Performance, new_rows), strict=True))
        self._releases(planned, performances, releases, door_staff)

    def _releases(self, planned, performances, existing, door_staff) -> None:
        rows, sales = [], SalesRows()
        for plan, venue_id, key, spec in planned:
            perf_id = performances[key]
            for release in spec.releases:
                if (perf_id, release.category) in existing:
                    continue
                existing.add((perf_id, release.category))
                ctx = SaleContext(
                    release_id=len(rows), venue_id=venue_id, venue_name=plan.name,
                    venue_lat=plan.lat, venue_lng=plan.lng, starts_at=key[1],
                    discipline=spec.show.discipline, door_staff_id=door_staff.get(venue_id))
                rng = rng_for("sales", plan.slug, key[1].isoformat(), release.category)
                sold = simulate_sales(release, ctx, anchor=self.anchor, rng=rng,
                                      audience=self._buyers(), rows=sales)
                created_at = min(release.sales_open_at - timedelta(days=1), self.anchor)
                rows.append({
                    "performance_id": perf_id, "venue_id": venue_id,
                    "category": release.category, "face_price_cents": release.face_price_cents,
                    "quantity": release.quantity, "sold": sold, "held": 0,
                    "start_discount": release.start_discount,
                    "max_discount": release.max_discount, "curve": release.curve,
                    "step_minutes": release.step_minutes, "sales_open_at": release.sales_open_at,
                    "max_discount_at": release.max_discount_at,
                    "sales_close_at": release.sales_close_at,
                    "max_per_order": release.max_per_order, "status": release.status,
                    "created_at": created_at, "updated_at": created_at,
                })
        release_ids = self._insert(Release, rows)
        for row in (*sales.holds, *sales.orders):  # the sales knew releases by position
            row["release_id"] = release_ids[row["release_id"]]
        self.report.created["contacts"] += settle_contacts(self.session, sales, self.anchor)
        for model, batch in ((Hold, sales.holds), (Order, sales.orders), (Ticket, sales.tickets),
                             (PaymentEvent, sales.payment_events), (Payment, sales.payments)):
            if batch:
                self.session.execute(insert(model.__table__), batch)
                self.report.created[model.__tablename__] += len(batch)

    def _buyers(self) -> Audience:
        if self._audience is None:
            self._audience = Audience(make_people(rng_for("people"), 900))
        return self._audience
