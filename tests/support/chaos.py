"""Loopback proxies that misbehave on purpose, and devices whose edit times are scripted.

- :class:`ChaosProxy` sits between devices and a real server on a free 127.0.0.1 port. It
  reads each HTTP/1.1 request whole, then, with a seeded RNG, either relays it faithfully or
  breaks it: closes before forwarding, cuts the request head or body, half-closes the
  request mid-body, forwards a truncated body with a matching ``Content-Length``, or lets the
  server answer and then drops, cuts or truncates the response. Every exchange is logged
  with what was done and the server's status, if it answered.
- :class:`SlowLink` is a byte-level proxy that models a slow mobile link: a fixed one-way
  delay and a bottleneck rate per direction (bytes queue at the bottleneck, as in a real
  modem), plus one round trip for each new connection (the TCP handshake).
- :class:`ScheduledDevice` is a :class:`SimDevice` whose edits read a :class:`VirtualClock`
  (so two runs of one schedule make byte-identical ops) while the ``clock`` it sends with a
  sync reads the real clock, as a phone's would: the server's skew correction then stamps
  each op at ``virtual time − skew + latency``, so winners depend on the schedule, not on
  when requests happened to arrive.

Threads, not asyncio: the tests and the bench drive devices from synchronous code. Every
socket has a timeout and every loop a bound; :meth:`stop` closes everything it opened.
"""

from __future__ import annotations

import contextlib
import queue
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .devicesim import SimDevice

Json = dict[str, Any]
FAULTS = ("refuse", "cut_head", "cut_body", "eof_body", "truncate_request",
          "drop_response", "cut_response", "truncate_response")
MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
MAX_EXCHANGES = 100_000  # per client connection


class ProtocolError(Exception):
    """The peer sent something this proxy does not parse (or closed mid-message)."""


class _Reader:
    """Buffered reads from a blocking socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buf = sock, b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def until(self, sep: bytes, limit: int) -> bytes | None:
        """Bytes up to and including ``sep``; None on EOF before any byte."""
        while sep not in self.buf:
            if len(self.buf) > limit:
                raise ProtocolError("head too long")
            if not self._fill():
                if self.buf:
                    raise ProtocolError("closed mid-head")
                return None
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exact(self, n: int) -> bytes:
        """Exactly ``n`` bytes; ProtocolError if the peer closes first."""
        while len(self.buf) < n:
            if not self._fill():
                raise ProtocolError("closed mid-body")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def rest(self) -> bytes:
        """Everything until the peer closes (a response framed by the end of the connection)."""
        while len(self.buf) <= MAX_BODY and self._fill():
            pass
        out, self.buf = self.buf, b""
        return out


@dataclass
class Message:
    """One HTTP/1.1 message as raw bytes: head (through the blank line) and body (as framed)."""

    head: bytes
    body: bytes
    chunked: bool = False

    @property
    def start_line(self) -> str:
        """``POST /api/v1/sync HTTP/1.1`` or ``HTTP/1.1 200 OK``."""
        return self.head.split(b"\r\n", 1)[0].decode("latin-1")

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        for line in self.head.split(b"\r\n")[1:]:
            k, sep, v = line.partition(b":")
            if sep and k.strip().lower() == name.lower().encode():
                return v.strip().decode("latin-1")
        return None

    def with_length(self, n: int) -> bytes:
        """The head with ``Content-Length: n`` (replacing any framing) plus ``body[:n]``."""
        lines = [ln for ln in self.head.split(b"\r\n")
                 if ln.split(b":", 1)[0].strip().lower() not in (b"content-length", b"transfer-encoding")]
        lines = [ln for ln in lines if ln]  # head ends with two empty strings
        return b"\r\n".join([*lines, b"Content-Length: %d" % n, b"", b""]) + self.body[:n]

    @property
    def raw(self) -> bytes:
        """The message as it came."""
        return self.head + self.body


def read_message(r: _Reader, *, response: bool, method: str = "") -> Message | None:
    """The next whole message from ``r`` (None on a clean EOF between messages)."""
    head = r.until(b"\r\n\r\n", MAX_HEAD)
    if head is None:
        return None
    msg = Message(head, b"")
    status = int(msg.start_line.split()[1]) if response else 0
    if response and (100 <= status < 200 or status in (204, 304) or method == "HEAD"):
        return msg
    if (msg.header("transfer-encoding") or "").lower().endswith("chunked"):
        parts = []
        for _ in range(1_000_000):
            size_line = r.until(b"\r\n", 1024)
            if size_line is None:
                raise ProtocolError("closed mid-chunks")
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (trailer := r.until(b"\r\n", MAX_HEAD)) not in (b"\r\n", None):
                    parts.append(trailer)
                parts.append(b"\r\n")
                break
            parts.append(r.exact(size + 2))
        msg.body, msg.chunked = b"".join(parts), True
        return msg
    length = msg.header("content-length")
    if length is not None:
        if not length.isdigit() or int(length) > MAX_BODY:
            raise ProtocolError(f"bad Content-Length {length!r}")
        msg.body = r.exact(int(length))
    elif response:
        msg.body = r.rest()
    return msg


@dataclass
class Exchange:
    """What the proxy did with one request."""

    fault: str  # "ok" or one of FAULTS
    request: str  # start line
    status: int | None  # the server's status, if the server answered and the proxy read it


class _Base:
    """Accept loop, connection threads, bounded shutdown."""

    name = "proxy"

    def __init__(self, upstream_port: int, *, upstream_host: str = "127.0.0.1",
                 timeout: float = 30.0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.timeout = timeout
        self._stop = threading.Event()
        self._socks: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.port = 0
        self.connections = 0

    @property
    def base_url(self) -> str:
        """Where clients connect: ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1 and start accepting."""
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(128)
        ls.settimeout(0.2)
        self._listener, self.port = ls, int(ls.getsockname()[1])
        self._spawn(self._accept_loop)

    def stop(self) -> None:
        """Close the listener and every open socket; join the threads (bounded)."""
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        deadline = time.monotonic() + 10
        for t in list(self._threads):
            t.join(max(0.0, deadline - time.monotonic()))

    def _spawn(self, fn: Any, *args: Any) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True, name=self.name)
        with self._lock:
            self._threads = [x for x in self._threads if x.is_alive()]
            self._threads.append(t)
        t.start()

    def _track(self, s: socket.socket) -> socket.socket:
        s.settimeout(self.timeout)
        with self._lock:
            self._socks.add(s)
        return s

    def _close(self, *socks: socket.socket | None) -> None:
        for s in socks:
            if s is None:
                continue
            with self._lock:
                self._socks.discard(s)
            with contextlib.suppress(OSError):
                s.close()

    def _connect(self) -> socket.socket:
        return self._track(socket.create_connection(self.upstream, timeout=self.timeout))

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._spawn(self._handle, self._track(client))

    def _handle(self, client: socket.socket) -> None:
        raise NotImplementedError


class ChaosProxy(_Base):
    """An HTTP/1.1 proxy that breaks a share ``rate`` of exchanges, chosen by a seeded RNG.

    Requests are taken one at a time per connection; each is forwarded on its own upstream
    connection (closed after the response), so a broken exchange never poisons the next.
    ``log`` lists every exchange; ``faults`` counts them by kind.
    """

    name = "chaos-proxy"

    def __init__(self, upstream_port: int, *, seed: int, rate: float = 0.3,
                 kinds: tuple[str, ...] = FAULTS, **kw: Any) -> None:
        super().__init__(upstream_port, **kw)
        unknown = set(kinds) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        self.rng = random.Random(seed)
        self.rate, self.kinds = rate, kinds
        self.log: list[Exchange] = []

    @property
    def faults(self) -> Counter[str]:
        """Exchanges so far by what was done to them (``ok`` for none)."""
        return Counter(e.fault for e in self.log)

    def _choose(self, body: bytes) -> tuple[str, float]:
        with self._lock:
            fault = self.rng.choice(self.kinds) if self.rng.random() < self.rate else "ok"
            where = self.rng.random()  # where in the message to cut, as a share of its length
        if fault in ("cut_body", "eof_body", "truncate_request") and not body:
            fault = "drop_response"  # nothing to cut mid-body: break the answer instead
        return fault, where

    def _handle(self, client: socket.socket) -> None:
        r = _Reader(client)
        try:
            for _ in range(MAX_EXCHANGES):
                if self._stop.is_set():
                    return
                req = read_message(r, response=False)
                if req is None:
                    return
                fault, where = self._choose(req.body)
                if not self._exchange(client, req, fault, where):
                    return
        except (OSError, ProtocolError, ValueError):
            return
        finally:
            self._close(client)

    def _exchange(self, client: socket.socket, req: Message, fault: str, where: float) -> bool:
        """Do one exchange; False when the client connection must close."""
        entry = Exchange(fault, req.start_line, None)
        self.log.append(entry)
        if fault == "refuse":
            return False
        method = req.start_line.split(" ", 1)[0]
        up = self._connect()
        try:
            if fault == "cut_head":
                up.sendall(req.head[:1 + int(where * (len(req.head) - 2))])
                return False
            if fault in ("cut_body", "eof_body"):
                up.sendall(req.head + req.body[:int(where * len(req.body))])
                if fault == "cut_body":
                    return False
                up.shutdown(socket.SHUT_WR)  # the server sees the body end early
                resp = read_message(_Reader(up), response=True, method=method)
                entry.status = _status(resp)
                if resp is not None:
                    client.sendall(resp.raw)
                return False
            if fault == "truncate_request":
                up.sendall(req.with_length(int(where * len(req.body))))
            else:
                up.sendall(req.raw)
            resp = read_message(_Reader(up), response=True, method=method)
            entry.status = _status(resp)
            if resp is None:
                return False
            if fault == "drop_response":
                return False
            if fault == "cut_response":
                client.sendall(resp.raw[:1 + int(where * (len(resp.raw) - 2))])
                return False
            if fault == "truncate_response" and resp.body and not resp.chunked:
                client.sendall(resp.with_length(int(where * len(resp.body))))
            elif fault == "truncate_response":
                client.sendall(resp.raw[:len(resp.head) + int(where * len(resp.body))])
                return False
            else:
                client.sendall(resp.raw)
            return (resp.header("connection") or "").lower() != "close"
        finally:
            self._close(up)


def _status(resp: Message | None) -> int | None:
    return int(resp.start_line.split()[1]) if resp is not None else None


class _Pipe:
    """One direction of a slow link: a bottleneck of ``rate_bps`` then ``delay_s`` of flight."""

    def __init__(self, rate_bps: float, delay_s: float, mtu: int) -> None:
        self.rate, self.delay, self.mtu = rate_bps, delay_s, mtu
        self.free_at = 0.0  # when the bottleneck finishes sending what is queued
        self.bytes = 0
        self.lock = threading.Lock()

    def schedule(self, data: bytes) -> list[tuple[float, bytes]]:
        """Delivery times of ``data``'s packets, arriving now."""
        out = []
        with self.lock:
            now = time.monotonic()
            self.bytes += len(data)
            for i in range(0, len(data), self.mtu):
                pkt = data[i:i + self.mtu]
                self.free_at = max(now, self.free_at) + len(pkt) * 8 / self.rate
                out.append((self.free_at + self.delay, pkt))
        return out


class SlowLink(_Base):
    """A byte-level proxy modelling a slow link (default: 250 kbit/s, 600 ms round trips).

    ``up`` / ``down`` hold the bytes that crossed each way (HTTP heads included). A new
    connection costs one round trip before its bytes start to flow (the TCP handshake).
    """

    name = "slow-link"

    def __init__(self, upstream_port: int, *, rate_bps: float = 250_000, delay_s: float = 0.3,
                 mtu: int = 1460, handshake: bool = True, **kw: Any) -> None:
        super().__init__(upstream_port, **kw)
        self.up, self.down = _Pipe(rate_bps, delay_s, mtu), _Pipe(rate_bps, delay_s, mtu)
        self.handshake = handshake

    @property
    def rtt(self) -> float:
        """Round-trip time in seconds (both one-way delays)."""
        return self.up.delay + self.down.delay

    def _handle(self, client: socket.socket) -> None:
        try:
            up = self._connect()
        except OSError:
            self._close(client)
            return
        if self.handshake:
            time.sleep(self.rtt)
        done = threading.Barrier(2, timeout=None)
        self._spawn(self._pump, client, up, self.up, done)
        self._pump(up, client, self.down, done)

    def _pump(self, src: socket.socket, dst: socket.socket, pipe: _Pipe,
              done: threading.Barrier) -> None:
        """Read ``src`` as fast as it comes, deliver to ``dst`` on the pipe's schedule."""
        q: queue.Queue[tuple[float, bytes | None]] = queue.Queue()
        writer = threading.Thread(target=self._deliver, args=(q, dst), daemon=True)
        writer.start()
        try:
            while not self._stop.is_set():
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    break
                for item in pipe.schedule(data):
                    q.put(item)
        finally:
            with pipe.lock:
                q.put((max(pipe.free_at, time.monotonic()) + pipe.delay, None))
            writer.join(self.timeout + 60)
            with contextlib.suppress(threading.BrokenBarrierError):
                done.wait(self.timeout + 60)
            self._close(src, dst)

    def _deliver(self, q: queue.Queue[tuple[float, bytes | None]], dst: socket.socket) -> None:
        for _ in range(10_000_000):
            try:
                due, data = q.get(timeout=self.timeout + 60)
            except queue.Empty:
                return
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if data is None:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
            except OSError:
                return


@dataclass
class VirtualClock:
    """Scripted time for edits: ``start`` plus whatever :meth:`advance` added (ms)."""

    start: int
    elapsed: int = 0

    def advance(self, ms: int) -> int:
        """Move the clock on by ``ms``; returns the new time."""
        self.elapsed += ms
        return self()

    def __call__(self) -> int:
        return self.start + self.elapsed


@dataclass
class ScheduledDevice(SimDevice):
    """A SimDevice whose edits are timed by ``vclock`` (plus its skew), while the ``clock``
    it sends with a sync is the real clock (plus its skew), as on a phone.

    A sync draws nothing from the device's RNG (its state is restored afterwards), so a
    run where syncs fail and are retried makes exactly the edits of a run where they don't.
    """

    vclock: VirtualClock | None = None
    sending: bool = False

    def now(self) -> int:
        """Virtual time (plus skew) for edits; the real clock (plus skew) while syncing."""
        if self.sending or self.vclock is None:
            return super().now()
        return self.vclock() + self.skew_ms

    def sync(self) -> Json:
        """:meth:`SimDevice.sync`, leaving the edit RNG as it was (see the class)."""
        state = self.rng.getstate()
        self.sending = True
        try:
            return super().sync()
        finally:
            self.sending = False
            self.rng.setstate(state)
