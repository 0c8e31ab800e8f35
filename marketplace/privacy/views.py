"""The spectator's data pages: ask for a link, see everything, withdraw consent, erase."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from marketplace.contacts.rights import (
    data_about,
    data_token,
    email_from_token,
    erase,
    withdraw_consent,
)
from marketplace.contacts.services import normalise_email
from marketplace.extensions import db, limiter
from marketplace.mail.mailer import queue_email
from marketplace.privacy.forms import ActionForm, AskLinkForm, EraseForm
from marketplace.timeutil import utcnow

bp = Blueprint("privacy", __name__)


@bp.app_template_filter("from_iso")
def from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _order_statuses() -> dict[str, str]:
    return {"pending": _("awaiting payment"), "paid": _("paid"), "cancelled": _("cancelled"),
            "refunded": _("refunded")}


def _data_page(email: str, token: str, erase_form: EraseForm, status: int = 200):
    return render_template("privacy/data.html", data=data_about(db.session, email), token=token,
                           action=ActionForm(), erase_form=erase_form,
                           order_statuses=_order_statuses()), status


@bp.get("/confidentialite")
def policy():
    return render_template("privacy/policy.html")


@bp.route("/mes-donnees", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def ask_link():
    form = AskLinkForm()
    if form.validate_on_submit():
        _send_link(form.email.data)
        # The same answer whether we know the address or not: nobody learns who bought.
        return render_template("privacy/link_sent.html", email=form.email.data)
    return render_template("privacy/ask_link.html", form=form), 422 if form.errors else 200


@bp.get("/mes-donnees/<token>")
def show(token: str):
    email = email_from_token(current_app.config["SECRET_KEY"], token, utcnow())
    return _data_page(email, token, EraseForm())


@bp.post("/mes-donnees/<token>/consentement/<venue_slug>")
def withdraw(token: str, venue_slug: str):
    now = utcnow()
    email = email_from_token(current_app.config["SECRET_KEY"], token, now)
    if ActionForm().validate_on_submit():
        withdraw_consent(db.session, email, venue_slug, now)
        flash(_("Done: this venue will not send you its news any more."))
    return redirect(url_for("privacy.show", token=token), 303)


@bp.post("/mes-donnees/<token>/effacer")
def erase_all(token: str):
    now = utcnow()
    email = email_from_token(current_app.config["SECRET_KEY"], token, now)
    form = EraseForm()
    if not form.validate_on_submit():
        return _data_page(email, token, form, 422)
    erase(db.session, email, now)
    return render_template("privacy/erased.html")


def _send_link(email: str) -> None:
    now = utcnow()
    address = normalise_email(email)
    token = data_token(current_app.config["SECRET_KEY"], address, now)
    link = current_app.config["BASE_URL"] + url_for("privacy.show", token=token)
    queue_email(
        db.session, dedup_key=f"my-data-link:{address}:{int(now.timestamp())}", to=address,
        subject=_("Kiosque: your data"),
        body_text=render_template("privacy/email_link.txt", link=link),
        now=now)
    db.session.commit()
