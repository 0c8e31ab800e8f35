"""The JSON API fuzzed from its own OpenAPI document: no 500, and every answer as documented.

Schemathesis generates valid and invalid requests for each operation of
/api/v1/openapi.json (a bounded, derandomized number of examples, so the run is the same
each time and fast enough for CI) and runs every check on the answers: no server error,
status codes, content types and bodies as the document says, invalid input refused,
valid input accepted. The full run against a live server is bench/schemathesis.sh.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from marketplace import create_app
from marketplace.domain.accounts.services import issue_token
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from tests.buying import bought
from tests.factories import PerformanceFactory, ReleaseFactory

MAX_EXAMPLES = 15

# Rules the document cannot state (they tie several fields together, or depend on the
# clock or on the offer): a schema-valid request may be refused with 422 naming one of
# these fields, and only these.
RULES_BEYOND_THE_DOCUMENT = {
    ("GET", "/api/v1/offers"): {"lat", "lng", "radius_km", "sort", "date", "home_lat",
                                "home_lng", "home_reachable"},
    ("GET", "/api/v1/carousel"): {"lat", "lng"},
    ("GET", "/api/v1/offers/{offer_id}"): {"lat", "lng", "home_lat", "home_lng"},  # pairs
    ("POST", "/api/v1/holds"): {"quantity"},  # above this offer's own max_per_order
    ("POST", "/api/v1/venue/performances"): {"starts_at"},  # in the future, within 2 years
    ("PATCH", "/api/v1/venue/me"): {"webhook_url"},  # rule 9: it must resolve to public
    ("POST", "/api/v1/venue/releases"): {
        "performance_id", "start_discount_percent", "step_minutes", "sales_open_at",
        "sales_close_at", "max_discount_at"},
    # `from` before `to`, at most two years apart, both within 2000–2100 (OpenAPI 3.0 has
    # no bounds for dates)
    ("GET", "/api/v1/agency/uptake"): {"from", "to"},
    ("GET", "/api/v1/agency/waitlist"): {"from", "to"},
    ("POST", "/api/v1/offers/{offer_id}/waitlist"): {"quantity"},  # this offer's max_per_order
}


@pytest.fixture
def seeded_api(app):
    """A venue with an open release and a paid order, and a token for each side of the API."""
    now = utcnow()
    with app.app_context():
        performance = PerformanceFactory(starts_at=now + timedelta(days=1))
        release = ReleaseFactory(performance=performance, quantity=200,
                                 sales_open_at=now - timedelta(hours=1),
                                 max_discount_at=now + timedelta(hours=20),
                                 sales_close_at=performance.starts_at)
        db.session.commit()
        bought(app, release, 2, now)
        tokens = {
            "venue": issue_token(db.session, venue=performance.venue, now=now),
            "agency": issue_token(db.session, venue=None, now=now),
        }
        db.session.commit()
    return tokens


def _document() -> dict:
    """The OpenAPI document, read once at collection (it does not depend on the database)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "openapi",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


# Built from the document rather than from the `app` fixture: schemathesis's fixture-based
# loader does not run under the pytest this project uses.
schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_api_answer_is_documented_and_never_a_server_error(case, app, seeded_api):
    token = seeded_api["agency" if "/agency/" in case.path else "venue"]
    headers = {"Authorization": f"Bearer {token}"}
    # Checks that send requests of their own (ignored_auth, …) send them to this app too.
    case.operation.app = case.operation.schema.app = app
    response = case.call(headers=headers)
    excluded = [positive_data_acceptance] if _refused_by_a_rule_beyond_the_document(
        case, response) else []
    case.validate_response(response, headers=headers, excluded_checks=excluded)


def _refused_by_a_rule_beyond_the_document(case, response) -> bool:
    fields = RULES_BEYOND_THE_DOCUMENT.get((case.method.upper(), case.path))
    if response.status_code != 422 or not fields:
        return False
    field = (response.json() or {}).get("field", "")
    return field.split(".")[0] in fields
