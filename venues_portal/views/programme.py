"""Shows and performances: the programme, several dates at once, edits, cancellation."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from marketplace.domain.errors import DomainError
from marketplace.domain.feedback.queries import performance_feedback
from marketplace.domain.inventory.services import count_seats
from marketplace.domain.orders.sales import performance_orders
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.cancellations import cancel_performance, payment_gateway, refund_order
from venues_portal.forms import ActionForm, show_error
from venues_portal.forms.programme import NEW_SHOW, PerformancesForm, RescheduleForm, ShowForm
from venues_portal.operations.programme import (
    programme,
    reschedule_performance,
    schedule_performances,
    update_show,
    venue_performance,
    venue_show,
    venue_shows,
)

PAST_DAYS = 30


@bp.get("/venues/<venue_slug>/performances")
@venue_page("manage")
def performances(venue):
    """Upcoming performances with their releases; the last month's below, to copy from."""
    now = utcnow()
    listing = programme(db.session, venue, start=now - timedelta(days=PAST_DAYS))
    return render_template(
        "portal/performances.html", venue=venue, now=now,
        upcoming=[p for p in listing if p.starts_at > now],
        past=[p for p in reversed(listing) if p.starts_at <= now],
        shows=venue_shows(db.session, venue))


@bp.route("/venues/<venue_slug>/performances/new", methods=["GET", "POST"])
@venue_page("manage")
def new_performances(venue):
    """A show (new or one of the venue's) on one or several dates."""
    shows = venue_shows(db.session, venue)
    form = PerformancesForm(show_id=request.args.get("show", NEW_SHOW))
    form.show_id.choices = [(NEW_SHOW, _("A new show"))] + [(str(s.id), s.title) for s in shows]
    if request.method == "POST" and "add_date" in request.form:
        form.dates.append_entry()  # no JavaScript needed for one more date
        return render_template("portal/performance_new.html", venue=venue, form=form)
    if form.validate_on_submit():
        try:
            scheduled = schedule_performances(
                db.session, venue, actor=current_user, show_id=form.chosen_show_id(),
                show_fields=form.show_fields(), dates=[e.data for e in form.dates.entries],
                now=utcnow())
        except DomainError as error:
            show_error(form, error, {"show.title": "title", "show.discipline": "discipline",
                                     "show.duration_minutes": "duration_minutes",
                                     "show.image_url": "image_url"})
        else:
            flash(ngettext("%(num)d performance scheduled.", "%(num)d performances scheduled.",
                           len(scheduled)), "success")
            if len(scheduled) == 1:
                return redirect(url_for(".performance", venue_slug=venue.slug,
                                        performance_id=scheduled[0].id))
            return redirect(url_for(".performances", venue_slug=venue.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("portal/performance_new.html", venue=venue, form=form), status


@bp.get("/venues/<venue_slug>/performances/<int:performance_id>")
@venue_page("manage")
def performance(venue, performance_id: int):
    """One performance: its releases (seats sold, held, left), its orders, its actions."""
    perf = venue_performance(db.session, venue, performance_id)
    now = utcnow()
    counts = {r.id: count_seats(db.session, r.id, now) for r in perf.releases}
    return render_template(
        "portal/performance.html", venue=venue, performance=perf, counts=counts, now=now,
        left={r_id: c.left for r_id, c in counts.items()},
        feedback=performance_feedback(db.session, venue, perf.id),
        orders=performance_orders(db.session, venue, perf.id),
        reschedule_form=RescheduleForm(starts_at=perf.starts_at), action=ActionForm())


@bp.post("/venues/<venue_slug>/performances/<int:performance_id>/reschedule")
@venue_page("manage")
def reschedule(venue, performance_id: int):
    perf = venue_performance(db.session, venue, performance_id)
    form = RescheduleForm()
    if form.validate_on_submit():
        try:
            reschedule_performance(db.session, venue, actor=current_user,
                                   performance_id=perf.id, starts_at=form.starts_at.data,
                                   now=utcnow())
        except DomainError as error:
            if error.kind == "not_found":
                raise
            show_error(form, error)
        else:
            flash(_("New date saved."), "success")
            return redirect(url_for(".performance", venue_slug=venue.slug,
                                    performance_id=perf.id))
    now = utcnow()
    counts = {r.id: count_seats(db.session, r.id, now) for r in perf.releases}
    return render_template(
        "portal/performance.html", venue=venue, performance=perf, now=now, counts=counts,
        left={r_id: c.left for r_id, c in counts.items()},
        feedback=performance_feedback(db.session, venue, perf.id),
        orders=performance_orders(db.session, venue, perf.id), reschedule_form=form,
        action=ActionForm()), 422


@bp.route("/venues/<venue_slug>/shows/<int:show_id>", methods=["GET", "POST"])
@venue_page("manage")
def edit_show(venue, show_id: int):
    show = venue_show(db.session, venue, show_id)
    form = ShowForm(obj=show)
    if form.validate_on_submit():
        try:
            update_show(db.session, venue, actor=current_user, show_id=show.id,
                        fields=form.show_fields(), now=utcnow())
        except DomainError as error:
            show_error(form, error, {f"show.{name}": name for name in form._fields})
        else:
            flash(_("Show saved."), "success")
            return redirect(url_for(".performances", venue_slug=venue.slug))
    return render_template("portal/show_edit.html", venue=venue, show=show, form=form)


@bp.post("/venues/<venue_slug>/performances/<int:performance_id>/cancel")
@venue_page("manage")
def cancel(venue, performance_id: int):
    """Cancel a performance: sales stop, every buyer is refunded and told."""
    perf = venue_performance(db.session, venue, performance_id)
    if ActionForm().validate_on_submit():
        refunded = cancel_performance(db.session, venue, perf.id, utcnow(), payment_gateway())
        flash(ngettext("Performance cancelled; %(num)d order refunded.",
                       "Performance cancelled; %(num)d orders refunded.", refunded), "success")
    return redirect(url_for(".performance", venue_slug=venue.slug, performance_id=perf.id))


@bp.post("/venues/<venue_slug>/orders/<order_id>/refund")
@venue_page("manage")
def refund(venue, order_id: str):
    """Refund one order in full, through the gateway that took the payment."""
    if not ActionForm().validate_on_submit():
        abort(400)
    order = refund_order(db.session, venue, order_id, utcnow(), payment_gateway())
    flash(_("Order refunded."), "success")
    return redirect(url_for(".performance", venue_slug=venue.slug,
                            performance_id=order.release.performance_id))
