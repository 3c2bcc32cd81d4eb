"""Masking of applicants' personal data in lists and exports (contract v1.1 "Exports").

ID numbers keep their first six and last four characters (``110105********1234``), phone
numbers their first three and last four (``138****5678``); shorter values are starred out
whole. Every ``person`` field of a record (``applicant``, ``complainant``) is masked, in a
record's data and in an op's ``set`` (whole, or by leaf path such as ``applicant.phone``).
"""

from __future__ import annotations

from typing import Any

PERSON_FIELDS = ("applicant", "complainant")


def mask_id(value: str) -> str:
    """``110105198001011234`` → ``110105********1234``."""
    if len(value) < 12:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


#: a person's fields that are masked, and how
_NUMBERS = (("id_number", mask_id), ("phone", mask_phone))


def _sent(value: Any, mask: Any) -> Any:
    """A value where an ID number or phone belongs, masked whatever it is: a refused op may
    hold a number, a list, anything there (None stays None)."""
    if value is None:
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return mask(str(value))
    return "***"


def mask_person(person: Any) -> Any:
    """A person object with its ID number and phone masked (anything else as it is)."""
    if not isinstance(person, dict):
        return person
    return {**person, **{leaf: _sent(person[leaf], mask) for leaf, mask in _NUMBERS
                         if leaf in person}}


def mask_record(data: dict[str, Any]) -> dict[str, Any]:
    """A record's data with every person field masked."""
    if not any(k in data for k in PERSON_FIELDS):
        return data
    return {k: mask_person(v) if k in PERSON_FIELDS else v for k, v in data.items()}


_LEAVES = {f"{p}.{leaf}": mask for p in PERSON_FIELDS for leaf, mask in _NUMBERS}


def mask_op(op: Any) -> Any:
    """An op as sent, its ``set`` masked like a record's data: by person object or by leaf
    path (an op as the phone sends it names leaves). A refused op may hold any shape there:
    whatever stands where an ID number or phone belongs is masked, a person that is no
    object is hidden whole."""
    if not isinstance(op, dict) or not isinstance(op.get("set"), dict):
        return op
    changes: dict[str, Any] = {}
    for key, value in op["set"].items():
        if key in PERSON_FIELDS:
            if isinstance(value, dict):
                changes[key] = mask_person(value)
            elif value is not None:
                changes[key] = "***"
        elif key in _LEAVES:
            changes[key] = _sent(value, _LEAVES[key])
    return {**op, "set": {**op["set"], **changes}} if changes else op
