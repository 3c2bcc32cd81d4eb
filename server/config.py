"""All configuration, from environment variables with defaults and help text.

``fieldsync config`` prints every setting with its help; nothing else reads os.environ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


def _setting(default: Any, help: str) -> Any:
    from dataclasses import field
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Config:
    """Server settings. Each field maps to ``FIELDSYNC_<NAME>`` in the environment."""

    db: str = _setting("data/fieldsync.db", "Path of the SQLite database file.")
    attachments_dir: str = _setting("", "Folder for attachment files (default: <db>.files).")
    max_attachment_bytes: int = _setting(20 * 1024 * 1024,
                                         "Largest attachment (photo, signature) accepted, in bytes.")
    max_body_bytes: int = _setting(16 * 1024 * 1024, "Largest request body accepted, as sent.")
    max_inflated_bytes: int = _setting(64 * 1024 * 1024, "Largest request body after gunzip.")
    max_ops: int = _setting(5000, "Most ops accepted in one sync request.")
    page_default: int = _setting(500, "Changes per sync page when the client names no limit.")
    page_max: int = _setting(5000, "Largest page of changes a client may ask for.")
    login_max_failures: int = _setting(
        5, "Wrong passwords for one username before its logins are delayed (429).")
    login_lockout_s: int = _setting(
        60, "First delay, in seconds, once a username is locked; it doubles with each further"
        " wrong password, up to FIELDSYNC_LOGIN_MAX_LOCKOUT_S. A good login clears it.")
    login_max_lockout_s: int = _setting(3600, "Longest delay for one username, in seconds.")
    login_address_max_failures: int = _setting(
        100, "Failed logins from one address (any usernames) within"
        " FIELDSYNC_LOGIN_ADDRESS_WINDOW_S before that address gets 429. Far above a township"
        " centre's normal traffic: its phones share one NAT address.")
    login_address_window_s: int = _setting(900, "Window of the per-address ceiling, in seconds.")
    trust_forwarded: int = _setting(
        0, "How many reverse proxies in front of fieldsync append to X-Forwarded-For (0: trust"
        " none, the default). With 1 (one nginx or Caddy that sets the header), the client"
        " address for login limits and the audit log is the right-most entry of"
        " X-Forwarded-For. Never set it without a proxy: clients could then choose their"
        " own address.")
    token_idle_s: int = _setting(21 * 86400, "A token unused (no sync) this long expires (token_expired).")
    token_max_s: int = _setting(120 * 86400, "A token expires this long after login, used or not.")
    synchronous: str = _setting("FULL", "SQLite synchronous pragma (FULL survives power loss).")
    pwa_dir: str = _setting("", "Folder of the PWA to serve at / (default: the repo's pwa/).")
    vapid_key_file: str = _setting("", "VAPID private key (PEM, mode 0600) for Web Push, made at"
                                       " init (default: <db>.vapid.pem).")
    vapid_subject: str = _setting("mailto:admin@localhost", "VAPID 'sub' claim: a mailto: or https:"
                                  " contact for push services.")
    push_allow_http: int = _setting(0, "1 allows plain-http push endpoints (tests only).")
    push_interval_s: int = _setting(3, "Seconds between runs of the Web Push sender.")
    sweep_interval_s: int = _setting(300, "Seconds between deadline sweeps (overdue, accountability).")
    sweep_chunk: int = _setting(5000, "Records a deadline sweep writes per transaction (a kill"
                                " loses at most one chunk; phones' syncs wait at most one).")
    push_max_attempts: int = _setting(8, "Attempts at one push message before it is dropped.")
    sms_webhook_url: str = _setting("", "Outgoing webhook of the county's SMS gateway: every new"
                                    " notification is POSTed there as JSON (empty: off).")
    sms_webhook_secret: str = _setting("", "Shared secret signing each webhook body (HMAC-SHA256 of"
                                       " '<timestamp>.<body>', header X-Fieldsync-Signature).")
    sms_webhook_counties: str = _setting("", "Comma-separated county ids whose notifications go to"
                                         " the SMS gateway (empty: every county).")
    sms_webhook_max_attempts: int = _setting(10, "Attempts at one webhook call before it is dropped.")

    @classmethod
    def from_env(cls, **overrides: Any) -> Config:
        """Settings from ``FIELDSYNC_*`` variables, then explicit overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"FIELDSYNC_{f.name.upper()}")
            if raw is not None:
                values[f.name] = int(raw) if isinstance(f.default, int) else raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def files_dir(self) -> Path:
        """Where attachment files live: beside the database unless configured."""
        return Path(self.attachments_dir) if self.attachments_dir else Path(self.db + ".files")

    @property
    def vapid_key_path(self) -> Path:
        """The VAPID private key file: beside the database unless configured."""
        return Path(self.vapid_key_file) if self.vapid_key_file else Path(self.db + ".vapid.pem")

    @property
    def pwa_path(self) -> Path:
        """The PWA folder served at ``/``."""
        return Path(self.pwa_dir) if self.pwa_dir else Path(__file__).resolve().parent.parent / "pwa"


def describe() -> str:
    """Every setting with its variable name, default and help."""
    lines = []
    for f in fields(Config):
        lines.append(f"FIELDSYNC_{f.name.upper()} (default {f.default!r})\n    {f.metadata['help']}")
    return "\n".join(lines)
