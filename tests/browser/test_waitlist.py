"""« Me mettre sur liste d'attente » in a real browser: a sold-out offer, joining, the place
shown, seats given back held at once, and the one tap to their checkout."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest

from marketplace.domain.inventory.services import place_hold
from marketplace.domain.timeutil import utcnow
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.browser


def test_joining_a_sold_out_offer_then_buying_the_seats_that_come_back(
        app, db, live_server, phone):
    start = utcnow()
    release = ReleaseFactory(performance__starts_at=start + timedelta(hours=5), quantity=2,
                             performance__show__title="Le Misanthrope", max_per_order=4,
                             sales_open_at=start - timedelta(hours=2),
                             max_discount_at=start + timedelta(hours=4),
                             sales_close_at=start + timedelta(hours=5))
    db.session.commit()
    hold = place_hold(db.session, release.id, 2, start, 600)

    phone.goto(f"{live_server}/offers/{release.id}")
    phone.locator("#waitlist-email").fill("zoe@example.org")
    phone.locator("#waitlist-quantity").select_option("2")
    phone.get_by_role("button", name="Me mettre sur liste d’attente").click()
    phone.get_by_text("Votre place dans la file : 1").wait_for()

    gone = urllib.request.Request(f"{live_server}/api/v1/holds/{hold.id}", method="DELETE")
    assert urllib.request.urlopen(gone).status == 204
    phone.reload()
    phone.get_by_text("Des places vous sont réservées jusqu’à").wait_for()
    phone.get_by_role("link", name="Les acheter maintenant").click()
    phone.wait_for_url(f"{live_server}/checkout/*")
