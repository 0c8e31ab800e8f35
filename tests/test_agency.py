"""The agency's dashboard: who gets in, the figures for a period and grouping, htmx, CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
import time_machine

from marketplace.blueprints.agency.access import AGENCY_PAGES
from marketplace.domain.uptake.periods import Period
from tests.factories import MembershipFactory, StaffFactory, log_in
from tests.test_uptake_recount import PERIOD, Recount, generate_region

TODAY = PERIOD.end  # the dashboard's default period ends today
NOON_TODAY = f"{TODAY}T12:00:00+01:00"


@pytest.fixture
def agency(db):
    person = StaffFactory(agency_role="staff", name="Agnès Dupré")
    db.session.commit()
    return person


@pytest.fixture
def admin(db):
    person = StaffFactory(agency_role="admin", name="Adèle Admin")
    db.session.commit()
    return person


def paths(app) -> dict[str, str]:
    """Every agency page (GET, no parameters needed) by endpoint, for the access walk."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in AGENCY_PAGES:
            values = {"table": "uptake", "venue_id": 1, "user_id": 1, "feed_id": 1}
            found[rule.endpoint] = rule.build({k: v for k, v in values.items()
                                               if k in rule.arguments})[1]
    return found


def methods(app, endpoint: str) -> set[str]:
    return {m for rule in app.url_map.iter_rules() if rule.endpoint == endpoint
            for m in rule.methods} - {"HEAD", "OPTIONS"}


# Who gets in ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_staff_login_and_back(app, client):
    walked = paths(app)
    assert {"agency.dashboard", "agency.export", "agency.venues", "agency.new_venue",
            "agency.team"} <= set(walked)
    for endpoint, path in walked.items():
        for method in methods(app, endpoint):
            response = client.open(path, method=method)
            assert response.status_code == 302, (method, path)
            assert response.headers["Location"].startswith("/portal/login?next=/agency/")
    htmx = client.get("/agency/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/portal/login")


def test_logging_in_through_the_portal_login_lands_on_the_dashboard(db, client, agency):
    response = client.post("/portal/login?next=/agency/", data={
        "email": agency.email, "password": "un mot de passe de test"})
    assert response.headers["Location"] == "/agency/"
    assert client.get("/agency/").status_code == 200


def test_agency_staff_logging_in_without_a_destination_land_on_the_dashboard(db, client, agency):
    response = client.post("/portal/login", data={
        "email": agency.email, "password": "un mot de passe de test"}, follow_redirects=True)
    assert response.request.path == "/agency/" and response.status_code == 200


def test_venue_staff_without_an_agency_role_are_refused(app, db, client):
    manager = MembershipFactory(role="manager").user
    db.session.commit()
    log_in(client, manager)
    for endpoint, path in paths(app).items():
        for method in methods(app, endpoint):
            assert client.open(path, method=method).status_code == 403, (method, path)


def test_agency_staff_see_figures_and_venues_but_only_admins_the_team(app, db, client, agency,
                                                                        admin):
    log_in(client, agency)
    assert client.get("/agency/").status_code == 200
    assert client.get("/agency/venues").status_code == 200
    assert client.get("/agency/team").status_code == 403
    assert client.post("/agency/team", data={"email": "x@example.org"}).status_code == 403
    client.post("/portal/logout")
    log_in(client, admin)
    assert client.get("/agency/team").status_code == 200


def test_an_agency_person_whose_account_is_deactivated_is_logged_out(db, client, agency):
    log_in(client, agency)
    agency.active = False
    db.session.commit()
    assert client.get("/agency/").status_code == 302


# The dashboard ----------------------------------------------------------------------------


@pytest.fixture
def region(db):
    generate_region(db)
    return Recount(db)


def test_the_dashboard_shows_the_periods_figures_in_french(db, client, agency, region):
    with time_machine.travel(NOON_TODAY, tick=False):
        log_in(client, agency)
        page = client.get("/agency/?days=30&group_by=venue").get_data(as_text=True)
    totals = region.rows(Period(TODAY - timedelta(days=29), TODAY), "all")["all"]
    assert 'lang="fr"' in page and "Places vendues" in page
    assert "Taux de remplissage" in page
    sold = f"{totals['sold']:,}".replace(",", "\u202f")
    assert sold in page
    assert "La-Criee" in page  # the venues by name
    assert 'id="agency-charts"' in page and "chart.umd.min.js" in page
    assert "<table" in page  # every chart has its table (the page reads without JS)


def test_the_period_and_grouping_come_from_a_plain_get_form(db, client, agency, region):
    log_in(client, agency)
    page = client.get(f"/agency/?from={PERIOD.start}&to={PERIOD.end}&group_by=week"
                      ).get_data(as_text=True)
    assert f'value="{PERIOD.start}"' in page and f'value="{PERIOD.end}"' in page
    assert "Semaine 42" in page and "Semaine 45" in page
    assert '<option value="week" selected>' in page
    territory = client.get(f"/agency/?from={PERIOD.start}&to={PERIOD.end}"
                           "&group_by=postcode_area").get_data(as_text=True)
    assert "13 · Bouches-du-Rhône" in territory


def test_htmx_gets_the_fragment_and_every_answer_varies_on_it(db, client, agency, region):
    log_in(client, agency)
    query = f"/agency/?from={PERIOD.start}&to={PERIOD.end}&group_by=discipline"
    fragment = client.get(query, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="agency-dashboard"')
    assert "Danse" in body
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get(query, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in page.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "from=2026-11-20&to=2026-11-01", "from=nonsense", "group_by=person", "days=12",
    "from=2020-01-01&to=2026-01-01", "sort=buyer_email", "order=sideways",
])
def test_bad_filters_get_a_clear_message_and_no_figures(db, client, agency, query):
    log_in(client, agency)
    response = client.get(f"/agency/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="form-errors"' in page and "agency-charts" not in page
    fragment = client.get(f"/agency/?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'class="form-errors"' in fragment.get_data(as_text=True)
    assert client.get(f"/agency/export/uptake.csv?{query}").status_code == 422


def test_the_default_period_is_the_last_thirty_days(db, client, agency):
    with time_machine.travel(NOON_TODAY, tick=False):
        log_in(client, agency)
        page = client.get("/agency/").get_data(as_text=True)
    start = TODAY - timedelta(days=29)
    assert f'value="{start}"' in page and f'value="{TODAY}"' in page
    assert 'aria-current="true">30 jours' in page


def test_an_empty_period_says_so(db, client, agency):
    log_in(client, agency)
    page = client.get("/agency/?from=2030-01-01&to=2030-01-31").get_data(as_text=True)
    assert ("Aucune place n'a été mise en vente ni vendue pour les représentations de cette "
            "période." in page)


def test_the_dashboard_speaks_english_when_asked(db, client, agency, region):
    log_in(client, agency)
    page = client.get(f"/agency/?from={PERIOD.start}&to={PERIOD.end}&lang=en"
                      ).get_data(as_text=True)
    assert "Seats sold" in page and "Places vendues" not in page


# CSV exports ------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:]), delimiter=";"))


def test_every_table_exports_as_csv_for_a_french_spreadsheet(db, client, agency, region):
    log_in(client, agency)
    query = f"from={PERIOD.start}&to={PERIOD.end}&group_by=venue"
    for table in ("headline", "uptake", "timeline", "timing", "territories"):
        rows = read_csv(client.get(f"/agency/export/{table}.csv?{query}"))
        assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows), table
    assert client.get(f"/agency/export/people.csv?{query}").status_code == 404


def test_the_uptake_export_carries_the_figures_of_the_recount(db, client, agency, region):
    log_in(client, agency)
    rows = read_csv(client.get(f"/agency/export/uptake.csv?from={PERIOD.start}&to={PERIOD.end}"
                               "&group_by=venue"))
    header, body = rows[0], {row[1]: row for row in rows[1:]}
    expected = region.rows(PERIOD, "venue")
    assert header[:4] == ["Groupe", "Code", "Places mises en vente", "Places vendues"]
    assert set(body) == set(expected)
    criee, recount = body["la-criee"], expected["la-criee"]
    assert int(criee[3]) == recount["sold"]
    assert criee[4] == f"{recount['sell_through']:.4f}".replace(".", ",")
    assert criee[5] == f"{recount['revenue_cents'] / 100:.2f}".replace(".", ",")
    assert body["petite-salle"][11:] == ["", "", ""]  # hidden: fewer than ten buyers


def test_the_timeline_export_has_one_line_per_paris_day(db, client, agency, region):
    log_in(client, agency)
    rows = read_csv(client.get(f"/agency/export/timeline.csv?from={PERIOD.start}"
                               f"&to={PERIOD.end}"))
    assert [row[0] for row in rows[1:]] == [day.isoformat() for day in PERIOD.each_day()]
    # By day of purchase: the sales paid on the period's days, whatever the performance.
    assert sum(int(row[1]) for row in rows[1:]) == sum(o.quantity for o in region.paid_on(PERIOD))


def test_the_headline_export_compares_with_the_period_before(db, client, agency, region):
    log_in(client, agency)
    rows = read_csv(client.get(f"/agency/export/headline.csv?from={PERIOD.start}"
                               f"&to={PERIOD.end}&lang=en"))
    assert rows[0] == ["Figure", "This period", "Previous period", "Change from before",
                       "Change is"]
    sold = next(row for row in rows if row[0] == "Seats sold")
    now, before = region.rows(PERIOD, "all")["all"], region.rows(PERIOD.previous(), "all")["all"]
    assert (int(sold[1]), int(sold[2])) == (now["sold"], before["sold"])
    assert sold[3] == f"{now['sold'] / before['sold'] - 1:.4f}"


def test_a_period_starts_and_ends_on_the_days_given(db, client, agency):
    log_in(client, agency)
    day = date(2026, 3, 29)  # summer time starts: a day of 23 hours
    rows = read_csv(client.get(f"/agency/export/timeline.csv?from={day}&to={day}"))
    assert [row[0] for row in rows[1:]] == ["2026-03-29"]


# Definitions, sorting, the map ------------------------------------------------------------


def test_every_headline_figure_has_its_definition_beside_it_in_both_languages(
        db, client, agency, region):
    log_in(client, agency)
    for lang, words in (("fr", "jamais plus de 100"), ("en", "never above 100")):
        page = client.get(f"/agency/?from={PERIOD.start}&to={PERIOD.end}&lang={lang}"
                          ).get_data(as_text=True)
        kpis = re.findall(r'<li class="kpi">(.*?)</li>', page, re.S)
        assert len(kpis) == 12
        for kpi in kpis:
            label = re.search(r'class="kpi__label">([^<]+)<', kpi).group(1)
            # A native disclosure (no script needed) that says which figure it explains.
            summary = re.search(r'<details class="definition">\s*<summary aria-label="([^"]+)"',
                                kpi)
            assert summary and label in html.unescape(summary.group(1)), label
            text = re.search(r'class="definition__text">([^<]+)<', kpi).group(1)
            assert len(text) > 30, label
        assert words in kpis[2]


def test_the_uptake_table_sorts_on_the_server_and_says_so(db, client, agency, region):
    log_in(client, agency)
    base = f"/agency/?from={PERIOD.start}&to={PERIOD.end}&group_by=venue"
    page = client.get(base).get_data(as_text=True)
    assert 'aria-sort="ascending"><a class="sort-link"' in page  # by name, by default
    assert "sort=sell_through&amp;order=desc" in page  # a column sorts high to low first
    expected = sorted(region.rows(PERIOD, "venue").values(),
                      key=lambda r: -(r["sell_through"] or 0))
    sorted_page = client.get(f"{base}&sort=sell_through&order=desc").get_data(as_text=True)
    assert sorted_page.count('aria-sort="descending"') == 1
    table = sorted_page[sorted_page.index('class="table table--compact uptake-table"'):]
    positions = [table.index(f">{row['group'].title()}</th>") for row in expected
                 if row["released"]]
    assert positions == sorted(positions)
    ascending = client.get(f"{base}&sort=sell_through&order=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in ascending
    # Shares hidden for a small group sort last, whichever the direction: no hint of them.
    for order in ("asc", "desc"):
        body = client.get(f"{base}&sort=under_30_share&order={order}").get_data(as_text=True)
        rows = body[body.index("uptake-table"):body.index("</tbody>", body.index("uptake-table"))]
        assert rows.rstrip().endswith("</tr>")
        last_row = rows[rows.rindex("<tr>"):]
        assert "Petite-Salle" in last_row


def test_the_map_shows_each_venues_sell_through_and_nothing_personal(db, client, agency,
                                                                      region):
    log_in(client, agency)
    page = client.get(f"/agency/?from={PERIOD.start}&to={PERIOD.end}&group_by=discipline"
                      ).get_data(as_text=True)
    assert "data-agency-map" in page and "leaflet.js" in page
    assert 'data-tiles=""' in page  # no tile server in tests: markers on a blank layer
    for slug, row in region.rows(PERIOD, "venue").items():
        if row["released"]:
            assert f'data-share="{row["sell_through"]}"' in page, slug
    map_part = page[page.index("venue-map-title"):]
    assert "@" not in map_part and "Quintal" not in map_part
