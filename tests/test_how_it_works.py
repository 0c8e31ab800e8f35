"""« Comment ça marche » states what the code does: every number on the page is one of the
code's constants (or computed by the pricing code), so the page cannot drift from the rules."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.blueprints.storefront import explainer
from marketplace.blueprints.storefront.views import CAROUSEL_SIZE
from marketplace.domain.inventory.terms import (
    DEFAULT_MAX_DISCOUNT_LEAD,
    MAX_DISCOUNT,
    MIN_DISCOUNT,
)
from marketplace.domain.offers import carousel, queries
from marketplace.domain.pricing import (
    PRICE_STEP_CENTS,
    PriceSchedule,
    discount_percent_at,
    price_at,
)

# The formula « price = full price × (1 − discount ÷ 100) » is pricing._price_for's own.
FORMULA = {"1", "100"}


def _numbers(html: str) -> set[str]:
    main = html[html.index("<main"):html.index("</main>")]
    text = re.sub(r"<[^>]+>", " ", main)
    return {n.replace(".", ",") for n in re.findall(r"\d+(?:[.,]\d+)?", text)}


def _money(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _expected(config) -> set[str]:
    """The page's numbers, computed here from the constants the rules use."""
    opens = datetime(2026, 1, 1, tzinfo=UTC)
    example = PriceSchedule(face_price_cents=explainer.EXAMPLE_FACE_CENTS,
                            start_discount=explainer.EXAMPLE_START,
                            max_discount=explainer.EXAMPLE_END, sales_open_at=opens,
                            max_discount_at=opens + timedelta(hours=2))
    halfway = opens + timedelta(hours=1)
    random_min = math.ceil(CAROUSEL_SIZE * carousel.RANDOM_SHARE_MIN)
    random_max = math.floor(CAROUSEL_SIZE * carousel.RANDOM_SHARE_MAX)
    commission = config["PLATFORM_COMMISSION_PERCENT"]
    numbers = {
        MIN_DISCOUNT, MAX_DISCOUNT, DEFAULT_MAX_DISCOUNT_LEAD // timedelta(minutes=1),
        PRICE_STEP_CENTS, config["HOLD_TTL_SECONDS"] // 60,
        explainer.EXAMPLE_START, explainer.EXAMPLE_END, discount_percent_at(example, halfway),
        CAROUSEL_SIZE, random_min, random_max, CAROUSEL_SIZE - random_max,
        CAROUSEL_SIZE - random_min, carousel.PER_VENUE,
        queries.PROXIMITY_HALF_KM, queries.IMMINENCE_HALF_HOURS, queries.DEAL_FULL_PERCENT,
        *(round(w * 100) for w in (queries.PROXIMITY_WEIGHT, queries.IMMINENCE_WEIGHT,
                                   queries.DEAL_WEIGHT, queries.IMMINENCE_WEIGHT_ANYWHERE,
                                   queries.DEAL_WEIGHT_ANYWHERE)),
        commission, 100 - commission,
    }
    prices = {_money(c) for c in (explainer.EXAMPLE_FACE_CENTS, price_at(example, opens),
                                  price_at(example, halfway),
                                  price_at(example, opens + timedelta(hours=2)))}
    return {str(n) for n in numbers} | prices | FORMULA


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_number_on_the_page_comes_from_the_code(app, db, client, lang):
    response = client.get(f"/comment-ca-marche?lang={lang}")
    assert response.status_code == 200
    assert _numbers(response.get_data(as_text=True)) == _expected(app.config)


def test_the_page_follows_the_commission_and_the_hold_time_configured(app, db, client,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_COMMISSION_PERCENT", 12)
    monkeypatch.setitem(app.config, "HOLD_TTL_SECONDS", 900)
    html = client.get("/comment-ca-marche").get_data(as_text=True)
    assert "commission de 12\u202f%" in html and "les 88\u202f% restants" in html
    assert "gardées 15 minutes" in html
    assert _numbers(html) == _expected(app.config)


def test_the_example_is_priced_by_the_pricing_code(app, db, client):
    text = re.sub(r"<[^>]+>", " ", client.get("/comment-ca-marche").get_data(as_text=True))
    # 20 € from −25 % to −65 %: 15,00 € at the opening, 11,00 € halfway (−45 %), 7,00 €.
    assert re.search(r"20,00\xa0€.*15,00\xa0€.*11,00\xa0€.*−45\u202f%.*7,00\xa0€", text)


def test_the_page_is_linked_from_the_footer_and_reads_in_order(app, db, client):
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index("<footer"):]
    assert 'href="/comment-ca-marche"' in footer
    page = client.get("/comment-ca-marche").get_data(as_text=True)
    levels = [int(h) for h in re.findall(r"<h([1-6])[ >]", page[page.index("<main"):])]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    for anchor in ("price", "discover", "relevance", "money", "data"):
        assert f'id="{anchor}"' in page and f'href="#{anchor}"' in page
