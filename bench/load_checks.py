"""What the database must say after a load run: nothing oversold, and every record agrees.

Each check is one SQL count of rows that break a rule, over the whole database (the seeded
region's past sales as well as the run's), so 0 is the only passing figure. Checks on the
run's own purchases compare the database with what the clients were told.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

# (label, SQL counting the rows that break the rule)
GLOBAL_CHECKS = (
    ("releases oversold (sold + held > quantity)",
     "SELECT count(*) FROM releases WHERE sold + held > quantity"),
    ("releases whose held seats differ from their active holds",
     "SELECT count(*) FROM releases r WHERE held <> (SELECT coalesce(sum(quantity), 0) "
     "FROM holds h WHERE h.release_id = r.id AND h.status = 'active')"),
    ("releases whose sold seats differ from their paid orders",
     "SELECT count(*) FROM releases r WHERE sold <> (SELECT coalesce(sum(quantity), 0) "
     "FROM orders o WHERE o.release_id = r.id AND o.status = 'paid')"),
    ("paid orders whose tickets differ from their quantity",
     "SELECT count(*) FROM orders o WHERE status = 'paid' AND quantity <> "
     "(SELECT count(*) FROM tickets t WHERE t.order_id = o.id)"),
    ("paid orders whose buyer is not a contact of the selling venue",
     "SELECT count(*) FROM orders o WHERE status = 'paid' AND anonymised_at IS NULL AND "
     "NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = o.contact_id "
     "AND c.venue_id = o.venue_id AND c.email = lower(o.buyer_email))"),
    ("contacts whose purchase count differs from their paid orders",
     "SELECT count(*) FROM contacts c WHERE purchases <> (SELECT count(*) FROM orders o "
     "WHERE o.contact_id = c.id AND o.status = 'paid')"),
)

RUN_CHECKS = (
    ("orders of the run left unpaid",
     "SELECT count(*) FROM orders WHERE created_at >= %(since)s AND status <> 'paid'"),
    ("paid orders of the run without exactly one charge for their total",
     "SELECT count(*) FROM orders o WHERE created_at >= %(since)s AND status = 'paid' AND "
     "(SELECT coalesce(sum(amount_cents), 0) || '/' || count(*) FROM payments p "
     "WHERE p.order_id = o.id AND kind = 'charge') <> o.total_cents || '/1'"),
    ("paid orders of the run without exactly one confirmation e-mail",
     "SELECT count(*) FROM orders o WHERE created_at >= %(since)s AND status = 'paid' AND "
     "(SELECT count(*) FROM outbound_emails e "
     "WHERE e.dedup_key = 'order:' || o.id || ':confirmation') <> 1"),
    ("holds of the run converted without a paid order",
     "SELECT count(*) FROM holds h WHERE created_at >= %(since)s AND status = 'converted' "
     "AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.hold_id = h.id AND o.status = 'paid')"),
)


def oversold_seats(url: str) -> int:
    """Seats sold or held beyond the quantity released, summed over every release."""
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT coalesce(sum(sold + held - quantity), 0) FROM releases "
                            "WHERE sold + held > quantity").fetchone()[0]


def check_database(url: str, since: datetime, confirmed: set[str], checked_in: set[str]
                   ) -> list[tuple[str, int]]:
    """(rule, rows breaking it) for every rule; a passing run has only zeros."""
    results = []
    with psycopg.connect(url) as conn:
        for label, sql in GLOBAL_CHECKS:
            results.append((label, conn.execute(sql).fetchone()[0]))
        for label, sql in RUN_CHECKS:
            results.append((label, conn.execute(sql, {"since": since}).fetchone()[0]))
        paid = {row[0] for row in conn.execute(
            "SELECT id FROM orders WHERE created_at >= %s AND status = 'paid'", (since,))}
        results.append(("purchases confirmed to buyers but not paid in the database",
                        len(confirmed - paid)))
        results.append(("paid orders of the run no buyer was told about", len(paid - confirmed)))
        admitted = {row[0] for row in conn.execute(
            "SELECT code FROM tickets WHERE checked_in_at >= %s", (since,))}
        results.append(("tickets admitted at the door but not checked in in the database",
                        len(checked_in - admitted)))
    return results


def run_totals(url: str, since: datetime) -> dict[str, int]:
    """What the run sold, as the database counts it."""
    with psycopg.connect(url) as conn:
        orders, seats = conn.execute(
            "SELECT count(*), coalesce(sum(quantity), 0) FROM orders "
            "WHERE created_at >= %s AND status = 'paid'", (since,)).fetchone()
        tickets = conn.execute(
            "SELECT count(*) FROM tickets t JOIN orders o ON o.id = t.order_id "
            "WHERE o.created_at >= %s", (since,)).fetchone()[0]
        admitted = conn.execute("SELECT count(*) FROM tickets WHERE checked_in_at >= %s",
                                (since,)).fetchone()[0]
    return {"paid orders": orders, "seats": seats, "tickets": tickets, "admitted": admitted}
