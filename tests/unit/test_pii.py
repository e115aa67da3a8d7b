"""Personal numbers are masked in every spelling the outside review tried; amounts stay readable."""

from __future__ import annotations

import pytest

from bot.pii import MASKS, mask_personal_data
from knowledge.loan_calculator import read_loan


@pytest.mark.parametrize("message, kind, secret", [
    ("CCCD: 001.203.012.345", "id_number", "012.345"),
    ("số CMND 123.456.789", "id_number", "456.789"),
    ("SĐT0912345678 gọi lại giúp em", "phone", "0912345678"),
    ("tài khoản Techcombank 1903456789", "bank_account", "1903456789"),
    ("stk vietcombank chi nhánh 0071000123456", "bank_account", "0071000123456"),
    ("căn cước của tôi là 001203012345", "id_number", "001203012345"),
    ("gọi 0912 345 678", "phone", "345 678"),
])
def test_personal_numbers_are_masked(message, kind, secret):
    masked = mask_personal_data(message)
    assert kind in masked.kinds, masked
    assert MASKS[kind] in masked.text and secret not in masked.text, masked.text


@pytest.mark.parametrize("message", [
    "vay 100000000 trả 120000000 sau 1 năm",
    "vay 100.000.000 trả 120.000.000 sau 1 năm",
    "hộ nghèo vay 50 triệu lãi bao nhiêu",
    "Quyết định 2553/QĐ-TTg năm 2025",
    "vay 5tr trả 1tr5 mỗi tuần",
])
def test_amounts_and_document_numbers_stay_readable(message):
    masked = mask_personal_data(message)
    assert masked.text == message and not masked.kinds


def test_the_calculator_reads_an_ungrouped_loan_after_masking():
    text = mask_personal_data("vay 100000000 trả 120000000 sau 1 năm").text
    reading = read_loan(text)
    assert reading is not None and reading.annual_rate == pytest.approx(20.0, rel=0.05)
