"""The venue's profile: what spectators read about the place, and where it is."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.domain.errors import ValidationFailed
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from marketplace.outbound import policy_from_config
from marketplace.web.geocoder import staff_geocoder
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.forms import show_error
from venues_portal.forms.venue import ProfileForm
from venues_portal.operations.profile import (
    LOCATED,
    MOVED_BY_HAND,
    NOT_FOUND,
    update_venue_profile,
)


@bp.route("/venues/<venue_slug>/profile", methods=["GET", "POST"])
@venue_page("manage")
def profile(venue):
    form = ProfileForm(obj=venue)
    if form.validate_on_submit():
        fields = {name: field.data for name, field in form._fields.items()}
        try:
            saved = update_venue_profile(db.session, venue, actor=current_user, fields=fields,
                                         geocoder=staff_geocoder(), now=utcnow(),
                                         webhook_policy=policy_from_config(current_app.config))
        except ValidationFailed as error:
            show_error(form, error)
        else:
            flash(*{
                LOCATED: (_("Saved. The new address was located on the map: check the pin."),
                          "success"),
                NOT_FOUND: (_("Saved, but the new address could not be located: the pin has "
                              "not moved. Place it by hand."), "warning"),
                MOVED_BY_HAND: (_("Saved, with the position you set by hand."), "success"),
            }.get(saved.position, (_("Saved."), "success")))
            return redirect(url_for(".profile", venue_slug=venue.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("portal/profile.html", venue=venue, form=form), status
