"""The after-show e-mail's links: one tap records the rating, a form adds a comment."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from marketplace.domain.errors import NotFound, ValidationFailed
from marketplace.domain.feedback.services import feedback_of, feedback_order, record_feedback
from marketplace.domain.mail.links import mail_links
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import csrf, db

bp = Blueprint("feedback", __name__)


@bp.route("/avis/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the key; nothing else than this order's rating changes
def rate(token: str):
    order_id = mail_links(current_app.config).feedback_order(token)
    try:
        order = feedback_order(db.session, order_id)
    except NotFound:
        return render_template("feedback/unknown.html"), 404
    values = request.form if request.method == "POST" else request.args
    rating = values.get("note", type=int)
    feedback, error, status = feedback_of(db.session, order.id), None, 200
    if rating is not None or request.method == "POST":
        try:
            feedback = record_feedback(db.session, order, rating, values.get("comment"),
                                       utcnow())
        except ValidationFailed:
            db.session.rollback()
            error, status = _("Choose a rating from 1 to 5."), 422
    show = order.release.performance.show
    return render_template("feedback/rate.html", order=order, show=show, token=token,
                           feedback=feedback, error=error,
                           saved=request.method == "POST" and error is None), status
