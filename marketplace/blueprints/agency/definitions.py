"""The one written definition of each figure the agency sees, in the page's language.

Shown in a « ? » beside each headline figure and each column of the uptake table, and
copied in the README (« Agency figures »). marketplace.domain.uptake computes them;
tests/test_uptake_recount_independent.py recounts them from these words alone.
"""

from __future__ import annotations

from flask_babel import gettext, ngettext

from marketplace.domain.uptake.queries import MIN_BUYERS, YOUNG_AGE


def figure_definitions() -> dict[str, str]:
    """Figure name (as in the API) → its definition."""
    hidden = ngettext("Hidden in a row with fewer than %(num)d buyer.",
                      "Hidden in a row with fewer than %(num)d buyers.", MIN_BUYERS)
    return {
        "released": gettext(
            "Seats the venues put on sale on Kiosque for the performances played in the "
            "period (their date in Paris), whenever their sales opened."),
        "sold": gettext(
            "Seats of those same performances in paid orders, whenever they were paid. "
            "Refunded and cancelled orders are not sales."),
        "sell_through": gettext(
            "Seats sold ÷ seats released, for the same performances: never above 100 %. "
            "The region's figure is all seats sold ÷ all seats released."),
        "revenue_cents": gettext("What buyers paid for the seats sold."),
        "face_value_cents": gettext("The seats sold at their full price."),
        "saved_cents": gettext("Face value − revenue: what buyers did not pay."),
        "avg_discount_percent": gettext(
            "1 − revenue ÷ face value of the seats sold: the discount weighted by what "
            "each seat was worth."),
        "orders": gettext(
            "Paid orders for the period's performances (one order: one purchase of one or "
            "more seats)."),
        "buyers": gettext(
            "Different people among those orders (one e-mail address, case aside; an erased "
            "buyer counts once per order). Someone who went to two venues counts once in "
            "the region and once in each venue's row."),
        "new_to_venue_share": gettext(
            "Of the paid orders for the period's performances, the share that were the "
            "buyer's first purchase ever at that venue. Counted over orders, so the region's "
            "figure is the rows' weighted by their orders: never outside their range.")
        + " " + hidden,
        "under_30_share": gettext(
            "Of the paid orders whose buyer gave a birth year, the share by someone under "
            "%(age)d (born after the period's last year minus %(age)d). Counted over orders, "
            "so the region's figure is never outside the rows' range.", age=YOUNG_AGE)
        + " " + hidden,
        "median_buyer_distance_km": gettext(
            "The median, over the paid orders whose buyer's postcode can be placed, of the "
            "straight-line distance from that postcode to the venue.") + " " + hidden,
    }
