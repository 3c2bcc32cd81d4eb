"""The app's shared state: config, the writer, the readers, the login limiter."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from sync.ops import MAX_INT

from .auth import Principal, authenticate
from .config import Config
from .errors import BadRequest
from .limits import LoginLimiter
from .writer import Readers, Writer


@dataclass
class AppState:
    """Everything a request handler needs, hung on ``app.state.fs``."""

    config: Config
    writer: Writer
    readers: Readers
    limiter: LoginLimiter
    db_id: str

    def close(self) -> None:
        """Stop the writer and close read connections."""
        self.writer.close()
        self.readers.close()


def state(request: Request) -> AppState:
    """The ``AppState`` of the app serving ``request``."""
    fs: AppState = request.app.state.fs
    return fs


async def principal(request: Request, *, allow_revoked: bool = False) -> Principal:
    """Authenticate the request's bearer token (raises 401 errors)."""
    header = request.headers.get("authorization")
    cfg = state(request).config
    who = await state(request).readers.run(lambda conn: authenticate(
        conn, header, idle_s=cfg.token_idle_s, max_s=cfg.token_max_s, allow_revoked=allow_revoked))
    request.state.principal = who  # for the audit of any refusal that follows
    return who


def parse_bool(value: str | None, field: str) -> bool | None:
    """A query flag: ``1``/``true`` or ``0``/``false`` (absent: None); else 400."""
    if value is None:
        return None
    if value.lower() in ("1", "true"):
        return True
    if value.lower() in ("0", "false"):
        return False
    raise BadRequest(f"{field}: expected 1 or 0", details={"field": field})


def int_param(value: object, name: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """A JSON or query value that must be an integer in range, else 400.

    Integral floats (``5.0``) count as integers, as JSON Schema says they do.
    """
    if isinstance(value, str) and value.lstrip("-").isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_INT:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name}: expected an integer", details={"field": name})
    if value < minimum or value > maximum:
        raise BadRequest(f"{name}: must be between {minimum} and {maximum}", details={"field": name})
    return value
