"""Migration 0013: tickets sold before short codes existed get one each, on both databases."""

from __future__ import annotations

from datetime import timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from marketplace.domain.orders.short_codes import read_short_code
from marketplace.extensions import db
from tests.buying import bought
from tests.factories import BASE_TIME, PerformanceFactory, ReleaseFactory
from tests.test_migrations import _migrated_app, empty_database_url  # noqa: F401 (fixture)


def test_tickets_sold_before_get_a_short_code_each(empty_database_url, tmp_path_factory):  # noqa: F811
    app = _migrated_app(empty_database_url, tmp_path_factory)
    with app.app_context():
        upgrade()
        release = ReleaseFactory(performance=PerformanceFactory(
            starts_at=BASE_TIME + timedelta(hours=4)), sales_open_at=BASE_TIME)
        db.session.commit()
        bought(app, release, 3, BASE_TIME + timedelta(hours=1))
        bought(app, release, 2, BASE_TIME + timedelta(hours=2))
        db.session.remove()
        downgrade(revision="0011")  # as they were: tickets without a short code
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 5
        upgrade()
        with db.engine.connect() as conn:
            short_codes = conn.execute(text("SELECT short_code FROM tickets")).scalars().all()
        db.engine.dispose()
    assert len(short_codes) == 5 and len(set(short_codes)) == 5
    assert all(read_short_code(code) == code for code in short_codes)
