"""Validation and normalisation of identity data: ID numbers, mobiles, names.

Resident ID numbers follow GB 11643-1999: 17 digits (6 for the area of registration, 8
for the birth date, 3 for a sequence whose last digit is odd for men) and a check
character by ISO 7064 MOD 11-2. Old 15-digit numbers (pre-1999, 2-digit birth year, no
check character) are converted to 18.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from operator import getitem
from typing import NamedTuple

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", gettext_lazy("居民身份证")
    PASSPORT = "passport", gettext_lazy("护照")
    HK_MACAO_PERMIT = "hk_macao_permit", gettext_lazy("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", gettext_lazy("台湾居民来往大陆通行证")
    FOREIGN_PERMANENT = "foreign_permanent", gettext_lazy("外国人永久居留身份证")


class Gender(models.TextChoices):
    MALE = "M", gettext_lazy("男")
    FEMALE = "F", gettext_lazy("女")


_MALE, _FEMALE = Gender.MALE.value, Gender.FEMALE.value  # plain text, as stored


class IdentityError(ValueError):
    """An identity value that fails validation; the message says why, in Chinese."""


WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# Province-level codes of GB/T 2260 (the first two digits of the area code).
PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
}


class ResidentId(NamedTuple):  # made for every row of an import: a tuple is quicker
    number: str
    birthday: dt.date
    gender: str


_DIGIT_WEIGHTS = [{str(d): d * w for d in range(10)} for w in WEIGHTS]


def check_character(first17: str) -> str:
    # A table lookup per position: this runs for every row of a million-row import.
    if len(first17) != len(_DIGIT_WEIGHTS):
        raise ValueError("the check character is computed from 17 digits")
    return CHECK_CHARACTERS[sum(map(getitem, _DIGIT_WEIGHTS, first17)) % 11]


def parse_resident_id(raw: str, today: dt.date | None = None) -> ResidentId:
    """Validate and normalise a resident ID number; derive birthday and gender."""
    value = "".join((raw or "").split()).upper()  # without whitespace, as re's \s
    if len(value) == 15:
        if not value.isdigit():
            raise IdentityError(_("15 位身份证号码应全部为数字"))
        first17 = value[:6] + "19" + value[6:]
        value = first17 + check_character(first17)
    if len(value) != 18:
        raise IdentityError(_("身份证号码应为 18 位（或旧式 15 位）"))
    first17, check = value[:17], value[17]
    if not first17.isdigit() or check not in "0123456789X":
        raise IdentityError(_("身份证号码前 17 位应为数字，末位为数字或 X"))
    if first17[:2] not in PROVINCES:
        raise IdentityError(_("身份证号码的地区代码无效"))
    try:
        birthday = dt.date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    except ValueError:
        raise IdentityError(_("身份证号码中的出生日期无效")) from None
    today = today or timezone.localdate()
    if birthday > today or birthday.year < 1880:
        raise IdentityError(_("身份证号码中的出生日期无效"))
    if check_character(first17) != check:
        raise IdentityError(_("身份证号码校验位错误"))
    return ResidentId(value, birthday, _MALE if first17[16] in "13579" else _FEMALE)


_OTHER_ID_PATTERNS = {
    IdType.PASSPORT: re.compile(r"^[A-Z0-9]{5,17}$"),
    IdType.HK_MACAO_PERMIT: re.compile(r"^[HM]\d{8}(\d{2})?$"),
    IdType.TAIWAN_PERMIT: re.compile(r"^\d{8}(\d{2})?$"),
    IdType.FOREIGN_PERMANENT: re.compile(r"^([A-Z]{3}\d{12}|9\d{17})$"),
}


def normalise_id_number(id_type: str, raw: str) -> str:
    """The canonical form of an ID number (the form that is encrypted and indexed)."""
    if id_type == IdType.RESIDENT_ID:
        return parse_resident_id(raw).number
    value = re.sub(r"[\s-]+", "", raw or "").upper()
    pattern = _OTHER_ID_PATTERNS.get(id_type)
    if pattern is None:
        raise IdentityError(_("未知的证件类型"))
    if not pattern.match(value):
        raise IdentityError(_("%(type)s号码格式不正确") % {"type": IdType(id_type).label})
    return value


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_SEPARATORS = re.compile(r"[\s()\-]+")


def normalise_mobile(raw: str) -> str:
    """A mainland mobile number: 11 digits from 13x–19x; ``+86`` and separators removed."""
    value = _MOBILE_SEPARATORS.sub("", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif len(value) == 13 and value.startswith("86"):
        value = value[2:]
    if not _MOBILE.match(value):
        raise IdentityError(_("手机号码应为 11 位中国大陆手机号"))
    return value


# Surnames whose reading differs from the character's everyday reading.
_SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "翟": ("zhai",),
    "盖": ("ge",),
    "乐": ("yue",),
    "覃": ("qin",),
    "秘": ("bi",),
    "缪": ("miao",),
    "召": ("shao",),
    "种": ("chong",),
    "员": ("yun",),
    "黑": ("he",),
    "重": ("chong",),
    "折": ("she",),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "令狐": ("ling", "hu"),
    "澹台": ("tan", "tai"),
}


@functools.cache
def _readings() -> dict[str, str]:
    """Each character's reading, pypinyin's (``pinyin_table``), loaded when first needed."""
    from kewei.customers.pinyin_table import read

    return read()


def load_pinyin() -> None:
    """Load the readings now: before a bulk import forks its workers, so that they share
    them rather than each load them again."""
    _readings()


_NAME_SEPARATORS = re.compile(r"[\s·•]+")


def given_name(name: str) -> str:
    """The given name (名) of a Chinese name, without its surname: 张三丰 → 三丰,
    欧阳修 → 修 (a two-character surname is read first); "" for a name of one character
    or one that is not Chinese. What the counter's search "by the given name alone"
    matches from its beginning, through an index."""
    name = _NAME_SEPARATORS.sub("", name or "")
    if not _CHINESE_NAME.fullmatch(name):
        return ""
    surname = 2 if len(name) > 2 and name[:2] in _COMPOUND_SURNAMES else 1
    return name[surname:]


_CHINESE_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
# Two-character surnames (复姓) of the Hundred Family Surnames still in use.
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 "
    "万俟 澹台 独孤 南宫 西门 闻人 公冶 太史 申屠 呼延 百里 东郭 濮阳 司空 第五 拓跋 赫连 "
    "左丘 淳于 单于 巫马 公西 漆雕 乐正 壤驷 公良 谷梁 宰父 夹谷 段干 东门 羊舌 微生 梁丘 "
    "公羊 仲孙 叔孙 闾丘 鲜于 亓官 司寇 颛孙 子车 宗政 濮阳 太叔 公户 公玉 南门".split()
)


def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese name: 张三 → ("zhangsan", "zs").

    Surnames are read as surnames (曾 zeng, 单 shan). Latin letters pass through.
    """
    name = _NAME_SEPARATORS.sub("", name or "")
    syllables: list[str] = []
    rest = name
    # A two-character surname (尉迟) is read before a single one.
    for length in (2, 1):
        readings = _SURNAME_READINGS.get(name[:length]) if len(name) >= length else None
        if readings:
            syllables += readings
            rest = name[length:]
            break
    table = _readings()
    for char in rest:
        # A character pypinyin does not read (a Latin letter) passes through.
        syllables.append(table.get(char) or char.lower())
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return full, initials


# Two-character surnames (复姓) common enough to meet at a counter.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 "
    "端木 西门 南宫 独孤 万俟 闻人 赫连 澹台 申屠 太史 公羊 呼延 百里 东郭".split()
)


def surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def polite_name(name: str, gender: str) -> str:
    """How a letter or an SMS addresses the customer (尊称): 张先生, 欧阳女士. Always in
    Chinese: it is written to the customer, whatever the staff's language."""
    return surname(name) + ("先生" if gender == Gender.MALE else "女士")
