"""« Me prévenir »: leave an e-mail and the current filters, confirm, unsubscribe in one click."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.blueprints.storefront.push import push_offer
from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.mail.links import mail_links
from marketplace.domain.timeutil import utcnow
from marketplace.domain.validation import INVALID_CHARACTERS
from marketplace.domain.watches.services import (
    CONFIRMATION_CAP,
    confirm_watch,
    create_watch,
    unsubscribe,
    watch_to_unsubscribe,
)
from marketplace.extensions import csrf, db, limiter
from marketplace.web.rate_limits import per_recipient

bp = Blueprint("watches", __name__)


def _messages() -> dict[str, str]:
    return {"email": _("Enter a valid e-mail address."),
            "max_price": _("The price must be a whole number of euros, from 1 to 1000."),
            "offer_id": _("This offer does not exist any more.")}


@bp.post("/alertes")
@limiter.limit("10 per hour")
def create():
    """Record the watch, send the confirmation e-mail, then « check your mailbox » (303)."""
    try:
        created = create_watch(db.session, request.form.to_dict(), str(get_locale()),
                               mail_links(current_app.config), utcnow(),
                               cap=per_recipient(CONFIRMATION_CAP))
    except ValidationFailed as error:
        db.session.rollback()
        message = _messages().get(error.field, _("Something in the form is not right."))
        if error.code == INVALID_CHARACTERS:
            message = _("Line breaks and other control characters are not allowed here.")
        return render_template("watches/new.html", error=message, form=request.form), 422
    # Capped or not, the same answer: nobody learns how often an address was asked for.
    # The address never travels in a URL (logs, history, referrers): the next page names it
    # masked, from the session.
    session[SENT_TO] = masked_email(created.email)
    return redirect(url_for("watches.check_inbox"), 303)


@bp.get("/alertes/envoyee")
def check_inbox():
    return render_template("watches/check_inbox.html", email=session.get(SENT_TO))


SENT_TO = "alert_sent_to"


def masked_email(email: str) -> str:
    """Enough of an address to recognise it, not to read it: "n•••a@example.org"."""
    local, _, domain = email.partition("@")
    if len(local) <= 2:
        return f"{local[:1]}•••@{domain}"
    return f"{local[0]}•••{local[-1]}@{domain}"


@bp.get("/alertes/<token>/confirmer")
def confirm(token: str):
    try:
        watch = confirm_watch(db.session, token, utcnow())
    except NotFound:
        return render_template("watches/ended.html"), 404
    return render_template("watches/confirmed.html", watch=watch,
                           push=push_offer(watch.email, "watch"),
                           unsubscribe_url=mail_links(current_app.config)
                           .unsubscribe_url(watch.id))


@bp.route("/alertes/<token>/desabonner", methods=["GET", "POST"])
@csrf.exempt  # a mail client's one-click POST (RFC 8058) carries no form token: the link is the key
def stop(token: str):
    watch_id = mail_links(current_app.config).unsubscribed_watch(token)
    try:
        watch = watch_to_unsubscribe(db.session, watch_id)
    except NotFound:
        return render_template("watches/ended.html"), 404
    if request.method == "POST":
        unsubscribe(db.session, watch, utcnow())
        return render_template("watches/unsubscribed.html")
    if watch.unsubscribed_at is not None:
        return render_template("watches/unsubscribed.html")
    return render_template("watches/unsubscribe.html", watch=watch)
