"""A real fieldsync server in a subprocess, on a fresh database, for tests and benches.

The database is made by the county builder (``tests/support/county.py``, as the CLI's
``centre add`` and ``user add`` would), the server is started with
``python -m server.cli serve`` on a free port of 127.0.0.1, and :func:`running_server`
yields a :class:`ServerHandle` once ``/healthz`` answers. The handle can also SIGKILL and
restart the server on the same database and port (crash tests). Use it as a context
manager, or through the ``live_server`` fixture::

    from tests.support.server import live_server  # noqa: F401  (pytest fixture)

    def test_x(live_server):
        httpx.get(live_server.base_url + "/healthz")
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from .county import COUNTY, FIELD_COUNTY, PASSWORD, Centre, User, build_county

__all__ = ["COUNTY", "PASSWORD", "Centre", "User"]  # re-exported for the tests that use them

ROOT = Path(__file__).resolve().parents[2]
CENTRES = FIELD_COUNTY.centres
USERS = FIELD_COUNTY.users


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    # The deadline sweep changes records as time passes; servers under test sweep only when
    # a test asks (``fieldsync sweep``), so two runs of one schedule stay comparable.
    env.setdefault("FIELDSYNC_SWEEP_INTERVAL_S", "86400")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def make_db(db: Path, centres: Sequence[Centre] = CENTRES, users: Sequence[User] = USERS) -> None:
    """Create a fresh database at ``db`` holding ``centres`` and ``users``."""
    build_county(db, centres, users)


@dataclass
class ServerHandle:
    """A running (or stopped) server process on one database and one port."""

    db: Path
    port: int
    log_path: Path
    env: Mapping[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start ``serve`` and wait until ``/healthz`` answers 200."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("server already running")
        self._log = open(self.log_path, "ab")  # noqa: SIM115  (kept open while it runs)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--db", str(self.db),
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=_env(self.env), stdout=self._log, stderr=subprocess.STDOUT)
        self.starts += 1
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Poll ``/healthz`` until 200; fail early (with the log) if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=2.0).status_code == 200:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"server not healthy after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        """Everything the server printed so far (all runs)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, grace: float = 10.0) -> int | None:
        """Terminate (SIGTERM), then SIGKILL after ``grace`` seconds; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(grace)
        return self._reaped()

    def kill(self, sig: int = signal.SIGKILL) -> int | None:
        """Crash the server: send ``sig`` (SIGKILL by default) and reap it."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        return self._reaped()

    def restart(self, timeout: float = 30.0) -> None:
        """Stop if running, then start again on the same database and port."""
        self.stop()
        self.start(timeout)

    def _reaped(self) -> int | None:
        code = self.proc.returncode if self.proc else None
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return code


@contextlib.contextmanager
def running_server(tmp_path: Path, *, centres: Sequence[Centre] = CENTRES,
                   users: Sequence[User] = USERS, env: Mapping[str, str] | None = None,
                   db_name: str = "fieldsync.db",
                   port: int | None = None) -> Iterator[ServerHandle]:
    """A fresh database in ``tmp_path`` and a server on it, stopped on exit."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = tmp_path / db_name
    make_db(db, centres, users)
    handle = ServerHandle(db=db, port=port or free_port(), log_path=tmp_path / "server.log",
                          env=env)
    try:
        handle.start()
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[ServerHandle]:
    """A server on a fresh database with the default centres and users."""
    with running_server(tmp_path) as handle:
        yield handle
