"""A respondent answers a whole dimension and submits with the keyboard alone.

At every stop the focused control must look different from the same control unfocused
(WCAG 2.4.7): the test screenshots the element with and without focus and compares pixels.
The arrow keys only move the focus (nothing is saved while passing over levels); Space or
Enter chooses, and only that saves.
"""
from __future__ import annotations

import io

from PIL import Image, ImageChops
from playwright.sync_api import expect

from cxgov.cycles import services
from cxgov.extensions import db
from cxgov.orgs.models import Role
from tests.conftest import TEST_PASSWORD
from tests.cycles.helpers import framework, make_cycle
from tests.e2e.conftest import log_in_by_request, next_page_loaded, wait_until_autosaved

RING = 8  # px around the element: the focus ring is drawn outside it


def _focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName, id: e.id, type: e.type || '', name: e.name || '', value: e.value || '',
                testid: e.getAttribute('data-testid') || '', text: (e.textContent || '').trim().slice(0, 60),
                checked: !!e.checked, cls: e.className || ''}; }""")


def _tab_until(page, wanted, limit: int = 25) -> dict:
    """Press Tab until ``wanted(focused)`` holds; fail if it never does."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            return focused
        seen.append(focused["id"] or focused["tag"] + ":" + focused["text"][:20])
    raise AssertionError(f"never reached the wanted element; focus went through {seen}")


def _visible_box(page, focused: dict):
    """Return the on-screen element a person sees for the focused one (a radio's card)."""
    if focused["tag"] == "INPUT" and focused["type"] in ("radio",) or "btn-check" in focused["cls"]:
        return page.locator(f"label[for='{focused['id']}']").element_handle()
    return page.evaluate_handle("document.activeElement").as_element()


def _in_viewport(page, b: dict) -> bool:
    size = page.viewport_size
    return b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= size["width"] and b["y"] + b["height"] <= size["height"]


def _shot(page, b: dict) -> Image.Image:
    clip = {"x": max(b["x"] - RING, 0), "y": max(b["y"] - RING, 0),
            "width": b["width"] + 2 * RING, "height": b["height"] + 2 * RING}
    return Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("RGB")


def _assert_focus_visible(page, focused: dict, what: str) -> None:
    """Screenshot the focused element, blur it, screenshot again: the two must differ visibly."""
    box = _visible_box(page, focused)
    bounds = box.bounding_box()
    # Moving the focus scrolls the control into view, so a scroll is seldom needed; asking for one
    # anyway cost Chromium ~30 ms a check (Playwright waits for the element to stand still first).
    # That a box in view stands still holds only because the tabs' context asks for reduced motion
    # (app.css then scrolls instantly, not smoothly): with a smooth scroll still moving the page,
    # the two shots would differ by the motion alone and pass without a focus ring.
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches"), "smooth scrolling is on"
    if not _in_viewport(page, bounds):
        box.scroll_into_view_if_needed()
        bounds = box.bounding_box()
    with_focus = _shot(page, bounds)
    # Take the focus away without a click (a click would change what is chosen).
    page.evaluate("() => { window.__refocus = document.activeElement; document.activeElement.blur(); }")
    without = _shot(page, bounds)  # the focus ring is drawn outside the box: blurring moves nothing
    page.evaluate("() => window.__refocus.focus()")
    diff = ImageChops.difference(with_focus, without).convert("L").point(lambda v: 255 if v > 40 else 0)
    changed = diff.histogram()[255]
    ring_pixels = 2 * (with_focus.width + with_focus.height)  # about one ring's length, 1 px thick
    assert changed >= ring_pixels, f"{what}: focus is not visible ({changed} pixels change)"


def test_answer_a_dimension_and_submit_with_the_keyboard(live_server, page, make_org, make_member):
    org = make_org(name="Nordlys Energi")
    agent = make_member(org, Role.RESPONDENT, name="Lars Agent")
    cycle = make_cycle(org, "2026-Q4", respondents=[(agent, "front_line")])
    db.session.commit()
    first = framework().dimensions[0]
    levels = {p.id: (i % 5) + 1 for i, p in enumerate(first.practices)}
    saves: list[str] = []
    page.on("request", lambda r: saves.append(r.url) if r.url.endswith("/answer/save") else None)

    log_in_by_request(page, live_server, agent.email, TEST_PASSWORD)
    page.goto(f"{live_server}/o/{org.slug}/cycles/{cycle.id}/answer")

    # The first Tab reaches the skip link, and it shows.
    focused = _tab_until(page, lambda f: True, limit=1)
    assert "cx-skip-link" in focused["cls"]
    _assert_focus_visible(page, focused, "skip link")
    page.keyboard.press("Enter")
    # Following the link moves the focus once the browser has handled the fragment navigation.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")

    for practice in first.practices:
        pid = practice.id
        focused = _tab_until(page, lambda f, pid=pid: f["name"] == f"choice-{pid}")
        assert focused["id"] == f"c-{pid}-1", "Tab enters an unanswered practice at level 1"
        _assert_focus_visible(page, focused, f"{pid} level 1")
        for level in range(2, levels[pid] + 1):
            page.keyboard.press("ArrowRight")
            focused = _focused(page)
            assert focused["id"] == f"c-{pid}-{level}" and not focused["checked"]
        if levels[pid] > 1:  # at level 1 the focus has not moved: the check above was this one
            _assert_focus_visible(page, focused, f"{pid} level {levels[pid]}")
        assert not saves, "moving through the levels must not save anything"
        page.keyboard.press("Space" if levels[pid] % 2 else "Enter")
        assert page.locator(f"#c-{pid}-{levels[pid]}").is_checked()
        wait_until_autosaved(page, pid)
        assert len(saves) == 1
        saves.clear()
        # The chosen card still shows the focus, and differently from merely chosen.
        _assert_focus_visible(page, _focused(page), f"{pid} chosen")
    expect(page.locator("[data-answered]")).to_have_text(str(len(first.practices)))

    # Submit: the "submit with gaps" checkbox, then the submit button, all by keyboard.
    focused = _tab_until(page, lambda f: f["name"] == "confirm_gaps", limit=40)
    _assert_focus_visible(page, focused, "confirm checkbox")
    page.keyboard.press("Space")
    focused = _tab_until(page, lambda f: f["testid"] == "submit-answers")
    _assert_focus_visible(page, focused, "submit button")
    with next_page_loaded(page):
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/o/{org.slug}/cycles/{cycle.id}/")

    db.session.rollback()
    respondent = services.respondent_for(cycle, agent)
    assert respondent.submitted_at is not None
    stored = services.respondent_answers(respondent)
    assert {pid: a.level for pid, a in stored.items()} == levels
