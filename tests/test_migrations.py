"""The migrated schema is the schema the models describe (no drift), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import TEST_DATABASE_URL, make_test_config


@pytest.fixture
def empty_database_url(tmp_path, tmp_path_factory):
    """A brand-new empty database on the same server as the test database."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    base = make_url(make_test_config(tmp_path_factory)["SQLALCHEMY_DATABASE_URI"])
    name = f"kiosque_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _migrated_app(url: str, tmp_path_factory):
    config = make_test_config(tmp_path_factory) | {"SQLALCHEMY_DATABASE_URI": url}
    return create_app(config)


def test_migrations_build_exactly_the_models_schema(empty_database_url, tmp_path_factory):
    app = _migrated_app(empty_database_url, tmp_path_factory)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_migrations_keep_the_check_constraints(empty_database_url, tmp_path_factory):
    app = _migrated_app(empty_database_url, tmp_path_factory)
    with app.app_context():
        upgrade()
        names = {c["name"] for c in inspect(db.engine).get_check_constraints("releases")}
        db.engine.dispose()
    assert {"ck_releases_never_oversold", "ck_releases_discount_bounds"} <= names


def test_migrations_downgrade_to_empty_and_back(empty_database_url, tmp_path_factory):
    app = _migrated_app(empty_database_url, tmp_path_factory)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert "releases" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "releases" in inspect(db.engine).get_table_names()
        db.engine.dispose()
