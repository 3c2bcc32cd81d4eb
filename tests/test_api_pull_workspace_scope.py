"""A supervisor's device pulls, page by page, exactly its county's inspections (the
collections its workspace syncs) and reference data, never cases, whatever lies between
them in version order; caught up, a sync brings nothing. (The pull seeks each collection and
centre past the cursor instead of walking every record of the centres.)"""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.test_api_reports import at, write


def test_pull_workspace_scope_pages_through_its_collections_only(client: TestClient,
                                                                 device: Any) -> None:
    write(client, [("matters", "m1", {"name": "营业执照", "county_id": "k1", "kind": "time_limited",
                                      "time_limit_days": 5}, at("2026-09-01"))])
    case = {"matter_id": "m1", "status": "handling", "accepted_at": at("2026-10-12")}
    inspection = {"template_id": "t1", "template_version": 1, "status": "submitted",
                  "started_at": at("2026-10-12")}
    for i in range(6):
        for centre in ("c1", "c2", "c3"):
            write(client, [("cases", f"{centre}-case{i}-{j}", {**case, "centre_id": centre},
                            at("2026-10-12")) for j in range(7)])
            write(client, [("inspections", f"{centre}-insp{i}", {**inspection, "centre_id": centre},
                            at("2026-10-12"))])
    sup = device("sup1")
    pages = [sup.sync(limit=4)]
    while pages[-1]["more"]:
        pages.append(sup.sync(limit=4))
    got = [(ch["collection"], ch["record"], ch["version"]) for page in pages for ch in page["changes"]]
    assert len(pages) > 3 and all(len(page["changes"]) <= 4 for page in pages)
    versions = [v for _c, _r, v in got]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    pulled = {(c, r) for c, r, _v in got}
    assert {r for c, r in pulled if c == "inspections"} == \
        {f"{centre}-insp{i}" for i in range(6) for centre in ("c1", "c2")}  # k1's, not c3's (k2)
    assert ("matters", "m1") in pulled
    assert not {c for c, _r in pulled} & {"cases", "visits", "complaints", "evaluations"}
    assert sup.sync()["changes"] == []
    write(client, [("cases", "late-case", {**case, "centre_id": "c1"}, at("2026-10-13")),
                   ("inspections", "late-insp", {**inspection, "centre_id": "c2"}, at("2026-10-13"))])
    assert [ch["record"] for ch in sup.sync()["changes"]] == ["late-insp"]
