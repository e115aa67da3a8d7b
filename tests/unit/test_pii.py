"""Personal numbers are masked in every spelling people use; amounts, dates and document numbers stay.

Two tables (issue 15): what must be masked — CCCD/CMND with dots, spaces, dashes, glued to
letters; mobile numbers in 0…, +84 and 84 forms; landlines; bank accounts and cards after
«STK», «số thẻ», «tài khoản <ngân hàng>»; e-mails with @, (at), [at] — and what must be
left exactly as written — amounts bare or grouped, «1tr5», «50tr», «2.500.000đ», years,
dates, decision and article numbers, rates, terms — so that the loan calculator can still
read every money phrasing.
"""

from __future__ import annotations

import pytest

from vntext.pii import MASKS, mask_personal_data
from knowledge.loan_calculator import read_loan

ID, PHONE, ACCOUNT, EMAIL = "id_number", "phone", "bank_account", "email"

# (message, kind the number is masked as, a part of the number that must be gone)
MASKED = [
    # CCCD (12 digits) / CMND (9 digits), named or not
    ("CCCD: 001.203.012.345", ID, "012.345"),
    ("số CMND 123.456.789", ID, "456.789"),
    ("căn cước của tôi là 001203012345", ID, "001203012345"),
    ("CCCD 001 203 012 345", ID, "012 345"),
    ("cccd 001-203-012-345", ID, "012-345"),
    ("CCCD:001203012345", ID, "001203012345"),
    ("cccd001203012345", ID, "001203012345"),
    ("CMND123456789 cấp năm 2010", ID, "123456789"),
    ("số cmnd: 123 456 789", ID, "456 789"),
    ("số chứng minh nhân dân 187654321", ID, "187654321"),
    ("mã định danh 036085001234", ID, "036085001234"),
    ("can cuoc cong dan 001203012345", ID, "001203012345"),
    ("cmt 123456789", ID, "123456789"),
    ("CCCD số 079.203.012.345 cấp ngày 1/1/2021", ID, "079.203"),
    ("tôi là 001203012345 ở xã Thanh Xá", ID, "001203012345"),
    ("căn cước công dân của em: 031 090 012 345 ạ", ID, "012 345"),
    ("Số CCCD 001203012345, vay được không", ID, "001203012345"),
    ("cmnd 187.654.321 vay 50 triệu", ID, "654.321"),
    # mobile phones: 0…, +84, 84, grouped, glued
    ("SĐT0912345678 gọi lại giúp em", PHONE, "0912345678"),
    ("gọi 0912 345 678", PHONE, "345 678"),
    ("sdt 0912.345.678", PHONE, "345.678"),
    ("0912-345-678 là số của tôi", PHONE, "345-678"),
    ("số của tôi +84912345678", PHONE, "912345678"),
    ("+84 912 345 678", PHONE, "345 678"),
    ("84912345678 zalo", PHONE, "84912345678"),
    ("84 912 345 678", PHONE, "345 678"),
    ("zalo 0987654321 nhé", PHONE, "0987654321"),
    ("dt: 0987 654 321", PHONE, "654 321"),
    ("phone:0912345678", PHONE, "0912345678"),
    ("em sdt 0365 123 456 ạ", PHONE, "0365"),
    ("gọi cho tôi theo số 0123456789", PHONE, "0123456789"),
    ("so dien thoai 0912345678 vay duoc khong", PHONE, "0912345678"),
    ("+84-912-345-678", PHONE, "345-678"),
    # landlines (11 digits from 02…)
    ("điện thoại bàn 024 3822 1234", PHONE, "3822 1234"),
    ("máy bàn 0243.822.1234", PHONE, "822.1234"),
    ("liên hệ 0220 3851 234", PHONE, "3851 234"),
    ("gọi 02253 123 456 giờ hành chính", PHONE, "123 456"),
    ("+84 24 3822 1234", PHONE, "3822 1234"),
    # bank accounts and cards
    ("tài khoản Techcombank 1903456789", ACCOUNT, "1903456789"),
    ("stk vietcombank chi nhánh 0071000123456", ACCOUNT, "0071000123456"),
    ("STK: 0071000123456", ACCOUNT, "0071000123456"),
    ("stk 1903 4567 8901", ACCOUNT, "4567 8901"),
    ("STK1903456789", ACCOUNT, "1903456789"),
    ("số tk 123456789012", ACCOUNT, "123456789012"),
    ("tài khoản Agribank 1500 2050 12345", ACCOUNT, "2050 12345"),
    ("tai khoan vcb 0011004123456", ACCOUNT, "0011004123456"),
    ("số thẻ 9704 0512 3456 7890", ACCOUNT, "3456 7890"),
    ("số thẻ ATM 9704051234567890", ACCOUNT, "9704051234567890"),
    ("the atm 9704 1234 5678 9012", ACCOUNT, "5678 9012"),
    ("chuyển vào tài khoản 1903456789 giúp em", ACCOUNT, "1903456789"),
    ("số tài khoản BIDV: 12510000123456", ACCOUNT, "12510000123456"),
    ("9704051234567890", ACCOUNT, "9704051234567890"),
    ("chuyển khoản vào 1903456789 nhé", ACCOUNT, "1903456789"),
    ("stk MB 0912345678", ACCOUNT, "0912345678"),
    ("STK Agribank chi nhánh Thanh Hà 1500205012345", ACCOUNT, "1500205012345"),
    # e-mail addresses
    ("email nguyenvana@gmail.com", EMAIL, "nguyenvana"),
    ("nguyenvana(at)gmail.com", EMAIL, "nguyenvana"),
    ("nguyenvana[at]gmail.com", EMAIL, "nguyenvana"),
    ("nguyen.van.a @ gmail . com", EMAIL, "nguyen.van.a"),
    ("mail: abc_123@yahoo.com.vn", EMAIL, "abc_123"),
    ("gửi về nguyenvana (at) gmail.com", EMAIL, "nguyenvana"),
    ("Nguyenvana@Gmail.Com", EMAIL, "Nguyenvana"),
    ("nguyenvana(a)gmail.com", EMAIL, "nguyenvana"),
]

# Left exactly as written.
KEPT = [
    "vay 100000000 trả 120000000 sau 1 năm",
    "vay 100.000.000 trả 120.000.000 sau 1 năm",
    "100000000",
    "100.000.000",
    "hộ nghèo vay 50 triệu lãi bao nhiêu",
    "vay 5tr trả 1tr5 mỗi tuần",
    "vay 50tr",
    "2.500.000đ",
    "mỗi ngày góp 2.500.000đ",
    "năm 2025",
    "Quyết định 2553/QĐ-TTg năm 2025",
    "Quyết định 2553/QĐ-TTg",
    "Điều 468 Bộ luật Dân sự",
    "lãi 0,52%/tháng",
    "vay 12 tháng",
    "1.000.000.000 đồng",
    "vay 1 tỷ 200 triệu",
    "150.000.000 đồng",
    "5000000đ",
    "5000000 vnd",
    "vay 3000000 góp 40 ngày mỗi ngày 100000",
    "Nghị định 78/2002/NĐ-CP",
    "Thông tư 11/2017/TT-BTC",
    "Nghị định 351/2025/NĐ-CP",
    "Chỉ thị 12/CT-TTg",
    "Luật số 91/2025/QH15",
    "ngày 01/12/2025",
    "từ 1/1/2027",
    "lãi suất 6,6%/năm",
    "3 nghìn 1 triệu 1 ngày",
    "vay app 5 triệu sau 7 ngày đòi 15 triệu",
    "bốc họ 10 triệu góp 40 ngày mỗi ngày 300 nghìn",
    "thu nhập 1.500.000 đồng/người/tháng",
    "vay 200000000 mua nhà",
    "trả 123456789 đồng",
    "nợ 123456789",
    "góp 1500000 mỗi ngày",
    "vay 1,500,000",
    "số tiền 120000000",
    "số tiền 123456789",
    "vay 100 000 000 trả 120 000 000",
    "giá 2.500.000 VNĐ",
    "hộ nghèo giai đoạn 2022-2025",
    "Nghị định 07/2021/NĐ-CP",
    "Quyết định số 15/2013/QĐ-TTg",
    "vay 300k một tuần trả 50k",
    "vay 500000000",
    "lúc 8h30 ngày 15/3",
    "tài khoản bị trừ 500000 đồng",
    "tài khoản của tôi nhận được 1500000",
    "chuyển khoản 5000000 đ",
    "vay 1tr lãi 3 nghìn một ngày",
    "vay 10 triệu mỗi ngày trả 500.000",
    "gia đình có 5 người, 2 con đi học",
    "mức cho vay tối đa 100 triệu đồng/hộ",
    "thời hạn 60 tháng",
    "cho vay đến 120000000 đồng",
    "lãi 6,6%/năm tương đương 0,55%/tháng",
]

# Loans as people describe them (README, knowledge/loan_calculator.py): read the same after masking.
CALCULATOR_PHRASINGS = [
    "vay 100000000 trả 120000000 sau 1 năm",
    "vay 100.000.000 trả 120.000.000 sau 1 năm",
    "vay 10000000 trả 12000000 sau 1 năm",
    "vay 1tr5 trả 2tr sau 30 ngày",
    "vay app 5 triệu sau 7 ngày đòi 15 triệu",
    "bốc họ 10 triệu góp 40 ngày mỗi ngày 300 nghìn",
    "3 nghìn 1 triệu 1 ngày",
    "vay 5000000 sau 7 ngày trả 6500000",
    "vay 2.000.000đ sau 1 tuần trả 2.200.000đ",
    "vay 3000000 trả 3600000 sau 30 ngày",
    "vay 500k trả 700k sau 7 ngày",
    "vay 20 triệu góp 60 ngày mỗi ngày 450k",
]


@pytest.mark.parametrize("message, kind, secret", MASKED)
def test_personal_numbers_are_masked(message, kind, secret):
    masked = mask_personal_data(message)
    assert kind in masked.kinds, masked
    assert MASKS[kind] in masked.text and secret not in masked.text, masked.text


@pytest.mark.parametrize("message", KEPT)
def test_amounts_dates_and_document_numbers_stay_readable(message):
    masked = mask_personal_data(message)
    assert masked.text == message and not masked.kinds, masked


def test_the_tables_have_at_least_80_cases_in_both_directions():
    assert len(MASKED) + len(KEPT) >= 80 and len(MASKED) >= 40 and len(KEPT) >= 40


def test_two_numbers_in_one_message_are_both_masked():
    masked = mask_personal_data("SĐT: 0912345678, CCCD: 001203012345, email a.b@gmail.com")
    assert masked.kinds == sorted([PHONE, ID, EMAIL])
    assert not any(ch.isdigit() for ch in masked.text), masked.text


@pytest.mark.parametrize("message", CALCULATOR_PHRASINGS)
def test_the_calculator_reads_every_money_phrasing_after_masking(message):
    masked = mask_personal_data(message)
    assert masked.text == message and not masked.kinds, masked
    reading = read_loan(masked.text)
    assert reading is not None, message
    assert reading.annual_rate == pytest.approx(read_loan(message).annual_rate)


def test_a_calculator_reading_survives_a_personal_number_in_the_same_message():
    message = "vay 100000000 trả 120000000 sau 1 năm, sdt 0912345678"
    reading = read_loan(mask_personal_data(message).text)
    assert reading is not None and reading.annual_rate == pytest.approx(20.0, rel=0.05)
