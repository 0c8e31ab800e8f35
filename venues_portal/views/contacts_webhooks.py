"""What Kiosque sent to the venue's own tool (its webhook): the log, « renvoyer », « tester »."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app, flash, redirect, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.domain.contacts.webhooks import (
    NO_URL,
    SIGNATURE_HEADER,
    WebhookTestResult,
    venue_deliveries,
)
from marketplace.domain.errors import Conflict
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.outbound import NOT_ALLOWED, policy_from_config
from marketplace.web.templating import render_page_or_fragment
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.forms import ActionForm
from venues_portal.operations.contacts_webhooks import resend_delivery, send_webhook_test

PER_PAGE = 30
# While something is on its way, the log looks again this often (htmx polling).
REFRESH_SECONDS = 3


@bp.app_template_filter("delivery_status")
def delivery_status(status: str, attempts: int = 0) -> str:
    if status == "pending":
        return ngettext("Failed once, will try again", "Failed %(num)d times, will try again",
                        attempts) if attempts else _("On its way")
    return {"delivered": _("Received"),
            "failed": _("Given up after 24 hours")}.get(status, status)


@bp.app_template_filter("webhook_event")
def webhook_event(event: str) -> str:
    return {"contact.purchase": _("Purchase"), "contact.order_cancelled": _("Order cancelled"),
            "contact.consent": _("Consent withdrawn"), "contact.erased": _("Contact erased"),
            "test": _("Test")}.get(event, event)


@bp.app_template_filter("delivery_problem")
def delivery_problem(code: str | None) -> str:
    """Why there was no answer, in our own words (never the socket's error text)."""
    return {NOT_ALLOWED: _("address not allowed: private or local network"),
            NO_URL: _("no webhook address any more")}.get(code or "", _("no answer"))


@bp.app_template_filter("pretty_json")
def pretty_json(payload: object) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False)


@bp.get("/venues/<venue_slug>/webhooks")
@venue_page("manage")
def webhooks(venue):
    """The venue's deliveries, newest first, with their answers and a button to send again."""
    page = _page(request.args.get("page"))
    deliveries, total = venue_deliveries(db.session, venue, page=page, per_page=PER_PAGE)
    now = utcnow()
    # Just queued: its answer comes within seconds (sent after the commit). Older ones wait
    # for the scheduler's retries, minutes apart: no need to keep asking for those.
    pending = any(d.status == "pending" and d.attempts == 0
                  and d.created_at > now - timedelta(minutes=2) for d in deliveries)
    return render_page_or_fragment(
        "portal/webhooks.html", "portal/_webhooks.html", venue=venue, deliveries=deliveries,
        total=total, page_number=page, pages=max(1, -(-total // PER_PAGE)),
        refresh=REFRESH_SECONDS if pending else None, signature_header=SIGNATURE_HEADER)


@bp.post("/venues/<venue_slug>/webhooks/<int:delivery_id>/resend")
@venue_page("manage")
def resend_webhook(venue, delivery_id: int):
    if ActionForm().validate_on_submit():
        try:
            resend_delivery(db.session, venue, actor=current_user, delivery_id=delivery_id,
                            now=utcnow())
        except Conflict:
            flash(_("This delivery was about a spectator who has since erased their details: "
                    "it cannot be sent again."), "error")
        else:
            flash(_("Sent again: its answer appears below in a moment."), "success")
    return redirect(url_for(".webhooks", venue_slug=venue.slug))


@bp.post("/venues/<venue_slug>/webhooks/test")
@venue_page("manage")
def test_webhook(venue):
    """Send a test event now and say how it went: the status code, how long it took, or why
    nothing was sent (never the receiver's body nor the socket's error text)."""
    if ActionForm().validate_on_submit():
        try:
            result = send_webhook_test(db.session, venue, actor=current_user, now=utcnow(),
                                       policy=policy_from_config(current_app.config))
        except Conflict:
            flash(_("Give your tool's webhook address in the venue profile first."), "error")
        else:
            flash(*webhook_test_answer(result))
    return redirect(url_for(".webhooks", venue_slug=venue.slug))


def webhook_test_answer(result: WebhookTestResult) -> tuple[str, str]:
    """The test's answer as it happened, in the staff member's language, and its category."""
    took = _("(%(ms)s ms)", ms=format_decimal(result.elapsed_ms)) \
        if result.elapsed_ms is not None else ""
    if result.delivered:
        return " ".join([_("Test event delivered: your tool answered HTTP %(code)d.",
                           code=result.status), took]).strip(), "success"
    if result.problem == NOT_ALLOWED and result.refusal:
        # Rule 9's own reason (not https, a private address…), from the shared vocabulary.
        return _("Test event not sent. %(reason)s", reason=_(result.refusal)), "error"
    if result.problem == NOT_ALLOWED:
        return _("Test event not sent: this address leads to a private or local network, "
                 "where Kiosque sends nothing."), "error"
    if result.status is None:
        return " ".join([_("Test event not delivered: no answer from your tool."),
                         took]).strip(), "error"
    if 300 <= result.status < 400:
        return " ".join([_("Test event not delivered: your tool answered with a redirection "
                           "(HTTP %(code)d), and Kiosque follows none. Give the final address.",
                           code=result.status), took]).strip(), "error"
    return " ".join([_("Test event not delivered: your tool answered HTTP %(code)d.",
                       code=result.status), took]).strip(), "error"


def _page(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else 1
