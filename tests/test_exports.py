"""The portal's files: every CSV cell inert (whoever wrote it), French titles and words for
a French reader, and an .xlsx beside each CSV whose cells have their true type."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from marketplace.domain.contacts.exports import api_csv, portal_csv, portal_xlsx
from marketplace.domain.orders.sales import CSV_HEADER, sales_csv, sales_xlsx
from marketplace.domain.spreadsheets import FORMULA_STARTS, Wording, inert
from marketplace.domain.timeutil import PARIS
from marketplace.domain.uptake.csvfile import csv_text
from marketplace.domain.workbook import XLSX_MIMETYPE
from tests.factories import MembershipFactory, PerformanceFactory, ReleaseFactory, log_in
from tests.xlsx_cells import read_sheet

PAID = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)  # 17:05 in Paris
CURTAIN = datetime(2026, 11, 21, 19, 30, tzinfo=UTC)  # 20:30 in Paris
HOSTILE = ("=HYPERLINK(\"http://evil.example\")", "+33 6 12", "-2+3", "@SUM(A1)")


def order(text: str = "Léa Martin", *, reference: str = "000123", postcode: str = "06000"):
    """An order as the sales file reads it (every text field may come from a stranger)."""
    show = SimpleNamespace(title=text)
    performance = SimpleNamespace(show=show, starts_at=CURTAIN)
    return SimpleNamespace(
        id=reference, paid_at=PAID, release=SimpleNamespace(performance=performance,
                                                            category=text),
        quantity=2, face_price_cents=2550, discount_percent=35, unit_price_cents=1660,
        total_cents=3320, status="paid", buyer_name=text, buyer_email=text,
        buyer_postcode=postcode)


def contact(text: str = "Léa Martin", *, postcode: str = "06000"):
    return SimpleNamespace(
        id=7, email=text, name=text, postcode=postcode, birth_year=1998, source="kiosque",
        stage="regular", purchases=3, amount_cents=6300, first_purchase_at=PAID,
        last_purchase_at=PAID, disciplines=["theatre"], marketing_consent=True,
        consent_at=PAID, consent_text=text, created_at=PAID, updated_at=PAID)


def cells(body: bytes | str) -> list[list[str]]:
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body.lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


# Every CSV writer, with text a stranger typed in every text field.
WRITERS = {
    "portal sales": lambda text: sales_csv([order(text, reference=text, postcode=text)], 8),
    "portal contacts": lambda text: b"".join(portal_csv([contact(text, postcode=text)])),
    "api contacts": lambda text: b"".join(api_csv([contact(text, postcode=text)])),
    "agency tables": lambda text: csv_text([text, "sold"], [[text, 12], ["La Criée", -3]]),
}


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("writer", WRITERS)
def test_no_cell_of_any_csv_can_start_a_formula(writer, text):
    rows = cells(WRITERS[writer](text))
    written = [cell for row in rows for cell in row]
    assert "'" + text in written  # the stranger's text is there, as text
    for cell in written:
        assert not cell.startswith(FORMULA_STARTS) or cell.lstrip("-").replace(",", "").isdigit(), \
            (writer, cell)


def test_an_order_reference_is_inert_too():
    [_, row] = cells(sales_csv([order(reference="=1+1")], 8))
    assert dict(zip(CSV_HEADER, row, strict=True))["order"] == "'=1+1"


def test_a_negative_amount_stays_a_number_but_a_sum_does_not():
    assert inert("-12,50") == "-12,50" and inert("-3") == "-3"
    assert inert("-2+3") == "'-2+3" and inert("-A1") == "'-A1"


# French words for a French reader ---------------------------------------------------------


FRENCH = Wording(titles={"paid_at": "Payée le", "status": "État", "order": "Référence"},
                 word={"paid": "Payée", "yes": "oui", "regular": "Fidèle"}.get)


def test_the_sales_csv_takes_its_titles_and_words_from_the_wording_and_paris_clocks():
    header, row = cells(sales_csv([order()], 8, FRENCH))
    line = dict(zip(header, row, strict=True))
    assert header[:2] == ["Payée le", "Référence"] and "show" in header  # untitled: the key
    assert line["État"] == "Payée" and line["Payée le"] == "20/11/2026 17:05"
    assert line["performance"] == "21/11/2026 20:30" and line["total"] == "33,20"
    assert line["discount"] == "35 %" and line["buyer_postcode"] == "06000"


def test_the_sales_csv_without_wording_keeps_the_machine_names():
    header, row = cells(sales_csv([order()], 8))
    assert tuple(header) == CSV_HEADER and dict(zip(header, row, strict=True))["status"] == "paid"


# The .xlsx: true types ---------------------------------------------------------------------


def test_the_sales_workbook_has_text_references_and_postcodes_and_real_dates():
    header, row = read_sheet(sales_xlsx([order(reference="000123", postcode="06000")], 8))
    assert [c.value for c in header][:3] == ["paid_at", "order", "show"]
    line = dict(zip(CSV_HEADER, row, strict=True))
    assert (line["order"].kind, line["order"].value) == ("text", "000123")
    assert (line["buyer_postcode"].kind, line["buyer_postcode"].value) == ("text", "06000")
    assert line["paid_at"].is_date and line["performance"].is_date
    paris = PAID.astimezone(PARIS).replace(tzinfo=None)
    serial = (paris - datetime(1899, 12, 30)) / timedelta(days=1)
    assert line["paid_at"].value == pytest.approx(serial)  # 17:05 on Paris clocks
    assert (line["total"].kind, line["total"].value) == ("number", 33.2)
    assert (line["discount"].kind, line["discount"].value) == ("number", 0.35)
    assert (line["seats"].kind, line["seats"].value) == ("number", 2)


def test_a_formula_typed_by_a_buyer_stays_text_in_the_workbook():
    _, row = read_sheet(sales_xlsx([order("=HYPERLINK(\"http://evil\")")], 8))
    assert all(cell.kind != "formula" for cell in row if cell)
    assert ("text", "=HYPERLINK(\"http://evil\")") in [(c.kind, c.value) for c in row if c]


def test_the_contacts_workbook_types_and_words():
    header, row = read_sheet(portal_xlsx([contact(postcode="06000")], FRENCH))
    titles = [c.value for c in header]
    line = dict(zip(titles, row, strict=True))
    assert (line["postcode"].kind, line["postcode"].value) == ("text", "06000")
    assert line["first_purchase"].is_date and line["consent_at"].is_date
    assert (line["birth_year"].kind, line["birth_year"].value) == ("number", 1998)
    assert line["marketing_consent"].value == "oui" and line["stage"].value == "Fidèle"
    assert (line["amount"].kind, line["amount"].value) == ("number", 63.0)


# Through the portal ------------------------------------------------------------------------


@pytest.fixture
def sold(app, db, client, now):
    """A box-office login at La Criée, with one order of a buyer who typed a formula."""
    from tests.buying import bought

    performance = PerformanceFactory(show__title="Le Misanthrope",
                                     starts_at=now + timedelta(hours=6))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1))
    membership = MembershipFactory(venue=performance.show.venue, role="box_office")
    db.session.commit()
    the_order = bought(app, release, 2, now, name="@SUM(1+1)", postcode="06000")
    with time_machine.travel(now, tick=False):
        log_in(client, membership.user)
    return SimpleNamespace(venue=performance.show.venue, order=the_order)


def test_the_portal_sales_csv_is_in_french_with_inert_cells(client, now, sold):
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        response = client.get(f"/portal/venues/{sold.venue.slug}/sales.csv")
    header, row = cells(response.data)
    assert header[:4] == ["Payée le", "Référence de commande", "Spectacle", "Représentation"]
    line = dict(zip(header, row, strict=True))
    assert line["État"] == "Payée" and line["Acheteur"] == "'@SUM(1+1)"
    assert line["Code postal"] == "06000" and line["Référence de commande"] == sold.order.id
    assert line["Payée le"] == sold.order.paid_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def test_the_portal_sales_workbook_downloads_beside_the_csv(client, now, sold):
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        response = client.get(f"/portal/venues/{sold.venue.slug}/sales.xlsx")
        page = client.get(f"/portal/venues/{sold.venue.slug}/sales").get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    assert response.headers["Cache-Control"] == "no-store"
    header, row = read_sheet(response.data)
    titles = [c.value for c in header]
    line = dict(zip(titles, row, strict=True))
    reference = line["Référence de commande"]
    assert (reference.kind, reference.value) == ("text", sold.order.id)
    assert (line["Code postal"].kind, line["Code postal"].value) == ("text", "06000")
    assert line["Payée le"].is_date and line["État"].value == "Payée"
    assert "Télécharger (Excel)" in page and "/sales.xlsx" in page
