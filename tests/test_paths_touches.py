"""``sync.paths.touches``: whether an op's leaf paths reach a field (the field itself or a
path below it), not a sibling that merely shares its first letters."""

from __future__ import annotations

from sync.paths import touches


def test_paths_touches_the_field_and_what_lies_below_it() -> None:
    assert touches({"extension": {}}, "extension")
    assert touches(["status", "extension.days"], "extension")
    assert touches(("verification.at",), "verification")


def test_paths_touches_not_a_sibling_sharing_its_prefix() -> None:
    assert not touches({"extensions": 1, "extension_note": "x"}, "extension")
    assert not touches([], "extension")
    assert not touches(["status", "reply"], "verification")
