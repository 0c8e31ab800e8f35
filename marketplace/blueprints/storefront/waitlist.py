"""« Me mettre sur liste d'attente » on a sold-out offer's page; one's place; leaving."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.blueprints.storefront.location import read_location
from marketplace.blueprints.storefront.offer_page import offer_context
from marketplace.blueprints.storefront.push import push_offer
from marketplace.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from marketplace.domain.mail.links import mail_links
from marketplace.domain.timeutil import utcnow
from marketplace.domain.waitlist.services import (
    entry_email,
    entry_state,
    join_waitlist,
    leave_waitlist,
)
from marketplace.extensions import csrf, db, limiter
from marketplace.web.vocabulary import error_message

bp = Blueprint("waiting_list", __name__)


@bp.post("/offers/<int:offer_id>/liste-attente")
@limiter.limit("10 per hour")
def join(offer_id: int):
    """Join the line, then the entry's page with its place (303)."""
    fields = {"email": request.form.get("email"),
              "quantity": request.form.get("seats", type=int)}
    links = mail_links(current_app.config)
    try:
        entry = join_waitlist(db.session, offer_id, fields, links, utcnow(),
                              locale=str(get_locale()))
    except (Conflict, ValidationFailed) as error:
        return _refused(offer_id, error, fields)
    return redirect(url_for("waiting_list.entry", entry_id=entry.entry_id, token=entry.token,
                            joined=1), 303)


@bp.get("/liste-attente/<int:entry_id>")
def entry(entry_id: int):
    """Where the entry stands; the seats held for it; the one-click way out."""
    try:
        state = entry_state(db.session, entry_id, request.args.get("token"),
                            mail_links(current_app.config), utcnow())
    except NotFound:
        return render_template("waitlist/unknown.html"), 404
    email = entry_email(db.session, entry_id) if state.status in ("waiting", "offered") \
        else None
    return render_template("waitlist/entry.html", entry=state,
                           joined=request.args.get("joined") == "1",
                           push=push_offer(email, "waitlist") if email else None)


@bp.post("/liste-attente/<int:entry_id>/quitter")
@csrf.exempt  # the e-mailed link is the key (signed token), as for an alert's unsubscribe
def leave(entry_id: int):
    try:
        state = leave_waitlist(db.session, entry_id, request.args.get("token"),
                               mail_links(current_app.config), utcnow())
    except NotFound:
        return render_template("waitlist/unknown.html"), 404
    return render_template("waitlist/entry.html", entry=state, joined=False)


def _refused(offer_id: int, error: DomainError, fields: dict):
    """The offer page again, saying why the spectator is not in line."""
    try:
        context = offer_context(offer_id, read_location(request), utcnow())
    except NotFound:
        return render_template("errors/error.html", status=409, code=error.code,
                               message=_("Sales for this offer are closed.")), 409
    if error.code == "seats_available":
        message = _("Seats are on sale again: book them right here.")
    elif error.field == "email":
        message = _("Enter a valid e-mail address.")
    elif error.field == "quantity":
        message = _("Choose between 1 and %(max)d seats.", max=context["offer"].max_per_order)
    else:
        message = error_message(error)
    context.update(waitlist_error=message, waitlist_email=fields.get("email") or "")
    return render_template("storefront/offer.html", **context), \
        409 if isinstance(error, Conflict) else 422
