"""The review page in a real browser (headless Chromium), opened from disk as a club member
would open it from a USB stick: nothing is fetched from the network, the before/after slider
follows the mouse and the keyboard, a crop opens at 100 %, at laptop and phone widths."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.review.browser import screenshot, start_browser, stop_browser

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module", params=list(SIZES))
def browser(request):
    driver = start_browser(*SIZES[request.param])
    yield driver
    stop_browser(driver)


def _open(driver, page):
    driver.get(page.as_uri())
    driver.execute_script("return document.readyState")
    # Every picture decoded (they are local files: this is quick).
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        Promise.all([...document.images].map(i => i.decode().catch(() => null))).then(() => done());
    """)


def _clip_percent(driver, fig) -> float:
    clip = fig.find_element("css selector", ".ba-clip").value_of_css_property("clip-path")
    right = float(re.search(r"inset\(0(?:px)? ([\d.]+)%", clip).group(1))
    return 100.0 - right  # share of the width showing "before"


def _network_requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


@pytest.mark.parametrize("which", ["one_page", "club_page"])
def test_nothing_leaves_the_page(browser, request, which):
    page = request.getfixturevalue(which)
    browser.get_log("performance")  # forget earlier pages
    _open(browser, page)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    requests = _network_requests(browser)
    assert requests, "the browser's network log recorded nothing: the check would be blind"
    for url in resources + requests:
        assert url.startswith(("file://", "data:")), f"{url} goes to the network"
    broken = browser.execute_script(
        "return [...document.images].filter(i => !i.hidden && !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.getAttribute('src'))")
    assert broken in ([], ["data:,"])
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_the_slider_follows_a_mouse_drag(browser, one_page):
    from selenium.webdriver.common.action_chains import ActionChains

    _open(browser, one_page)
    fig = browser.find_element("css selector", "[data-ba]")
    frame = fig.find_element("css selector", ".ba-frame")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    assert _clip_percent(browser, fig) == pytest.approx(50, abs=0.2)
    shot_before = screenshot(frame)
    width = frame.size["width"]
    # Press at the centre and drag to 20 % of the width.
    ActionChains(browser).move_to_element(frame).click_and_hold().move_by_offset(
        -int(0.3 * width), 0).release().perform()
    assert _clip_percent(browser, fig) == pytest.approx(20, abs=2)
    shot_after = screenshot(frame)
    assert shot_after.shape == shot_before.shape
    changed = np.any(np.abs(shot_after - shot_before) > 12, axis=2)
    cols = np.flatnonzero(changed.mean(axis=0) > 0.2)  # columns that changed over most rows
    assert cols.size > 0.2 * width, "the picture did not change under the moved divider"
    assert cols.min() >= 0.15 * width and cols.max() <= 0.55 * width


def test_the_slider_moves_with_the_arrow_keys(browser, one_page):
    from selenium.webdriver.common.keys import Keys

    _open(browser, one_page)
    fig = browser.find_element("css selector", "[data-ba]")
    frame = fig.find_element("css selector", ".ba-frame")
    rng = fig.find_element("css selector", "input[type=range]")
    label = browser.find_element("css selector", f"label[for='{rng.get_attribute('id')}']")
    assert label.text.strip()  # the control is named
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    shot_before = screenshot(frame)
    rng.send_keys(Keys.END)
    assert _clip_percent(browser, fig) == pytest.approx(100, abs=0.2)
    for _ in range(5):
        rng.send_keys(Keys.ARROW_LEFT)
    moved = _clip_percent(browser, fig)
    assert 98.0 <= moved < 100.0
    rng.send_keys(Keys.HOME)
    assert _clip_percent(browser, fig) == pytest.approx(0, abs=0.2)
    shot_after = screenshot(frame)
    assert np.abs(shot_after - shot_before).mean() > 3, "the picture looks the same after moving"
    assert "on the left 0 %" in rng.get_attribute("aria-valuetext")


def test_a_crop_opens_at_100_percent_and_is_not_blank(browser, club_page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _open(browser, club_page)
    button = browser.find_element("css selector", "button.zoomable")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    dialog = browser.find_element("id", "zoom")
    assert dialog.get_attribute("open") is not None
    img = browser.find_element("id", "zoom-img")
    natural = browser.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", img)
    assert natural == [220, 180]
    assert [img.size["width"], img.size["height"]] == natural  # one image pixel per CSS pixel
    shot = screenshot(img)
    assert shot.std() > 8, "the opened crop is blank"
    dialog.find_element("css selector", "[data-zoom='2']").click()
    assert [img.size["width"], img.size["height"]] == [440, 360]  # 200 %, square pixels
    dialog.find_element("css selector", "[data-zoom='1']").click()
    assert [img.size["width"], img.size["height"]] == natural
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    assert dialog.get_attribute("open") is None
    assert browser.switch_to.active_element == button  # focus goes back where it was


def test_the_blink_button_swaps_the_states(browser, one_page):
    _open(browser, one_page)
    box = browser.find_element("css selector", "[data-blink]")
    stack = box.find_element("css selector", ".stack")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", stack)
    first = screenshot(stack)
    box.find_element("css selector", ".blink-swap").click()
    second = screenshot(stack)
    assert np.abs(second - first).mean() > 3
    assert "Current" in box.find_element("css selector", ".blink-state").text


def test_the_grid_toggle_shows_the_wcs_overlay(browser, club_page):
    _open(browser, club_page)
    fig = browser.find_element("css selector", "[data-ba]")
    frame = fig.find_element("css selector", ".ba-frame")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    plain = screenshot(frame)
    toggle = fig.find_element("css selector", ".grid-toggle")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    gridded = screenshot(frame)
    changed = np.any(np.abs(gridded - plain) > 20, axis=2)
    assert 0.002 < changed.mean() < 0.2, "grid lines should cover a small part of the picture"


def test_the_page_fits_the_window_width(browser, club_page):
    _open(browser, club_page)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways"
