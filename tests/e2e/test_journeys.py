"""A resident's whole journey in a real browser: by touch, without JavaScript, by keyboard alone.

A Portuguese-speaking visitor on a 390×844 phone switches to Vietnamese through the language
menu, makes mistakes first, follows the error summary to each field, sends a Vietnamese comment,
keeps the receipt, and later looks it up with the number typed without hyphens. What a screen
reader announces is read from the browser's accessibility tree.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.i18n import catalog_translations

PHONE = {"width": 390, "height": 844}
COMMENT = "Tôi mong thành phố cung cấp thông tin bằng tiếng Việt ở quầy và trên trang web."
VI = catalog_translations("vi")
JA = catalog_translations("ja")


def vi(message: str, **values) -> str:
    """A message as the Vietnamese page shows it."""
    return VI.gettext(message) % values if values else VI.gettext(message)


# What the resident forgets first, and the field each summary link must lead to.
MISTAKES = [
    ("Please write your comment.", "body"),
    ("Please choose how you are connected to the city.", "respondent_type-0"),
    ("Please agree to the privacy notice to send your comment.", "consent"),
]
SUMMARY = VI.ngettext(
    "Please correct the %(num)s problem marked below. Everything you typed is kept.",
    "Please correct the %(num)s problems marked below. Everything you typed is kept.",
    3,
) % {"num": 3}

# The focused element, whether it is on screen, and the contrast of its focus ring against the
# background the ring is drawn on (what lies just outside it, or the element's own when inset).
FOCUS_STATE = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  // What lies under the ring: just above the element (below it at the top of the screen).
  const ringY = box.top > 6 ? box.top - 3.5 : box.bottom + 3.5;
  const beneath = document.elementsFromPoint(box.left + box.width / 2, ringY)
    .find((e) => e !== el && !el.contains(e));
  let under = parseFloat(style.outlineOffset) < 0 ? el : beneath || el.parentElement;
  let background = "rgb(255, 255, 255)";
  for (; under; under = under.parentElement) {
    const c = getComputedStyle(under).backgroundColor;
    if (rgb(c).length === 3 || rgb(c)[3] > 0) { background = c; break; }
  }
  const [a, b] = [luminance(rgb(style.outlineColor)), luminance(rgb(background))];
  return {
    element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + (el.innerText || el.value || "").slice(0, 30),
    onScreen: box.width > 0 && box.bottom > 0 && box.top < innerHeight && box.left >= 0 && box.right <= innerWidth,
    ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
  };
}"""


def _open_phone(browser, javascript: bool = True):
    context = browser.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        extra_http_headers={"Accept-Language": "pt-BR,pt;q=0.9"},
    )
    return context.new_page()


def _menu_fits_the_screen(page) -> None:
    for link in page.locator(".language-picker li a").all():
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0, link.inner_text()
        assert box["x"] + box["width"] <= PHONE["width"], link.inner_text()


def _check_error_summary(page) -> None:
    """After a failed submit: the title says so, the summary has focus and links every mistake."""
    expect(page).to_have_title(re.compile("^" + re.escape(vi("Error: %(page)s", page=""))))
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_match_aria_snapshot(
        f'- heading "{SUMMARY}" [level=2]\n- list:\n'
        + "".join(
            f'  - listitem:\n    - link "{vi(message)}":\n      - /url: "#{target}"\n'
            for message, target in MISTAKES
        )
    )
    # Each message is the accessible description of its field, which is marked invalid.
    expect(page.locator("#body")).to_have_accessible_name(
        f"{vi('Your comment')} {vi('(required)')}"
    )
    expect(page.locator("#body")).to_have_accessible_description(
        re.compile(re.escape(vi(MISTAKES[0][0])) + "$")
    )
    expect(page.locator("#body")).to_match_aria_snapshot(
        f'- textbox "{vi("Your comment")} {vi("(required)")}" [invalid]'
    )
    for radio in page.locator("input[name=respondent_type]").all():
        expect(radio).to_have_accessible_description(vi(MISTAKES[1][0]))
        expect(radio).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#consent")).to_have_accessible_description(vi(MISTAKES[2][0]))
    expect(page.locator("#consent")).to_match_aria_snapshot(
        f'- checkbox "{vi("I have read the privacy notice and agree to it.")}" [invalid]'
    )


def _keep_receipt(page) -> tuple[str, str]:
    page.wait_for_url(re.compile(r".*/vi/receipts/new$"))  # no #fragment carried over
    number = page.locator(".receipt-number").inner_text()
    key = page.locator(".access-key").inner_text()
    assert re.fullmatch(r"PC-\d{4}-\d{6}", number)
    expect(page.locator(".comment-text")).to_have_text(COMMENT)
    return number, key


def _look_up_without_hyphens(page, base: str, number: str, key: str, keyboard: bool = False):
    page.goto(f"{base}/vi/receipts")
    typed = number.replace("-", "")  # PC2026000003, as people type it from paper
    if keyboard:
        _tab_to(page, "#receipt_number")
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
        page.keyboard.type(key)
        page.keyboard.press("Enter")
    else:
        page.fill("#receipt_number", typed)
        page.fill("#access_key", key)
        page.click("form.lookup-form button[type=submit]")
    expect(page.locator(".status-received")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text(number)


def _quoted_comment_keeps_its_language(page, base: str, number: str, key: str) -> None:
    """The same receipt looked up on a Japanese page: the quote is still declared Vietnamese."""
    page.goto(f"{base}/ja/receipts")
    page.fill("#receipt_number", number)
    page.fill("#access_key", key)
    page.click("form.lookup-form button[type=submit]")
    quote = page.locator(".comment-text")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(quote).to_have_attribute("lang", "vi")
    expect(quote).to_match_aria_snapshot(f"- blockquote: {COMMENT}")
    # What assistive technology uses to pick a voice: the element's computed language.
    assert quote.evaluate("(el) => el.matches(':lang(vi)') && !el.matches(':lang(ja)')")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_phone_resident_switches_to_vietnamese_and_comments(browser, live_server, javascript):
    page = _open_phone(browser, javascript)
    page.goto(live_server + "/")
    assert page.url == live_server + "/pt-BR/"

    page.click(".language-picker summary")
    _menu_fits_the_screen(page)
    page.click("a[hreflang=vi]")
    page.wait_for_url(live_server + "/vi/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    page.click("a[href='/vi/measures/1-5']")
    page.click("form.comment-form button[type=submit]")  # nothing filled in
    _check_error_summary(page)

    summary_links = page.locator("#form-errors a")
    summary_links.nth(0).click()
    expect(page.locator("#body")).to_be_focused()
    page.keyboard.type(COMMENT)
    summary_links.nth(1).click()
    expect(page.locator("#respondent_type-0")).to_be_focused()
    page.check("input[name=respondent_type][value=works]")
    summary_links.nth(2).click()
    expect(page.locator("#consent")).to_be_focused()
    page.check("#consent")
    page.click("form.comment-form button[type=submit]")

    number, key = _keep_receipt(page)
    print_button = page.locator("button[data-print]")
    # Printing needs JavaScript; without it the button would do nothing, so it is not shown.
    expect(print_button).to_be_visible() if javascript else expect(print_button).to_be_hidden()
    _look_up_without_hyphens(page, live_server, number, key)
    _quoted_comment_keeps_its_language(page, live_server, number, key)
    page.context.close()


def _tab_to(page, selector: str, shift: bool = False, limit: int = 80) -> list[dict]:
    """Press Tab (or Shift+Tab) until `selector` has focus; every stop must show its focus."""
    target = page.locator(selector)
    stops = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        state = page.evaluate(FOCUS_STATE)
        stops.append(state)
        assert state["onScreen"], f"focused {state['element']} is off screen"
        assert state["ring"], f"focused {state['element']} shows no focus ring"
        assert state["contrast"] >= 3, (
            f"focus ring on {state['element']}: {state['contrast']:.2f}:1"
        )
        if target.evaluate("(el) => el === document.activeElement"):
            return stops
    raise AssertionError(f"{selector} never got focus; stops: {[s['element'] for s in stops]}")


def test_keyboard_only_resident_comments_in_vietnamese(browser, live_server):
    page = _open_phone(browser)
    page.goto(live_server + "/")
    _tab_to(page, ".language-picker summary")
    page.keyboard.press("Enter")
    _menu_fits_the_screen(page)
    _tab_to(page, "a[hreflang=vi]")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/vi/")

    _tab_to(page, "a[href='/vi/measures/1-5']")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/vi/measures/1-5")
    _tab_to(page, "form.comment-form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _check_error_summary(page)

    _tab_to(page, "#form-errors a[href='#body']")
    page.keyboard.press("Enter")
    expect(page.locator("#body")).to_be_focused()
    page.keyboard.type(COMMENT)
    # Back up to the summary for the next mistake.
    _tab_to(page, "#form-errors a[href='#respondent_type-0']", shift=True)
    page.keyboard.press("Enter")
    expect(page.locator("#respondent_type-0")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#respondent_type-0")).to_be_checked()
    _tab_to(page, "#consent")
    page.keyboard.press("Space")
    expect(page.locator("#consent")).to_be_checked()
    _tab_to(page, "form.comment-form button[type=submit]")
    page.keyboard.press("Enter")

    number, key = _keep_receipt(page)
    _look_up_without_hyphens(page, live_server, number, key, keyboard=True)
    page.context.close()
