"""What the browser walks measure on a page (tests/e2e/test_phone_layout.py): scripts that
return what is wrong, so that a failure names the element to fix."""

OVERFLOW = "document.scrollingElement.scrollWidth > window.innerWidth"


def fits_the_screen(page) -> bool:
    """No sideways scrolling, measured once the page's stylesheet is in (a busy machine may
    answer between a new page's HTML and its CSS)."""
    page.wait_for_load_state("load")
    return not page.evaluate(OVERFLOW)

# What sticks out of the screen, to say which element to fix.
CULPRITS = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""

_NAME = "e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '')"

# What runs past the edge of its card (painted under the next one) without a box of its own
# that scrolls: the page is no wider than the screen, yet a column can't be seen.
OUT_OF_CARD = """() => {
  const scrolls = e => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX);
  const name = %s;
  return Array.from(document.querySelectorAll('.card *')).filter(e => {
    const card = e.closest('.card'), right = e.getBoundingClientRect().right;
    for (let a = e.parentElement; a && a !== card; a = a.parentElement) if (scrolls(a)) return false;
    return e.getClientRects().length && right > card.getBoundingClientRect().right + 1;
  }).slice(0, 5).map(e => name(e) + ': ' + e.textContent.trim().slice(0, 30));
}""" % _NAME

# Tables that must be scrolled sideways to be read: allowed on a phone as a last resort, not
# on a desktop.
SCROLLED_TABLES = """() => Array.from(document.querySelectorAll('.table-wrap'))
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.querySelector('th') || e).textContent.trim().slice(0, 30))"""

# Text that overflows its own box: a chart's label running under its bar.
CLIPPED_TEXT = """() => Array.from(document.querySelectorAll('main *'))
  .filter(e => e.children.length === 0 && e.getClientRects().length
    && getComputedStyle(e).display !== 'inline' && e.scrollWidth > e.clientWidth + 1)
  .slice(0, 5).map(e => e.textContent.trim().slice(0, 30))"""

# A reference broken over two lines ("n°" / "17"): its text takes more than one line box.
SPLIT_NUMBERS = """() => Array.from(document.querySelectorAll('td'))
  .filter(td => /^(n°|No\\.)\\s*\\d+$/.test(td.textContent.trim()))
  .filter(td => {
    const range = document.createRange();
    range.selectNodeContents(td);
    return new Set(Array.from(range.getClientRects()).filter(r => r.width).map(r => Math.round(r.top))).size > 1;
  }).slice(0, 5).map(td => td.textContent.trim())"""

# Everything one taps that is smaller than a finger on a phone (WCAG 2.5.5: 44 x 44 px): the
# buttons, and the header's links and menu toggle (the menu is opened first).
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'button, .button, summary.button, header a, header label, select,'
    + ' input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])'))
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
  .map(e => { const r = e.getBoundingClientRect();
    return (e.textContent.trim() || e.getAttribute('aria-label') || e.className) + ` ${Math.round(r.width)}x${Math.round(r.height)}`; })
  .slice(0, 8)"""
