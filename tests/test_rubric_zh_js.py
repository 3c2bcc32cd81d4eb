"""The template editor's checks (pwa/app/rubric-zh.js) in real Chromium, against the server's.

For every bad template the editor can be given, the page's ``templateProblem`` (the rubric
checks, then what publishing adds) names the same path as the server's checks
(``sync.rubric.validate_template`` then ``sync.templates.check_publish``), and the Chinese text
the editor shows is the same for the page's finding and for the server's message at that path,
and never the catch-all. Random templates from the scorer fuzz are judged alike too.
"""

from __future__ import annotations

import functools
import http.server
import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from sync import rubric, templates
from sync.errors import Invalid
from tests.support.budget import examples
from tests.support.pwa import PWA_DIR
from tests.support.rubrics import load, mutate, random_template

pytestmark = pytest.mark.browser

BASE = load("rubric-vectors.json")["template"]
GENERIC = "不符合考评细则的规则"
HOLLOW = {"id": "S9", "name": "空", "mode": "deduct", "points": 5, "items": []}
#: One bad template per check, each as [mutation of the contract template, the path expected].
BAD: list[tuple[dict[str, Any], str]] = [
    ({"sections.0.points": "五"}, "sections.0.points"),
    ({"sections.0.points": -1}, "sections.0.points"),
    ({"sections.0.points": 2_000_000}, "sections.0.points"),
    ({"sections.0.items.0.per": 1.234}, "sections.0.items.0.per"),
    ({"sections.1.items.0.id": "e1"}, "sections.1.items.0.id"),
    ({"sections.0.items.0.id": "一"}, "sections.0.items.0.id"),
    ({"sections.0.items.0.rule": "deduct_twice"}, "sections.0.items.0.rule"),
    ({"sections.0.mode": "add"}, "sections.0.mode"),
    ({"sections.0.items.0.target": 5}, "sections.0.items.0.target"),
    ({"sections.4.items.0.target": None}, "sections.4.items.0.target"),
    ({"sections.4.items.0.target": 0}, "sections.4.items.0.target"),
    ({"sections.5.items.0.per": 1}, "sections.5.items.0.per"),
    ({"sections.5.items.1.per": None}, "sections.5.items.1.per"),
    ({"sections.5.items.0.tiers.1.min": 1000}, "sections.5.items.0.tiers.1.min"),
    ({"sections.5.items.0.tiers": []}, "sections.5.items.0.tiers"),
    ({"sections.5.items.2.group": "leaders"}, "sections.5.items.2.group"),
    ({"sections.5.group_caps": {"honours": 5, "a b": 1}}, "sections.5.group_caps.a b"),
    ({"sections.0.name": 5}, "sections.0.name"),
    ({"sections.0.items.0.text": None}, "sections.0.items.0.text"),
    ({"sections.0.colour": "red"}, "sections.0.colour"),
    ({"sections": []}, "sections"),
    ({"sections.6": HOLLOW}, "sections.6.items"),
]

CHECK = """async (cases) => {
  const z = await import('/app/rubric-zh.js');
  return cases.map(([tpl, server]) => {
    const p = z.templateProblem(tpl, { publish: true });
    return { path: p ? p.path : null, text: p ? z.problemText(p) : null,
             server: server ? z.problemText({ code: 'invalid', message: server }) : null,
             place: p ? z.placeText(p.path) : null };
  });
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page(chromium: Browser) -> Iterator[Page]:
    """pwa/ as static files on 127.0.0.1, and a page there to import the modules."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(PWA_DIR)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = chromium.new_context()
    page = ctx.new_page()
    page.goto(f"http://127.0.0.1:{server.server_address[1]}/app/rubric-zh.js")
    try:
        yield page
    finally:
        ctx.close()
        server.shutdown()
        server.server_close()


def server_problem(tpl: Any) -> Invalid | None:
    """What the server says when this template is published: the first refusal, or None."""
    try:
        rubric.validate_template(tpl)
        templates.check_publish(tpl, None, [])
    except Invalid as e:
        return e
    return None


def judge(page: Page, tpls: list[Any]) -> list[tuple[Invalid | None, dict[str, Any]]]:
    wants = [server_problem(t) for t in tpls]
    got = page.evaluate(CHECK, [[t, str(w) if w else None] for t, w in zip(tpls, wants, strict=True)])
    return list(zip(wants, got, strict=True))


def test_rubric_zh_names_the_servers_path_in_chinese(page: Page) -> None:
    tpls = [{**mutate(BASE, change), "name": "窗口考评"} for change, _ in BAD]
    for (want, got), (change, path) in zip(judge(page, tpls), BAD, strict=True):
        assert want is not None and want.path == path, (change, want)
        assert got["path"] == path, (change, got)
        assert got["text"] == got["server"] != GENERIC, (change, got, str(want))
        assert got["place"], got
    # the place is said in words a supervisor reads
    [(_, got)] = judge(page, [mutate(BASE, {"sections.5.items.0.tiers.1.min": 1000})])
    assert got["place"] == "第 6 部分 第 1 项 第 2 档 档次起点"
    assert got["text"] == "档次起点须逐档增大"


def test_rubric_zh_good_templates_have_no_problem(page: Page) -> None:
    from server.demo.data import rubrics
    for want, got in judge(page, [BASE, *rubrics().values()]):
        assert want is None and got["path"] is None, (want, got)


def test_rubric_zh_agrees_with_the_server_on_random_templates(page: Page) -> None:
    r = random.Random(20261202)
    n = examples(1500)
    tpls = [random_template(r, faults=0.02) for _ in range(n)]
    kinds = {"fine": 0, "refused": 0}
    for want, got in judge(page, tpls):
        assert got["path"] == (want.path if want else None), (want, got)
        if want is not None:
            assert got["text"] == got["server"] != GENERIC, (str(want), got)
        kinds["refused" if want else "fine"] += 1
    assert kinds["fine"] > n * 2 // 15 and kinds["refused"] > n * 2 // 15, kinds


def test_rubric_zh_says_the_servers_version_refusals(page: Page) -> None:
    new = {"name": "窗口考评", "county_id": "k1", "version": 2, "supersedes": "t1",
           "sections": BASE["sections"]}
    olds: list[dict[str, Any] | None] = [
        None, {"county_id": "k2", "version": 1}, {"county_id": "k1", "version": 1, "status": "draft"},
        {"county_id": "k1", "version": 4}]
    messages = []
    for old in olds:
        try:
            templates.check_publish(new, old, [])
        except Invalid as e:
            messages.append(str(e))
    try:
        templates.check_publish(new, {"county_id": "k1", "version": 1}, ["t1-b"])
    except Invalid as e:
        messages.append(str(e))
    assert len(messages) == 5, messages
    texts = page.evaluate("""async (ms) => { const z = await import('/app/rubric-zh.js');
        return ms.map((message) => z.problemText({ code: 'invalid', message })); }""", messages)
    assert GENERIC not in texts and len(set(texts)) == 5, list(zip(messages, texts, strict=True))
