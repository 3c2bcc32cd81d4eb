"""Changing any file the service worker precaches without bumping its version fails here:
installed phones would keep the old file until some later bump (tests/support/shell_hashes.py
says how to record a new version)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.support.shell_hashes import PWA_DIR, problems


def test_pwa_shell_files_change_only_with_a_version_bump() -> None:
    assert problems() == []


def test_pwa_shell_hashes_catch_an_edit_without_a_bump(tmp_path: Path) -> None:
    copy = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, copy)
    with (copy / "app" / "views" / "visits.js").open("a") as f:
        f.write("\n// one more line\n")
    found = problems(copy)
    assert len(found) == 1 and found[0].startswith("/app/views/visits.js changed under version"), found
    # Bumping the version alone is not enough either: the new version must be recorded.
    for worker in ("sw.js", "sw-classic.js"):
        path = copy / worker
        bumped = re.sub(r"VERSION = '[^']+'", "VERSION = '9999.01.01-1'", path.read_text())
        path.write_text(bumped)
    assert problems(copy) == ["version 9999.01.01-1 is not recorded: run "
                              "`.venv/bin/python -m tests.support.shell_hashes`"]
