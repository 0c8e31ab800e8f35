"""Words the storefront puts on offers: translated labels and times told the way people say them."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext
from markupsafe import Markup

from marketplace.domain.offers.queries import NIGHT_ENDS_AT
from marketplace.domain.timeutil import to_paris
from marketplace.domain.vocabulary.places import elide_de

# Times are told on a 24-hour clock in every language (« 20:30 », "20:30", never "8:30 PM"):
# the theatre's own posters and tickets say 20:30, and the two languages must agree.
CLOCK = "HH:mm"


def clock_time(at: datetime) -> str:
    """An instant on the Paris 24-hour clock: "20:30"."""
    return format_datetime(to_paris(at), CLOCK)


def near_words(place: str) -> Markup:
    """« Près d'<strong>Avignon</strong> »: the place in bold, French « de » elided by rule."""
    phrase = gettext("Near %(place)s", place=Markup("<strong>%s</strong>") % place)
    return Markup(elide_de(phrase) if str(get_locale()) == "fr" else phrase)


def when_labels() -> dict[str, str]:
    """The curtain windows a spectator can pick, in the current language."""
    return {
        "tonight": gettext("Tonight"),
        "tomorrow": gettext("Tomorrow"),
        "weekend": gettext("Weekend"),
        "all": gettext("All"),
    }


# Scarcity is worth telling from this many seats left down.
FEW_SEATS = 5
# Shows starting from this hour today are "tonight" rather than "today".
EVENING_STARTS_AT_HOUR = 17


def curtain_words(starts_at: datetime, now: datetime) -> str:
    """When a show starts, as people say it: "ce soir 20:30", "demain 19:00", "sam. 22 nov. 20:30".

    Today from 17:00 is "tonight"; after midnight but before 06:00, seen the evening
    before, it is "late tonight" rather than "tomorrow".
    """
    local, local_now = to_paris(starts_at), to_paris(now)
    clock = clock_time(local)
    days_ahead = (local.date() - local_now.date()).days
    if days_ahead == 0:
        if local.hour >= EVENING_STARTS_AT_HOUR:
            return gettext("tonight %(time)s", time=clock)
        return gettext("today %(time)s", time=clock)
    if days_ahead == 1:
        if local.time() < NIGHT_ENDS_AT and local_now.hour >= EVENING_STARTS_AT_HOUR:
            return gettext("late tonight %(time)s", time=clock)
        return gettext("tomorrow %(time)s", time=clock)
    return gettext("%(day)s %(time)s", day=format_date(local, "EEE d MMM"), time=clock)


def drop_words(at: datetime, now: datetime, price: str) -> str:
    """The next price drop: "prochaine baisse à 19:40 → 12,00 €" (minute rounded up)."""
    # Rounded up, "at 19:41" is a promise kept: by then the price has dropped.
    at = at.replace(second=0, microsecond=0) + timedelta(minutes=1) if (
        at.second or at.microsecond) else at
    if to_paris(at).date() == to_paris(now).date():
        return gettext("next drop at %(time)s → %(price)s",
                       time=clock_time(at), price=price)
    return gettext("next drop %(moment)s → %(price)s", moment=curtain_words(at, now), price=price)


def reason_labels() -> dict[str, str]:
    """Why an offer is in « À découvrir », as its card says it."""
    return {
        "nearby": gettext("near you"),
        "soon": gettext("soon"),
        "deal": gettext("good deal"),
        "random": gettext("at random"),
    }


def sort_labels(located: bool) -> dict[str, str]:
    """The sorts a spectator can pick; by distance only once we know where they are."""
    labels = {"relevance": gettext("Best match")}
    if located:
        labels["distance"] = gettext("Nearest")
    labels.update({"starts_at": gettext("Soonest"), "price": gettext("Cheapest"),
                   "discount": gettext("Biggest discount")})
    return labels


def distance_words(km: float | None) -> str:
    """How far, the way a phone says it: "à 850 m", "à 2,4 km", "à 12 km"."""
    if km is None:
        return ""
    if km < 1:
        return gettext("%(metres)s m away", metres=format_decimal(max(50, round(km * 20) * 50)))
    if km < 10:
        return gettext("%(km)s km away", km=format_decimal(round(km, 1), "#,##0.0"))
    return gettext("%(km)s km away", km=format_decimal(round(km), "#,##0"))


def duration_words(minutes: int | None) -> str:
    """A show's length: "1 h 30", "45 min", "2 h"."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)d min", minutes=rest)
    if not rest:
        return gettext("%(hours)d h", hours=hours)
    return gettext("%(hours)d h %(minutes)02d", hours=hours, minutes=rest)
