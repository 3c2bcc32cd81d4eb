"""Openness (政务公开): a centre's public page, no login, its matter catalogue, no personal data,
cacheable, rate-limited, accessible markup."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from starlette.testclient import TestClient

from server.limits import LoginLimiter
from tests.test_api_lists import PERSON
from tests.test_api_reports import at, write


class Outline(HTMLParser):
    """Collects the tags and the attributes that matter for accessibility."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def seed(client: TestClient) -> None:
    write(client, [
        ("centres", "c1", {"name": "城关镇", "county_id": "k1", "address": "人民路 1 号",
                           "hours": "周一至周五 8:30-12:00 14:00-17:30", "phone": "0792-6612345",
                           "complaint_phone": "0792-12345",
                           "windows": {"w1": {"name": "综合受理窗口", "unit": "便民服务中心",
                                              "phone": "0792-6612301"}}}, at("2026-09-01")),
        ("matters", "m1", {"name": "最低生活保障申请", "county_id": "k1", "kind": "time_limited",
                           "time_limit_days": 20, "legal_basis": "《社会救助暂行办法》",
                           "materials": ["居民身份证", "户口簿"], "fee": "不收费"}, at("2026-09-01")),
        ("matters", "m2", {"name": "<script>alert(1)</script>", "county_id": "k1",
                           "kind": "immediate", "time_limit_days": 0}, at("2026-09-01")),
        ("matters", "m3", {"name": "别县事项", "county_id": "k2", "kind": "immediate",
                           "time_limit_days": 0}, at("2026-09-01")),
        ("matters", "m4", {"name": "停用事项", "county_id": "k1", "kind": "immediate",
                           "time_limit_days": 0, "active": False}, at("2026-09-01")),
        ("cases", "k", {"centre_id": "c1", "matter_id": "m1", "status": "accepted",
                        "applicant": PERSON, "accepted_at": at("2026-10-12")}, at("2026-10-12")),
    ])


def test_public_page_shows_the_catalogue_without_login(client: TestClient) -> None:
    seed(client)
    r = client.get("/public/centres/c1")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "public" in r.headers["cache-control"] and "max-age=" in r.headers["cache-control"]
    page = r.text
    for text in ("城关镇", "人民路 1 号", "0792-12345", "综合受理窗口", "0792-6612301",
                 "最低生活保障申请", "20 个工作日", "《社会救助暂行办法》", "居民身份证", "不收费", "即办"):
        assert text in page, text
    assert "别县事项" not in page and "停用事项" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    for secret in (PERSON["name"], PERSON["id_number"], PERSON["phone"]):
        assert secret not in page


def test_public_page_markup_is_accessible(client: TestClient) -> None:
    seed(client)
    outline = Outline()
    outline.feed(client.get("/public/centres/c1").text)
    tags = outline.tags
    assert ("html", {"lang": "zh-CN"}) in tags
    assert [t for t, _a in tags].count("h1") == 1 and [t for t, _a in tags].count("h2") >= 2
    headers = [a for t, a in tags if t == "th"]
    assert headers and all(a.get("scope") in ("col", "row") for a in headers)
    assert [t for t, _a in tags].count("caption") == 2


def test_public_page_unknown_centre_and_rate_limit(client: TestClient) -> None:
    seed(client)
    r = client.get("/public/centres/nowhere")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    client.app.state.public_limiter = LoginLimiter(3, 60)  # type: ignore[attr-defined]
    codes = [client.get("/public/centres/c1").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = client.get("/public/centres/c1")
    assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) > 0


def test_public_page_needs_no_token_but_api_does(client: TestClient, device: Any) -> None:
    seed(client)
    assert client.get("/public/centres/c1").status_code == 200
    assert client.get("/api/v1/records/cases").status_code == 401
