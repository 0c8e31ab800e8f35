"""The portal's files speak the staff member's language: column titles, statuses, consent.

The domain writes the tables (marketplace.domain.orders.sales, contacts.exports) with
machine keys and codes; this gives them the words of the current locale. The venue API's
CSV (DESIGN.md's `format=csv`) keeps its machine names: it is not built from here.
"""

from __future__ import annotations

from flask_babel import gettext, pgettext

from marketplace.domain.spreadsheets import Wording
from marketplace.web.vocabulary import discipline_labels
from venues_portal.labels import contact_stage_label, order_status_label


def sales_wording() -> Wording:
    """Titles and words of the sales file, in the current locale."""
    return Wording(titles={
        "paid_at": gettext("Paid at"), "order": gettext("Order reference"),
        "show": gettext("Show"), "performance": gettext("Performance"),
        "category": gettext("Category"), "seats": gettext("Seats"),
        "face_price": gettext("Face price (€)"), "discount": gettext("Discount"),
        "unit_price": gettext("Unit price (€)"), "total": gettext("Total (€)"),
        "commission": gettext("Commission (€)"), "venue_payout": gettext("Paid to you (€)"),
        "status": gettext("Status"), "buyer_name": gettext("Buyer"),
        "buyer_email": gettext("E-mail"), "buyer_postcode": gettext("Postcode"),
    }, word=order_status_label)


def contacts_wording() -> Wording:
    """Titles and words of the contacts file, in the current locale."""
    disciplines = discipline_labels()
    words = {"yes": pgettext("export", "yes"), "no": pgettext("export", "no")}

    def word(code: str) -> str:
        return words.get(code) or disciplines.get(code) or contact_stage_label(code)

    return Wording(titles={
        "email": gettext("E-mail"), "name": gettext("Name"), "postcode": gettext("Postcode"),
        "birth_year": gettext("Year of birth"), "stage": gettext("Stage"),
        "purchases": gettext("Purchases"), "amount": gettext("Amount spent (€)"),
        "first_purchase": gettext("First purchase"), "last_purchase": gettext("Last purchase"),
        "disciplines": gettext("Disciplines"),
        "marketing_consent": gettext("Agreed to receive news"),
        "consent_at": gettext("Agreed on"), "consent_text": gettext("Wording agreed to"),
    }, word=word)
