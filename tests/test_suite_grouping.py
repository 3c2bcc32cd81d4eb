"""The suite's parallel run keeps each ``xdist_group`` on one worker (``tests/conftest.py``).

``scripts/test`` runs ``pytest -n auto --dist loadgroup``, and relies on it to run the browser
tests one after another on one worker (two Chromiums and two servers at once on CI's two cores
stretched their waits toward their timeouts). It broke twice, silently: pytest-xdist tags each
node id with its group in its own collection hook, which ran before ours had added the group
(our hook is now ``tryfirst``); and pytest 9.2 keeps node ids where pytest-xdist 3.8 cannot
tag them (``pyproject.toml`` holds pytest below 9.2). Either way the groups spread over every
worker. This runs a small suite the same way, with this project's grouping hook, and checks
where its tests ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")

TESTS = '''
import os, pathlib, time
import pytest

def _ran(name):
    time.sleep(0.3)  # long enough that an idle worker would take the next test
    with open(os.environ["GROUPING_LOG"], "a") as f:
        f.write(f"{name} {os.environ['PYTEST_XDIST_WORKER']}\\n")

@pytest.mark.browser
def test_b1(): _ran("b1")
@pytest.mark.browser
def test_b2(): _ran("b2")
@pytest.mark.browser
def test_b3(): _ran("b3")
@pytest.mark.browser
def test_b4(): _ran("b4")
'''


def test_suite_grouping_keeps_browser_tests_on_one_worker(tmp_path: Path) -> None:
    hook = CONFTEST.read_text(encoding="utf-8")
    start = hook.index("@pytest.hookimpl(tryfirst=True)")
    end = hook.index("\n\n\n", start)
    (tmp_path / "conftest.py").write_text("import pytest\n\n\n" + hook[start:end] + "\n",
                                          encoding="utf-8")
    (tmp_path / "test_grouped.py").write_text(TESTS, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    browser: grouped\n", encoding="utf-8")
    log = tmp_path / "ran.log"
    env = {**os.environ, "GROUPING_LOG": str(log)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup",
                          "-p", "no:cacheprovider", "-q", str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    ran = dict(line.split() for line in log.read_text(encoding="utf-8").splitlines())
    assert sorted(ran) == ["b1", "b2", "b3", "b4"]
    assert len(set(ran.values())) == 1, f"browser tests spread over workers: {ran}"
