"""The spectator's data pages: ask for a link, see everything, withdraw consent, erase."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from marketplace.blueprints.privacy.forms import ActionForm, AskLinkForm, EraseForm
from marketplace.domain.orders.access import order_links
from marketplace.domain.rights.services import (
    LINK_CAP,
    LinkEmail,
    data_about,
    email_for_link,
    erase,
    send_data_link,
    stop_alert,
    stop_follow,
    stop_push,
    withdraw_consent,
)
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db, limiter
from marketplace.web.rate_limits import per_recipient

bp = Blueprint("privacy", __name__)


@bp.app_template_filter("from_iso")
def from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _order_statuses() -> dict[str, str]:
    return {"pending": _("awaiting payment"), "paid": _("paid"), "cancelled": _("cancelled"),
            "refunded": _("refunded")}


def _alert_statuses() -> dict[str, str]:
    return {"active": _("on"), "unconfirmed": _("waiting for your confirmation"),
            "stopped": _("stopped"), "expired": _("ended")}


def _waitlist_statuses() -> dict[str, str]:
    return {"waiting": _("in line"), "offered": _("seats held for you"),
            "claimed": _("bought"), "expired": _("ended"), "left": _("left")}


def _data_page(email: str, token: str, erase_form: EraseForm, status: int = 200):
    data = data_about(db.session, email, utcnow(), order_links(current_app.config))
    return render_template("privacy/data.html", data=data, token=token,
                           action=ActionForm(), erase_form=erase_form,
                           order_statuses=_order_statuses(),
                           alert_statuses=_alert_statuses(),
                           waitlist_statuses=_waitlist_statuses()), status


@bp.get("/confidentialite")
def policy():
    return render_template("privacy/policy.html")


@bp.route("/mes-donnees", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def ask_link():
    form = AskLinkForm()
    if form.validate_on_submit():
        send_data_link(db.session, form.email.data, utcnow(), compose=_link_email,
                       cap=per_recipient(LINK_CAP))
        # The same answer whether we know the address or not, and whether it had its
        # share of links today: nobody learns who bought, or who asked.
        return render_template("privacy/link_sent.html", email=form.email.data)
    return render_template("privacy/ask_link.html", form=form), 422 if form.errors else 200


@bp.get("/mes-donnees/<token>")
def show(token: str):
    email = email_for_link(db.session, token, utcnow())
    return _data_page(email, token, EraseForm())


@bp.post("/mes-donnees/<token>/consentement/<venue_slug>")
def withdraw(token: str, venue_slug: str):
    return _act(token, lambda email, now: withdraw_consent(db.session, email, venue_slug, now),
                _("Done: this venue will not send you its news any more."))


@bp.post("/mes-donnees/<token>/alertes/<int:watch_id>/arreter")
def stop_watch(token: str, watch_id: int):
    return _act(token, lambda email, now: stop_alert(db.session, email, watch_id, now),
                _("Done: this alert is stopped."))


@bp.post("/mes-donnees/<token>/suivis/<int:follow_id>/arreter")
def stop_following(token: str, follow_id: int):
    return _act(token, lambda email, now: stop_follow(db.session, email, follow_id, now),
                _("Done: you do not follow this venue any more."))


@bp.post("/mes-donnees/<token>/notifications/<int:subscription_id>/retirer")
def stop_notifications(token: str, subscription_id: int):
    return _act(token, lambda email, now: stop_push(db.session, email, subscription_id),
                _("Done: this device will not get notifications any more."))


def _act(token: str, act, done: str):
    """One of the data page's buttons: the link names the person, the form is checked,
    `act(email, now)` does it, and the page says `done`."""
    now = utcnow()
    email = email_for_link(db.session, token, now)
    if ActionForm().validate_on_submit():
        act(email, now)
        flash(done)
    return redirect(url_for("privacy.show", token=token), 303)


@bp.post("/mes-donnees/<token>/effacer")
def erase_all(token: str):
    now = utcnow()
    email = email_for_link(db.session, token, now)
    form = EraseForm()
    if not form.validate_on_submit():
        return _data_page(email, token, form, 422)
    erase(db.session, email, now)
    return render_template("privacy/erased.html")


def _link_email(token: str) -> LinkEmail:
    base = current_app.config["BASE_URL"]
    return LinkEmail(subject=_("Kiosque: your data"), body_text=render_template(
        "privacy/email_link.txt", link=base + url_for("privacy.show", token=token),
        policy_url=base + url_for("privacy.policy")))
