"""The key pages on a 390 px phone (and on a desktop): screenshots taken, no page wider than the
screen (a table or form that makes the page scroll sideways fails), nothing running out of its
card or its box, no "n°" parted from its number, and on a phone nothing one taps smaller than
44 x 44 px, the header and its opened menu included. The scripts are in layout_checks."""
import pytest

from tests.e2e import layout_checks as check
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.e2e

MEMBER_PAGES = ["/", "/catalogue", "RESOURCE", "/bookings", "/bookings/manage", "/catalogue/mine", "/catalogue/new",
                "/pay", "/account/statement", "/account/statement/print", "/notices", "/invoices",
                "/federation/pay", "/federation/invoices"]
TREASURER_PAGES = ["/treasury", "/treasury/accounts", "/treasury/clearing", "/treasury/invoices", "INVOICE",
                   "/treasury/statements", "/audit", "/federation/peers", "/federation/joint-runs"]
# Checked at every width; a table that needs scrolling sideways only on a desktop (on a phone
# it may scroll in its box as a last resort).
CHECKS = {"out of its card": check.OUT_OF_CARD, "text out of its box": check.CLIPPED_TEXT, "n° parted from its number": check.SPLIT_NUMBERS}
DESKTOP_CHECKS = {"table to scroll sideways": check.SCROLLED_TABLES}
# A4 less Chromium's default margins of 10 mm, in CSS pixels.
A4_PRINTABLE_WIDTH = 718


def _resource_page(page, base) -> str:
    page.goto(f"{base}/catalogue")
    return page.locator(".resource-card h2 a").first.get_attribute("href")


def _invoice_page(page, base) -> str:
    page.goto(f"{base}/treasury/invoices?status=all")
    return page.locator("table a[href^='/invoices/']").first.get_attribute("href")


def _problems(page, width) -> dict:
    # What opens under a button (an action's form on the owner's desk) must fit as well.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    if not check.fits_the_screen(page):
        return {"wider than the screen": page.evaluate(check.CULPRITS)}
    checks = CHECKS | (DESKTOP_CHECKS if width > 700 else {})
    found = {label: what for label, script in checks.items() if (what := page.evaluate(script))}
    if width <= 390:
        toggle = page.locator(".nav-toggle-label")
        if toggle.count():
            toggle.click()  # the menu's links are measured too: open it
        if small := page.evaluate(check.SMALL_TARGETS):
            found["under 44 x 44 px"] = small
    return found


def _walk(page, base, paths, shots, width, name):
    found = {}
    for path in paths:
        if path == "RESOURCE":
            path = _resource_page(page, base)
        elif path == "INVOICE":
            path = _invoice_page(page, base)
        response = page.goto(base + path)
        assert response.status == 200, path
        label = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(shots / f"{name}-{label}-{width}.png"), full_page=True)
        if problems := _problems(page, width):
            found[path] = problems
    return found


@pytest.mark.parametrize("width", [390, 1280])
def test_key_pages_fit_the_screen(live_server, page_for, tmp_path, width):
    member = page_for("fr", width=width)
    sign_in(member, live_server, "marc.duret@scierie-giffre.test")
    problems = _walk(member, live_server, MEMBER_PAGES, tmp_path, width, "member")
    treasurer = page_for("en", width=width)
    sign_in(treasurer, live_server, "tresorerie@alveole.test")
    problems |= _walk(treasurer, live_server, TREASURER_PAGES, tmp_path, width, "treasurer")
    assert problems == {}, f"badly laid out at {width} px: {problems}"
    assert len(list(tmp_path.glob("*.png"))) == len(MEMBER_PAGES) + len(TREASURER_PAGES)


def test_the_printed_statement_fits_an_a4_page(live_server, page_for):
    page = page_for("fr", width=390)
    sign_in(page, live_server, "marc.duret@scierie-giffre.test")
    page.goto(f"{live_server}/account/statement/print")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PRINTABLE_WIDTH, "height": 1000})
    assert page.locator(".no-print").first.is_hidden()
    assert check.fits_the_screen(page), page.evaluate(check.CULPRITS)
    assert page.evaluate("document.querySelector('table.statement').getBoundingClientRect().right") <= A4_PRINTABLE_WIDTH
