"""Push benchmark: 1,000 subscriptions notified through the local push-service stand-in,
and the sync path's latency while a server sends them.

The stand-in (tests/support/pushservice.py, this tree's even when another tree's server is
measured: it checks every VAPID JWT and decrypts every body) runs in its own process at
nice 19: a real push service is another machine, so here it should take as little CPU
from the server under test as it can (``--stand-in-nice``; ``--sample N`` checks and
decrypts every N-th message only, counting all). A fresh county database gets ``--subs``
subscriptions (one per made-up user id), then:

a) one message queued for each and one ``PushSender.run_once`` timed in this process: each
   message encrypted (aes128gcm) with a VAPID token (ES256) and POSTed;
b) a real ``fieldsync serve`` on the database (its push job every second) and one device's
   empty syncs throughout, in alternating windows: ``--seconds`` with nothing to send
   (``before`` and ``before again`` by turns: their difference is the noise), then the
   server sending one message to each subscription (``while sending``, until the queue is
   empty), ``--rounds`` times. Per window: p50/p90/p99, CPU seconds of the server, its
   sending process, the stand-in and this process, and the server threads' wait for a CPU.
   ``--factor db`` replaces delivery by an instant "sent" (the queue's SQLite work alone);
   ``--spy DIR`` records py-spy of the server and its sending process.

Run: ``scripts/bench --push`` (``--subs N``, ``--seconds S``, ``--rounds R``, ``--skip-sync``).
A/B against another tree, from its root with this venv:
``PYTHONPATH=. <this>/.venv/bin/python <this>/scripts/bench_push.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from server import push
from server.config import Config
from server.jobs.push import PushSender
from server.store import push as push_store
from server.vapid import ensure_key, public_key_b64
from server.writer import Writer
from tests.support.county import PASSWORD
from tests.support.server import ROOT, ServerHandle, _env, free_port, make_db

SUBJECT = "mailto:ops@county.example"


def stand_in(key: str, subs: int, pipe: Connection, nice: int = 19, sample: int = 1) -> None:
    """The push service's process: send the subscriptions, then answer ``count`` until ``stop``.

    A real push service is another machine; niced (and, at nice 19, of Linux's SCHED_IDLE
    policy, as the server's own sending process is), the stand-in's checking and decrypting
    takes the CPU from the server under test as little as it can on a shared machine: a
    nice-19 process of the normal policy may still finish its time slice, a few ms, before a
    server thread that wakes up gets the core.
    ``sample`` > 1 checks the JWT and decrypts every ``sample``-th message of each sender
    connection only (every message is still counted and answered)."""
    os.nice(nice)
    if nice >= 19 and hasattr(os, "SCHED_IDLE"):
        with suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    # This file's own stand-in, whichever tree's server is measured (A/B against an older
    # tree with this bench: the same push service for both).
    spec = importlib.util.spec_from_file_location(
        "bench_pushservice", Path(__file__).resolve().parents[1] / "tests/support/pushservice.py")
    assert spec is not None and spec.loader is not None
    stand = importlib.util.module_from_spec(spec)
    sys.modules["bench_pushservice"] = stand  # dataclasses look their module up
    spec.loader.exec_module(stand)
    for service in stand.serve(stand.PushService(key, SUBJECT, sample=sample)):
        pipe.send([service.browser(f"u{i}").subscription() for i in range(subs)])
        while (what := pipe.recv()) != "stop":
            with service.lock:
                pipe.send((len(service.received) + service.unchecked,
                           len(service.errors), service.errors[:3]))
        del what


def subscribe(conn: sqlite3.Connection, docs: list[dict[str, Any]], now: int) -> None:
    """One subscription per document, for made-up users ``u0``, ``u1``, …"""
    for i, doc in enumerate(docs):
        sub = push.Subscription(doc["endpoint"], doc["keys"]["p256dh"], doc["keys"]["auth"])
        push_store.subscribe(conn, sub, f"u{i}", f"d{i}", now)


def enqueue(conn: sqlite3.Connection, users: int, now: int, record: str) -> int:
    """One message about ``record`` to each made-up user."""
    return push_store.enqueue(conn, [f"u{i}" for i in range(users)], "assigned", "visits",
                              record, now)


def queued(conn: sqlite3.Connection) -> int:
    """Messages still in the queue (a cheap count on one open connection: this process
    also times the syncs, and its polling must not weigh on them)."""
    return int(conn.execute("SELECT count(*) FROM push_queue").fetchone()[0])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] if xs else float("nan")


class Samples:
    """Sync latencies by the window they started in (``label``, switched by the bench)."""

    def __init__(self) -> None:
        self.label = "warm"
        self.by: dict[str, list[float]] = {}


def empty_syncs(base: str, token: str, samples: Samples, stop: threading.Event) -> None:
    """A device's empty syncs (nothing to push, nothing new) every 10 ms until ``stop``."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as c:
        cursor = c.post("/api/v1/sync", json={"cursor": None, "limit": 1}).json()["cursor"]
        for _ in range(20):  # warm: connections, the readers' threads, the page cache
            c.post("/api/v1/sync", json={"cursor": cursor, "ops": [], "limit": 1})
        while not stop.is_set():
            label = samples.label
            start = time.perf_counter()
            c.post("/api/v1/sync", json={"cursor": cursor, "ops": [], "limit": 1}).raise_for_status()
            samples.by.setdefault(label, []).append((time.perf_counter() - start) * 1000)
            time.sleep(0.01)


def _ticks(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Child processes of ``pid`` (of any of its threads)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            out += [int(x) for x in (task / "children").read_text().split()]
    return out


def _waited(pid: int) -> float:
    """Seconds the threads of ``pid`` have spent runnable but waiting for a CPU (the
    second field of each thread's ``schedstat``)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError, IndexError, ValueError):
            total += int((task / "schedstat").read_text().split()[1])
    return total / 1e9


def cpu(procs: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process, and of every child of the server (the
    sending process) as ``sender``; ``server waited``: the server's threads' time waiting
    for a CPU while runnable (what other processes' work costs the sync path)."""
    out = {name: _ticks(pid) for name, pid in procs.items()}
    out["sender"] = sum(_ticks(c) for c in _children(procs["server"]))
    out["server waited"] = _waited(procs["server"])
    return out


def spy(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy on the server and its sending process (raw, by thread, on-CPU samples only)."""
    exe = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(exe), "record", "-r", "250", "-f", "raw", "--threads",
                             "--nonblocking", "--subprocesses", "-d", str(int(seconds) + 1),
                             "-p", str(pid), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_factor(factor: str, argv: list[str]) -> None:
    """The server for ``--factor``: ``db`` replaces delivery by an instant "sent" (the
    queue's claims and settles in the server's writer, nothing else), ``full`` is the real
    one. Run as this file's ``--serve`` mode, in the server's process."""
    if factor == "db":
        from server.jobs import push as jobs_push
        from server.jobs.queue import SENT

        def instant(self: object, items: Any) -> list[Any]:
            return [SENT] * len(items)
        jobs_push.PushSender._send_batch = instant  # type: ignore[method-assign]
    from server.cli import main as cli
    raise SystemExit(cli(argv))


class FactorServer(ServerHandle):
    """A ``ServerHandle`` whose process is ``serve_factor`` (same arguments as ``serve``)."""

    factor: str = "full"

    def start(self, timeout: float = 30.0) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115  (kept open while it runs)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", self.factor, "serve",
             "--db", str(self.db), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=_env(self.env), stdout=self._log, stderr=subprocess.STDOUT)
        self.starts += 1
        self.wait_healthy(timeout)


def summary(name: str, xs: list[float], cpus: dict[str, float]) -> str:
    """One line: the latencies of a window's syncs, its CPU seconds per process, and the
    server's wait for a CPU per sync."""
    waited = cpus.get("server waited", 0.0) * 1000 / max(len(xs), 1)
    return (f"   {name:<14} p50 {pct(xs, 0.5):5.1f} ms p90 {pct(xs, 0.9):5.1f} p99"
            f" {pct(xs, 0.99):5.1f} max {max(xs, default=float('nan')):6.1f} ({len(xs)} syncs);"
            f" server waited for a CPU {waited:.2f} ms/sync; CPU s: "
            + ", ".join(f"{k} {v:.2f}" for k, v in cpus.items() if k != "server waited")
            + f"; load {os.getloadavg()[0]:.2f}")


def measure_sync(db: Path, subs: int, seconds: float, rounds: int, pipe: Connection,
                 stand_in_pid: int, factor: str, spy_dir: Path | None) -> None:
    """Part b): one device's empty syncs throughout, in alternating windows: ``seconds``
    with nothing to send (labelled ``before`` and ``before again`` by turns: their difference
    is the noise), then the server sending one message to every subscription (``while
    sending``, from queueing until the queue is empty), ``rounds`` times. Alternating, a
    change in the machine's load (other work on it) falls on all three alike. CPU seconds
    of each process are summed per label."""
    server = FactorServer(db, free_port(), db.with_suffix(".log"), env={
        "FIELDSYNC_VAPID_SUBJECT": SUBJECT, "FIELDSYNC_PUSH_ALLOW_HTTP": "1",
        "FIELDSYNC_PUSH_INTERVAL_S": "1"})
    server.factor = factor
    server.start()
    try:
        assert server.proc is not None
        procs = {"server": server.proc.pid, "stand-in": stand_in_pid, "bench": os.getpid()}
        token = httpx.post(f"{server.base_url}/api/v1/auth/login", json={
            "username": "field1", "password": PASSWORD, "device_name": "bench"}).json()["token"]
        samples = Samples()
        stop = threading.Event()
        t = threading.Thread(target=empty_syncs, args=(server.base_url, token, samples, stop))
        t.start()
        time.sleep(2)  # the warm-up's syncs
        cpus: dict[str, dict[str, float]] = {}
        last = cpu(procs)

        def switch(label: str) -> None:
            nonlocal last
            now = cpu(procs)
            mine = cpus.setdefault(samples.label, {})
            for k, v in now.items():
                mine[k] = mine.get(k, 0.0) + v - last.get(k, 0.0)
            last = now
            samples.label = label

        pipe.send("count")
        got0, _e, _s = pipe.recv()
        spying = spy(server.proc.pid, spy_dir / f"server-{factor}.txt", rounds * (seconds + 6)) \
            if spy_dir is not None else None
        took: list[float] = []
        polling = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
        for n in range(rounds):
            switch("before" if n % 2 == 0 else "before again")
            time.sleep(seconds)
            # Queued by this process's own writer: its write lock (another process's) makes
            # the server's writer wait, which a server queueing its own messages does not;
            # syncs started meanwhile are left out (labelled ``queueing``).
            switch("queueing")
            writer = Writer(str(db))
            try:
                start = time.perf_counter()
                writer.run(partial(enqueue, users=subs, now=int(time.time() * 1000),
                                   record=f"v-b{n}"))
            finally:
                writer.close()
            switch("while sending")
            while queued(polling) and time.perf_counter() - start < 120:
                time.sleep(0.05)
            took.append(time.perf_counter() - start)
        switch("done")
        polling.close()
        stop.set()
        t.join()
        if spying is not None:
            spying.wait()
        pipe.send("count")
        got1, errors, _s = pipe.recv()
        print(f"b) [{factor}] the server sent {got1 - got0} of {rounds} x {subs}, each round in"
              f" {', '.join(f'{x:.2f}' for x in took)} s from queueing (its job wakes every 1 s);"
              f" stand-in errors {errors}")
        for label in ("before", "before again", "while sending"):
            print(summary(label, samples.by.get(label, []), cpus.get(label, {})))
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    """Subscribe, queue, send once in-process, then measure a server's sync while it sends."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--subs", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=5.0,
                   help="each window of empty syncs with nothing to send")
    p.add_argument("--rounds", type=int, default=4,
                   help="rounds of --subs messages the server sends (each after a quiet window)")
    p.add_argument("--skip-sync", action="store_true", help="only part a)")
    p.add_argument("--factor", choices=("full", "db"), default="full",
                   help="db: the server's delivery replaced by an instant 'sent' (its queue"
                        " work alone)")
    p.add_argument("--stand-in-nice", type=int, default=19)
    p.add_argument("--sample", type=int, default=1,
                   help="the stand-in checks and decrypts every N-th message (default: all)")
    p.add_argument("--spy", type=Path, help="py-spy the server (and its sender) into this folder")
    a = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "push.db"
        make_db(db)
        config = Config(db=str(db), vapid_subject=SUBJECT, push_allow_http=1)
        ensure_key(config.vapid_key_path)
        ours, theirs = mp.get_context("spawn").Pipe()
        child = mp.get_context("spawn").Process(
            target=stand_in, args=(public_key_b64(config.vapid_key_path), a.subs, theirs,
                                   a.stand_in_nice, a.sample))
        child.start()
        try:
            docs = ours.recv()
            now = int(time.time() * 1000)
            writer = Writer(str(db))
            sender = PushSender(writer, config)
            try:
                writer.run(partial(subscribe, docs=docs, now=now))
                writer.run(partial(enqueue, users=a.subs, now=now, record="v-a"))
                t0 = time.perf_counter()
                counts = sender.run_once(now)
                took = time.perf_counter() - t0
            finally:
                sender.close()
                writer.close()
            ours.send("count")
            got, errors, sample = ours.recv()
            print(f"a) {a.subs} subscriptions: {took:.2f} s {counts};"
                  f" stand-in decrypted {got}, errors {errors} {sample}", flush=True)
            if not a.skip_sync:
                measure_sync(db, a.subs, a.seconds, a.rounds, ours, child.pid or 0, a.factor,
                             a.spy)
        finally:
            ours.send("stop")
            child.join(30)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve_factor(sys.argv[2], sys.argv[3:])
    main()
