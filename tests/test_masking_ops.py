"""``mask_op``: a refused op is listed with whatever stands where an applicant's ID number or
phone belongs masked, whatever its type (the op was refused, often for that very value)."""

from __future__ import annotations

from server.masking import mask_op


def test_masking_ops_masks_any_shape_where_a_number_belongs() -> None:
    op = {"id": "o1", "set": {
        "applicant.id_number": 110105198001011234, "applicant.phone": 13812345678,
        "complainant": {"name": "李强", "id_number": ["110105198001011234"], "phone": 13800001111},
        "notes": "13812345678 写在备注里不是申请人字段"}}
    out = mask_op(op)["set"]
    assert out["applicant.id_number"] == "110105********1234"
    assert out["applicant.phone"] == "138****5678"
    assert out["complainant"] == {"name": "李强", "id_number": "***", "phone": "138****1111"}
    assert out["notes"] == op["set"]["notes"]
    assert mask_op({"set": {"applicant": "110105198001011234"}})["set"]["applicant"] == "***"
    assert mask_op({"set": {"applicant.phone": None}})["set"]["applicant.phone"] is None
    assert mask_op({"set": "not an object"}) == {"set": "not an object"}
