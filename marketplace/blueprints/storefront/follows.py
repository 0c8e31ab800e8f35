"""« Suivre ce lieu »: an e-mail from an offer's page, a confirmation link, one-click stop."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.blueprints.storefront.push import push_offer
from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.follows.services import (
    CONFIRMATION_CAP,
    confirm_follow,
    follow_to_stop,
    follow_venue,
    unfollow,
)
from marketplace.domain.mail.links import mail_links
from marketplace.domain.timeutil import utcnow
from marketplace.domain.validation import INVALID_CHARACTERS
from marketplace.extensions import csrf, db, limiter
from marketplace.web.rate_limits import per_recipient

bp = Blueprint("follows", __name__)


@bp.post("/lieux/<venue_slug>/suivre")
@limiter.limit("10 per hour")
def create(venue_slug: str):
    """Record the follow, send the confirmation e-mail, then « check your mailbox » (303)."""
    try:
        created = follow_venue(db.session, venue_slug, request.form.get("email"),
                               str(get_locale()), mail_links(current_app.config), utcnow(),
                               cap=per_recipient(CONFIRMATION_CAP))
    except NotFound:
        db.session.rollback()
        return render_template("follows/ended.html"), 404
    except ValidationFailed as error:
        db.session.rollback()
        message = _("Enter a valid e-mail address.")
        if error.code == INVALID_CHARACTERS:
            message = _("Line breaks and other control characters are not allowed here.")
        return render_template("follows/new.html", error=message, slug=venue_slug,
                               form=request.form), 422
    # Capped, already following or new: the same answer (nobody learns about an address).
    return redirect(url_for("follows.check_inbox", email=created.email), 303)


@bp.get("/suivis/envoye")
def check_inbox():
    return render_template("follows/check_inbox.html", email=request.args.get("email", ""))


@bp.get("/suivis/<token>/confirmer")
def confirm(token: str):
    try:
        follow, venue = confirm_follow(db.session, token, utcnow())
    except NotFound:
        return render_template("follows/ended.html"), 404
    return render_template("follows/confirmed.html", follow=follow, venue=venue,
                           push=push_offer(follow.email, "follow"),
                           unsubscribe_url=mail_links(current_app.config)
                           .unfollow_url(follow.id))


@bp.route("/suivis/<token>/arreter", methods=["GET", "POST"])
@csrf.exempt  # a mail client's one-click POST (RFC 8058) carries no form token: the link is the key
def stop(token: str):
    follow_id = mail_links(current_app.config).unfollowed(token)
    try:
        follow, venue = follow_to_stop(db.session, follow_id)
    except NotFound:
        return render_template("follows/ended.html"), 404
    if request.method == "POST":
        unfollow(db.session, follow, utcnow())
        return render_template("follows/stopped.html", venue=venue)
    if follow.unfollowed_at is not None:
        return render_template("follows/stopped.html", venue=venue)
    return render_template("follows/stop.html", venue=venue)
