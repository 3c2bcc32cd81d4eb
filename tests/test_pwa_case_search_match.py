"""What a case search finds (pwa/app/views/cases.js caseMatches), read in the browser: a
phone number as it is written, with its country code (+86) or without, spaces or dashes;
the ID number's last digits only as the page shows them (masked)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.support.pwa import new_context

pytestmark = pytest.mark.browser


def test_pwa_case_search_finds_a_phone_written_with_its_country_code(chromium: Browser,
                                                                     pwa_server: Any) -> None:
    ctx = new_context(chromium)
    try:
        page = ctx.new_page()
        page.goto(pwa_server.base_url + "/")
        found = page.evaluate("""async () => {
            const { caseMatches } = await import('/app/views/cases.js');
            const c = (phone) => ({ data: { applicant: { name: '孙小红', phone,
                                                           id_number: '11010519491231002X' } } });
            const m = new Map();
            return [
              caseMatches(c('+86 139 0000 5678'), '+86 139 0000 5678', m),
              caseMatches(c('+8613900005678'), '+86 13900005678', m),
              caseMatches(c('+86 139 0000 5678'), '13900005678', m),
              caseMatches(c('139-0000-5678'), '5678', m),
              caseMatches(c('13900005678'), '+86 139 0000 5678', m),
              caseMatches(c('0086 139 0000 5678'), '139 0000 5678', m),
              caseMatches(c('13900005678'), '+86 137', m),
              caseMatches(c('13900005678'), '002x', m),
              caseMatches(c('13900005678'), '31002X', m),
            ]; }""")
        assert found == [True, True, True, True, True, True, False, True, False]
    finally:
        ctx.close()
