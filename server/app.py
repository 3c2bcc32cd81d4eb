"""The Starlette application: routes, error handlers, the PWA at ``/``."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from importlib.metadata import PackageNotFoundError, version

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from sync.errors import FieldsyncError
from sync.schema import schemas_text

from . import public, pwa
from .api import attachments as api_attachments
from .api import auth as api_auth
from .api import calendar as api_calendar
from .api import colleagues as api_colleagues
from .api import conflicts as api_conflicts
from .api import devices as api_devices
from .api import exports as api_exports
from .api import lists as api_lists
from .api import matters as api_matters
from .api import push as api_push
from .api import quarantine as api_quarantine
from .api import reports as api_reports
from .api import sync as api_sync
from .api import templates as api_templates
from .api import users as api_users
from .config import Config
from .errors import NotFound
from .http import client_gone, fieldsync_error, http_error, json_response, raw_response, server_error
from .jobs import sweep as sweep_job
from .jobs.push import PushSender
from .jobs.queue import run_forever
from .jobs.webhook import WebhookSender
from .limits import LoginLimiter
from .openapi import document
from .state import AppState, principal
from .store.sqlite import db_id
from .vapid import ensure_key
from .writer import Readers, Writer


def app_version() -> str:
    """The installed package version."""
    try:
        return version("fieldsync")
    except PackageNotFoundError:  # running from a plain checkout
        return "dev"


async def healthz(request: Request) -> Response:
    """Liveness: 200 while the server runs."""
    return json_response(request, {"ok": True, "version": app_version()})


async def openapi(request: Request) -> Response:
    """The OpenAPI 3.1 document."""
    return json_response(request, document(app_version()))


async def schemas(request: Request) -> Response:
    """The collection schemas (for clients that validate before sending)."""
    await principal(request)
    return raw_response(request, schemas_text().encode())


ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def api_not_found(request: Request) -> Response:
    """No such API endpoint (a JSON 404, never the PWA's files)."""
    raise NotFound("no such endpoint")


# The HTTP API under /api/v1: methods, path, handler (HEAD comes with GET).
API_ROUTES: tuple[tuple[str, str, Callable[[Request], Awaitable[Response]]], ...] = (
    ("GET",     "/openapi.json",                     openapi),
    ("GET",     "/schemas",                          schemas),
    ("POST",    "/auth/login",                       api_auth.login),
    ("POST",    "/sync",                             api_sync.sync),
    ("GET",     "/conflicts",                        api_conflicts.list_conflicts),
    ("POST",    "/conflicts/{conflict_id}/resolve",  api_conflicts.resolve_conflict),
    ("GET",     "/devices",                          api_devices.list_devices),
    ("POST",    "/devices/{device_id}/revoke",       api_devices.revoke_device),
    ("POST",    "/users/{user_id}/disable",          api_devices.disable_user),
    ("GET",     "/audit",                            api_devices.audit_log),
    ("GET",     "/quarantine",                       api_quarantine.list_quarantine),
    ("POST",    "/quarantine/{op_id}/release",       api_quarantine.release),
    ("POST",    "/quarantine/{op_id}/drop",          api_quarantine.drop),
    ("GET PUT", "/attachments/{sha256}",             api_attachments.attachment),
    ("GET",     "/attachments/{sha256}/status",      api_attachments.attachment_status),
    ("GET",     "/reports/overview",                 api_reports.overview),
    ("GET",     "/reports/trend",                    api_reports.trend),
    ("GET",     "/reports/assessment",               api_reports.assessment),
    ("GET",     "/records/{collection}",             api_lists.list_records),
    ("GET",     "/boards/overdue",                   api_lists.overdue_board),
    ("GET",     "/boards/rectifications",            api_lists.rectifications_board),
    ("GET",     "/boards/complaints",                api_lists.complaints_board),
    ("GET",     "/boards/awards-recheck",            api_lists.awards_recheck_board),
    ("GET",     "/exports/{filename}",               api_exports.export),
    ("GET",     "/colleagues",                       api_colleagues.colleagues),
    ("GET",     "/users",                            api_users.list_users),
    ("POST",    "/users",                            api_users.add_user),
    ("POST",    "/users/{user_id}/reset-password",   api_users.reset_password),
    ("POST",    "/users/{user_id}/enable",           api_users.enable_user),
    ("PUT",     "/users/{user_id}/access",           api_users.set_access),
    ("POST",    "/matters/import",                   api_matters.import_catalogue),
    ("GET",     "/calendar",                         api_calendar.calendar),
    ("POST",    "/templates/{template_id}/preview",  api_templates.preview),
    ("GET",     "/push/vapid-public-key",            api_push.vapid_public_key),
    ("POST",    "/push/subscriptions",               api_push.subscribe),
    ("DELETE",  "/push/subscriptions",               api_push.unsubscribe),
)


_startup_frozen = False


def freeze_startup_heap() -> None:
    """Move what the process holds once started (modules, schemas, the app) out of the
    cyclic garbage collector's reach, once per process.

    Those objects live as long as the server; yet every full collection walked all of
    them (~65,000), and a push of 10,000 visits runs three: about a tenth of its CPU.
    Frozen, a full collection walks only what was made since. Reference counting still
    frees them; only cycles among them would stay (collected first, so none do now).
    """
    global _startup_frozen
    if not _startup_frozen:
        _startup_frozen = True
        gc.collect()
        gc.freeze()


def create_app(config: Config) -> Starlette:
    """Build the app for ``config``; the writer thread starts now and stops at shutdown."""
    writer = Writer(config.db, config.synchronous)
    fs = AppState(config=config, writer=writer, readers=Readers(config.db),
                  limiter=LoginLimiter(config.login_max_failures, config.login_lockout_s,
                                       config.login_max_lockout_s,
                                       config.login_address_max_failures,
                                       config.login_address_window_s),
                  db_id=writer.run(db_id))

    ensure_key(config.vapid_key_path)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sender = PushSender(writer, config)
        tasks = [asyncio.create_task(run_forever(sender.run_once, config.push_interval_s,
                                                 "push sender")),
                 asyncio.create_task(sweep_job.run_forever(writer, config.sweep_interval_s,
                                                         config.sweep_chunk))]
        hook = WebhookSender(writer, config) if config.sms_webhook_url else None
        if hook is not None:
            tasks.append(asyncio.create_task(run_forever(hook.run_once, config.push_interval_s,
                                                         "webhook")))
        freeze_startup_heap()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            sender.close()
            if hook is not None:
                hook.close()
            fs.close()

    api = [Route(path, handler, methods=verbs.split()) for verbs, path, handler in API_ROUTES]
    # The API is its own mount so its 404s and 405s never fall through to the PWA's files;
    # the catch-all answers any other /api path (``/api/v1`` itself, ``/api/v2/…``) in JSON too.
    routes: list[Route | Mount] = [Route("/healthz", healthz), Mount("/api/v1", routes=api),
                                   Route("/public/centres/{centre_id}", public.centre_page),
                                   Route("/api{rest:path}", api_not_found, methods=ALL_METHODS)]
    if (config.pwa_path / "index.html").exists():
        routes.extend(pwa.routes(config.pwa_path))
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        FieldsyncError: fieldsync_error, HTTPException: http_error, ClientDisconnect: client_gone,
        Exception: server_error})
    app.state.fs = fs
    return app


def serve(config: Config, host: str, port: int) -> None:
    """Run uvicorn on ``host:port`` with the app for ``config``."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning",
                proxy_headers=False, server_header=False)
