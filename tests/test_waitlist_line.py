"""Who the line serves, and when (DESIGN.md rule 11), through the services directly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.domain.errors import Conflict, Forbidden
from marketplace.domain.inventory.line import claim_window
from marketplace.domain.inventory.services import (
    change_quantity,
    close_ended_releases,
    place_hold,
    release_hold,
)
from marketplace.domain.mail.links import mail_links
from marketplace.domain.models import Hold, WaitlistEntry
from marketplace.domain.orders.access import order_links
from marketplace.domain.orders.payments import gateway_for
from marketplace.domain.purchases.cancellation import refund_order
from marketplace.domain.rights.services import data_about
from marketplace.domain.waitlist.services import entry_state, join_waitlist, leave_waitlist
from tests.buying import TTL, bought, checkout, counters, emails_to, hold_seats
from tests.factories import ReleaseFactory


def join(app, db, release, email, quantity, now):
    return join_waitlist(db.session, release.id, {"email": email, "quantity": quantity},
                         mail_links(app.config), now)


def status(db, entry) -> str:
    db.session.expire_all()
    return db.session.get(WaitlistEntry, entry.entry_id).status


@pytest.fixture
def full(db, now):
    """Six seats, all held by one buyer (two holds of 3); up to 4 per order."""
    release = ReleaseFactory(quantity=6, max_per_order=4)
    db.session.commit()
    return release, [hold_seats(release, 3, now), hold_seats(release, 3, now)]


def test_a_smaller_request_further_down_is_served_and_the_first_keeps_its_place(
        app, db, now, full):
    release, holds = full
    four = join(app, db, release, "quatre@example.org", 4, now)
    two = join(app, db, release, "deux@example.org", 2, now)
    release_hold(db.session, holds[0].id, now)  # 3 seats back: four does not fit, two does
    assert (status(db, four), status(db, two)) == ("waiting", "offered")
    assert counters(release.id) == (0, 6 - 1)  # 3 + 2 held, one seat on public sale
    assert entry_state(db.session, four.entry_id, four.token, mail_links(app.config),
                       now).position == 1
    release_hold(db.session, holds[1].id, now)  # 3 more: 4 free now, the first is served
    assert status(db, four) == "offered"


def test_seats_nobody_in_line_fits_go_on_public_sale(app, db, now, full):
    release, holds = full
    join(app, db, release, "quatre@example.org", 4, now)
    release_hold(db.session, holds[0].id, now)
    assert place_hold(db.session, release.id, 3, now, TTL).quantity == 3


def test_a_refund_serves_the_line_in_its_own_transaction(app, db, now):
    release = ReleaseFactory(quantity=2, max_per_order=2)
    db.session.commit()
    order = bought(app, release, 2, now)
    entry = join(app, db, release, "attente@example.org", 2, now)
    refund_order(db.session, release.performance.venue, order.id, now, gateway_for(app.config))
    assert status(db, entry) == "offered"
    assert counters(release.id) == (0, 2)


def test_a_venue_raising_the_quantity_serves_the_line(app, db, now, full):
    release, _holds = full
    entry = join(app, db, release, "attente@example.org", 2, now)
    change_quantity(db.session, release.performance.venue, release.id, 8, now)
    assert status(db, entry) == "offered"


def test_an_offer_is_an_ordinary_hold_at_the_price_of_the_moment(app, db, now, full):
    release, holds = full
    entry = join(app, db, release, "attente@example.org", 2, now)
    later = now + timedelta(minutes=7)
    release_hold(db.session, holds[0].id, later)
    db.session.expire_all()
    offered = db.session.get(WaitlistEntry, entry.entry_id)
    hold = db.session.get(Hold, offered.hold_id)
    assert hold.status == "active" and hold.quantity == 2
    assert hold.unit_price_cents <= holds[0].unit_price_cents  # the discount deepened
    assert hold.expires_at == offered.claim_until == later + timedelta(minutes=10)
    [mail] = [m for m in emails_to("attente@example.org") if "offer" in m.dedup_key]
    assert f"/checkout/{hold.id}" in mail.body_text


def test_only_the_entrys_email_checks_the_offer_out(app, db, now, full):
    release, holds = full
    entry = join(app, db, release, "attente@example.org", 2, now)
    release_hold(db.session, holds[0].id, now)
    db.session.expire_all()
    hold = db.session.get(Hold, db.session.get(WaitlistEntry, entry.entry_id).hold_id)
    with pytest.raises(Forbidden):
        checkout(app, hold, now, email="quelquun@example.org")
    assert checkout(app, hold, now, email="attente@example.org").order.quantity == 2


def test_the_claim_window_shrinks_as_curtain_nears_and_never_outlasts_sales(now):
    curtain = now + timedelta(days=1)
    assert claim_window(now, curtain, curtain) == now + timedelta(minutes=15)
    assert claim_window(curtain - timedelta(hours=5), curtain, curtain) \
        == curtain - timedelta(hours=5) + timedelta(minutes=10)
    assert claim_window(curtain - timedelta(minutes=30), curtain, curtain) \
        == curtain - timedelta(minutes=25)
    assert claim_window(curtain - timedelta(minutes=3), curtain, curtain) == curtain


def test_an_entry_never_served_lapses_at_curtain(app, db, now, full):
    release, _holds = full
    entry = join(app, db, release, "attente@example.org", 2, now)
    curtain = release.performance.starts_at
    assert entry_state(db.session, entry.entry_id, entry.token, mail_links(app.config),
                       curtain).status == "expired"
    close_ended_releases(db.session, curtain)
    assert status(db, entry) == "expired"


def test_joining_a_line_one_is_in_again_is_refused_but_after_leaving_it_is_not(
        app, db, now, full):
    release, _holds = full
    first = join(app, db, release, "attente@example.org", 2, now)
    with pytest.raises(Conflict) as refused:
        join(app, db, release, "attente@example.org", 1, now)
    assert refused.value.code == "already_waiting"
    leave_waitlist(db.session, first.entry_id, first.token, mail_links(app.config), now)
    again = join(app, db, release, "attente@example.org", 1, now + timedelta(minutes=1))
    assert (again.entry_id, again.status, again.quantity) == (first.entry_id, "waiting", 1)
    assert len(db.session.scalars(select(WaitlistEntry)).all()) == 1


def test_my_data_lists_the_waiting_list_entries(app, db, now, full):
    release, _holds = full
    join(app, db, release, "attente@example.org", 2, now)
    data = data_about(db.session, "attente@example.org", now, order_links(app.config))
    assert [(e["quantity"], e["status"]) for e in data["waitlist"]] == [(2, "waiting")]
