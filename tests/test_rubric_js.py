"""The PWA's scorer (pwa/app/rubric.js) in real Chromium: every vector the Python scorer
passes, and a cross-language fuzz: random templates and answers made in Python, scored by
both, must give the same result or the same rejection at the same path."""

from __future__ import annotations

import functools
import http.server
import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.support.budget import examples
from tests.support.pwa import PWA_DIR
from tests.support.rubrics import (
    contract_cases,
    expected,
    extra_cases,
    load,
    random_answers,
    random_template,
    run_python,
    same,
)

pytestmark = pytest.mark.browser

SCORE_ALL = """async (cases) => {
  const m = await import('/app/rubric.js');
  return cases.map((c) => {
    try {
      return c.subset ? m.scoreSubset(c.template, c.answers, c.subset) : m.score(c.template, c.answers);
    } catch (e) {
      return e instanceof m.RubricError ? { reject: e.path } : { crash: String(e && e.stack || e) };
    }
  });
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_pwa() -> Iterator[str]:
    """pwa/ served as static files on 127.0.0.1 (the module needs nothing else)."""
    handler = functools.partial(_Quiet, directory=str(PWA_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(chromium: Browser, static_pwa: str) -> Iterator[Page]:
    ctx = chromium.new_context()
    page = ctx.new_page()
    page.goto(static_pwa + "/app/rubric.js")
    yield page
    ctx.close()


def js_score(page: Page, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wire = [{k: c[k] for k in ("template", "answers", "subset") if k in c} for c in cases]
    out: list[dict[str, Any]] = []
    for start in range(0, len(wire), 400):
        out += page.evaluate(SCORE_ALL, wire[start:start + 400])
    return out


def test_rubric_js_passes_the_contract_vectors(page: Page) -> None:
    cases = contract_cases()
    for case, got in zip(cases, js_score(page, cases), strict=True):
        assert same(got, expected(case)), (case["name"], got)


def test_rubric_js_passes_our_vectors(page: Page) -> None:
    cases = extra_cases()
    for case, got in zip(cases, js_score(page, cases), strict=True):
        assert got == expected(case), (case["name"], got)


def test_rubric_js_and_python_agree_on_random_templates(page: Page) -> None:
    r = random.Random(20261201)
    n = examples(4000)
    cases = []
    for _ in range(n):
        template = random_template(r, faults=0.012)
        case: dict[str, Any] = {"template": template, "answers": random_answers(r, template, faults=0.012)}
        if r.random() < 0.1 and isinstance(template.get("sections"), list):
            ids = [i.get("id") for s in template["sections"] if isinstance(s, dict)
                   for i in s.get("items", []) if isinstance(i, dict)]
            case["subset"] = r.sample(ids, min(len(ids), r.randint(1, 3))) if ids else ["x"]
        cases.append(case)
    results = js_score(page, cases)
    kinds = {"scored": 0, "rejected": 0}
    for case, got in zip(cases, results, strict=True):
        want = run_python(case)
        assert "crash" not in got, got
        assert got == want, (case, got, want)
        kinds["rejected" if "reject" in want else "scored"] += 1
    # the fuzz exercised both outcomes, and non-trivial scores (as shares of the cases made)
    assert kinds["scored"] > n * 3 // 8 and kinds["rejected"] > n // 4, kinds
    assert len({r["score"] for r in results if "score" in r}) > n * 3 // 40


def test_rubric_js_scores_the_seed_rubrics_like_python(page: Page) -> None:
    from server.demo.data import rubrics
    r = random.Random(7)
    cases = [{"template": t, "answers": random_answers(r, t, faults=0)}
             for t in rubrics().values() for _ in range(50)]
    for case, got in zip(cases, js_score(page, cases), strict=True):
        assert got == run_python(case)


def test_rubric_js_validate_names_the_path(page: Page) -> None:
    from server.demo.data import rubrics
    bad = {"sections": [{"id": "S", "name": "s", "mode": "deduct", "points": 5, "group_caps": {},
                         "items": [{"id": "a", "text": "t", "rule": "bonus", "per": 1, "group": "g"}]}]}
    got = page.evaluate("""async ([good, bad]) => {
      const m = await import('/app/rubric.js');
      const fine = good.map((t) => { m.validate(t); return m.total(t); });
      try { m.validate(bad); return { fine, path: null }; }
      catch (e) { return { fine, path: e.path, code: e.code }; }
    }""", [list(rubrics().values()), bad])
    assert got == {"fine": [100, 0, 100], "path": "sections.0.items.0.group", "code": "invalid"}


def test_rubric_js_subset_total_matches_python(page: Page) -> None:
    """The totals of templates reduced to some items (sections without them drop out), and
    ``most``, what the items reach together (a re-inspection's "/ max" on the score bar), are
    the same in both scorers."""
    from sync import rubric
    r = random.Random(20261202)
    cases = []
    while len(cases) < 300:
        template = random_template(r, faults=0)
        try:
            rubric.validate_template(template)
        except Exception:  # a template the generator made invalid by chance: skip it
            continue
        ids = [i["id"] for s in template["sections"] for i in s["items"]]
        if ids:
            cases.append((template, r.sample(ids, r.randint(1, min(len(ids), 4)))))
    got = page.evaluate("""async (cases) => {
      const m = await import('/app/rubric.js');
      return cases.map(([t, ids]) => {
        const reduced = m.subset(t, ids);
        return [m.total(reduced), m.total(t), m.most(reduced), m.most(t)];
      });
    }""", cases)
    want = [[rubric.total(rubric.subset(t, ids)), rubric.total(t), rubric.most(rubric.subset(t, ids)),
             rubric.most(t)] for t, ids in cases]
    assert got == want
    assert sum(1 for g in got if g[0] < g[1]) > 100  # most subsets leave sections out
    assert sum(1 for g in got if g[2] < g[0]) > 50  # and their items reach less than those sections


def test_rubric_js_prepared_scorer_matches_score(page: Page) -> None:
    """The walk's scorer (template validated once, `scorer`) gives what `score` and
    `scoreSubset` give, rejections of answers included, on random templates and answers."""
    r = random.Random(20261203)
    cases = []
    for _ in range(600):
        template = random_template(r, faults=0.01)
        case: dict[str, Any] = {"template": template, "answers": random_answers(r, template, faults=0.03)}
        if r.random() < 0.3 and isinstance(template.get("sections"), list):
            ids = [i.get("id") for s in template["sections"] if isinstance(s, dict)
                   for i in s.get("items", []) if isinstance(i, dict)]
            case["subset"] = r.sample(ids, min(len(ids), r.randint(1, 3))) if ids else ["x"]
        cases.append(case)
    got = page.evaluate("""async (cases) => {
      const m = await import('/app/rubric.js');
      const run = (f) => { try { return f(); } catch (e) { return { reject: e.path }; } };
      return cases.map((c) => {
        const plain = run(() => (c.subset ? m.scoreSubset(c.template, c.answers, c.subset)
          : m.score(c.template, c.answers)));
        const prepared = run(() => { const s = m.scorer(c.template);
          return c.subset ? s.scoreSubset(c.answers, c.subset) : s.score(c.answers); });
        // Scoring twice with one scorer gives the same again.
        const again = run(() => { const s = m.scorer(c.template);
          const first = c.subset ? s.scoreSubset(c.answers, c.subset) : s.score(c.answers);
          const second = c.subset ? s.scoreSubset(c.answers, c.subset) : s.score(c.answers);
          return JSON.stringify(first) === JSON.stringify(second) ? second : { differs: true }; });
        return [plain, prepared, again];
      });
    }""", cases)
    scored = 0
    for case, (plain, prepared, again) in zip(cases, got, strict=True):
        assert prepared == plain == again, (case, plain, prepared, again)
        scored += "score" in plain
    assert scored > 150


def test_rubric_js_reinspection_max_is_what_its_items_reach(page: Page) -> None:
    """The score bar's "/ max" of a re-inspection (inspection-common.js ``maxScore``) is
    ``most`` of the template reduced to its items, as the server's preview ``total``: one
    5-point item of a 15-point earning section is out of 5; a whole inspection out of 100."""
    from sync import rubric
    template = load("rubric-vectors.json")["template"]
    cases = [["q1"], ["e1", "s2"], ["b3", "b4"], ["q1", "r1", "p1"], None]
    got = page.evaluate("""async ([t, cases]) => {
      const { maxScore } = await import('/app/views/inspection-common.js');
      return cases.map((ids) => maxScore(t, ids ? { item_ids: ids } : {}));
    }""", [template, cases])
    assert got == [5.0, 25.0, 5.0, 45.0, 100.0]
    assert got[:-1] == [rubric.most(rubric.subset(template, ids)) for ids in cases[:-1]]
