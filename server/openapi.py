"""The OpenAPI 3.1 document, generated from ``schemas.json`` and the route table.

Record shapes come from the same schema data that validation uses, so the document
cannot drift from what the server accepts.
"""

from __future__ import annotations

from typing import Any

from sync.ops import MAX_INT
from sync.schema import Schemas, load

from . import openapi_workspace as workspace
from .errors import CODES
from .scope import ROLES

JSON = dict[str, Any]


def json_schema(schemas: Schemas, spec: JSON) -> JSON:
    """Translate one fieldsync type spec into JSON Schema."""
    spec = schemas.resolve(spec)
    kind = spec["type"]
    if kind == "string":
        out: JSON = {"type": "string"}
        for ours, theirs in (("max", "maxLength"), ("pattern", "pattern"), ("enum", "enum")):
            if ours in spec:
                out[theirs] = spec[ours]
        return out
    if kind in ("integer", "number"):
        out = {"type": kind}
        if "min" in spec:
            out["minimum"] = spec["min"]
        if "max" in spec:
            out["maximum"] = spec["max"]
        return out
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "array":
        return {"type": "array", "maxItems": spec.get("max", 1000),
                "items": json_schema(schemas, spec["items"])}
    if kind == "object":
        return {"type": "object", "additionalProperties": False,
                "properties": {k: nullable(json_schema(schemas, v))
                               for k, v in spec["fields"].items()}}
    if kind == "map":
        return {"type": "object", "propertyNames": {"pattern": "^[A-Za-z0-9_-]{1,64}$"},
                "additionalProperties": json_schema(schemas, spec["values"])}
    raise ValueError(f"unknown type {kind!r}")


def nullable(schema: JSON) -> JSON:
    """Allow null beside a schema (a cleared field)."""
    return {"anyOf": [schema, {"type": "null"}]}


def _int(minimum: int, maximum: int = MAX_INT) -> JSON:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> JSON:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _ok(name: str, status: str = "200", description: str = "OK") -> JSON:
    return {status: {"description": description,
                     "content": {"application/json": {"schema": _ref(name)}}}}


def _errors(*statuses: int) -> JSON:
    """Error responses, each described by the codes (from ``server.errors.CODES``) it may carry."""
    return {str(s): {"description": "error: " + ", ".join(
        code for code, (status, _means) in CODES.items() if status == s),
        "content": {"application/json": {"schema": _ref("Error")}}} for s in statuses}


_SHA256: JSON = {"name": "sha256", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}


def _components(schemas: Schemas) -> JSON:
    comps: JSON = {}
    for name, coll in schemas.collections.items():
        comps[f"Record_{name}"] = {
            "type": "object", "description": coll.title,
            "properties": {k: nullable(json_schema(schemas, v)) for k, v in coll.fields.items()},
            "required": list(coll.required)}
    comps["Error"] = {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "object", "required": ["code", "message", "details"], "properties": {
            "code": {"enum": sorted(CODES), "description": "; ".join(
                f"{code} ({status}): {means}" for code, (status, means) in CODES.items())},
            "message": {"type": "string"},
            "details": {"type": "object"}}},
        "wipe": {"type": "boolean"}}}
    text = {"type": "string", "minLength": 1, "maxLength": 200}
    comps["LoginRequest"] = {"type": "object", "required": ["username", "password"],
                             "properties": {"username": text, "password": text, "device_name": text}}
    comps["LoginResponse"] = {"type": "object", "required": ["token", "device_id", "user"],
                              "properties": {"token": {"type": "string"},
                                             "device_id": {"type": "string"},
                                             "user": _ref("User")}}
    comps["User"] = {"type": "object", "required": ["id", "name", "role", "centre_ids"],
                     "properties": {"id": {"type": "string"}, "username": {"type": "string"},
                                    "name": {"type": "string"},
                                    "role": {"enum": list(ROLES)},
                                    "centre_ids": {"type": "array", "items": {"type": "string"}},
                                    "county_id": {"type": ["string", "null"]}}}
    comps["Op"] = {
        "type": "object", "required": ["id", "collection", "record", "at"],
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 128},
            "collection": {"enum": sorted(schemas.collections)},
            "record": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,100}$"},
            "base": {"type": "integer", "minimum": 0},
            "at": {"type": "integer", "minimum": 0},
            "set": {"type": "object", "description": "field paths (dotted) to values; see the"
                    " Record_* schemas for each collection's fields"},
            "delete": {"type": "boolean"}}}
    comps["SyncRequest"] = {"type": "object", "properties": {
        "cursor": {"type": ["string", "null"]}, "clock": _int(0),
        "schema_version": _int(0),
        "status": {"type": "object", "properties": {
            "pending": {"type": "integer"}, "storage_bytes": {"type": "integer"},
            "app_version": {"type": "string"}}},
        "ops": {"type": "array", "items": _ref("Op")},
        "limit": _int(1)}}
    comps["OpResult"] = {"type": "object", "required": ["op", "status"], "properties": {
        "op": {"type": "string"},
        "status": {"enum": ["applied", "duplicate", "conflict", "rejected"]},
        "version": {"type": "integer"}, "code": {"enum": sorted(CODES)},
        "message": {"type": "string"}, "details": {"type": "object"}}}
    comps["ConflictRef"] = {"type": "object", "required": ["id", "path", "device", "at"],
                            "properties": {"id": {"type": "string"}, "path": {"type": "string"},
                                           "value": {}, "device": {"type": ["string", "null"]},
                                           "at": {"type": "integer"}}}
    comps["Change"] = {"type": "object",
                       "required": ["collection", "record", "version", "deleted", "data",
                                    "conflicts"],
                       "properties": {"collection": {"type": "string"},
                                      "record": {"type": "string"},
                                      "version": {"type": "integer"},
                                      "deleted": {"type": "boolean"},
                                      "data": {"type": "object"},
                                      "conflicts": {"type": "array",
                                                    "items": _ref("ConflictRef")}}}
    comps["SyncResponse"] = {"type": "object",
                             "required": ["results", "changes", "cursor", "more", "reset"],
                             "properties": {"results": {"type": "array", "items": _ref("OpResult")},
                                            "changes": {"type": "array", "items": _ref("Change")},
                                            "cursor": {"type": "string"},
                                            "more": {"type": "boolean"},
                                            "reset": {"type": "boolean"}}}
    comps["Conflict"] = {"type": "object", "required": ["id", "collection", "record", "path"],
                         "properties": {k: {} for k in (
                             "id", "collection", "record", "path", "value", "device", "op", "at",
                             "version", "resolved_version", "resolved_by", "resolved_at",
                             "resolution", "open", "centre_id", "centre_name")}}
    comps["ConflictList"] = {"type": "object", "required": ["conflicts"], "properties": {
        "conflicts": {"type": "array", "items": _ref("Conflict")},
        "next": {"type": ["string", "null"]}}}
    comps["ResolveRequest"] = {"type": "object", "properties": {
        "choose": {"enum": ["kept", "current"]}, "value": {}}}
    comps["ResolveResponse"] = {"type": "object", "required": ["conflict", "status"],
                                "properties": {"conflict": {"type": "string"},
                                               "status": {"const": "resolved"}, "value": {},
                                               "version": {"type": ["integer", "null"]}}}
    comps["Device"] = {"type": "object", "required": ["id", "user_id", "name", "revoked"],
                       "properties": {
                           "id": {"type": "string"}, "user_id": {"type": "string"},
                           "username": {"type": "string"}, "name": {"type": "string"},
                           "created_at": {"type": ["string", "null"]},
                           "last_seen": {"type": ["string", "null"]},
                           "offset_ms": {"type": ["integer", "null"]},
                           "status": {"type": ["object", "null"]},
                           "revoked_at": {"type": ["string", "null"]},
                           "revoked_by": {"type": ["string", "null"]},
                           "revoked": {"type": "boolean"}}}
    comps["DeviceList"] = {"type": "object", "required": ["devices"], "properties": {
        "devices": {"type": "array", "items": _ref("Device")}}}
    comps["DisableResponse"] = {"type": "object", "required": ["user_id", "disabled"], "properties": {
        "user_id": {"type": "string"}, "disabled": {"const": True},
        "devices_revoked": {"type": "integer"}}}
    comps["AuditEntry"] = {"type": "object", "required": ["at", "action", "outcome"], "properties": {
        "at": {"type": "string", "format": "date-time"}, "user_id": {"type": ["string", "null"]},
        "username": {"type": ["string", "null"]}, "device_id": {"type": ["string", "null"]},
        "action": {"type": "string"}, "target": {"type": ["string", "null"]},
        "outcome": {"type": "string"}, "details": {"type": "object"}}}
    comps["AuditList"] = {"type": "object", "required": ["entries"], "properties": {
        "entries": {"type": "array", "items": _ref("AuditEntry")}}}
    comps["AttachmentStored"] = {"type": "object", "required": ["sha256", "size", "complete"],
                                 "properties": {"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                                "size": _int(0), "complete": {"const": True}}}
    comps["AttachmentProgress"] = {"type": "object", "required": ["received"],
                                   "properties": {"received": _int(0)}}
    comps["AttachmentStatus"] = {"type": "object", "required": ["received", "complete"],
                                 "properties": {"received": _int(0), "complete": {"type": "boolean"}}}
    comps["CalendarStatus"] = {"type": "object", "required": ["years", "unknown_years"], "properties": {
        "years": {"type": "array", "items": {"type": "object", "required": ["year", "known", "loaded"],
                                             "properties": {"year": _int(2000, 2100),
                                                            "known": {"type": "boolean"},
                                                            "loaded": {"type": "boolean"}}}},
        "unknown_years": {"type": "array", "items": _int(2000, 2100)}}}
    comps["TemplatePreview"] = {"type": "object", "properties": {
        "items": {"type": "object", "description": "item id -> answer, as inspections.items"},
        "item_ids": {"type": "array", "items": {"type": "string"},
                     "description": "score only these items (a re-inspection)"}}}
    comps["TemplateScore"] = {
        "type": "object", "required": ["template_id", "total", "score", "vetoed", "sections", "unanswered"],
        "properties": {"template_id": {"type": "string"}, "version": {"type": "integer"},
                       "status": {"type": "string"}, "total": {"type": "number"},
                       "score": {"type": "number"}, "vetoed": {"type": "boolean"},
                       "sections": {"type": "object", "additionalProperties": {"type": "number"}},
                       "unanswered": {"type": "array", "items": {"type": "string"}}}}
    comps["PushKey"] = {"type": "object", "required": ["key"], "properties": {
        "key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{87}$"}}}
    comps["PushSubscription"] = {"type": "object", "required": ["endpoint", "keys"], "properties": {
        "endpoint": {"type": "string", "format": "uri", "maxLength": 2048},
        "expirationTime": {"type": ["number", "null"]},
        "keys": {"type": "object", "required": ["p256dh", "auth"], "properties": {
            "p256dh": {"type": "string", "description": "P-256 public key, base64url"},
            "auth": {"type": "string", "description": "16-byte auth secret, base64url"}}}}}
    comps["PushEndpoint"] = {"type": "object", "required": ["endpoint"], "properties": {
        "endpoint": {"type": "string", "minLength": 1, "maxLength": 2048}}}
    comps["PushSubscribed"] = {"type": "object", "required": ["endpoint", "subscribed"],
                               "properties": {"endpoint": {"type": "string"},
                                              "subscribed": {"type": "boolean"}}}
    comps["Health"] = {"type": "object", "required": ["ok"], "properties": {
        "ok": {"type": "boolean"}, "version": {"type": "string"}}}
    comps.update(workspace.components())
    return comps


def _statuses(schemas: Schemas) -> list[str]:
    """Every status value of the collections the workspace lists."""
    out: set[str] = set()
    for coll in schemas.collections.values():
        spec = coll.fields.get("status")
        if coll.scope == "centre" and isinstance(spec, dict):
            out.update(spec.get("enum", []))
    return sorted(out)


def document(version: str) -> JSON:
    """The whole OpenAPI 3.1 document."""
    schemas = load()
    secured: list[JSON] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "fieldsync", "version": version,
                 "description": "Offline-first sync for township service centres."},
        "components": {"schemas": _components(schemas),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/healthz": {"get": {"summary": "Liveness", "security": [],
                                 "responses": _ok("Health")}},
            "/api/v1/auth/login": {"post": {
                "summary": "Log in; registers a device and returns its bearer token",
                "security": [], "requestBody": _body("LoginRequest"),
                "responses": {**_ok("LoginResponse"), **_errors(400, 401, 413, 415, 429)}}},
            "/api/v1/sync": {"post": {
                "summary": "Push pending ops and pull changes since the cursor",
                "security": secured, "requestBody": _body("SyncRequest"),
                "responses": {**_ok("SyncResponse"), **_errors(400, 401, 413, 415)}}},
            "/api/v1/schemas": {"get": {
                "summary": "The collection schemas (the same data the server validates with)",
                "security": secured,
                "responses": {"200": {"description": "schemas.json",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}},
                              **_errors(401)}}},
            "/api/v1/conflicts": {"get": {
                "summary": "Conflicts in the caller's scope", "security": secured,
                "parameters": [
                    {"name": "state", "in": "query",
                     "schema": {"enum": ["open", "resolved", "all"]}},
                    {"name": "collection", "in": "query", "schema": {"type": "string"}},
                    {"name": "record", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                    {"name": "cursor", "in": "query",
                     "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,14}\\.[!-~]{1,64}$"},
                     "description": "the previous page's next"}],
                "responses": {**_ok("ConflictList"), **_errors(400, 401)}}},
            "/api/v1/conflicts/{conflict_id}/resolve": {"post": {
                "summary": "Resolve a conflict: keep the loser, confirm the winner, or write",
                "security": secured,
                "parameters": [{"name": "conflict_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": _body("ResolveRequest"),
                "responses": {**_ok("ResolveResponse"),
                              **_errors(400, 401, 403, 404, 409, 413, 415, 422)}}},
            "/api/v1/devices": {"get": {
                "summary": "Devices the caller may manage (own; supervisor: county; admin: all)",
                "security": secured,
                "parameters": [{"name": "limit", "in": "query",
                                "schema": {"type": "integer", "minimum": 1, "maximum": 5000}}],
                "responses": {**_ok("DeviceList"), **_errors(400, 401)}}},
            "/api/v1/devices/{device_id}/revoke": {"post": {
                "summary": "Revoke a device: its next request gets 401 device_revoked with wipe",
                "security": secured,
                "parameters": [{"name": "device_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {**_ok("Device"), **_errors(401, 404)}}},
            "/api/v1/users/{user_id}/disable": {"post": {
                "summary": "Disable a user: logins refused, every device revoked",
                "security": secured,
                "parameters": [{"name": "user_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {**_ok("DisableResponse"), **_errors(401, 403, 404)}}},
            "/api/v1/audit": {"get": {
                "summary": "Audit log (supervisor: own county; admin: all), newest first",
                "security": secured,
                "parameters": [
                    {"name": "since", "in": "query", "schema": _int(0)},
                    {"name": "until", "in": "query", "schema": _int(0)},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 5000}}],
                "responses": {**_ok("AuditList"), **_errors(400, 401, 403)}}},
            "/api/v1/quarantine": {"get": {
                "summary": "Refused ops kept in quarantine, with their reasons (supervisor: own"
                           " county; admin: all), newest first; applicants' ID numbers and"
                           " phones masked unless an admin, or a supervisor giving reason, asks"
                           " unmasked=1 (audited)",
                "security": secured,
                "parameters": [
                    {"name": "status", "in": "query",
                     "schema": {"enum": ["open", "released", "dropped", "all"]}},
                    {"name": "code", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                    {"name": "unmasked", "in": "query",
                     "schema": {"enum": ["0", "1", "false", "true"]}},
                    {"name": "reason", "in": "query", "schema": {"type": "string", "maxLength": 200}}],
                "responses": {"200": {"description": "{quarantine: [...]}", "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                    **_errors(400, 401, 403)}}},
            "/api/v1/quarantine/{op_id}/release": {"post": {
                "summary": "Apply a quarantined op as its device's op, through every normal check"
                           " (audited); still refused: 409 still_rejected with the new reason",
                "security": secured,
                "parameters": [{"name": "op_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The op's result", "content": {
                    "application/json": {"schema": _ref("OpResult")}}},
                    **_errors(401, 403, 404, 409)}}},
            "/api/v1/quarantine/{op_id}/drop": {"post": {
                "summary": "Drop a quarantined op with a reason (kept, marked, audited)",
                "security": secured,
                "parameters": [{"name": "op_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "properties": {
                        "reason": {"type": "string", "minLength": 1, "maxLength": 1000,
                                   "pattern": workspace.VISIBLE}}}}}},
                "responses": {"200": {"description": "Dropped", "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                    **_errors(400, 401, 403, 404, 409, 413, 415)}}},
            "/api/v1/attachments/{sha256}": {
                "put": {
                    "summary": "Upload an attachment (photo, signature) whole, or one piece with"
                               " Content-Range; named by its SHA-256, verified before it is kept",
                    "security": secured,
                    "parameters": [_SHA256, {
                        "name": "Content-Range", "in": "header", "required": False,
                        "description": "bytes FIRST-LAST/TOTAL: this body is one piece. Pieces may"
                                       " repeat, overlap or come out of order",
                        "schema": {"type": "string",
                                   "pattern": "^bytes [0-9]{1,15}-[0-9]{1,15}/[0-9]{1,15}$"}}],
                    "requestBody": {"required": True, "content": {
                        t: {"schema": {"type": "string", "format": "binary"}}
                        for t in ("application/octet-stream", "image/jpeg", "image/png", "image/webp")}},
                    "responses": {
                        **_ok("AttachmentStored", "200", "Sent by the caller before: nothing was read"),
                        **_ok("AttachmentStored", "201", "Complete and verified"),
                        **_ok("AttachmentProgress", "202", "Piece held; received = bytes held from 0"),
                        **_errors(400, 401, 409, 413, 415, 416, 422)}},
                "get": {
                    "summary": "The attachment's bytes (for its uploaders and anyone whose scope has a"
                               " record referring to it; 404 otherwise). Range is honoured",
                    "security": secured,
                    "parameters": [_SHA256, {"name": "If-None-Match", "in": "header", "required": False,
                                             "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "The bytes; ETag is the hash, cacheable for a year",
                                "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                            for t in ("image/jpeg", "image/png", "image/webp",
                                                      "application/octet-stream")}},
                        "304": {"description": "Not modified (If-None-Match named the hash)"},
                        **_errors(400, 401, 404)}}},
            "/api/v1/attachments/{sha256}/status": {"get": {
                "summary": "How much of an upload the server holds (resume from received)",
                "security": secured, "parameters": [_SHA256],
                "responses": {**_ok("AttachmentStatus"), **_errors(400, 401)}}},
            "/api/v1/calendar": {"get": {
                "summary": "This and next year's holiday schedules: known, or Monday–Friday (warn)",
                "security": secured, "responses": {**_ok("CalendarStatus"), **_errors(401)}}},
            "/api/v1/templates/{template_id}/preview": {"post": {
                "summary": "Score sample answers by a stored rubric template (nothing stored)",
                "security": secured,
                "parameters": [{"name": "template_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": _body("TemplatePreview"),
                "responses": {**_ok("TemplateScore"), **_errors(400, 401, 404, 413, 415, 422)}}},
            "/api/v1/push/vapid-public-key": {"get": {
                "summary": "The server's VAPID public key (applicationServerKey), base64url",
                "security": [], "responses": _ok("PushKey")}},
            "/api/v1/push/subscriptions": {
                "post": {"summary": "Keep the caller's PushSubscription for Web Push",
                         "security": secured, "requestBody": _body("PushSubscription"),
                         "responses": {**_ok("PushSubscribed", "201", "Subscribed"),
                                       **_errors(400, 401, 413, 415, 422)}},
                "delete": {"summary": "Forget the caller's subscription named by endpoint",
                           "security": secured, "requestBody": _body("PushEndpoint"),
                           "responses": {**_ok("PushSubscribed"),
                                         **_errors(400, 401, 404, 413, 415, 422)}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
            **workspace.paths(_ok, _errors, secured, _statuses(schemas)),
        },
    }
