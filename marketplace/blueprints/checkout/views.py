"""The buying path in HTML, usable without JavaScript: checkout, demo payment, tickets.

URLs: /checkout/<hold_id> (the storefront's offer page sends buyers here after a hold),
/pay/demo/<order_id> (PAYMENT_PROVIDER=demo only), /orders/<order_id> (the buyer's
order and tickets), /orders/<order_id>/calendar.ics, /tickets/<code>.svg|png.

The browser remembers the buyer's recent orders in its (signed) session cookie, so that
the back button and a reload find them again without the link.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from sqlalchemy import select

from marketplace.blueprints.checkout.forms import CheckoutForm, ConfirmForm
from marketplace.blueprints.checkout.messages import (
    field_message,
    hold_gone_message,
    unavailable_message,
)
from marketplace.domain.errors import Conflict, DomainError, NotFound, Unavailable
from marketplace.domain.inventory.models import Hold
from marketplace.domain.mail.rendering import consent_text
from marketplace.domain.orders.access import buyer_order, order_links
from marketplace.domain.orders.checkout import MAX_SEATS_PER_BUYER, check_out, checkout_hold
from marketplace.domain.orders.payments import FAILED, SUCCEEDED, DemoGateway, gateway_for
from marketplace.domain.orders.tickets import (
    order_calendar,
    paid_ticket,
    qr_png,
    qr_svg,
    qr_svg_inline,
)
from marketplace.domain.purchases.confirmation import abandon_order, handle_payment_notice
from marketplace.domain.purchases.refunds import refund_reason
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import db, htmx
from marketplace.web.errors import STATUS_BY_KIND
from marketplace.web.rate_limits import checkout_limit

bp = Blueprint("checkout", __name__)

REMEMBERED_ORDERS = 5
_SERVICE_WORKER = Path(__file__).with_name("tickets_sw.js")


# Checkout -------------------------------------------------------------------------------


@bp.get("/checkout/<hold_id>")
def checkout_page(hold_id: str):
    """The buyer's details and the summary of what they are about to pay."""
    remembered = session.get("checkouts", {}).get(hold_id)
    if remembered:
        return redirect(_order_url(remembered))
    now = utcnow()
    try:
        hold = checkout_hold(db.session, hold_id, now)
    except (NotFound, Conflict) as error:
        return _hold_gone(error, hold_id)
    return _checkout_form(hold, CheckoutForm(), now)


@bp.post("/checkout/<hold_id>")
@checkout_limit
def submit_checkout(hold_id: str):
    """Create the pending order and send the buyer to pay."""
    form = CheckoutForm()
    if not form.validate_on_submit():
        abort(400)
    now, config = utcnow(), current_app.config
    gateway, links = gateway_for(config), order_links(config)
    try:
        result = check_out(db.session, hold_id, form.buyer_fields(), now, gateway, links,
                           locale=str(get_locale()),
                           max_seats_per_buyer=config.get("MAX_SEATS_PER_BUYER",
                                                          MAX_SEATS_PER_BUYER))
    except (NotFound, Conflict) as error:
        return _hold_gone(error, hold_id)
    except DomainError as error:  # the buyer's details, the per-buyer cap, the provider
        try:
            hold = checkout_hold(db.session, hold_id, now)
        except (NotFound, Conflict) as gone:
            return _hold_gone(gone, hold_id)
        return _checkout_form(hold, form, now, error)
    _remember(result.order.id, links.key(result.order.id), hold_id)
    if gateway.provider == "demo":  # our own page: a local address, whatever BASE_URL says
        return redirect(url_for("checkout.demo_payment", order_id=result.order.id,
                                token=links.key(result.order.id)), code=303)
    return redirect(result.redirect_url, code=303)


def _checkout_form(hold, form: CheckoutForm, now, error: DomainError | None = None):
    """The form page; after a refusal, with its message next to the field at fault."""
    errors, status, headers = {}, 200, {}
    if isinstance(error, Unavailable):
        errors["_form"] = unavailable_message()
    elif error is not None:
        field = error.field if error.field in form else "email"
        errors[field] = field_message(error, form[field].data)
    if error is not None:
        status = STATUS_BY_KIND.get(error.kind, 422)
        if getattr(error, "retry_after", None):
            headers["Retry-After"] = str(error.retry_after)
    body = render_template(
        "checkout/checkout.html", hold=hold, form=form, errors=errors, now=now,
        seconds_left=max(0, int((hold.expires_at - now).total_seconds())),
        consent_label=consent_text(hold.venue_name, str(get_locale())),
    )
    return body, status, headers


def _hold_gone(error: DomainError, hold_id: str):
    """Why this hold cannot be bought, with a way back to its offer when there is one."""
    title, explanation = hold_gone_message(error.code)
    offer_url = None
    if not isinstance(error, NotFound) and "storefront.show_offer" in current_app.view_functions:
        offer_id = db.session.scalar(select(Hold.release_id).where(Hold.id == hold_id))
        offer_url = url_for("storefront.show_offer", offer_id=offer_id)
    status = 404 if isinstance(error, NotFound) else 409
    return render_template("checkout/hold_gone.html", title=title, explanation=explanation,
                           offer_url=offer_url), status


# Demo payment ---------------------------------------------------------------------------


@bp.get("/pay/demo/<order_id>")
def demo_payment(order_id: str):
    """A pretend card form: pay or refuse, nothing is charged."""
    order, token = _demo_order(order_id, request.args.get("token"))
    if order.status != "pending":
        return redirect(_order_url(order.id))
    return render_template("checkout/pay_demo.html", order=order, token=token,
                           performance=order.release.performance, form=ConfirmForm())


@bp.post("/pay/demo/<order_id>")
def submit_demo_payment(order_id: str):
    """The demo card answers: the confirmation path is the one a Stripe webhook takes."""
    order, _token = _demo_order(order_id, request.form.get("token"))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcome = SUCCEEDED if request.form.get("action") == "pay" else FAILED
    config = current_app.config
    handle_payment_notice(db.session, DemoGateway.notice(order.id, outcome), utcnow(),
                          gateway_for(config), order_links(config))
    return redirect(_order_url(order_id), code=303)


def _demo_order(order_id: str, token: str | None):
    if current_app.config["PAYMENT_PROVIDER"] != "demo":
        abort(404)
    links = order_links(current_app.config)
    order = buyer_order(db.session, links, order_id, token)
    _remember(order.id, links.key(order.id))
    return order, links.key(order.id)


# The buyer's order and tickets ----------------------------------------------------------


@bp.get("/orders/<order_id>")
def order_page(order_id: str):
    """The order: its tickets once paid, or where its payment stands."""
    order, token = _buyer_order(order_id)
    if htmx and not htmx.boosted:
        # The pending page polls: nothing to redraw until the payment settles, then the
        # whole page loads afresh (with its scripts for the tickets).
        headers = {"HX-Refresh": "true"} if order.status != "pending" else {}
        return Response(status=204, headers=headers)
    gateway = gateway_for(current_app.config)
    tickets = [(ticket, qr_svg_inline(ticket.code)) for ticket in order.tickets] \
        if order.status == "paid" else []
    performance = order.release.performance
    body = render_template(
        "checkout/order.html", order=order, token=token,
        performance=performance, show=performance.show, venue=performance.venue,
        tickets=tickets, refund_reason=refund_reason(order), form=ConfirmForm(),
        pay_url=_pay_url(order, token, gateway) if order.status == "pending" else None,
    )
    # The token is in the address: the app-wide Referrer-Policy (same-origin, see
    # marketplace.web.security) never hands it to another site.
    response = Response(body)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/orders/<order_id>/abandon")
def abandon(order_id: str):
    """The buyer gives up paying: the seats go back on sale at once."""
    order, _token = _buyer_order(order_id, request.form.get("token"))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    abandon_order(db.session, order, utcnow())
    return redirect(_order_url(order.id), code=303)


@bp.get("/orders/<order_id>/calendar.ics")
def order_calendar_file(order_id: str):
    """The performance as a calendar entry (.ics)."""
    order, _token = _buyer_order(order_id)
    links = order_links(current_app.config)
    response = Response(order_calendar(order, links.order_url(order.id), utcnow()),
                        mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="kiosque.ics"'
    return response


@bp.get("/orders/sw.js")
def tickets_service_worker():
    """Keeps the ticket pages readable offline once loaded (scope: /orders/)."""
    response = send_file(_SERVICE_WORKER, mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/tickets/<code>.svg")
def ticket_qr_svg(code: str):
    return _qr_response(qr_svg(paid_ticket(db.session, code).code), "image/svg+xml")


@bp.get("/tickets/<code>.png")
def ticket_qr_png(code: str):
    return _qr_response(qr_png(paid_ticket(db.session, code).code), "image/png")


def _qr_response(data: bytes, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# Helpers --------------------------------------------------------------------------------


def _buyer_order(order_id: str, token: str | None = None):
    """The order opened by the given token, the one in the address, or the remembered one."""
    links = order_links(current_app.config)
    token = token or request.args.get("token") or session.get("orders", {}).get(order_id)
    order = buyer_order(db.session, links, order_id, token)
    key = links.key(order.id)
    _remember(order.id, key)
    return order, key


def _remember(order_id: str, key: str, hold_id: str | None = None) -> None:
    orders = dict(session.get("orders", {}))
    if orders.get(order_id) != key:
        orders[order_id] = key
        session["orders"] = dict(list(orders.items())[-REMEMBERED_ORDERS:])
    if hold_id:
        checkouts = dict(session.get("checkouts", {}))
        checkouts[hold_id] = order_id
        session["checkouts"] = dict(list(checkouts.items())[-REMEMBERED_ORDERS:])


def _order_url(order_id: str) -> str:
    return url_for("checkout.order_page", order_id=order_id,
                   token=order_links(current_app.config).key(order_id))


def _pay_url(order, token: str, gateway) -> str | None:
    if gateway.provider == "demo" and order.payment_provider == "demo":
        return url_for("checkout.demo_payment", order_id=order.id, token=token)
    if gateway.provider == order.payment_provider:
        return gateway.payment_url(order, token)
    return None
