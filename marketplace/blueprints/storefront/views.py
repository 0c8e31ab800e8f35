"""The public storefront: what plays near me tonight, at what price, and the seats to book."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from marketplace.blueprints.storefront.compression import compress_response
from marketplace.blueprints.storefront.display import (
    FEW_SEATS,
    curtain_words,
    distance_words,
    drop_words,
    duration_words,
    near_words,
    reason_labels,
    sort_labels,
    when_labels,
)
from marketplace.blueprints.storefront.explainer import figures
from marketplace.blueprints.storefront.filters import MAX_PRICES_EUROS, RADII_KM, Filters
from marketplace.blueprints.storefront.location import (
    Location,
    location_from,
    read_location,
    remember_location,
)
from marketplace.blueprints.storefront.offer_page import hold_refusal, offer_context
from marketplace.domain.catalog.places import PlaceLookupUnavailable, PlaceNotFound, find_place
from marketplace.domain.errors import Busy, Conflict, RateLimited, ValidationFailed
from marketplace.domain.inventory.services import place_hold
from marketplace.domain.offers.carousel import discover, reuse_seconds
from marketplace.domain.offers.queries import find_offers, venue_pins
from marketplace.domain.timeutil import utcnow
from marketplace.domain.transit.journeys import WALK_CHOICES_M
from marketplace.extensions import db, htmx
from marketplace.web.geocoder import spectator_geocoder
from marketplace.web.rate_limits import hold_client, hold_limit
from marketplace.web.templating import render_page_or_fragment, wants_fragment
from marketplace.web.vocabulary import discipline_labels

bp = Blueprint("storefront", __name__)

OFFERS_PER_PAGE = 12
CAROUSEL_SIZE = 10
# The id of the filters form: htmx names it in HX-Trigger when the form asks for the list.
FILTERS_FORM = "filters"
# Map tiles need the network: tests and offline demos set MAP_TILES_URL="" (a blank layer).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'


@bp.get("/")
def index():
    """The open offers as cards (or on a map), filtered, sorted, a page at a time."""
    if {"near", "lat", "lng", "forget"} & request.args.keys():
        return _move(request.args)
    location = read_location(request)
    filters = Filters.from_args(request.args, located=location is not None)
    # A walk nobody could pick (a hand-made URL): the list at the usual walk, saying why.
    return _offers_page(location, filters, status=422 if filters.walk_refused else 200)


@bp.get("/offers/<int:offer_id>")
def show_offer(offer_id: int):
    """One offer: the show, the venue, the price clock and the button that books seats."""
    return render_template("storefront/offer.html",
                           **offer_context(offer_id, read_location(request), utcnow()))


@bp.get("/comment-ca-marche")
def how_it_works():
    """« Comment ça marche »: the price rule, the carousel's mix, relevance, the commission,
    where data goes; every figure read from the code (explainer.py)."""
    return render_template("storefront/how_it_works.html",
                           figures=figures(current_app.config, CAROUSEL_SIZE))


@bp.post("/offers/<int:offer_id>/hold")
@hold_limit
def hold_seats(offer_id: int):
    """Set the seats aside at today's price, then on to checkout (303)."""
    quantity = request.form.get("quantity", type=int)
    try:
        hold = place_hold(db.session, offer_id, quantity, utcnow(),
                          current_app.config["HOLD_TTL_SECONDS"],
                          hold_client(remember_browser=True))
    except (Busy, Conflict, RateLimited, ValidationFailed) as error:
        return hold_refusal(offer_id, error, quantity, read_location(request))
    # The checkout page lives at this address (marketplace.blueprints.checkout).
    return redirect(f"{request.script_root}/checkout/{hold.id}", code=303)


def _offers_page(location: Location | None, filters: Filters, *, near: str = "",
                 place_error: str | None = None, status: int = 200):
    now = utcnow()
    origin = location.origin if location else None
    criteria = filters.criteria(origin)
    context = {
        "filters": filters, "location": location, "now": now, "few_seats": FEW_SEATS,
        "near": near, "place_error": place_error, "sort": filters.sort_for(bool(location)),
        "when_choices": when_labels().items(), "discipline_choices": discipline_labels().items(),
        "sort_choices": sort_labels(bool(location)).items(), "radius_choices": RADII_KM,
        "price_choices": MAX_PRICES_EUROS, "reasons": reason_labels(),
        "walk_choices": WALK_CHOICES_M,
    }
    if filters.view == "map":
        body = render_page_or_fragment(
            "storefront/map.html", "storefront/_map.html",
            pins=venue_pins(db.session, now=now, criteria=criteria), **context)
    else:
        offers = find_offers(db.session, now=now, criteria=criteria,
                             sort=context["sort"], page=filters.page, per_page=OFFERS_PER_PAGE)
        body = render_page_or_fragment(
            "storefront/index.html", "storefront/_offers.html", offers=offers,
            offers_alone=wants_fragment(),
            # Called by the full page only: a fragment does not pay for the carousel.
            carousel=lambda: discover(db.session, now=now, lat=origin and origin[0],
                                      lng=origin and origin[1], size=CAROUSEL_SIZE,
                                      reuse_seconds=reuse_seconds(current_app.config,
                                                                  current_app.testing)),
            **context)
    response = make_response(body, status)
    response.vary.add("Cookie")  # the location lives there
    if htmx and request.headers.get("HX-Trigger") == FILTERS_FORM:
        # The form sends every field, empty or not: show the short address instead.
        response.headers["HX-Push-Url"] = filters.url(page=filters.page)
    return response


def _move(args: MultiDict):
    """Remember where the spectator is (or forget it), then back to the list, filters kept."""
    filters = Filters.from_args(args, located=True)
    back = redirect(filters.url(), code=303)
    if args.get("forget"):
        return remember_location(back, None)
    if "lat" in args or "lng" in args:
        # An unusable position (a hand-made URL) changes nothing.
        located = location_from(args.get("lat"), args.get("lng"))
        return remember_location(back, located) if located else back
    near = args.get("near", "")
    try:
        place = find_place(db.session, spectator_geocoder(), near, utcnow())
    except (PlaceNotFound, PlaceLookupUnavailable) as error:
        return _place_refused(args, near, error)
    return remember_location(back, Location(place.lat, place.lng, place.label))


def _place_refused(args: MultiDict, near: str, error: Exception):
    """The list again (where the spectator was), saying why the place was not taken."""
    location = read_location(request)
    status, headers = 422, {}
    if not near.strip():
        message = gettext("Type a town or a postcode.")
    elif isinstance(error, PlaceLookupUnavailable):  # busy, slow or down: answered at once
        status, headers = 503, {"Retry-After": str(error.retry_after)}
        message = gettext("We cannot look up “%(place)s” right now: type a postcode or a "
                          "town of the region, or try again in a moment.", place=near.strip())
    else:
        message = gettext("We could not find “%(place)s”. Try a postcode or a town of "
                          "the region.", place=near.strip())
    response = _offers_page(location, Filters.from_args(args, located=location is not None),
                            near=near, place_error=message, status=status)
    response.headers.update(headers)
    return response


@bp.app_template_global()
def url_with(**changes) -> str:
    """The current URL with some query parameters replaced (the language switch uses it)."""
    args = MultiDict(request.args)
    for key, value in changes.items():
        args.setlist(key, [value])
    return f"{request.script_root}{request.path}?{urlencode(list(args.items(multi=True)))}"


@bp.app_template_global()
def map_tiles() -> dict[str, str]:
    """Where the map's tiles come from (MAP_TILES_URL; none in tests: markers on a blank layer)."""
    config = current_app.config
    url = config.get("MAP_TILES_URL", "" if current_app.testing else OSM_TILES)
    return {"url": url, "attribution": config.get("MAP_TILES_ATTRIBUTION", OSM_ATTRIBUTION)}


bp.after_app_request(compress_response)
bp.add_app_template_filter(curtain_words)
bp.add_app_template_filter(drop_words)
bp.add_app_template_filter(distance_words)
bp.add_app_template_filter(duration_words)
bp.add_app_template_filter(near_words)


