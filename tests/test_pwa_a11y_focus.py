"""Focus you can see (issue 13): on every focusable control of the main screens the focus ring
is at least 2 px and 3:1 against what surrounds it (the blue bar included), the photo button
and the signature pad take focus themselves, every segment of the date-time field shows the
ring, and the status chip is at least 4.5:1."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.pwa import phone

pytestmark = pytest.mark.browser



# -- focus you can see ----------------------------------------------------------------------------

# For the focused element: its outline, and the contrast of the outline's colour against the
# colour next to it (the element's own background for a ring drawn inside it, else the first
# opaque background behind it).
RING = """() => {
  const el = document.activeElement;
  const lum = (c) => { const m = c.match(/[\\d.]+/g).map(Number); const f = (v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
  const opaque = (c) => { const m = c.match(/[\\d.]+/g); return m && (m.length < 4 || Number(m[3]) > 0.5); };
  const cs = getComputedStyle(el);
  let bgEl = parseFloat(cs.outlineOffset) < 0 ? el : el.parentElement;
  let bg = 'rgb(255, 255, 255)';
  for (let e = bgEl; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (opaque(c)) { bg = c; break; }
  }
  const a = lum(cs.outlineColor), b = lum(bg);
  const name = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 20) || el.name || el.id;
  return {tag: el.tagName, name, style: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
          ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
}"""


def tab_ring_check(page: Page, limit: int = 80) -> set[str]:
    """Tab through the page; every focused control must show a ring ≥ 2 px at ≥ 3:1."""
    seen: set[str] = set()
    page.locator("#view").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(RING)
        key = f"{ring['tag']}:{ring['name']}"
        if key in seen and ring["tag"] == "BODY":
            break
        seen.add(key)
        if ring["tag"] == "BODY":
            continue
        assert ring["style"] != "none" and ring["width"] >= 2, ring
        assert ring["ratio"] >= 3, ring
    return seen


def test_pwa_focus_ring_is_visible_on_every_background(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, "field1")
    seen = tab_ring_check(page)
    assert any("立即同步" in k for k in seen) and any("今日" in k for k in seen)  # blue bar and nav
    page.get_by_role("button", name="新建上门服务").click()
    expect(page.get_by_role("heading", name="新建上门服务")).to_be_visible()
    seen = tab_ring_check(page)
    assert any("拍照" in k for k in seen), seen  # the photo button takes focus itself
    assert any("签名区" in k for k in seen), seen  # so does the signature pad
    # The date-time field keeps its ring in every segment (the last one included).
    planned = page.get_by_label("计划时间")
    planned.focus()
    for _ in range(5):
        ring = page.evaluate(RING)
        assert ring["tag"] == "INPUT" and ring["style"] != "none" and ring["ratio"] >= 3, ring
        page.keyboard.press("ArrowRight")
    # The status chip reads in the sun: at least 4.5:1.
    ctx.set_offline(True)
    page.get_by_role("button", name="立即同步").click()
    ctx.set_offline(False)
    page.evaluate("Math.random = () => 0.99")
    chip = page.locator("#status-note")
    expect(chip).not_to_have_text("")
    ratio = chip.evaluate("""el => { const lum = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
      const cs = getComputedStyle(el); const a = lum(cs.color), b = lum(cs.backgroundColor);
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }""")
    assert ratio >= 4.5, ratio
    ctx.close()


