"""The one-click stop of staff digests (List-Unsubscribe, RFC 8058), and the way back.

The signed link in every digest is the key: a mail client's one-click POST carries no
form token, and the link opens nothing but this choice.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from marketplace.domain.accounts.models import User
from marketplace.domain.accounts.services import set_digests
from marketplace.domain.errors import NotFound
from marketplace.domain.mail.links import mail_links
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import csrf, db

bp = Blueprint("digests", __name__)


@bp.route("/resumes/<token>/arreter", methods=["GET", "POST"])
@csrf.exempt  # a mail client's one-click POST carries no form token: the link is the key
def stop(token: str):
    user_id = mail_links(current_app.config).digests_user(token)
    if request.method == "GET":
        if user_id is None or db.session.get(User, user_id) is None:
            return render_template("digests/unknown.html"), 404
        return render_template("digests/stop.html", token=token)
    return _set(token, user_id, stopped=True)


@bp.post("/resumes/<token>/reprendre")
@csrf.exempt  # the same key as the stop link
def resume(token: str):
    return _set(token, mail_links(current_app.config).digests_user(token), stopped=False)


def _set(token: str, user_id: int | None, *, stopped: bool):
    try:
        user = set_digests(db.session, user_id, stopped=stopped, now=utcnow())
    except NotFound:
        return render_template("digests/unknown.html"), 404
    return render_template("digests/stopped.html" if stopped else "digests/resumed.html",
                           token=token, email=user.email)

