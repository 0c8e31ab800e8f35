"""The storefront's filters: read from the query string, written back into every link.

One object holds what the spectator chose; each link and form of the page is that
object with one choice changed, so filters, sorts and pages work as plain links
without JavaScript, and htmx asks the very same URLs for the fragment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from flask import url_for
from werkzeug.datastructures import MultiDict

from marketplace.domain.catalog.models import DISCIPLINES
from marketplace.domain.offers.offer import Criteria
from marketplace.domain.offers.queries import SORTS, WHENS
from marketplace.domain.transit.journeys import WALK_CHOICES_M, WALK_RADIUS_M

RADII_KM = (5, 10, 25, 50)
MAX_PRICES_EUROS = (10, 15, 20, 30, 50)
MAX_PRICE_LIMIT_EUROS = 1000
VIEWS = ("list", "map")
TRUE_WORDS = ("1", "on", "true", "yes")


@dataclass(frozen=True)
class Filters:
    """What the spectator asked for; defaults are left out of URLs so that links stay short."""

    when: str = "all"
    day: date | None = None
    discipline: str | None = None
    max_price: int | None = None  # whole euros
    radius: int | None = None  # km; only with a location
    step_free: bool = False
    home_reachable: bool = False  # « Je peux rentrer »: only with the spectator's place
    walk_m: int = WALK_RADIUS_M  # how far they walk at each end of the ride home
    walk_refused: bool = False  # a walk nobody could pick: the default is used, and said
    sort: str | None = None  # None: relevance with a location, start time without
    view: str = "list"
    page: int = 1

    @classmethod
    def from_args(cls, args: MultiDict, located: bool) -> Filters:
        """Filters from a query string; a value nobody could have clicked falls back to all."""
        day = _date(args.get("date"))
        when = args.get("when", "all")
        discipline = args.get("discipline") or None
        max_price = args.get("max_price", type=int)
        radius = args.get("radius", type=int)
        sort = args.get("sort") or None
        page = args.get("page", 1, type=int) or 1
        walk = (args.get("walk_m") or "").strip()
        walk_m = int(walk) if walk.isascii() and walk.isdigit() and len(walk) <= 5 else None
        walk_refused = bool(walk) and walk_m not in WALK_CHOICES_M
        return cls(
            when=when if when in WHENS and day is None else "all",
            day=day,
            discipline=discipline if discipline in DISCIPLINES else None,
            max_price=max_price if max_price and 0 < max_price <= MAX_PRICE_LIMIT_EUROS
            else None,
            radius=radius if located and radius in RADII_KM else None,
            step_free=(args.get("step_free") or "").lower() in TRUE_WORDS,
            home_reachable=(args.get("home_reachable") or "").lower() in TRUE_WORDS,
            walk_m=walk_m if walk_m in WALK_CHOICES_M else WALK_RADIUS_M,
            walk_refused=walk_refused,
            sort=sort if sort in SORTS and (located or sort != "distance") else None,
            view=args.get("view") if args.get("view") in VIEWS else "list",
            page=min(max(page, 1), MAX_PAGE),
        )

    def sort_for(self, located: bool) -> str:
        return self.sort or ("relevance" if located else "starts_at")

    def criteria(self, origin: tuple[float, float] | None) -> Criteria:
        """The catalogue's criteria for these filters around `origin` (if known)."""
        return Criteria(origin=origin, radius_km=self.radius if origin else None,
                        when=self.when, day=self.day, discipline=self.discipline,
                        max_price_cents=self.max_price * 100 if self.max_price else None,
                        step_free=self.step_free, home=origin,
                        home_reachable=self.home_reachable and origin is not None,
                        walk_m=self.walk_m)

    def params(self) -> dict[str, str | int]:
        """The query parameters that differ from the defaults, in a stable order."""
        values = {
            "when": self.when if self.when != "all" else None,
            "date": self.day.isoformat() if self.day else None,
            "discipline": self.discipline,
            "max_price": self.max_price,
            "radius": self.radius,
            "step_free": 1 if self.step_free else None,
            "home_reachable": 1 if self.home_reachable else None,
            "walk_m": self.walk_m if self.walk_m != WALK_RADIUS_M else None,
            "sort": self.sort,
            "view": self.view if self.view != "list" else None,
            "page": self.page if self.page > 1 else None,
        }
        return {key: value for key, value in values.items() if value is not None}

    def url(self, **changes) -> str:
        """This storefront URL with some choices changed; any change goes back to page 1."""
        changes.setdefault("page", 1)
        if "day" in changes and changes["day"] is not None:
            changes.setdefault("when", "all")
        if changes.get("when", "all") != "all":
            changes.setdefault("day", None)
        changes.setdefault("walk_refused", False)
        return url_for("storefront.index", **replace(self, **changes).params())

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the defaults is filtered out (worth offering to lift)."""
        return bool(self.when != "all" or self.day or self.discipline or self.max_price
                    or self.radius or self.step_free or self.home_reachable)


_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_PAGE = 10_000


def _date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    # Dates nobody could pick (year 9999) would overflow the curtain window: show all.
    return day if day and _FIRST_DAY <= day <= _LAST_DAY else None
