"""Numbers and dates nobody could mean get a clear 4xx (or are ignored), never a 500."""

from __future__ import annotations

import pytest

from tests.factories import ReleaseFactory

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("url, status", [
    (f"/api/v1/offers/{HUGE}", 404),
    (f"/api/v1/offers?max_price_cents={HUGE}", 422),
    ("/api/v1/offers?date=9999-12-31", 422),
    ("/api/v1/offers?date=0001-01-01", 422),
    (f"/offers/{HUGE}", 404),
    ("/?date=9999-12-31", 200),  # the list ignores a date nobody could pick
    (f"/?page={HUGE}", 200),
    (f"/?max_price={HUGE}", 200),
])
def test_out_of_range_values_never_break_the_storefront(db, client, url, status):
    ReleaseFactory()
    db.session.commit()
    assert client.get(url).status_code == status
