"""A real fieldsync server in a subprocess, on a fresh database, for tests and benches.

The database is made with the CLI (``python -m server.cli init``, ``centre add``,
``user add``), the server is started with ``python -m server.cli serve`` on a free port of
127.0.0.1, and :func:`running_server` yields a :class:`ServerHandle` once ``/healthz``
answers. The handle can also SIGKILL and restart the server on the same database and port
(crash tests). Use it as a context manager, or through the ``live_server`` fixture::

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

ROOT = Path(__file__).resolve().parents[2]
COUNTY = "k-qingshan"
PASSWORD = "Test-pass-2026"


@dataclass(frozen=True)
class Centre:
    """A township centre to create with ``fieldsync centre add``."""

    id: str
    name: str
    county: str = COUNTY


@dataclass(frozen=True)
class User:
    """A user to create with ``fieldsync user add``."""

    username: str
    role: str
    centres: tuple[str, ...] = ()
    county: str | None = COUNTY
    password: str = PASSWORD


CENTRES = (Centre("c-shiqiao", "石桥镇便民服务中心"), Centre("c-liulin", "柳林乡便民服务中心"))
USERS = (
    User("field1", "field", ("c-shiqiao",)),
    User("field2", "field", ("c-shiqiao",)),
    User("field3", "field", ("c-liulin",)),
    User("centre1", "centre", ("c-shiqiao",)),
    User("super1", "supervisor"),
    User("admin1", "admin"),
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, env: Mapping[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``python -m server.cli ARGS`` from the repo root; raise with its output if it fails."""
    proc = subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, text=True,
                          capture_output=True, env=_env(env), timeout=120)
    if check and proc.returncode != 0:
        raise RuntimeError(f"fieldsync {' '.join(args)} exited {proc.returncode}:\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return proc


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    # The deadline sweep changes records as time passes; servers under test sweep only when
    # a test asks (``fieldsync sweep``), so two runs of one schedule stay comparable.
    env.setdefault("FIELDSYNC_SWEEP_INTERVAL_S", "86400")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def make_db(db: Path, centres: Sequence[Centre] = CENTRES, users: Sequence[User] = USERS,
            env: Mapping[str, str] | None = None) -> None:
    """Create a fresh database at ``db`` holding ``centres`` and ``users``."""
    cli("init", "--db", str(db), env=env)
    for c in centres:
        cli("centre", "add", "--db", str(db), "--id", c.id, "--name", c.name, "--county", c.county,
            env=env)
    for u in users:
        args = ["user", "add", "--db", str(db), "--username", u.username, "--password",
                u.password, "--role", u.role]
        for c_id in u.centres:
            args += ["--centre", c_id]
        if u.county:
            args += ["--county", u.county]
        cli(*args, env=env)


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
    make_db(db, centres, users, env)
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
