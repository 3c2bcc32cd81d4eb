"""``sync.inspections.check_reviewer``: which writes count as reviewing (so the inspection's
own inspector may not make them), path by path on dot boundaries."""

from __future__ import annotations

import pytest

from sync.errors import Forbidden
from sync.inspections import check_reviewer

MERGED = {"inspector_ids": ["u-1"], "status": "submitted"}


@pytest.mark.parametrize("path", ["review", "review.comment", "reviews.r1.comment", "reviews.x"])
def test_inspections_reviewer_own_inspector_may_not_write_review_paths(path: str) -> None:
    writes = {f"items.e{i}.count": 1 for i in range(40)} | {path: "ok"}
    with pytest.raises(Forbidden):
        check_reviewer(MERGED, writes, "u-1")
    check_reviewer(MERGED, writes, "u-2")  # someone else may


@pytest.mark.parametrize("path", ["reviewer", "reviewsx.a", "items.review.note", "notes", "reviews"])
def test_inspections_reviewer_other_paths_are_not_reviewing(path: str) -> None:
    check_reviewer(MERGED, {"items.e1.count": 1, path: "ok"}, "u-1")


@pytest.mark.parametrize("status", ["returned", "approved"])
def test_inspections_reviewer_status_of_a_review(status: str) -> None:
    with pytest.raises(Forbidden):
        check_reviewer(MERGED, {"status": status}, "u-1")
    check_reviewer(MERGED, {"status": "submitted"}, "u-1")
