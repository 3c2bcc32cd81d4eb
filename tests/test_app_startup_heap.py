"""The app's start freezes what the process holds then (``server.app.freeze_startup_heap``):
full garbage collections no longer walk the modules and the app, and what is made after the
start is collected as before. Run in a fresh interpreter: freezing happens once per process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, sys, weakref
from starlette.testclient import TestClient
from server.app import create_app
from server.config import Config
from tests.support.server import make_db

make_db(sys.argv[1])
assert gc.get_freeze_count() == 0
calls = []
freeze = gc.freeze
gc.freeze = lambda: (calls.append(1), freeze())[1]
with TestClient(create_app(Config(db=sys.argv[1]))) as client:
    frozen = gc.get_freeze_count()
    assert client.get("/healthz").status_code == 200

    class Node:
        pass
    node = Node()
    node.me = node  # a cycle made after the start: only the cyclic collector frees it
    gone = weakref.ref(node)
    del node
    gc.collect()
    assert gone() is None, "a cycle made after the start was not collected"
with TestClient(create_app(Config(db=sys.argv[1]))):
    pass
print(frozen, len(calls))
"""


def test_app_startup_heap_frozen_once(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "f.db")],
                         capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    frozen, calls = map(int, out.stdout.split())
    assert frozen > 10_000  # the modules, schemas and app: tens of thousands of objects
    assert calls == 1  # a second app in the same process freezes nothing more
