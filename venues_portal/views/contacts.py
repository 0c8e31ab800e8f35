"""The venue's contact base: search and segments, a contact's history, the two exports.

Managers only: these are people's names and addresses (the box office follows sales and
scans tickets, it has no need of the whole base). The marketing export and the full
customer file are two distinct links with two distinct file names, so that nobody sends
a newsletter to people who did not ask for it by picking the wrong one.
"""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from marketplace.domain.contacts.exports import portal_csv, portal_xlsx
from marketplace.domain.contacts.queries import (
    DEEP_DISCOUNT_PERCENT,
    base_figures,
    export_contacts,
    find_contacts,
    parse_filter,
    venue_contact,
)
from marketplace.domain.feedback.queries import contact_feedback, contact_history
from marketplace.domain.timeutil import to_paris, utcnow
from marketplace.domain.workbook import XLSX_MIMETYPE
from marketplace.extensions import db, htmx
from marketplace.web.templating import render_page_or_fragment
from marketplace.web.vocabulary import discipline_labels
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.exports import contacts_wording
from venues_portal.labels import contact_stage_label as contact_stage
from venues_portal.navigation import MenuEntry, add_menu_entry

add_menu_entry(MenuEntry("venues_portal.contacts", _l("Contacts"), "manage", (
    "venues_portal.contact", "venues_portal.webhooks")), before="venues_portal.checkin")


bp.add_app_template_filter(contact_stage, "contact_stage")


@bp.app_template_filter("contact_stage_plural")
def contact_stage_plural(stage: str) -> str:
    """The name of a stage as a segment: "Regulars"."""
    return {"contact": gettext("Without a purchase"), "first_time": gettext("First-time buyers"),
            "regular": gettext("Regulars"), "lapsed": gettext("Lapsed contacts")
            }.get(stage, stage)


@bp.get("/venues/<venue_slug>/contacts")
@venue_page("manage")
def contacts(venue):
    """The base, filtered by the segment in the URL, a page at a time."""
    segment = parse_filter(request.args)
    # The figures of the whole base only head the full page (htmx swaps the results).
    fragment = htmx and not htmx.boosted and not htmx.history_restore_request
    figures = None if fragment else base_figures(db.session, venue)
    found = find_contacts(db.session, venue, segment, page=_page(request.args.get("page")),
                          whole_base=figures)
    return render_page_or_fragment(
        "portal/contacts.html", "portal/_contacts.html", venue=venue, segment=segment,
        found=found, figures=figures, disciplines=discipline_labels(),
        deep_discount=DEEP_DISCOUNT_PERCENT)


@bp.get("/venues/<venue_slug>/contacts/<int:contact_id>")
@venue_page("manage")
def contact(venue, contact_id: int):
    """One contact: what they gave, their consent, their orders at this venue only."""
    person = venue_contact(db.session, venue, contact_id)
    # Back to the list as it was left: the same segment, the same page.
    back = parse_filter(request.args).query_args() | (
        {"page": str(_page(request.args.get("page")))} if request.args.get("page") else {})
    return render_template(
        "portal/contact.html", venue=venue, contact=person,
        history=contact_history(db.session, venue, person), back=back,
        feedback=contact_feedback(db.session, venue, person),
        disciplines=discipline_labels(), deep_discount=DEEP_DISCOUNT_PERCENT)


@bp.get("/venues/<venue_slug>/contacts/export/marketing.csv")
@venue_page("manage")
def export_marketing_contacts(venue):
    """The segment's contacts who accepted the venue's news, and only them."""
    return _export(venue, marketing=True, extension="csv")


@bp.get("/venues/<venue_slug>/contacts/export/marketing.xlsx")
@venue_page("manage")
def export_marketing_contacts_xlsx(venue):
    return _export(venue, marketing=True, extension="xlsx")


@bp.get("/venues/<venue_slug>/contacts/export/all.csv")
@venue_page("manage")
def export_all_contacts(venue):
    """Every contact of the segment, consent or not: a customer file, not a mailing list."""
    return _export(venue, marketing=False, extension="csv")


@bp.get("/venues/<venue_slug>/contacts/export/all.xlsx")
@venue_page("manage")
def export_all_contacts_xlsx(venue):
    return _export(venue, marketing=False, extension="xlsx")


def _export(venue, *, marketing: bool, extension: str) -> Response:
    segment = parse_filter(request.args)
    rows = export_contacts(db.session, venue, segment, marketing=marketing)
    kind = "marketing-consentants" if marketing else "tous-hors-marketing"
    name = f"kiosque-contacts-{venue.slug}-{kind}-{to_paris(utcnow()).date().isoformat()}"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{extension}"',
               "Cache-Control": "no-store"}
    if extension == "xlsx":
        return Response(portal_xlsx(rows, contacts_wording(), sheet=gettext("Contacts")),
                        mimetype=XLSX_MIMETYPE, headers=headers)
    return Response(stream_with_context(portal_csv(rows, contacts_wording())),
                    mimetype="text/csv", headers=headers)


def _page(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else 1
