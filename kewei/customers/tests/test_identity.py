import datetime as dt

import pytest

from kewei.customers.identity import (
    IdentityError,
    IdType,
    name_pinyin,
    normalise_id_number,
    normalise_mobile,
    parse_resident_id,
)

VALID = "11010519491231002X"


def test_valid_vector_and_derived_facts():
    parsed = parse_resident_id(VALID)
    assert parsed.number == VALID
    assert parsed.birthday == dt.date(1949, 12, 31)
    assert parsed.gender == "F"  # 17th digit 2 is even


def test_lowercase_x_is_normalised():
    assert parse_resident_id("11010519491231002x").number == VALID


@pytest.mark.parametrize("position", range(18))
def test_any_single_character_change_is_invalid(position):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    for replacement in alphabet:
        if replacement == VALID[position]:
            continue
        changed = VALID[:position] + replacement + VALID[position + 1 :]
        with pytest.raises(IdentityError):
            parse_resident_id(changed)


def test_fifteen_digit_number_is_converted():
    assert parse_resident_id("110105491231002").number == VALID


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519490230002X", "出生日期无效"),
        ("1101051949123100", "18 位"),
        ("99010519491231002X", "地区代码"),
        ("11010520991231002X", "出生日期无效"),
    ],
)
def test_invalid_numbers_say_why(number, reason):
    with pytest.raises(IdentityError, match=reason):
        parse_resident_id(number)


def test_male_from_odd_seventeenth_digit():
    from kewei.customers.identity import check_character

    first17 = "31011519800101001"
    assert parse_resident_id(first17 + check_character(first17)).gender == "M"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
    ],
)
def test_mobiles_are_normalised(raw, expected):
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "010-62751234", ""])
def test_non_mainland_mobiles_are_refused(raw):
    with pytest.raises(IdentityError):
        normalise_mobile(raw)


@pytest.mark.parametrize(
    ("id_type", "raw", "expected"),
    [
        (IdType.PASSPORT, "e1234 5678", "E12345678"),
        (IdType.HK_MACAO_PERMIT, "h12345678", "H12345678"),
        (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdType.FOREIGN_PERMANENT, "USA110075062001", "USA110075062001"),
    ],
)
def test_other_documents(id_type, raw, expected):
    assert normalise_id_number(id_type, raw) == expected


def test_other_document_format_errors():
    with pytest.raises(IdentityError, match="港澳居民来往内地通行证号码格式不正确"):
        normalise_id_number(IdType.HK_MACAO_PERMIT, "X1234")


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("曾国藩", "zengguofan", "zgf"),
        ("单田芳", "shantianfang", "stf"),
        ("欧阳娜娜", "ouyangnana", "oynn"),
        ("尉迟恭", "yuchigong", "ycg"),
        ("Tom", "tom", "tom"),
    ],
)
def test_name_pinyin(name, full, initials):
    assert name_pinyin(name) == (full, initials)


def test_the_table_of_readings_is_pypinyins():
    # Names are read with a table written from pypinyin (it loads in a quarter of the
    # time); an upgrade of pypinyin that reads a character otherwise fails here until
    # ``python -m kewei.customers.pinyin_table`` writes the table again.
    from kewei.customers import pinyin_table

    assert pinyin_table.TABLE.read_text(encoding="utf-8") == pinyin_table.build()
    assert len(pinyin_table.read()) > 40000


def test_every_character_reads_as_pypinyin_reads_it():
    # Through name_pinyin, for every character of the Basic Multilingual Plane and of
    # the CJK extensions beyond it: a character pypinyin does not know passes through
    # (spaces and the dots between the parts of a name are left out first).
    from pypinyin import lazy_pinyin

    from kewei.customers.identity import _NAME_SEPARATORS

    codes = [code for code in range(0x30000) if not 0xD800 <= code < 0xE000]
    names = [chr(code) for code in codes if not _NAME_SEPARATORS.fullmatch(chr(code))]
    for name in names:
        reading = lazy_pinyin(name, errors="ignore")
        expected = reading[0] if reading else name.lower()
        assert name_pinyin("名" + name)[0] == "ming" + expected, name
