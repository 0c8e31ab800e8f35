"""The venue portal in a real browser: a manager releases seats on a laptop, and the box
office checks tickets in on a phone at the door."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from marketplace.domain.orders.models import Ticket
from marketplace.domain.timeutil import to_paris, utcnow
from tests.buying import bought
from tests.factories import (
    STAFF_PASSWORD,
    MembershipFactory,
    PerformanceFactory,
    ReleaseFactory,
    StaffFactory,
    VenueFactory,
)

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("KIOSQUE_SCREENSHOTS", "/tmp/kiosque-screenshots"))
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def laptop(chromium):
    context = chromium.new_context(viewport=LAPTOP, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/portal/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # A manager lands on the week's sales, the box office at the door.
    page.wait_for_url(re.compile(r".*/portal/venues/[\w-]+/(checkin)?$"))


def floor_price(page) -> str:
    return page.locator("#release-preview [data-floor-price]").get_attribute("data-floor-price")


def test_a_manager_puts_seats_on_sale_and_watches_the_price_clock(db, live_server, laptop):
    SHOTS.mkdir(parents=True, exist_ok=True)
    manager = MembershipFactory(venue=VenueFactory(name="La Criée"), role="manager",
                                user=StaffFactory(name="Camille Martin",
                                                  email="camille@la-criee.example"))
    db.session.commit()
    page = laptop
    log_in(page, live_server, "camille@la-criee.example")

    # A new show, tonight, three hours from now (Paris time in the form).
    curtain = to_paris(utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    page.get_by_role("link", name="Programme").click()
    page.get_by_role("link", name="Ajouter des représentations").click()
    page.get_by_label("Titre").fill("La Mouette")
    page.get_by_label("Durée (minutes)").fill("120")
    page.locator("#dates-0").fill(curtain.strftime("%Y-%m-%dT%H:%M"))
    page.screenshot(path=str(SHOTS / "portal-performances-new.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer les représentations").click()
    page.wait_for_url(re.compile(r".*/performances/\d+$"))
    assert page.get_by_role("heading", name="La Mouette").is_visible()

    # The release form: the price clock appears as soon as the price and seats are in.
    page.get_by_role("link", name="Mettre des places en vente").first.click()
    page.wait_for_url(re.compile(r".*/releases/new$"))
    assert page.locator("#release-preview .preview--empty").is_visible()
    page.get_by_label("Catégorie").fill("Placement libre")
    page.get_by_label("Prix plein (€)").fill("25")
    page.get_by_label("Places en vente").fill("30")
    page.wait_for_selector("#release-preview [data-floor-price] svg.price-chart")
    assert floor_price(page) == "1000"  # 25 € at -60 %, the default deepest discount
    assert "17,50" in page.locator("#release-preview").inner_text()  # -30 % at opening

    # Deeper discount: the chart and the table follow, without reloading the page.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Plus forte remise (%)").fill("80")
    page.wait_for_function(
        "document.querySelector('#release-preview [data-floor-price]')"
        ".dataset.floorPrice === '500'")
    assert "5,00" in page.locator("#release-preview table").inner_text()
    assert page.evaluate("window.stillTheSamePage") is True
    # A mistake is explained next to its field, live.
    page.get_by_label("Plus forte remise (%)").fill("20")
    error = page.locator("#max_discount_percent-error")
    error.wait_for(state="visible")
    assert "Entre 25 et 80." in error.inner_text()
    page.get_by_label("Plus forte remise (%)").fill("80")
    page.wait_for_function("document.querySelector('#max_discount_percent-error')"
                           ".textContent.trim() === ''")
    page.wait_for_selector("#release-preview [data-floor-price='500']")
    page.screenshot(path=str(SHOTS / "portal-release-preview.png"), full_page=True)

    page.get_by_role("button", name="Publier sur Kiosque").click()
    page.wait_for_url(re.compile(r".*/releases/\d+$"))
    assert "Publié" in page.locator(".flash--success").inner_text()
    page.screenshot(path=str(SHOTS / "portal-release.png"), full_page=True)
    page.get_by_role("link", name="Cette semaine").click()
    assert page.get_by_role("link", name="La Mouette").is_visible()
    assert "30 restantes" in page.locator(".perf-card").inner_text().replace("\n", " ")
    page.screenshot(path=str(SHOTS / "portal-dashboard.png"), full_page=True)
    page.get_by_role("link", name="Ventes", exact=True).click()
    assert page.locator("#sales-live").get_attribute("hx-trigger").startswith("every 10s")
    page.screenshot(path=str(SHOTS / "portal-sales.png"), full_page=True)

    # On the storefront's API and page, at once.
    offers = page.request.get(live_server + "/api/v1/offers").json()["offers"]
    [offer] = [o for o in offers if o["show"]["title"] == "La Mouette"]
    assert offer["venue"]["name"] == "La Criée" and offer["seats_left"] == 30
    assert offer["face_price_cents"] == 2500
    page.goto(live_server + "/")
    assert page.get_by_role("heading", name="La Mouette").first.is_visible()
    page.screenshot(path=str(SHOTS / "portal-storefront.png"), full_page=False)
    assert manager.venue.slug in page.request.get(
        live_server + f"/api/v1/offers/{offer['id']}").json()["venue"]["slug"]


def test_the_box_office_checks_a_ticket_in_on_a_phone(app, db, live_server, phone):
    SHOTS.mkdir(parents=True, exist_ok=True)
    venue = VenueFactory(name="La Criée")
    MembershipFactory(venue=venue, role="box_office",
                      user=StaffFactory(name="Nadia Haddad", email="nadia@la-criee.example"))
    now = utcnow()
    performance = PerformanceFactory(show__venue=venue, show__title="Le Misanthrope",
                                     starts_at=now + timedelta(hours=1))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1),
                             max_discount_at=now)
    db.session.commit()
    order = bought(app, release, 2, now - timedelta(minutes=30), name="Léa Martin")
    code = order.tickets[0].code

    log_in(phone, live_server, "nadia@la-criee.example")
    phone.get_by_role("link", name="Contrôle", exact=True).click()
    phone.wait_for_url(re.compile(r".*/checkin$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "portal-door.png"), full_page=True)

    code_field = phone.get_by_label("Code du billet")
    code_field.fill(code)
    code_field.press("Enter")
    answer = phone.locator("#checkin-answer .answer")
    answer.wait_for()
    assert answer.get_attribute("data-outcome") == "ok"
    assert "Valide" in answer.inner_text() and "Léa Martin" in answer.inner_text()
    assert phone.evaluate("getComputedStyle(document.querySelector('.answer'))"
                          ".backgroundColor") == "rgb(30, 122, 60)"
    assert code_field.input_value() == ""  # ready for the next ticket
    phone.screenshot(path=str(SHOTS / "portal-door-valid.png"), full_page=True)

    # The same ticket again, as if a second door scanned it.
    code_field.fill(code)
    phone.get_by_role("button", name="Vérifier").click()
    phone.wait_for_selector("#checkin-answer .answer[data-outcome='already_checked_in']")
    text = phone.locator("#checkin-answer .answer").inner_text()
    assert "Déjà scanné".upper() in text.upper() and "Nadia Haddad" in text
    phone.screenshot(path=str(SHOTS / "portal-door-already.png"), full_page=True)

    code_field.fill("pas-un-billet")  # looks like a short code, but does not check
    code_field.press("Enter")
    phone.wait_for_selector("#checkin-answer .answer[data-outcome='mistyped_code']")
    assert "Code incomplet ou mal saisi" in phone.locator("#checkin-answer .answer").inner_text()
    code_field.fill(UNSOLD_SHORT_CODE)
    code_field.press("Enter")
    phone.wait_for_selector("#checkin-answer .answer[data-outcome='unknown_ticket']")
    assert "Billet inconnu" in phone.locator("#checkin-answer .answer").inner_text()
    assert phone.locator(".site-header").count() == 1  # answers swapped in, not pages


# A well-formed short code (its check symbol matches) that no ticket carries.
UNSOLD_SHORT_CODE = "K7QM-3XPF-0"


def short(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8]}"


def test_a_short_code_typed_in_lower_case_checks_in_and_counts(app, db, live_server, phone):
    """The QR code will not scan: the box office types the short code printed under it,
    in lower case with its hyphens, and the door counts the spectator in."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    venue = VenueFactory(name="La Criée")
    MembershipFactory(venue=venue, role="box_office",
                      user=StaffFactory(name="Nadia Haddad", email="nadia@la-criee.example"))
    now = utcnow()
    performance = PerformanceFactory(show__venue=venue, show__title="Le Misanthrope",
                                     starts_at=now + timedelta(hours=1))
    release = ReleaseFactory(performance=performance, sales_open_at=now - timedelta(days=1),
                             max_discount_at=now)
    db.session.commit()
    lea = bought(app, release, 2, now - timedelta(minutes=30), name="Léa Martin")
    hugo = bought(app, release, 1, now - timedelta(minutes=20), name="Hugo Bernard")

    log_in(phone, live_server, "nadia@la-criee.example")
    phone.wait_for_url(re.compile(r".*/checkin$"))  # the box office lands at the door
    assert "Le Misanthrope" in phone.locator(".door-performance").inner_text()
    assert "0 / 3" in phone.locator("#door-count").inner_text()

    code_field = phone.get_by_label("Code du billet")
    code_field.fill(short(lea.tickets[0].short_code).lower())
    code_field.press("Enter")
    phone.wait_for_selector("#checkin-answer .answer[data-outcome='ok']")
    assert "Léa Martin" in phone.locator("#checkin-answer").inner_text()
    phone.wait_for_function("document.getElementById('door-count').innerText.includes('1 / 3')")
    assert "Léa Martin" in phone.locator("#door-recent").inner_text()

    typed = short(hugo.tickets[0].short_code).lower()
    code_field.fill(typed[:-1] + ("2" if typed[-1] != "2" else "3"))  # the check is wrong
    code_field.press("Enter")
    phone.wait_for_selector("#checkin-answer .answer[data-outcome='mistyped_code']")
    assert "vérifiez les caractères" in phone.locator("#checkin-answer").inner_text()

    # Hugo's phone is flat: find him in the list and let him in from there.
    phone.get_by_label("Nom de l’acheteur").fill("bernard")
    phone.get_by_role("button", name="Rechercher").click()
    phone.wait_for_url(re.compile(r".*q=bernard"))
    phone.locator("#door-list").get_by_role("button", name="Faire entrer").click()
    phone.wait_for_selector("#checkin-answer .answer[data-outcome='ok']")
    phone.wait_for_function("document.getElementById('door-count').innerText.includes('2 / 3')")
    assert "Entré à" in phone.locator("#door-list").inner_text()
    recent = phone.locator("#door-recent li")
    assert recent.count() == 3 and "Hugo Bernard" in recent.first.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "portal-door-after-scans.png"), full_page=True)


# getUserMedia failing as each kind of phone fails it (html5-qrcode passes the DOMException's
# name on inside an English sentence, which is what the door used to show).
FAILING_CAMERA = """(name) => {
  navigator.mediaDevices.getUserMedia = () =>
    Promise.reject(new DOMException('Could not start video source', name));
}"""


@pytest.mark.parametrize(("failure", "sentence"), [
    ("NotFoundError", "Aucune caméra n’a été trouvée sur cet appareil."),
    ("NotAllowedError", "La caméra n’est pas autorisée pour ce site."),
    ("NotReadableError", "La caméra est déjà utilisée par une autre application."),
])
def test_a_camera_that_cannot_start_is_explained_in_french_and_the_field_takes_over(
        app, db, live_server, phone, failure, sentence):
    SHOTS.mkdir(parents=True, exist_ok=True)
    venue = VenueFactory(name="La Criée")
    MembershipFactory(venue=venue, role="box_office",
                      user=StaffFactory(name="Nadia Haddad", email="nadia@la-criee.example"))
    PerformanceFactory(show__venue=venue, show__title="Le Misanthrope",
                       starts_at=utcnow() + timedelta(hours=1))
    db.session.commit()
    phone.add_init_script(f"({FAILING_CAMERA})({failure!r})")
    log_in(phone, live_server, "nadia@la-criee.example")
    phone.wait_for_url(re.compile(r".*/checkin$"))
    phone.get_by_role("button", name="Scanner avec la caméra").click()
    error = phone.locator("#scanner-error")
    error.wait_for(state="visible")
    assert sentence in error.inner_text()
    assert "saisissez le code imprimé sous le qr code" in error.inner_text().lower()
    text = phone.locator("body").inner_text()
    assert "userMedia" not in text and failure not in text and "Error" not in text
    assert phone.evaluate("document.activeElement.id") == "checkin-code"
    assert phone.locator("#scanner").is_hidden()
    assert phone.get_by_role("button", name="Scanner avec la caméra").is_visible()
    if failure == "NotFoundError":
        phone.screenshot(path=str(SHOTS / "portal-door-no-camera.png"), full_page=True)


def test_without_a_secure_address_the_camera_is_not_even_tried(app, db, live_server, phone):
    venue = VenueFactory(name="La Criée")
    MembershipFactory(venue=venue, role="box_office",
                      user=StaffFactory(name="Nadia Haddad", email="nadia@la-criee.example"))
    db.session.commit()
    phone.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false})")
    log_in(phone, live_server, "nadia@la-criee.example")
    phone.wait_for_url(re.compile(r".*/checkin$"))
    phone.get_by_role("button", name="Scanner avec la caméra").click()
    error = phone.locator("#scanner-error")
    error.wait_for(state="visible")
    assert "adresse sécurisée (https)" in error.inner_text()
    assert phone.evaluate("document.activeElement.id") == "checkin-code"


# The camera ------------------------------------------------------------------------------


def qr_video(code: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A Y4M video (what Chromium's fake camera plays) showing the QR code of `code`."""
    import segno

    rows = segno.make(code, error="m", micro=False).matrix
    quiet = 4
    size = len(rows) + 2 * quiet
    scale = min(width, height) * 3 // 4 // size
    left, top = (width - size * scale) // 2, (height - size * scale) // 2
    luma = bytearray([235]) * (width * height)  # white
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark & 1:
                for dy in range(scale):
                    start = (top + (y + quiet) * scale + dy) * width + left + (x + quiet) * scale
                    luma[start:start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * (width * height // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
                     + frame * 20)
    return path


SCANNER_STATE = """() => {
  const video = document.querySelector('#qr-reader video');
  return {
    status: document.getElementById('scanner-status').textContent,
    toggle: document.getElementById('scanner-toggle').textContent,
    answer: document.getElementById('checkin-answer').innerText,
    video: video && {readyState: video.readyState, paused: video.paused, shown: video.clientWidth,
                     currentTime: video.currentTime, width: video.videoWidth},
  };
}"""

# zxing-js, the decoder inside html5-qrcode, never reads some perfectly valid codes
# (zxing-js/library#653): about one ticket in eight from this video, this one among them.
# Where the browser has no BarcodeDetector of its own (as Chromium on Linux), the door page
# now gives it ZXing-C++'s through the barcode-detector polyfill.
CODE_ZXING_JS_NEVER_READS = "C_EgT_dRllW46dv9AUIu6w"
CODE_ZXING_JS_READS = "cVy1-EGbhnkPd9dwx-Gmfw"


@contextmanager
def door_camera(app, db, chromium, live_server: str, code: str, video_dir: Path,
                *, decoder_unreachable: bool = False):
    """A box office phone at the door of a venue, its camera filming a valid ticket whose
    code is `code`, logged in on the check-in page, the scanner started; yields the page
    and its console once the answer for that ticket is on screen."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    venue = VenueFactory(name="La Criée")
    MembershipFactory(venue=venue, role="box_office",
                      user=StaffFactory(name="Nadia Haddad", email="nadia@la-criee.example"))
    now = utcnow()
    release = ReleaseFactory(performance=PerformanceFactory(show__venue=venue,
                                                            starts_at=now + timedelta(hours=1)),
                             sales_open_at=now - timedelta(days=1), max_discount_at=now)
    db.session.commit()
    ticket = bought(app, release, 1, now - timedelta(minutes=30)).tickets[0]
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(code=code))
    db.session.commit()
    video = qr_video(code, video_dir / "ticket.y4m")
    camera = chromium.browser_type.launch(executable_path=str(CHROMIUM), args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        context = camera.new_context(viewport=PHONE, locale="fr-FR", permissions=["camera"])
        if decoder_unreachable:
            context.route("**/zxing_reader.wasm", lambda route: route.abort())
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.set_default_timeout(10000)
        log_in(page, live_server, "nadia@la-criee.example")
        page.goto(f"{live_server}/portal/venues/{venue.slug}/checkin")
        page.get_by_role("button", name="Scanner avec la caméra").click()
        try:  # decoding the fake camera's frames is CPU-bound: a busy machine may need longer
            page.wait_for_selector("#checkin-answer .answer[data-outcome='ok']", timeout=45000)
        except PlaywrightTimeout:
            pytest.fail(f"the camera read nothing in 45 s; the page showed "
                        f"{page.evaluate(SCANNER_STATE)}, its console {console}")
        assert "Valide" in page.locator("#checkin-answer").inner_text()
        yield page, console
    finally:
        camera.close()


def test_the_camera_reads_a_ticket_at_the_door(app, db, live_server, chromium, tmp_path):
    """Chromium's fake camera plays a video of the ticket's QR code to the vendored scanner."""
    with door_camera(app, db, chromium, live_server, CODE_ZXING_JS_NEVER_READS,
                     tmp_path) as (page, console):
        page.screenshot(path=str(SHOTS / "portal-door-camera.png"), full_page=True)
        # The camera keeps seeing the same code: it is not sent again and again.
        page.wait_for_timeout(1500)
        assert page.locator("#checkin-answer .answer").get_attribute("data-outcome") == "ok"
        # The decoder's WebAssembly came from our server, under the page's own policy.
        assert page.locator("#scanner").get_attribute("data-decoder") == "barcode-detector"
        assert page.evaluate("performance.getEntriesByType('resource')"
                             ".some(entry => entry.name.endsWith('/zxing_reader.wasm'))")
        assert not [line for line in console if line.startswith(("error", "warning"))], console


def test_without_its_webassembly_decoder_the_camera_still_reads_most_tickets(
        app, db, live_server, chromium, tmp_path):
    """A poor connection at the door: the WebAssembly never arrives. The scanner falls
    back on html5-qrcode's own zxing-js instead of staying blind."""
    with door_camera(app, db, chromium, live_server, CODE_ZXING_JS_READS, tmp_path,
                     decoder_unreachable=True) as (page, _console):
        assert page.locator("#scanner").get_attribute("data-decoder") == "zxing-js"
