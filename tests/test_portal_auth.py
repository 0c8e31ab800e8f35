"""The portal's doors: logging in and out, throttling, cookies, CSRF, reset and invitation pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from marketplace import create_app
from marketplace.domain.accounts.login_attempts import ALERT_AFTER, CLIENT_FREE_FAILURES
from marketplace.domain.mail.models import OutboundEmail
from marketplace.extensions import limiter
from tests.conftest import make_test_config
from tests.factories import (
    STAFF_PASSWORD,
    MembershipFactory,
    StaffFactory,
    VenueFactory,
    log_in,
)


def last_email(db) -> OutboundEmail:
    db.session.expire_all()
    return db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()


def link_in(email: OutboundEmail) -> str:
    return re.search(r"http://kiosque\.test(/portal/\S+)", email.body_text).group(1)


# Logging in -----------------------------------------------------------------------------


def test_the_login_page_is_in_french_with_a_csrf_protected_form(client):
    page = client.get("/portal/login").get_data(as_text=True)
    assert "Espace lieux" in page and "Mot de passe" in page
    assert 'lang="fr"' in page


def test_a_manager_of_one_venue_lands_on_its_page(db, client):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    response = client.post("/portal/login", data={"email": membership.user.email,
                                                  "password": STAFF_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"
    home = client.get("/portal/")
    assert home.headers["Location"] == f"/portal/venues/{membership.venue.slug}/"
    page = client.get(home.headers["Location"]).get_data(as_text=True)
    assert membership.venue.name in page


def test_a_wrong_password_says_so_in_plain_french(db, client):
    user = StaffFactory()
    db.session.commit()
    response = client.post("/portal/login", data={"email": user.email, "password": "nope"})
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/portal/").status_code == 302  # still anonymous


def test_login_goes_back_to_the_page_asked_for_but_never_elsewhere(db, client):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    wanted = f"/portal/venues/{membership.venue.slug}/sales"
    anonymous = client.get(wanted)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/portal/login?next=")
    response = client.post(anonymous.headers["Location"], data={
        "email": membership.user.email, "password": STAFF_PASSWORD})
    assert response.headers["Location"] == wanted
    client.post("/portal/logout")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/portal/login?next=" + target, data={
            "email": membership.user.email, "password": STAFF_PASSWORD})
        assert response.headers["Location"] == "/portal/"
        client.post("/portal/logout")


def test_an_htmx_request_of_an_anonymous_visitor_is_sent_to_the_login_page(db, client):
    venue = VenueFactory()
    db.session.commit()
    response = client.get(f"/portal/venues/{venue.slug}/sales", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/portal/login?next=")


def test_logging_out_ends_the_session(db, client):
    membership = MembershipFactory(role="box_office")
    db.session.commit()
    log_in(client, membership.user)
    assert client.get(f"/portal/venues/{membership.venue.slug}/").status_code == 200
    response = client.post("/portal/logout")
    assert response.headers["Location"] == "/portal/login"
    assert client.get(f"/portal/venues/{membership.venue.slug}/").status_code == 302


def test_someone_working_for_several_venues_chooses_and_switches(db, client):
    person = StaffFactory()
    first = MembershipFactory(user=person, venue=VenueFactory(name="La Criée"), role="manager")
    second = MembershipFactory(user=person, venue=VenueFactory(name="Le Silo"),
                               role="box_office")
    db.session.commit()
    log_in(client, person)
    chooser = client.get("/portal/").get_data(as_text=True)
    assert "Quel lieu" in chooser and "La Criée" in chooser and "Le Silo" in chooser
    page = client.get(f"/portal/venues/{first.venue.slug}/").get_data(as_text=True)
    # The switcher offers the other venue; the menu shows the manager's areas.
    assert f'href="/portal/venues/{second.venue.slug}/"' in page
    assert f"/portal/venues/{first.venue.slug}/team" in page
    page = client.get(f"/portal/venues/{second.venue.slug}/").get_data(as_text=True)
    assert f"/portal/venues/{second.venue.slug}/team" not in page  # box office there


def test_session_cookies_are_http_only_and_same_site(db, client):
    membership = MembershipFactory()
    db.session.commit()
    response = client.post("/portal/login", data={"email": membership.user.email,
                                                  "password": STAFF_PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_when_the_site_is_served_over_https(tmp_path_factory):
    from marketplace.config import config_from_env

    config = config_from_env(tmp_path_factory.mktemp("instance"),
                             {"BASE_URL": "https://kiosque.example", "SECRET_KEY": "x"})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


# CSRF -----------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_portal_form_without_its_csrf_token_is_refused(db, client, csrf_on):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    login_page = client.get("/portal/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    refused = client.post("/portal/login", data={"email": membership.user.email,
                                                 "password": STAFF_PASSWORD})
    assert refused.status_code == 400
    accepted = client.post("/portal/login", data={"email": membership.user.email,
                                                  "password": STAFF_PASSWORD,
                                                  "csrf_token": token})
    assert accepted.status_code == 302

    slug = membership.venue.slug
    invite = client.post(f"/portal/venues/{slug}/team", data={
        "email": "leo@example.org", "role": "box_office"})
    assert invite.status_code == 400
    assert last_email(db) is None
    # htmx sends the token in a header (hx-headers on <body>).
    page = client.get(f"/portal/venues/{slug}/checkin").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    scan = client.post(f"/portal/venues/{slug}/checkin", data={"code": "abc"},
                       headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert scan.status_code == 200


# Throttling -----------------------------------------------------------------------------


@pytest.fixture
def throttled_client(tmp_path_factory, app):
    """A second app with rate limits on (the suite's app has them off)."""
    throttled = create_app({**make_test_config(tmp_path_factory), "RATELIMIT_ENABLED": True,
                            "RATELIMIT_STORAGE_URI": "memory://"})
    throttled.test_client_class = type(app.test_client())
    try:
        yield throttled.test_client()
    finally:
        limiter.enabled = False  # the extension is shared: give the suite its setting back
        with throttled.app_context():
            from marketplace.extensions import db

            db.engine.dispose()


def client_at(app_client, address: str):
    app_client.environ_base["REMOTE_ADDR"] = address
    return app_client


def test_wrong_passwords_slow_down_the_guesser_not_the_owner(app, db, throttled_client, now):
    user = StaffFactory(email="target@example.org")
    db.session.commit()
    guesser = client_at(throttled_client, "203.0.113.7")
    owner = client_at(throttled_client.application.test_client(), "198.51.100.8")
    with time_machine.travel(now, tick=False):
        answers = [guesser.post("/portal/login", data={
            "email": "target@example.org", "password": f"guess {n}"}).status_code
            for n in range(6)]
        assert answers == [401] * 6
        # Now this device waits, even with the right password, and is told for how long.
        response = guesser.post("/portal/login", data={
            "email": user.email, "password": STAFF_PASSWORD})
        assert response.status_code == 429 and response.headers["Retry-After"] == "30"
        page = response.get_data(as_text=True)
        assert "Trop de mots de passe erronés depuis cet appareil" in page
        assert "30\u00a0secondes" in page and 'name="email"' in page  # the form, again
        # The owner, on their own device, logs in as usual.
        assert owner.post("/portal/login", data={
            "email": user.email, "password": STAFF_PASSWORD}).status_code == 302
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        assert guesser.post("/portal/login", data={
            "email": user.email, "password": STAFF_PASSWORD}).status_code == 302


def test_the_owner_gets_one_email_when_someone_keeps_guessing(app, db, throttled_client, now):
    StaffFactory(email="target@example.org", name="Camille", locale="en")
    db.session.commit()
    with time_machine.travel(now, tick=False):
        for n in range(ALERT_AFTER + 3):  # from many addresses, in French
            client_at(throttled_client, f"192.0.2.{n}").post("/portal/login", data={
                "email": "target@example.org", "password": "guess"})
    db.session.expire_all()
    [email] = db.session.scalars(select(OutboundEmail)).all()
    assert email.to_address == "target@example.org"
    assert email.subject == "Someone tried to log in to your Kiosque account"  # her language
    assert f"{ALERT_AFTER} times" in email.body_text and "17:00" in email.body_text
    assert "http://kiosque.test/portal/password/forgotten" in email.body_text


def test_one_client_trying_many_addresses_is_stopped(db, throttled_client, now):
    sprayer = client_at(throttled_client, "203.0.113.66")
    with time_machine.travel(now, tick=False):
        answers = [sprayer.post("/portal/login", data={
            "email": f"person{n}@example.org", "password": "Printemps2026"}).status_code
            for n in range(CLIENT_FREE_FAILURES + 2)]
        other = client_at(throttled_client.application.test_client(), "198.51.100.1")
        elsewhere = other.post("/portal/login", data={"email": "x@example.org",
                                                      "password": "nope"})
    assert answers[:-1] == [401] * (CLIENT_FREE_FAILURES + 1) and answers[-1] == 429
    assert elsewhere.status_code == 401


def test_with_rate_limits_off_nobody_waits(app, db, client):
    user = StaffFactory()
    db.session.commit()
    assert app.config["RATELIMIT_ENABLED"] is False  # the suite's app, as benchmarks run
    for n in range(12):
        assert client.post("/portal/login", data={
            "email": user.email, "password": f"guess {n}"}).status_code == 401
    log_in(client, user)


def test_head_on_the_login_page_answers_like_get(client):
    assert client.head("/portal/login").status_code == 200
    assert client.get("/portal/login").status_code == 200


# Logging out for real -------------------------------------------------------------------


def copy_cookies(app, source, names) -> object:
    """Another browser holding copies of `source`'s cookies `names`."""
    other = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        other.set_cookie(name, cookie.value)
    return other


def opens_the_portal(client, venue) -> bool:
    return client.get(f"/portal/venues/{venue.slug}/").status_code == 200


def log_in_remembered(client, user):
    response = client.post("/portal/login", data={"email": user.email,
                                                  "password": STAFF_PASSWORD, "remember": "y"})
    assert response.status_code == 302


def test_stay_logged_in_survives_closing_the_browser_until_logout(app, db, client):
    membership = MembershipFactory()
    db.session.commit()
    log_in_remembered(client, membership.user)
    reopened = copy_cookies(app, client, ["remember_token"])  # the session cookie is gone
    assert opens_the_portal(reopened, membership.venue)
    assert opens_the_portal(reopened, membership.venue)
    logout = reopened.post("/portal/logout")
    dropped = [c for c in logout.headers.getlist("Set-Cookie")
               if c.startswith("remember_token=")]
    assert dropped and "Expires=Thu, 01 Jan 1970" in dropped[0]
    assert reopened.get_cookie("remember_token") is None
    assert not opens_the_portal(reopened, membership.venue)


def test_cookies_copied_before_a_logout_are_refused_after_it(app, db, client):
    membership = MembershipFactory()
    db.session.commit()
    log_in_remembered(client, membership.user)
    session_copy = copy_cookies(app, client, ["session"])
    remember_copy = copy_cookies(app, client, ["remember_token"])
    assert opens_the_portal(session_copy, membership.venue)
    assert opens_the_portal(remember_copy, membership.venue)
    client.post("/portal/logout")
    assert not opens_the_portal(client, membership.venue)
    assert not opens_the_portal(session_copy, membership.venue)
    assert not opens_the_portal(remember_copy, membership.venue)


def test_logging_out_leaves_the_other_devices_logged_in(app, db, client):
    membership = MembershipFactory()
    db.session.commit()
    laptop = app.test_client()
    log_in(client, membership.user)
    log_in(laptop, membership.user)
    client.post("/portal/logout")
    assert opens_the_portal(laptop, membership.venue)


def test_logging_out_everywhere_ends_every_device(app, db, client):
    membership = MembershipFactory()
    db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    log_in_remembered(phone, membership.user)
    log_in(laptop, membership.user)
    page = laptop.get("/portal/account").get_data(as_text=True)
    assert "Se déconnecter partout" in page
    response = laptop.post("/portal/logout/everywhere")
    assert response.headers["Location"] == "/portal/login"
    assert "Vous êtes déconnecté·e sur tous vos appareils." in laptop.get(
        "/portal/login").get_data(as_text=True)
    remembered = copy_cookies(app, phone, ["remember_token"])
    for device in (phone, laptop, remembered):
        assert not opens_the_portal(device, membership.venue)


def test_a_new_password_logs_the_other_devices_out_but_not_this_one(app, db, client):
    membership = MembershipFactory()
    db.session.commit()
    log_in_remembered(client, membership.user)
    copies = [copy_cookies(app, client, ["session"]), copy_cookies(app, client,
                                                                   ["remember_token"])]
    other_device = app.test_client()
    log_in(other_device, membership.user)
    changed = client.post("/portal/account", data={
        "current_password": STAFF_PASSWORD, "new_password": "une phrase secrète",
        "confirm": "une phrase secrète"})
    assert changed.status_code == 302
    assert opens_the_portal(client, membership.venue)
    assert opens_the_portal(copy_cookies(app, client, ["remember_token"]), membership.venue)
    for device in (*copies, other_device):
        assert not opens_the_portal(device, membership.venue)


def test_a_password_reset_logs_out_every_device(app, db, client):
    membership = MembershipFactory()
    db.session.commit()
    log_in_remembered(client, membership.user)
    stolen = copy_cookies(app, client, ["remember_token"])
    browser = app.test_client()
    browser.post("/portal/password/forgotten", data={"email": membership.user.email})
    done = browser.post(link_in(last_email(db)), data={
        "password": "une phrase secrète", "confirm": "une phrase secrète"})
    assert done.status_code == 302 and opens_the_portal(browser, membership.venue)
    assert not opens_the_portal(client, membership.venue)
    assert not opens_the_portal(stolen, membership.venue)


def test_a_login_ends_after_two_weeks_even_if_remembered(app, db, client, now):
    membership = MembershipFactory()
    db.session.commit()
    with time_machine.travel(now, tick=False):
        log_in_remembered(client, membership.user)
    reopened = copy_cookies(app, client, ["remember_token"])
    with time_machine.travel(now + timedelta(days=13), tick=False):
        assert opens_the_portal(reopened, membership.venue)
    with time_machine.travel(now + timedelta(days=14, minutes=1), tick=False):
        assert not opens_the_portal(copy_cookies(app, client, ["remember_token"]),
                                    membership.venue)


def test_a_session_naming_a_plain_user_id_is_refused(app, db, client):
    """Cookies of the former scheme (the user's id) or a forged id open nothing."""
    membership = MembershipFactory()
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(membership.user.id)
        session["_fresh"] = True
    assert not opens_the_portal(client, membership.venue)


# Password reset and invitations through the pages ----------------------------------------


def test_a_forgotten_password_is_reset_through_the_emailed_link(db, client):
    user = StaffFactory(email="camille@example.org")
    db.session.commit()
    response = client.post("/portal/password/forgotten", data={"email": "camille@example.org"})
    assert "Consultez votre boîte mail" in response.get_data(as_text=True)
    email = last_email(db)
    assert email.to_address == "camille@example.org"
    assert email.subject == "Choisissez un nouveau mot de passe Kiosque"
    link = link_in(email)
    assert link in email.body_html

    assert "Choisir un nouveau mot de passe" in client.get(link).get_data(as_text=True)
    mismatch = client.post(link, data={"password": "une phrase secrète",
                                       "confirm": "une autre phrase"})
    assert mismatch.status_code == 200
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.get_data(as_text=True)
    done = client.post(link, data={"password": "une phrase secrète",
                                   "confirm": "une phrase secrète"})
    assert done.status_code == 302  # and logged in
    db.session.expire_all()
    assert user.check_password("une phrase secrète")
    assert client.get(link).status_code == 404  # spent


def test_a_reset_asked_for_an_unknown_address_looks_the_same(db, client):
    response = client.post("/portal/password/forgotten", data={"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "Consultez votre boîte mail" in response.get_data(as_text=True)
    assert last_email(db) is None


def test_a_manager_invites_a_colleague_who_joins_through_the_link(db, client):
    membership = MembershipFactory(role="manager", venue=VenueFactory(name="La Criée"))
    db.session.commit()
    log_in(client, membership.user)
    slug = membership.venue.slug
    response = client.post(f"/portal/venues/{slug}/team", data={
        "email": "leo@example.org", "name": "Léo", "role": "box_office"})
    assert response.status_code == 302
    email = last_email(db)
    assert email.to_address == "leo@example.org"
    assert "La Criée" in email.subject and "Billetterie" in email.body_text
    link = link_in(email)
    client.post("/portal/logout")

    page = client.get(link).get_data(as_text=True)
    assert "La Criée" in page
    joined = client.post(link, data={"name": "Léo Martin", "password": "la porte du fond",
                                     "confirm": "la porte du fond"})
    assert joined.status_code == 302
    dashboard = client.get(f"/portal/venues/{slug}/")
    assert dashboard.status_code == 200
    assert client.get(f"/portal/venues/{slug}/team").status_code == 403  # box office


def test_a_bad_invitation_shows_the_message_next_to_the_field(db, client):
    membership = MembershipFactory(role="manager")
    db.session.commit()
    log_in(client, membership.user)
    response = client.post(f"/portal/venues/{membership.venue.slug}/team", data={
        "email": membership.user.email, "role": "box_office"})
    assert response.status_code == 422
    assert "Cette personne travaille déjà pour le lieu." in response.get_data(as_text=True)


def test_changing_ones_own_password(db, client):
    user = MembershipFactory().user
    db.session.commit()
    log_in(client, user)
    wrong = client.post("/portal/account", data={
        "current_password": "nope", "new_password": "une phrase secrète",
        "confirm": "une phrase secrète"})
    assert "Le mot de passe actuel n&#39;est pas le bon." in wrong.get_data(as_text=True)
    ok = client.post("/portal/account", data={
        "current_password": STAFF_PASSWORD, "new_password": "une phrase secrète",
        "confirm": "une phrase secrète"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert user.check_password("une phrase secrète")


def test_a_weak_new_password_is_refused_with_advice(db, client):
    user = MembershipFactory().user
    db.session.commit()
    log_in(client, user)
    form = {"current_password": STAFF_PASSWORD, "new_password": "azertyuiop",
            "confirm": "azertyuiop"}
    page = client.post("/portal/account", data=form).get_data(as_text=True)
    assert "Ce mot de passe est trop facile à deviner" in page
    assert "C’est un mot de passe très courant." in page
    page = client.post("/portal/account?lang=en", data=form).get_data(as_text=True)
    assert "This password is too easy to guess" in page
    assert "This is a very common password." in page
    db.session.expire_all()
    assert user.check_password(STAFF_PASSWORD)
    assert client.get("/portal/account").status_code == 200  # still logged in


def test_an_invitation_leaves_through_smtp_after_the_commit(app, db, client):
    from tests.smtp_server import smtp_server

    membership = MembershipFactory(role="manager", venue=VenueFactory(name="Le Silo"))
    db.session.commit()
    log_in(client, membership.user)
    with smtp_server() as (url, received):
        app.config["SMTP_URL"] = url
        try:
            client.post(f"/portal/venues/{membership.venue.slug}/team", data={
                "email": "leo@example.org", "name": "Léo", "role": "manager"})
        finally:
            app.config["SMTP_URL"] = None
    [message] = received
    assert message["To"] == "leo@example.org"
    assert "Le Silo" in message["Subject"]
    parts = [part.get_payload(decode=True).decode() for part in message.walk()
             if part.get_content_type() in ("text/plain", "text/html")]
    assert len(parts) == 2
    assert all("http://kiosque.test/portal/invitation/" in part for part in parts)
    assert last_email(db).status == "sent"


def test_the_portal_speaks_english_when_asked(client):
    page = client.get("/portal/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Venue portal" in page and "Log in" in page and "Se connecter" not in page


def test_the_language_chosen_in_the_portal_sticks_and_follows_the_account(client, db):
    """English picked on the login page stays for the next pages (not one page only), and
    the account keeps it for the staff member's e-mails; switching back is kept too."""
    membership = MembershipFactory(role="manager")
    db.session.commit()
    user, venue = membership.user, membership.venue
    client.get("/portal/login?lang=en")
    client.post("/portal/login", data={"email": user.email, "password": STAFF_PASSWORD})
    db.session.refresh(user)
    assert user.locale == "en"
    sales = client.get(f"/portal/venues/{venue.slug}/sales").get_data(as_text=True)
    assert '<html lang="en">' in sales
    client.get(f"/portal/venues/{venue.slug}/?lang=fr")
    db.session.refresh(user)
    assert user.locale == "fr"
    assert '<html lang="fr">' in client.get(
        f"/portal/venues/{venue.slug}/sales").get_data(as_text=True)
