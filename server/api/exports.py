"""Exports (台账, contract v1.1 "Exports"): ``GET /api/v1/exports/{collection}.xlsx|.csv``.

Query: ``from``, ``to`` (dates, inclusive, China time, on each record's date; ``from`` after
``to`` is an empty ledger), ``centre_id``;
the caller's scope only. ID numbers and phones are masked unless an admin, or a supervisor
giving ``reason``, asks ``unmasked=1`` (field, centre and inspector users never can). Every
export is written to the audit log, with its reason when unmasked.

The file is built in one read snapshot by a worker process (``server.jobs.export``), row by
row into a temporary file (XLSX rows streamed into an xlsxwriter workbook, CSV in UTF-8 with
BOM), then streamed back and deleted, so the server's memory does not grow with the ledger's
size and the sync path does not wait on the export for the GIL. At most ``WORKERS`` exports
build at once; more wait their turn.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .. import ledgers
from ..clock import now_ms
from ..errors import NotFound
from ..http import client_address
from ..jobs.export import Job
from ..state import state
from ..store import audit
from .lists import listed_collection, parse_day
from .reports import scoped_centres
from .workspace import unmask_asked, workspace_principal

DAY_MS = 86_400_000
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8"}
CHUNK = 64 * 1024
WORKERS = 2  # export processes at once (each keeps a core busy while it runs)
_ROOT = str(Path(__file__).resolve().parents[2])
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
    weakref.WeakKeyDictionary()


def _target(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or ext not in MEDIA:
        raise NotFound("exports are .xlsx or .csv", details={"export": name})
    if stem not in ledgers.COLUMNS:
        raise NotFound(f"no ledger of {stem!r}", details={"export": name})
    return stem, ext


async def _stream(path: Path) -> AsyncIterator[bytes]:
    from anyio import open_file

    async with await open_file(path, "rb") as f:
        while chunk := await f.read(CHUNK):
            yield chunk


async def _run(job: Job) -> int:
    """Build ``job`` in a worker process; its row count. The worker is killed if the request
    is cancelled (the server stopping); a worker that fails is a server error."""
    loop = asyncio.get_running_loop()
    slots = _slots.setdefault(loop, asyncio.Semaphore(WORKERS))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)}
    async with slots:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.jobs.export", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
        try:
            out, err = await proc.communicate(job.encode())
        except BaseException:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
    if proc.returncode != 0:
        detail = err.decode(errors="replace")[-2000:]
        raise RuntimeError(f"export worker failed ({proc.returncode}): {detail}")
    rows: int = json.loads(out)["rows"]
    return rows


async def export(request: Request) -> Response:
    """One ledger as a file download."""
    fs = state(request)
    who = await workspace_principal(request)
    collection, ext = _target(request.path_params["filename"])
    listed_collection(who, collection)
    q = request.query_params
    since = parse_day(q["from"], "from") if "from" in q else None
    until = parse_day(q["to"], "to") + DAY_MS if "to" in q else None
    centres = scoped_centres(who, q.get("centre_id"))
    unmasked, reason = unmask_asked(request, who.role, "export")
    details: dict[str, Any] = {"collection": collection, "format": ext, "from": q.get("from"),
                               "to": q.get("to"), "centre_id": q.get("centre_id"),
                               "unmasked": unmasked}
    if reason:
        details["reason"] = reason
    address = client_address(request)
    # The audit entry is on disk before the first byte of personal data leaves.
    await fs.writer.execute(lambda conn: audit.record(
        conn, at=now_ms(), action="export_unmasked" if unmasked else "export", outcome="ok",
        user_id=who.user_id, username=who.username, device_id=who.device_id,
        county_id=who.audit_county, target=f"{collection}.{ext}", details=details,
        address=address))
    fd, name = tempfile.mkstemp(prefix="fieldsync-export-", suffix=f".{ext}")
    os.close(fd)
    path = Path(name)
    job = Job(db=os.path.abspath(fs.config.db), collection=collection, ext=ext, centres=list(centres),
              since=since, until=until, masked=not unmasked, path=name)
    try:
        count = await _run(job)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    title = ledgers.TITLES[collection]
    span = f"{q.get('from', '')}_{q.get('to', '')}".strip("_")
    filename = f"{collection}{'-' + span if span else ''}.{ext}"
    display = f"{title}{'-' + span if span else ''}.{ext}"
    headers = {"Content-Disposition": f"attachment; filename=\"{filename}\";"
                                      f" filename*=UTF-8''{quote(display)}",
               "Content-Length": str(path.stat().st_size), "X-Rows": str(count),
               "Cache-Control": "no-store"}
    return StreamingResponse(_stream(path), media_type=MEDIA[ext], headers=headers,
                             background=BackgroundTask(path.unlink, missing_ok=True))
