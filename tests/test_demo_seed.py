"""`demo seed`: a believable region, idempotent to the byte, whose sales add up."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.demo.plan import region_venues
from marketplace.demo.seed import PASSWORDS, seed_demo
from marketplace.domain.accounts.models import Membership, User
from marketplace.domain.catalog.models import DISCIPLINES, Performance, Show, Venue
from marketplace.domain.contacts.models import Contact
from marketplace.domain.contacts.stages import stage_for
from marketplace.domain.db import Base
from marketplace.domain.inventory.models import Hold, Release
from marketplace.domain.inventory.queries import is_on_sale, seats_left
from marketplace.domain.orders.models import Order, Payment, PaymentEvent, Ticket
from marketplace.domain.pricing import discount_percent_at, price_at
from marketplace.domain.timeutil import utcnow


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def table_digests(session) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row of every table, in primary-key order."""
    session.rollback()  # read what the command committed
    digests = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return digests


def assert_sales_add_up(session, now) -> None:
    """Every seat sold is a paid order at the scheduled price, with its tickets and contact."""
    releases = {r.id: r for r in session.scalars(select(Release))}
    paid = session.scalars(select(Order).where(Order.status == "paid")).all()
    assert paid, "no past sales"
    seats_paid, tickets = Counter(), dict(session.execute(
        select(Ticket.order_id, func.count(Ticket.id)).group_by(Ticket.order_id)).all())
    charges = dict(session.execute(select(Payment.order_id, Payment.amount_cents)).all())
    events = set(session.scalars(select(PaymentEvent.order_id)))
    contacts = defaultdict(lambda: [0, 0, None, None])
    purchase_times: dict = {}
    first_orders = {}
    for order in sorted(paid, key=lambda o: o.paid_at):
        release = releases[order.release_id]
        seats_paid[release.id] += order.quantity
        assert order.paid_at < now
        assert release.sales_open_at <= order.paid_at < release.sales_close_at
        assert order.total_cents == order.quantity * order.unit_price_cents
        assert order.unit_price_cents == price_at(release.price_schedule(), order.paid_at)
        assert tickets[order.id] == order.quantity
        assert charges[order.id] == order.total_cents and order.id in events
        key = (order.venue_id, order.buyer_email.lower())
        assert order.contact_id is not None
        assert order.new_to_venue is (key not in first_orders)
        first_orders.setdefault(key, order)
        history = contacts[key]
        history[0] += 1
        history[1] += order.total_cents
        history[2] = history[2] or order.paid_at
        history[3] = order.paid_at
        purchase_times.setdefault(key, []).append(order.paid_at)
    for release in releases.values():
        assert release.sold + release.held <= release.quantity
        assert release.sold == seats_paid[release.id]
        assert 25 <= release.start_discount <= release.max_discount <= 80
        assert release.sales_open_at <= release.max_discount_at <= release.sales_close_at
    stored = {(c.venue_id, c.email): c for c in session.scalars(select(Contact))}
    assert stored.keys() == contacts.keys()
    for key, (purchases, amount, first, last) in contacts.items():
        contact = stored[key]
        assert (contact.purchases, contact.amount_cents) == (purchases, amount)
        assert (contact.first_purchase_at, contact.last_purchase_at) == (first, last)
        assert contact.stage == stage_for(purchase_times[key], now)
        assert not contact.marketing_consent or contact.consent_at and contact.consent_text


def assert_demo_logins_work(session) -> None:
    """A manager and a box office per venue, and the agency, with the documented passwords."""
    def user(email: str) -> User:
        return session.scalar(select(User).where(User.email == email))

    manager = user("manager@la-criee.demo.kiosque.fr")
    assert manager.check_password(PASSWORDS["manager"])
    assert user("caisse@la-criee.demo.kiosque.fr").check_password(PASSWORDS["box_office"])
    agency = user("agence@demo.kiosque.fr")
    assert agency.check_password(PASSWORDS["agency"]) and agency.agency_role == "admin"
    assert Counter(session.scalars(select(Membership.role))) == {"manager": 21, "box_office": 21}
    la_criee = session.scalar(select(Venue.id).where(Venue.slug == "la-criee"))
    assert manager.role_at(la_criee) == "manager"


def test_demo_seed_twice_leaves_exactly_the_same_data_and_scale_adds_venues(db, cli):
    first = cli("demo", "seed")
    assert first.exit_code == 0, first.output
    for expected in ("open offers", "past orders", "manager@la-criee.demo.kiosque.fr",
                     "kiosque-manager", "kiosque-caisse", "agence@demo.kiosque.fr",
                     "kiosque-agence"):
        assert expected in first.stdout
    seeded = table_digests(db.session)
    assert seeded["venues"][0] == len(region_venues()) == 21
    assert seeded["orders"][0] > 0 and seeded["contacts"][0] > 0
    now = utcnow()
    open_offers = select(func.count(Release.id)).join(
        Performance, Release.performance_id == Performance.id).join(
        Venue, Performance.venue_id == Venue.id).where(is_on_sale(now), seats_left(now) > 0)
    assert db.session.scalar(open_offers) > 0
    past_sales = select(func.count(Order.id)).where(Order.status == "paid", Order.paid_at < now)
    assert db.session.scalar(past_sales) > 0
    second = cli("demo", "seed")
    assert second.exit_code == 0, second.output
    assert "nothing added" in second.stdout
    assert table_digests(db.session) == seeded

    scaled = cli("demo", "seed", "--scale", "20")
    assert scaled.exit_code == 0, scaled.output
    assert "--scale 20" in scaled.stdout
    synthetic = db.session.scalars(select(Venue.id).where(
        Venue.slug.startswith("synthetique-"))).all()
    assert len(synthetic) == 20
    assert db.session.scalar(select(func.count(Venue.id))) == 21 + 20
    per_venue = Counter(db.session.scalars(select(Performance.venue_id).where(
        Performance.venue_id.in_(synthetic))))
    assert all(12 <= per_venue[venue_id] <= 28 for venue_id in synthetic)
    releases = db.session.scalar(select(func.count(Release.id)).where(
        Release.venue_id.in_(synthetic)))
    assert releases == 2 * sum(per_venue.values())
    seeded = table_digests(db.session)
    again = cli("demo", "seed", "--scale", "20")
    assert "nothing added" in again.stdout
    assert table_digests(db.session) == seeded


def test_demo_region_offers_every_stage_of_a_sale_right_now(db, now):
    seed_demo(db.session, now=now)
    db.session.commit()
    assert_sales_add_up(db.session, now)
    on_sale = db.session.execute(
        select(Release, seats_left(now))
        .join(Performance, Release.performance_id == Performance.id)
        .join(Venue, Performance.venue_id == Venue.id).where(is_on_sale(now))).all()
    discounts = [(discount_percent_at(r.price_schedule(), now), r) for r, _ in on_sale]
    assert any(d == r.start_discount == 25 for d, r in discounts), "none just opened"
    assert any(r.start_discount < d < r.max_discount for d, r in discounts), "none mid-way"
    assert any(d == r.max_discount for d, r in discounts), "none at its deepest"
    assert any(r.curve == "steps" for _, r in discounts)
    left = [seats for _, seats in on_sale]
    assert sum(seats > 0 for seats in left) >= 20
    assert any(1 <= seats <= 3 for seats in left) and 0 in left
    statuses = set(db.session.scalars(select(Release.status)))
    assert {"open", "withdrawn", "closed"} <= statuses
    assert all(1200 <= p <= 4500 for p in db.session.scalars(select(Release.face_price_cents)))
    week = db.session.scalars(select(Show.discipline).join(Performance).where(
        Performance.starts_at >= now, Performance.starts_at < now + timedelta(days=7)))
    assert set(week) == set(DISCIPLINES)
    checked_in = select(func.count(Ticket.id)).where(Ticket.checked_in_at.is_not(None))
    assert db.session.scalar(checked_in) > 0
    assert_demo_logins_work(db.session)


def test_seeding_a_later_day_adds_its_performances_without_duplicates(db, now):
    seed_demo(db.session, now=now)
    db.session.commit()
    performances = db.session.scalar(select(func.count(Performance.id)))
    later = now + timedelta(days=2)
    report = seed_demo(db.session, now=later)
    db.session.commit()
    assert 0 < report.created["performances"] < performances / 10
    duplicates = [
        select(Venue.slug).group_by(Venue.slug),
        select(Show.venue_id, Show.title).group_by(Show.venue_id, Show.title),
        select(Performance.show_id, Performance.starts_at)
        .group_by(Performance.show_id, Performance.starts_at),
        select(Release.performance_id, Release.category)
        .group_by(Release.performance_id, Release.category),
        select(User.email).group_by(User.email),
    ]
    for statement in duplicates:
        assert not db.session.execute(statement.having(func.count() > 1)).all()
    assert_sales_add_up(db.session, later)
    assert not db.session.scalar(select(func.count(Hold.id)).where(Hold.status == "active"))
