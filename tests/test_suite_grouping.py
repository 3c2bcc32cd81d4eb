"""The suite's parallel run keeps each test module on one worker (``tests/conftest.py``).

``scripts/test`` runs ``pytest -n auto --dist loadgroup``, and relies on it to set up a
module's server, county or browser once, not on every worker that takes one of its tests.
It was broken twice, silently: pytest-xdist tags each
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
import os, time

def _ran(name):
    time.sleep(0.3)  # long enough that an idle worker would take the next test
    with open(os.environ["GROUPING_LOG"], "a") as f:
        f.write(f"{__name__}.{name} {os.environ['PYTEST_XDIST_WORKER']}\\n")

def test_1(): _ran("1")
def test_2(): _ran("2")
def test_3(): _ran("3")
def test_4(): _ran("4")
'''


def test_suite_grouping_keeps_each_module_on_one_worker(tmp_path: Path) -> None:
    hook = CONFTEST.read_text(encoding="utf-8")
    (block,) = [b for b in hook.split("\n\n\n") if "def pytest_collection_modifyitems" in b]
    (tmp_path / "conftest.py").write_text(f"import pytest\n\n\n{block}\n", encoding="utf-8")
    for module in ("test_one", "test_two"):
        (tmp_path / f"{module}.py").write_text(TESTS, encoding="utf-8")
    log = tmp_path / "ran.log"
    env = {**os.environ, "GROUPING_LOG": str(log)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup",
                          "-p", "no:cacheprovider", "-q", str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    ran = dict(line.split() for line in log.read_text(encoding="utf-8").splitlines())
    assert len(ran) == 8
    for module in ("test_one", "test_two"):
        workers = {w for test, w in ran.items() if test.startswith(f"{module}.")}
        assert len(workers) == 1, f"{module}'s tests spread over workers: {ran}"
