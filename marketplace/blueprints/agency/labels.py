"""Words and numbers of the agency's pages, in the current language."""

from __future__ import annotations

from datetime import date

from babel import Locale
from flask_babel import (
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    get_locale,
    gettext,
)

from marketplace.domain.uptake.dashboard import HeadlineFigure
from marketplace.domain.uptake.territories import DEPARTEMENTS


def grouping_labels() -> dict[str, str]:
    return {"venue": gettext("Venue"), "discipline": gettext("Discipline"),
            "week": gettext("Week"), "postcode_area": gettext("Territory (département)")}


def area_label(code: str) -> str:
    """'13 · Bouches-du-Rhône' (the département's name when known)."""
    name = DEPARTEMENTS.get(code)
    return f"{code} · {name}" if name else code


def week_label(week: str) -> str:
    """'2026-W47' → 'Week 47 (16 Nov.)': the week's number and its Monday."""
    try:
        monday = date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    except ValueError:
        return week
    return gettext("Week %(number)d (%(monday)s)", number=int(week[6:]),
                   monday=format_date(monday, "d MMM"))


def hours_label(start: int, end: int | None) -> str:
    """A bar of the purchase-timing histogram, in hours (or days) before curtain."""
    if end is None:
        return gettext("%(days)d d or more", days=start // 24)
    if start == 0:
        return gettext("under %(hours)d h", hours=end)
    if start >= 24 and start % 24 == 0 and end % 24 == 0:
        return gettext("%(start)d–%(end)d d", start=start // 24, end=end // 24)
    return gettext("%(start)d–%(end)d h", start=start, end=end)


def percent(share: float | None) -> str:
    """A share (0.42) as '42 %' in French, '42%' in English; '–' when hidden or unknown."""
    return "–" if share is None else format_percent(share)


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return format_decimal(value, "#,##0" + ("." + "0" * digits if digits else ""))


def km(value: float | None) -> str:
    return "–" if value is None else gettext("%(km)s km", km=format_decimal(value, "#,##0.0"))


def day(value: date) -> str:
    """'20 Nov 2026' in the page's language."""
    return format_date(value, "d MMM yyyy")


def whole_euros(cents: int | None) -> str:
    """Money rounded to the euro ('153 681 €', '€153,681'): dashboards read better so."""
    if cents is None:
        return "–"
    locale = get_locale() or Locale.parse("fr")
    pattern = locale.currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
    return format_currency(round(cents / 100), "EUR", format=pattern, currency_digits=False)


def change(figure: HeadlineFigure) -> str:
    """The change of a headline figure, signed, in its unit ("+12 %", "−3.5 pts", "+2.1 km")."""
    amount = figure.change
    if amount is None:
        return ""
    sign = "+" if amount > 0 else ("−" if amount < 0 else "±")
    if figure.unit in ("count", "cents"):
        return sign + format_percent(abs(amount))
    text = format_decimal(abs(amount), "#,##0.0")
    if figure.unit == "km":
        return sign + gettext("%(km)s km", km=text)
    return sign + gettext("%(points)s pts", points=text)
