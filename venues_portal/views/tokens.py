"""API tokens of the venue's systems: named, shown once, revoked."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.domain.accounts.services import create_venue_token, revoke_token, venue_tokens
from marketplace.domain.errors import ValidationFailed
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db
from venues_portal.access import venue_page
from venues_portal.blueprint import bp
from venues_portal.forms import ActionForm, show_error
from venues_portal.forms.accounts import TokenForm


def _tokens_page(venue, form: TokenForm, new_token: str | None = None, status: int = 200):
    response = render_template("portal/tokens.html", venue=venue, form=form,
                               tokens=venue_tokens(db.session, venue), new_token=new_token,
                               action=ActionForm())
    # A page showing a secret is never kept by a cache or the browser's history.
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/venues/<venue_slug>/tokens")
@venue_page("manage")
def tokens(venue):
    return _tokens_page(venue, TokenForm())


@bp.post("/venues/<venue_slug>/tokens")
@venue_page("manage")
def create_token(venue):
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token = create_venue_token(db.session, venue, actor=current_user,
                                       label=form.label.data, now=utcnow())
        except ValidationFailed as error:
            show_error(form, error)
        else:
            return _tokens_page(venue, TokenForm(formdata=None), new_token=token, status=201)
    return _tokens_page(venue, form, status=422)


@bp.post("/venues/<venue_slug>/tokens/<int:token_id>/revoke")
@venue_page("manage")
def revoke_api_token(venue, token_id: int):
    if ActionForm().validate_on_submit():
        api_token = revoke_token(db.session, venue, actor=current_user, token_id=token_id,
                                 now=utcnow())
        flash(_("The token “%(label)s” no longer works.", label=api_token.label), "success")
    return redirect(url_for(".tokens", venue_slug=venue.slug))
