"""Migration 0003: contacts already in a base become findable by the portal's search."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from marketplace.extensions import db
from tests.test_migrations import _migrated_app, empty_database_url  # noqa: F401 (fixture)


def test_existing_contacts_get_their_search_text(empty_database_url, tmp_path_factory):  # noqa: F811
    app = _migrated_app(empty_database_url, tmp_path_factory)
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO venues (id, slug, name, address, postcode, city, lat, lng, "
                "discipline, step_free_access, access_notes, transport_notes, "
                "getting_home_notes, phone, email, website, status, created_at) VALUES "
                "(1, 'la-criee', 'La Criée', '', '13007', 'Marseille', 43.29, 5.36, 'theatre', "
                "false, '', '', '', '', '', '', 'active', '2026-11-20 16:00:00+00')"))
            conn.execute(text(
                "INSERT INTO contacts (venue_id, email, name, postcode, source, stage, "
                "purchases, amount_cents, disciplines, marketing_consent, notes, created_at, "
                "updated_at) VALUES (1, 'helene@example.org', 'Hélène Dupré', '13006', "
                "'kiosque', 'first_time', 1, 1500, '[\"theatre\"]', false, '', "
                "'2026-11-20 16:00:00+00', '2026-11-20 16:00:00+00')"))
        upgrade()
        with db.engine.connect() as conn:
            found = conn.execute(text("SELECT search_text FROM contacts")).scalar_one()
        downgrade(revision="0002")
        db.engine.dispose()
    assert found == "helene dupre helene@example.org 13006"
