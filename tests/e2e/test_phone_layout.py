"""The key pages on a 390 px phone (and on a desktop): screenshots taken, and no page wider
than the screen (a table or form that makes the page scroll sideways fails)."""
import pytest

from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.e2e

OVERFLOW = "document.scrollingElement.scrollWidth > window.innerWidth"
# What sticks out of the screen, to say which element to fix.
CULPRITS = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
# Buttons too small for a finger on a phone (WCAG 2.5.5: 44 px).
SMALL_TARGETS = """() => Array.from(document.querySelectorAll('main button, main .button, main summary.button'))
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
  .map(e => e.textContent.trim()).slice(0, 5)"""

MEMBER_PAGES = ["/", "/catalogue", "RESOURCE", "/bookings", "/bookings/manage", "/catalogue/mine", "/catalogue/new",
                "/pay", "/account/statement", "/invoices", "/federation/pay", "/federation/invoices"]
TREASURER_PAGES = ["/treasury", "/treasury/accounts", "/treasury/clearing", "/treasury/invoices", "INVOICE",
                   "/treasury/statements", "/audit", "/federation/peers", "/federation/joint-runs"]


def _resource_page(page, base) -> str:
    page.goto(f"{base}/catalogue")
    return page.locator(".resource-card h2 a").first.get_attribute("href")


def _invoice_page(page, base) -> str:
    page.goto(f"{base}/treasury/invoices?status=all")
    return page.locator("table a[href^='/invoices/']").first.get_attribute("href")


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
        if page.evaluate(OVERFLOW):
            found[path] = page.evaluate(CULPRITS)
        elif width <= 390 and (small := page.evaluate(SMALL_TARGETS)):
            found[path] = {"buttons under 44 px": small}
    return found


@pytest.mark.parametrize("width", [390, 1280])
def test_key_pages_fit_the_screen(live_server, page_for, tmp_path, width):
    member = page_for("fr", width=width)
    sign_in(member, live_server, "marc.duret@scierie-giffre.test")
    problems = _walk(member, live_server, MEMBER_PAGES, tmp_path, width, "member")
    treasurer = page_for("en", width=width)
    sign_in(treasurer, live_server, "tresorerie@alveole.test")
    problems |= _walk(treasurer, live_server, TREASURER_PAGES, tmp_path, width, "treasurer")
    assert problems == {}, f"wider than {width} px or too small to tap: {problems}"
    assert len(list(tmp_path.glob("*.png"))) == len(MEMBER_PAGES) + len(TREASURER_PAGES)
