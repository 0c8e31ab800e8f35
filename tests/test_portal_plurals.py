"""Counts in the portal and the agency agree with their number, through ngettext: in French
0 and 1 take the singular (« 0 place vendue », « 1 jour »), 2 and more the plural."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask_babel import force_locale, ngettext, npgettext

from tests.buying import bought
from tests.factories import MembershipFactory, PerformanceFactory, ReleaseFactory, log_in

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("templates/portal", "templates/agency", "venues_portal", "marketplace/blueprints/agency")
# A gettext (not ngettext) message with a number followed by a plural noun: "%(seats)d seats"
# (a count is written %(…)d; %(…)s is a name, or a figure with its unit symbol: "12 ms").
COUNT_THEN_PLURAL = re.compile(
    r"""(?<![n])(?:\b_|gettext|_l)\(\s*(['"])(?P<text>(?:(?!\1).)*%\(\w+\)d [a-z]+s\b"""
    r"""(?:(?!\1).)*)\1""", re.S)


def sources():
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*")):
            if path.suffix in (".html", ".py", ".txt") and "translations" not in path.parts:
                yield path


def test_no_count_is_pluralised_by_hand_in_the_portal_or_the_agency():
    found = [f"{path.relative_to(ROOT)}: {match.group('text')}"
             for path in sources() for match in COUNT_THEN_PLURAL.finditer(path.read_text())]
    assert found == []


def test_the_guard_above_sees_a_hand_made_plural():
    assert COUNT_THEN_PLURAL.search("{{ _('%(seats)d seats left', seats=n) }}")
    assert not COUNT_THEN_PLURAL.search("{{ ngettext('%(num)d seat', '%(num)d seats', n) }}")


@pytest.mark.parametrize(("count", "word"), [(0, "vendue"), (1, "vendue"), (2, "vendues")])
def test_french_takes_the_singular_for_zero_and_one(app, count, word):
    with app.test_request_context(), force_locale("fr"):
        assert npgettext("seats", "sold", "sold", count) == word
        days = ngettext("%(num)d day", "%(num)d days", count)
    assert days == f"{count} {'jours' if count > 1 else 'jour'}"


def test_the_dashboard_counts_seats_in_the_right_number(app, db, client, now):
    performance = PerformanceFactory(show__title="Le Misanthrope",
                                     starts_at=now + timedelta(hours=6))
    release = ReleaseFactory(performance=performance, quantity=2,
                             sales_open_at=now - timedelta(days=1))
    membership = MembershipFactory(venue=performance.show.venue, role="manager")
    db.session.commit()
    bought(app, release, 1, now)
    with time_machine.travel(now, tick=False):
        log_in(client, membership.user)
        page = client.get(f"/portal/venues/{performance.show.venue.slug}/"
                          ).get_data(as_text=True)
    assert "<strong>1</strong> vendue<" in page
    assert "<strong>0</strong> en cours d’achat<" in page
    assert "<strong>1</strong> restante<" in page
    assert "1 vendue, 0 en cours d’achat, sur 2" in page  # the seats bar's label
