import logging

from kewei.core.logging import MaskPersonalDataFilter
from kewei.core.masking import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_mobile,
    mask_text,
)


def test_id_number_keeps_first_six_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_mobile_keeps_first_three_and_last_four():
    assert mask_mobile("13812345678") == "138****5678"


def test_address_is_cut_at_district():
    assert mask_address("北京市海淀区中关村大街1号院3号楼502") == "北京市海淀区****"
    assert mask_address("浙江省杭州市西湖区文三路100号") == "浙江省杭州市西湖区****"


def test_email_keeps_the_first_character_and_the_domain():
    assert mask_email("zhangsan@example.com.cn") == "z***@example.com.cn"
    assert mask_text("邮箱 li.si@bank.cn 已确认") == "邮箱 l***@bank.cn 已确认"


def test_empty_values_mask_to_empty():
    assert mask_id_number("") == ""
    assert mask_mobile(None) == ""


def test_free_text_is_masked():
    text = "客户 11010519491231002X 手机 13812345678 来电"
    assert mask_text(text) == "客户 110105********002X 手机 138****5678 来电"


def test_log_records_are_masked():
    record = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "id=%s", ("11010519491231002X",), None
    )
    MaskPersonalDataFilter().filter(record)
    assert record.getMessage() == "id=110105********002X"
