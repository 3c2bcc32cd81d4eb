"""axe-core in the browser tests: audit what a page shows against WCAG 2.0/2.1 A and AA.

axe-core comes bundled with the ``axe-playwright-python`` package (``axe.min.js``, no network
at test time). It is injected with ``page.evaluate`` (over the DevTools protocol, so the
app's Content-Security-Policy does not block it) and run on the whole document.

Auditing a new screen (any engineer)::

    from tests.support.axe import assert_accessible

    page.goto(f"{base}/#/inspection/new")
    expect(page.get_by_role("heading", name="新建检查")).to_be_visible()
    assert_accessible(page, "inspection form (field)")

Audit every state a person can meet (errors shown, a box expanded, a conflict present), at
360 px (the ``PHONE`` context) and at 1280 px for desktop screens (``desktop_context``).
Any violation fails, with the rule, its help text and the offending elements listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import axe_playwright_python
from playwright.sync_api import Browser, BrowserContext, Page

from .pwa import PHONE

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {**PHONE, "viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}


def desktop_context(browser: Browser, **extra: Any) -> BrowserContext:
    """A 1280 px wide profile (supervisor screens are also used on desks)."""
    return browser.new_context(**DESKTOP, **extra)


def audit(page: Page, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations of ``tags`` (default WCAG 2.0/2.1 A and AA) on the page as shown."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text())
    options = {"runOnly": {"type": "tag", "values": tags or WCAG_AA}, "resultTypes": ["violations"]}
    result: dict[str, Any] = page.evaluate("async (options) => await axe.run(document, options)", options)
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as a readable list (rule, impact, help, up to 5 elements each)."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{len(v['nodes'])} nodes]")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}: "
                         f"{(node.get('failureSummary') or '').splitlines()[-1:]}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    """Fail with axe's findings when the page breaks any WCAG 2.1 A/AA rule."""
    violations = audit(page)
    assert not violations, f"{where} ({page.url}):\n{describe(violations)}"
