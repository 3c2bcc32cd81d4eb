"""The service worker's version kept honest: the SHA-256 of every file a phone caches for a
shell version, committed in ``tests/support/pwa_shell_hashes.json``.

A phone keeps the shell it cached until the worker's version changes, so changing any
precached file, workspace module (cached on first use) or worker script without bumping
``FIELDSYNC_VERSION`` ships a change that installed phones never get.
``tests/test_pwa_shell_hashes.py`` fails then. After bumping the version in ``pwa/sw.js``
and ``pwa/sw-classic.js``, record the new hashes::

    .venv/bin/python -m tests.support.shell_hashes

It refuses to record different files under a version already recorded (bump it first).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"
HASHES = Path(__file__).resolve().parent / "pwa_shell_hashes.json"
WORKERS = ("/sw.js", "/sw-classic.js", "/sw/shell.js", "/sw/background.js")
VERSION = re.compile(r"self\.FIELDSYNC_VERSION = '([^']+)';")


def shell_version(root: Path = PWA_DIR) -> str:
    """The version in ``pwa/sw.js``."""
    found = VERSION.findall((root / "sw.js").read_text())
    assert len(found) == 1, found
    return found[0]


def shell_urls(root: Path = PWA_DIR) -> list[str]:
    """The URLs ``sw/shell.js`` caches under the version: the precache list (``SHELL``), the
    workspace modules cached on first use (``WORKSPACE``: a supervisor's device keeps them
    until the version changes, so they need a bump as much), the inspection pack
    (``INSPECTION``: likewise on an inspector's device), plus the worker scripts."""
    text = (root / "sw" / "shell.js").read_text()
    urls = set(WORKERS)
    for name in ("SHELL", "WORKSPACE", "INSPECTION"):
        start = text.index(f"var {name} = [")
        urls |= set(re.findall(r"'(/[^']+)'", text[start:text.index("];", start)]))
    return sorted(urls)


def current_hashes(root: Path = PWA_DIR) -> dict[str, str]:
    """URL -> SHA-256 of the file as it is now."""
    return {url: hashlib.sha256((root / url.lstrip("/")).read_bytes()).hexdigest()
            for url in shell_urls(root)}


def combined(hashes: dict[str, str]) -> str:
    """One digest for a whole shell (kept for every version ever recorded)."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def load() -> dict[str, object]:
    """The committed record: {"current": {"version", "files"}, "versions": {version: digest}}."""
    data: dict[str, object] = json.loads(HASHES.read_text())
    return data


def problems(root: Path = PWA_DIR) -> list[str]:
    """What is wrong with the shell at ``root`` against the committed record ([] = fine)."""
    data = load()
    current, versions = data["current"], data["versions"]
    assert isinstance(current, dict) and isinstance(versions, dict)
    version, now = shell_version(root), current_hashes(root)
    if version != current["version"]:
        if version in versions and versions[version] != combined(now):
            return [f"version {version} was used before for other files: pick a new one"]
        return [f"version {version} is not recorded: run `.venv/bin/python -m tests.support.shell_hashes`"]
    changed = sorted(u for u in set(now) | set(current["files"]) if now.get(u) != current["files"].get(u))
    return [f"{u} changed under version {version}: bump FIELDSYNC_VERSION in pwa/sw.js and "
            "pwa/sw-classic.js, then run `.venv/bin/python -m tests.support.shell_hashes`" for u in changed]


def record() -> str:
    """Record the current files under the current version; refuse a changed shell under a
    version already recorded."""
    version, files = shell_version(), current_hashes()
    data = load() if HASHES.exists() else {"current": {}, "versions": {}}
    versions = dict(data["versions"])  # type: ignore[call-overload]
    if versions.get(version, combined(files)) != combined(files):
        raise SystemExit(f"shell files changed but FIELDSYNC_VERSION is still {version}: "
                         "bump it in pwa/sw.js and pwa/sw-classic.js first")
    versions[version] = combined(files)
    HASHES.write_text(json.dumps({"current": {"version": version, "files": files}, "versions": versions},
                                 indent=1, sort_keys=True) + "\n")
    return version


if __name__ == "__main__":
    print(f"recorded shell {record()} in {HASHES}", file=sys.stderr)
