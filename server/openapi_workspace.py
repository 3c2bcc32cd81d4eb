"""OpenAPI paths and shapes of the county workspace: reports, lists, boards, exports, admin.

Kept beside ``server.openapi`` (which merges them in) so the workspace's endpoints are
described in one place; error responses come from the same code table.
"""

from __future__ import annotations

from typing import Any

from .scope import ROLES

#: Text the server strips (``str.strip``) and then requires non-empty: it must hold one
#: character that is neither whitespace nor a control character. Plain ``\S`` is not enough:
#: JSON Schema regexes follow ECMA-262, whose ``\s`` leaves out U+001C–U+001F and U+0085,
#: which Python strips as whitespace.
VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"

JSON = dict[str, Any]
MONTH_PATTERN = "^20[0-9]{2}-(0[1-9]|1[0-2])$"
DATE_PATTERN = "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"
LEDGERS = ("cases", "visits", "inspections", "rectifications", "complaints", "evaluations",
           "accountability")
ID_PATTERN = "^[A-Za-z0-9_.:-]{1,64}$"


def _q(name: str, schema: JSON, description: str = "") -> JSON:
    out: JSON = {"name": name, "in": "query", "schema": schema}
    if description:
        out["description"] = description
    return out


def _rate() -> JSON:
    return {"type": ["number", "null"], "minimum": 0, "maximum": 1}


FIGURES: JSON = {
    "cases_completed": {"type": "integer", "minimum": 0},
    "on_time_rate": _rate(),
    "overdue_open": {"type": "integer", "minimum": 0},
    "home_visits": {"type": "integer", "minimum": 0},
    "satisfaction_rate": _rate(),
    "inspection_score": {"type": ["number", "null"]},
    "vetoed": {"type": "boolean"},
    "open_rectifications": {"type": "integer", "minimum": 0},
    "complaints_overdue": {"type": "integer", "minimum": 0},
}


def components() -> JSON:
    """Shapes of the workspace's responses."""
    centre_row = {"type": "object", "required": ["centre_id", "name", *FIGURES],
                  "properties": {"centre_id": {"type": "string"}, "name": {"type": "string"},
                                 **FIGURES}}
    series = {"type": "object", "required": list(FIGURES), "properties": {
        k: {"type": "array", "items": v} for k, v in FIGURES.items()}}
    standing: JSON = {"inspections": {"type": "integer", "minimum": 0},
                      "score": {"type": ["number", "null"]}, "vetoed": {"type": "boolean"},
                      "eligible": {"type": "boolean"}}
    row: JSON = {"type": "object", "required": ["collection", "id", "version", "centre_id", "data"],
           "properties": {"collection": {"type": "string"}, "id": {"type": "string"},
                          "version": {"type": "integer"}, "centre_id": {"type": ["string", "null"]},
                          "centre_name": {"type": ["string", "null"]},
                          "data": {"type": "object"}}}
    board_row = {**row, "properties": {**row["properties"], "due": {"type": "integer"},
                                       "overdue": {"type": "boolean"},
                                       "accountability": {"type": "array",
                                                          "items": {"type": "object"}}}}
    return {
        "RecordPage": {"type": "object", "required": ["items", "next"], "properties": {
            "items": {"type": "array", "items": row}, "next": {"type": ["string", "null"]}}},
        "BoardPage": {"type": "object", "required": ["items", "next"], "properties": {
            "items": {"type": "array", "items": board_row},
            "next": {"type": ["string", "null"]}}},
        "WorkspaceUser": {"type": "object", "required": ["id", "username", "name", "role",
                                                         "centre_ids", "disabled"],
                          "properties": {"id": {"type": "string"}, "username": {"type": "string"},
                                         "name": {"type": "string"}, "role": {"type": "string"},
                                         "county_id": {"type": ["string", "null"]},
                                         "centre_ids": {"type": "array", "items": {"type": "string"}},
                                         "disabled": {"type": "boolean"},
                                         "created_at": {"type": "string"}}},
        "UserPage": {"type": "object", "required": ["items", "next"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/WorkspaceUser"}},
            "next": {"type": ["string", "null"]}}},
        "Colleagues": {"type": "object", "required": ["users"], "properties": {
            "users": {"type": "array", "items": {
                "type": "object", "required": ["id", "name", "role", "centre_ids"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                               "role": {"enum": ["field", "centre"]},
                               "centre_ids": {"type": "array", "items": {"type": "string"}}}}}}},
        "Assessment": {"type": "object", "required": ["month", "threshold", "centres"],
                       "properties": {"month": {"type": "string"}, "threshold": {"type": "number"},
                                      "centres": {"type": "array", "items": {
                                          "type": "object", "required": [
                                              "centre_id", "name", "inspections", "score", "vetoed",
                                              "eligible", "windows"],
                                          "properties": {**standing, "centre_id": {"type": "string"},
                                                         "name": {"type": "string"},
                                                         "windows": {"type": "array", "items": {
                                                             "type": "object",
                                                             "required": ["window_id", "score",
                                                                          "eligible"],
                                                             "properties": standing}}}}}}},
        "Overview": {"type": "object", "required": ["month", "centres"], "properties": {
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "centres": {"type": "array", "items": centre_row}}},
        "Trend": {"type": "object", "required": ["months", "centres"], "properties": {
            "months": {"type": "array", "items": {"type": "string"}},
            "centres": {"type": "array", "items": {
                "type": "object", "required": ["centre_id", "name", "series"],
                "properties": {"centre_id": {"type": "string"}, "name": {"type": "string"},
                               "series": series}}}}},
    }


def _access(extra: JSON) -> JSON:
    """A user's role with what it needs: centres for field and centre staff."""
    ids = {"type": "array", "maxItems": 100, "items": {"type": "string", "pattern": ID_PATTERN}}
    return {"oneOf": [
        {"type": "object", "required": ["role", "centre_ids", *extra.get("required", [])],
         "properties": {**extra.get("properties", {}), "role": {"enum": ["field", "centre"]},
                        "centre_ids": {**ids, "minItems": 1}}},
        {"type": "object", "required": ["role", *extra.get("required", [])],
         "properties": {**extra.get("properties", {}), "role": {"enum": ["supervisor", "admin"]},
                        "centre_ids": ids,
                        "county_id": {"type": "string", "pattern": ID_PATTERN}}},
        # An inspector always names its county (the server refuses one without).
        {"type": "object", "required": ["role", "county_id", *extra.get("required", [])],
         "properties": {**extra.get("properties", {}), "role": {"enum": ["inspector"]},
                        "centre_ids": ids,
                        "county_id": {"type": "string", "pattern": ID_PATTERN}}}]}


def _json_body(schema: JSON) -> JSON:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


PASSWORD: JSON = {"type": "string", "minLength": 8, "maxLength": 200}


def paths(ok: Any, errors: Any, secured: list[JSON], statuses: list[str]) -> JSON:
    """The workspace's paths (``ok(name)`` and ``errors(*statuses)`` from ``server.openapi``;
    ``statuses``: every status a listed collection knows)."""
    month = _q("month", {"type": "string", "pattern": MONTH_PATTERN}, "YYYY-MM, China time")
    centre = _q("centre_id", {"type": "string", "pattern": ID_PATTERN})
    cursor = _q("cursor", {"type": "string", "pattern": "^[0-9]{1,18}$"},
                "the previous page's next")
    due_cursor = _q("cursor", {"type": "string", "pattern": "^[0-9]{1,18}\\.[0-9]{1,18}$"},
                    "the previous page's next")
    limit = _q("limit", {"type": "integer", "minimum": 1, "maximum": 200})
    user = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/v1/reports/overview": {"get": {
            "summary": "Each centre in scope with its figures for a month (contract v1.1 Reports)",
            "security": secured, "parameters": [month, centre],
            "responses": {**ok("Overview"), **errors(400, 401, 403)}}},
        "/api/v1/reports/trend": {"get": {
            "summary": "The overview's figures for each of the last months, oldest first",
            "security": secured, "parameters": [
                month, centre, _q("months", {"type": "integer", "minimum": 1, "maximum": 24})],
            "responses": {**ok("Trend"), **errors(400, 401, 403)}}},
        "/api/v1/reports/assessment": {"get": {
            "summary": "Each centre's and window's monthly standardisation score from approved"
                       " inspections, vetoes, and eligibility for nomination (mean ≥ 90, no veto)",
            "security": secured, "parameters": [month, centre],
            "responses": {**ok("Assessment"), **errors(400, 401, 403)}}},
        "/api/v1/records/{collection}": {"get": {
            "summary": "A page of a collection's records in scope, newest first, personal data masked",
            "security": secured, "parameters": [
                {"name": "collection", "in": "path", "required": True, "schema": {
                    "enum": ["cases", "visits", "inspections", "rectifications", "evaluations",
                             "complaints", "accountability", "awards"]}},
                centre, _q("status", {"enum": statuses}),
                _q("overdue", {"enum": ["1", "0", "true", "false"]}),
                _q("due_before", {"type": "string", "pattern": DATE_PATTERN}),
                _q("q", {"type": "string", "maxLength": 100}), cursor, limit],
            "responses": {**ok("RecordPage"), **errors(400, 401, 403, 404)}}},
        **{f"/api/v1/boards/{name}": {"get": {
            "summary": summary, "security": secured,
            "parameters": [centre, due_cursor, limit, *extra],
            "responses": {**ok("BoardPage"), **errors(400, 401, 403, 404)}}}
           for name, summary, extra in (
               ("overdue", "Open cases overdue or due within within_days, soonest first,"
                " with their accountability records",
                [_q("within_days", {"type": "integer", "minimum": 0, "maximum": 60})]),
               ("rectifications", "Open rectification orders by due date", []),
               ("complaints", "Complaints waiting for a reply by reply due date", []),
               ("awards-recheck", "Awarded titles expiring within within_days (default 60) or"
                " expired, by expiry: the two-year re-check reminder",
                [_q("within_days", {"type": "integer", "minimum": 0, "maximum": 60})]))},
        "/api/v1/colleagues": {"get": {
            "summary": "The enabled field and centre staff of the caller's centres (id, name,"
                       " role, centres) for pickers such as a case's hand-over",
            "security": secured, "parameters": [centre],
            "responses": {**ok("Colleagues"), **errors(400, 401, 403)}}},
        "/api/v1/users": {
            "get": {"summary": "Users the caller manages (supervisor: own county; admin: all), by"
                               " username", "security": secured,
                    "parameters": [_q("q", {"type": "string", "maxLength": 64}),
                                   _q("role", {"enum": list(ROLES)}),
                                   _q("cursor", {"type": "string"}),
                                   _q("limit", {"type": "integer", "minimum": 1, "maximum": 500})],
                    "responses": {**ok("UserPage"), **errors(400, 401, 403)}},
            "post": {"summary": "Add a user (audited)", "security": secured,
                     "requestBody": _json_body(_access({
                         "required": ["username", "password"],
                         "properties": {"username": {"type": "string", "pattern": "^[a-z0-9_.-]{1,64}$"},
                                        "name": {"type": "string", "minLength": 1, "maxLength": 64,
                                                 "pattern": VISIBLE},
                                        "password": PASSWORD}})),
                     "responses": {**ok("WorkspaceUser", "201", "Created"),
                                   **errors(400, 401, 403, 409, 413, 415)}}},
        "/api/v1/users/{user_id}/reset-password": {"post": {
            "summary": "Set a user's password; their devices are revoked (audited)",
            "security": secured, "parameters": [user],
            "requestBody": _json_body({"type": "object", "required": ["password"],
                                       "properties": {"password": PASSWORD}}),
            "responses": {"200": {"description": "reset"}, **errors(400, 401, 403, 404, 413, 415)}}},
        "/api/v1/users/{user_id}/enable": {"post": {
            "summary": "Allow a disabled user's logins again (audited)", "security": secured,
            "parameters": [user],
            "responses": {"200": {"description": "enabled"}, **errors(401, 403, 404)}}},
        "/api/v1/users/{user_id}/access": {"put": {
            "summary": "Set a user's role, centres and county (audited)", "security": secured,
            "parameters": [user], "requestBody": _json_body(_access({})),
            "responses": {**ok("WorkspaceUser"), **errors(400, 401, 403, 404, 413, 415)}}},
        "/api/v1/matters/import": {"post": {
            "summary": "Import the county's matter catalogue sheet (.xlsx or .csv; name, kind,"
                       " time limit, basis, materials, fee), all or nothing (audited)",
            "security": secured, "parameters": [centre | {"name": "county_id"}],
            "requestBody": {"required": True, "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}}}},
            "responses": {"200": {"description": "imported"},
                          **errors(400, 401, 403, 413, 415, 422)}}},
        "/api/v1/exports/{filename}": {"get": {
            "summary": "A ledger (台账) as XLSX or CSV (UTF-8 with BOM), streamed; personal data"
                       " masked unless an admin, or a supervisor giving reason, asks unmasked=1"
                       " (audited)",
            "security": secured, "parameters": [
                {"name": "filename", "in": "path", "required": True, "schema": {"enum": [
                    f"{c}.{e}" for c in LEDGERS for e in ("xlsx", "csv")]}},
                _q("from", {"type": "string", "pattern": DATE_PATTERN}, "first day, inclusive"),
                _q("to", {"type": "string", "pattern": DATE_PATTERN}, "last day, inclusive"),
                centre, _q("unmasked", {"enum": ["0", "1", "false", "true"]},
                           "1 with reason (supervisor) or as admin: unmasked, audited"),
                _q("reason", {"type": "string", "maxLength": 200})],
            "responses": {"200": {"description": "the ledger file", "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}}}},
                **errors(400, 401, 403, 404)}}},
    }
