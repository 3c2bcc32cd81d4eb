"""Openness (政务公开): one public, read-only page per centre, no login.

``GET /public/centres/{centre_id}`` renders, in Simplified Chinese, the centre's address,
hours, window and complaint phone numbers and its county's matter catalogue (name, kind,
legal basis, materials, promised time limit, fee). Only reference data is read: no record of
any applicant or member of staff reaches the page. Cacheable (``Cache-Control: public``) and
rate-limited per address (a 429 in the usual error envelope past the limit).
"""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .errors import NotFound, RateLimited
from .http import client_address
from .limits import LoginLimiter
from .state import state
from .store import public as store

MAX_REQUESTS = 60  # per address and window
WINDOW_S = 60
MAX_AGE_S = 300
KINDS = {"immediate": "即办件", "time_limited": "承诺件", "joint": "联办件"}

_STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:60rem;
padding:1rem;line-height:1.6;color:#1a1a1a;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin-top:1.5rem;border-bottom:2px solid #0b5394}
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:bold;padding:.25rem 0}
th,td{border:1px solid #767676;padding:.4rem .5rem;vertical-align:top;text-align:left}
th{background:#e8eef7}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:bold}a{color:#0b5394}ul{margin:0;padding-left:1.2rem}
@media print{body{max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def limiter(request: Request) -> LoginLimiter:
    """The app's per-address limiter for public pages (made on first use)."""
    found: LoginLimiter | None = getattr(request.app.state, "public_limiter", None)
    if found is None:
        # Only the per-address window counts here: no account is ever held.
        found = LoginLimiter(max_failures=2**31, address_max=MAX_REQUESTS,
                             address_window_s=WINDOW_S)
        request.app.state.public_limiter = found
    return found


def _text(value: Any) -> str:
    return escape(str(value)) if value not in (None, "") else "—"


def _list(values: Any) -> str:
    if not isinstance(values, list) or not values:
        return "—"
    return "<ul>" + "".join(f"<li>{escape(str(v))}</li>" for v in values) + "</ul>"


def _days(matter: dict[str, Any]) -> str:
    days = matter.get("time_limit_days")
    if matter.get("kind") == "immediate" or days == 0:
        return "即办"
    return f"{days} 个工作日" if isinstance(days, int) else "—"


def render(centre: dict[str, Any], matters: list[dict[str, Any]]) -> str:
    """The page's HTML (every value escaped)."""
    name = _text(centre.get("name"))
    windows = centre.get("windows") or {}
    names = {m.get("id"): m.get("name") for m in matters}
    window_rows = "".join(
        f"<tr><td>{_text(' '.join(str(x) for x in (w.get('number'), w.get('name')) if x))}</td>"
        f"<td>{_text(w.get('unit'))}</td><td>{_text(w.get('phone'))}</td>"
        f"<td>{_text('、'.join(str(names[m]) for m in w.get('matter_ids') or [] if names.get(m)))}</td></tr>"
        for _wid, w in sorted(windows.items()) if isinstance(w, dict) and w.get("active", True))
    matter_rows = "".join(
        f"<tr><th scope=\"row\">{_text(m.get('name'))}</th><td>{_text(KINDS.get(m.get('kind', ''), ''))}</td>"
        f"<td>{_days(m)}</td><td>{_text(m.get('legal_basis'))}</td>"
        f"<td>{_list(m.get('materials'))}</td>"
        f"<td>{_text(m.get('fee') or '不收费')}</td></tr>"
        for m in matters)
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} · 政务公开</title>
<style>{_STYLE}</style>
</head>
<body>
<header><p>政务公开</p><h1>{name}</h1></header>
<main>
<section aria-labelledby="contact"><h2 id="contact">办公信息</h2>
<dl><dt>地址</dt><dd>{_text(centre.get('address'))}</dd>
<dt>办公时间</dt><dd>{_text(centre.get('hours'))}</dd>
<dt>咨询电话</dt><dd>{_text(centre.get('phone'))}</dd>
<dt>投诉电话</dt><dd>{_text(centre.get('complaint_phone'))}</dd></dl></section>
<section aria-labelledby="windows"><h2 id="windows">服务窗口</h2>
<table><caption>窗口及联系电话</caption>
<thead><tr><th scope="col">窗口</th><th scope="col">单位</th><th scope="col">电话</th>
<th scope="col">办理事项</th></tr></thead>
<tbody>{window_rows or '<tr><td colspan="4">暂无</td></tr>'}</tbody></table></section>
<section aria-labelledby="matters"><h2 id="matters">政务服务事项目录</h2>
<table><caption>共 {len(matters)} 项事项</caption>
<thead><tr><th scope="col">事项名称</th><th scope="col">办件类型</th><th scope="col">承诺时限</th>
<th scope="col">设定依据</th><th scope="col">申请材料</th><th scope="col">收费标准</th></tr></thead>
<tbody>{matter_rows or '<tr><td colspan="6">暂无</td></tr>'}</tbody></table></section>
</main>
</body>
</html>
"""


async def centre_page(request: Request) -> Response:
    """The public page of one centre."""
    address = client_address(request)
    limits = limiter(request)
    try:
        limits.check("", address)
    except RateLimited as exc:
        raise RateLimited("too many requests for public pages from this address; try again"
                          " later", details=exc.details) from None
    limits.fail("", address)  # every request counts against the address's window
    centre_id = request.path_params["centre_id"]
    found = await state(request).readers.run(lambda conn: store.centre_with_matters(conn, centre_id))
    if found is None:
        raise NotFound("no such centre")
    centre, matters = found
    return HTMLResponse(render(centre, matters), headers={
        "Cache-Control": f"public, max-age={MAX_AGE_S}", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
