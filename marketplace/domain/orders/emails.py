"""The e-mails of an order: recorded in the caller's transaction, sent after its commit.

Each e-mail has a fixed key per order (marketplace.domain.mail.mailer.queue_email), so a
confirmation processed twice still writes one e-mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.domain.mail.mailer import queue_email
from marketplace.domain.mail.rendering import gettext_for, paris_datetime, render_email
from marketplace.domain.orders.access import OrderLinks
from marketplace.domain.orders.models import Order
from marketplace.domain.orders.short_codes import format_short_code

# Why an order was refunded; the e-mail and the order page explain each in words.
PERFORMANCE_CANCELLED = "performance_cancelled"
REFUNDED_BY_VENUE = "refunded_by_venue"
SEATS_GONE = "seats_gone"  # the payment came after the hold, and the seats had gone
AMOUNT_MISMATCH = "amount_mismatch"


def venue_reply_to(order: Order) -> str | None:
    """Who answers the buyer's reply: the selling venue's public address, when it has one."""
    return order.release.performance.venue.email or None


def _context(order: Order) -> dict:
    performance = order.release.performance
    return {"order": order, "performance": performance, "show": performance.show,
            "venue": performance.venue, "release": order.release}


def queue_confirmation(session: Session, order: Order, links: OrderLinks, now: datetime) -> bool:
    """The buyer's tickets and the practical information, once per order."""
    context = _context(order)
    gettext = gettext_for(order.locale)
    subject = gettext("Your tickets: %(title)s, %(when)s") % {
        "title": context["show"].title,
        "when": paris_datetime(context["performance"].starts_at, order.locale, "d MMM, HH:mm"),
    }
    text, html = render_email(
        "order_confirmed", order.locale, **context, tickets=order.tickets,
        order_url=links.order_url(order.id), calendar_url=links.calendar_url(order.id),
        privacy_url=f"{links.base_url}/mes-donnees",
        qr_urls={t.code: links.qr_url(t.code, "png") for t in order.tickets},
        short_codes={t.code: format_short_code(t.short_code) for t in order.tickets},
        site_url=links.base_url,
    )
    return queue_email(session, dedup_key=f"order:{order.id}:confirmation", to=order.buyer_email,
                       subject=subject, body_text=text, body_html=html,
                       reply_to=venue_reply_to(order), now=now)


def queue_refund_notice(session: Session, order: Order, reason: str, now: datetime,
                        site_url: str | None = None) -> bool:
    """Tell the buyer their money is on its way back, and why; once per order."""
    context = _context(order)
    gettext = gettext_for(order.locale)
    if reason == PERFORMANCE_CANCELLED:
        subject = gettext("Cancelled: %(title)s. You are refunded")
    else:
        subject = gettext("Refund of your order for %(title)s")
    subject %= {"title": context["show"].title}
    text, html = render_email("order_refunded", order.locale, **context, reason=reason,
                              site_url=site_url)
    return queue_email(session, dedup_key=f"order:{order.id}:refund", to=order.buyer_email,
                       subject=subject, body_text=text, body_html=html,
                       reply_to=venue_reply_to(order), now=now)
