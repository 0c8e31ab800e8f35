"""Security headers on every answer, HTTPS only where the site is served over it, and
cookies that never travel in clear, never reach scripts and never ride cross-site posts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace import create_app
from marketplace.domain.timeutil import utcnow
from marketplace.extensions import limiter
from marketplace.web.security import content_security_policy
from tests.conftest import OwnContextClient, make_test_config
from tests.factories import STAFF_PASSWORD, MembershipFactory, ReleaseFactory

HTTPS_SITE = "https://kiosque.example"
PAGES = ["/", "/confidentialite", "/portal/login", "/mes-donnees", "/api/v1/offers",
         "/healthz", "/static/css/kiosque.css", "/page/qui/n/existe/pas"]


def csp_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split("; ")}


@pytest.fixture
def https_app(app, tmp_path_factory, monkeypatch):
    """The same database, served as a production site behind HTTPS."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # one limiter for every app
    monkeypatch.setattr(limiter, "initialized", limiter.initialized)
    site = create_app({**make_test_config(tmp_path_factory), "BASE_URL": HTTPS_SITE,
                       "ALLOW_DEMO_PAYMENTS": True})  # its purchases pay with the demo card
    site.test_client_class = OwnContextClient
    return site


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = csp_of(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["style-src"] == "'self'"  # stylesheets from us; attributes only inline
    assert policy["style-src-attr"] == "'unsafe-inline'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_the_map_tiles_and_stripe_are_allowed_only_where_configured():
    offline = content_security_policy({"MAP_TILES_URL": "", "PAYMENT_PROVIDER": "demo"})
    assert offline["img-src"] == "'self' data: blob:"
    online = content_security_policy({"MAP_TILES_URL": "https://tiles.example.org/{z}/{x}/{y}.png",
                                      "PAYMENT_PROVIDER": "stripe"})
    assert online["img-src"].endswith("https://tiles.example.org")
    assert online["form-action"] == "'self' https://checkout.stripe.com"


def test_plain_http_is_neither_redirected_nor_told_about_hsts_in_development(client):
    response = client.get("/confidentialite")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_behind_https_plain_requests_go_to_https_and_hsts_is_sent(https_app):
    client = https_app.test_client()
    plain = client.get("/confidentialite", base_url="http://kiosque.example")
    assert plain.status_code == 302
    assert plain.headers["Location"] == "https://kiosque.example/confidentialite"
    # The load balancer's probe stays on plain HTTP behind the TLS terminator.
    assert client.get("/healthz", base_url="http://kiosque.example").status_code == 200
    secure = client.get("/confidentialite", base_url=HTTPS_SITE)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=315")
    proxied = client.get("/confidentialite", base_url="http://kiosque.example",
                         headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200 and "Strict-Transport-Security" in proxied.headers


def test_every_cookie_of_a_purchase_and_a_login_is_secure_httponly_and_samesite(
        https_app, db):
    release = ReleaseFactory(sales_open_at=utcnow() - timedelta(hours=1),
                             performance__starts_at=utcnow() + timedelta(hours=4))
    membership = MembershipFactory(role="manager")
    db.session.commit()
    spectator = https_app.test_client()
    cookies: list[str] = []

    def visit(method: str, path: str, **options):
        response = spectator.open(path, method=method, base_url=HTTPS_SITE, **options)
        cookies.extend(response.headers.getlist("Set-Cookie"))
        assert response.status_code in (200, 302, 303), (path, response.status_code)
        return response

    visit("GET", "/?lang=en")
    visit("GET", "/?lat=43.29&lng=5.37")  # the location cookie
    hold = visit("POST", f"/offers/{release.id}/hold", data={"quantity": "1"})
    pay = visit("POST", hold.headers["Location"], data={
        "email": "lea.martin@example.org", "name": "Léa Martin", "postcode": "13006"})
    token = re.search(r"token=([^&]+)", pay.headers["Location"]).group(1)
    order_id = pay.headers["Location"].split("/")[-1].split("?")[0]
    paid = visit("POST", f"/pay/demo/{order_id}", data={"token": token, "action": "pay"})
    visit("GET", paid.headers["Location"])

    staff = https_app.test_client()
    login = staff.post("/portal/login", base_url=HTTPS_SITE, data={
        "email": membership.user.email, "password": STAFF_PASSWORD,
        "remember": "y"})
    assert login.status_code == 302
    cookies.extend(login.headers.getlist("Set-Cookie"))

    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"session", "lang", "where", "remember_token"} <= names, names
    for cookie in cookies:
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= attributes, cookie
        assert "SameSite=Lax" in cookie or "SameSite=Strict" in cookie, cookie


def referer_sent(policy: str, page_url: str) -> dict:
    """The Referer a browser sends with a same-origin form posted from `page_url`."""
    return {} if policy == "no-referrer" else {"Referer": page_url}


def test_a_buyer_can_give_up_a_pending_order_over_https(https_app, db):
    # Over HTTPS, Flask-WTF also wants a same-origin Referer: a page that tells the browser
    # to send none (Referrer-Policy: no-referrer) could post none of its forms.
    from marketplace.domain.orders.access import order_links
    from tests.buying import checkout, hold_seats

    release = ReleaseFactory(sales_open_at=utcnow() - timedelta(hours=1),
                             performance__starts_at=utcnow() + timedelta(hours=4))
    db.session.commit()
    order = checkout(https_app, hold_seats(release, 2, utcnow()), utcnow()).order
    db.session.commit()
    https_app.config["WTF_CSRF_ENABLED"] = True
    buyer = https_app.test_client()
    page_url = f"{HTTPS_SITE}/orders/{order.id}?token={order_links(https_app.config).key(order.id)}"
    page = buyer.get(page_url)
    form = page.get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|token)" (?:type="hidden" )?value="([^"]+)"', form))
    assert set(fields) == {"csrf_token", "token"}
    answer = buyer.post(f"{HTTPS_SITE}/orders/{order.id}/abandon", data=fields,
                        headers=referer_sent(page.headers["Referrer-Policy"], page_url))
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    db.session.expire_all()
    from marketplace.domain.orders.models import Order

    assert db.session.get(Order, order.id).status == "cancelled"


def test_only_the_door_page_may_compile_webassembly(client, db):
    """The door's QR decoder (ZXing-C++, where the phone has no BarcodeDetector) is
    WebAssembly: that page alone lifts the ban, and only for WebAssembly, never eval()."""
    membership = MembershipFactory(role="box_office")
    db.session.commit()
    assert client.post("/portal/login", data={"email": membership.user.email,
                                              "password": STAFF_PASSWORD}).status_code == 302
    door = f"/portal/venues/{membership.venue.slug}/checkin"
    everywhere = csp_of(client.get(f"/portal/venues/{membership.venue.slug}/"))
    for response in (client.get(door), client.post(door, data={"code": "pas-un-billet"})):
        assert response.status_code == 200
        policy = csp_of(response)
        assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"
        assert {**policy, "script-src": "'self'"} == everywhere
    assert everywhere["script-src"] == "'self'"
