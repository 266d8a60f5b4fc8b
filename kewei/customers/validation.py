"""Cleaning customer input, shared by the pages, the bulk import and the API.

Every problem is reported as a :class:`FieldError` naming the field and the reason in
Chinese, so a form shows it beside the field and an import report names row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.customers.identity import (
    Gender,
    IdentityError,
    IdType,
    normalise_id_number,
    normalise_mobile,
    parse_resident_id,
)
from kewei.customers.models import NAME_MAX_LENGTH, InformationSource

FIELD_LABELS = {
    "customer_number": gettext_lazy("客户号"),
    "name": gettext_lazy("姓名"),
    "gender": gettext_lazy("性别"),
    "id_type": gettext_lazy("证件类型"),
    "id_number": gettext_lazy("证件号码"),
    "birthday": gettext_lazy("出生日期"),
    "mobile": gettext_lazy("手机号码"),
    "address": gettext_lazy("联系地址"),
    "email": gettext_lazy("电子邮箱"),
    "department": gettext_lazy("归属网点"),
    "responsible_manager": gettext_lazy("客户经理"),
    "vip_flag": gettext_lazy("贵宾"),
    "source": gettext_lazy("信息来源"),
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))


def by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    """The messages of ``errors`` per field, as a ValidationError (page or API) takes
    them."""
    problems: dict[str, list[str]] = {}
    for error in errors:
        problems.setdefault(error.field, []).append(error.message)
    return problems


@dataclass
class CustomerData:
    """Validated, normalised basic information of one customer."""

    name: str
    gender: str
    id_type: str
    id_number: str
    birthday: dt.date
    mobile: str
    address: str
    department: Any
    responsible_manager: Any = None
    vip_flag: bool = False
    source: str = InformationSource.COUNTER
    customer_number: str = ""
    email: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_ID_TYPE_ALIASES = {
    "身份证": IdType.RESIDENT_ID,
    "居民身份证": IdType.RESIDENT_ID,
    "二代身份证": IdType.RESIDENT_ID,
    "护照": IdType.PASSPORT,
    "港澳通行证": IdType.HK_MACAO_PERMIT,
    "港澳居民来往内地通行证": IdType.HK_MACAO_PERMIT,
    "回乡证": IdType.HK_MACAO_PERMIT,
    "台胞证": IdType.TAIWAN_PERMIT,
    "台湾居民来往大陆通行证": IdType.TAIWAN_PERMIT,
    "外国人永久居留身份证": IdType.FOREIGN_PERMANENT,
    "永久居留证": IdType.FOREIGN_PERMANENT,
}
_GENDER_ALIASES = {
    "男": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}
# Enum value sets, computed once (Django's ``.values`` builds a new list on every call).
ID_TYPES = frozenset(IdType.values)
GENDERS = frozenset(Gender.values)
SOURCES = frozenset(InformationSource.values)
_TRUE = {"是", "y", "yes", "true", "1", "贵宾", "vip"}
_FALSE = {"否", "n", "no", "false", "0", ""}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn numbers into floats
    return str(value).strip()


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007  (a date)
        except ValueError:
            continue
    raise ValueError(_("日期格式应为 2026-01-31 或 2026年1月31日"))


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("应填写“是”或“否”"))


def clean_customer(
    raw: Mapping[str, Any],
    *,
    departments: Mapping[str, Any],
    managers: Mapping[str, Any],
    today: dt.date | None = None,
) -> tuple[CustomerData | None, list[FieldError]]:
    """Validate one customer's basic information.

    ``raw`` holds strings (a file row) or Python values (a form). ``departments`` maps
    department codes to active departments; ``managers`` maps employee numbers and login
    names to active staff. Returns the data, or None with every error found.
    """
    errors: list[FieldError] = []

    def fail(name: str, message: str) -> None:
        errors.append(FieldError(name, message))

    name = "".join(_text(raw.get("name")).split())  # without whitespace
    if not name:
        fail("name", _("不能为空"))
    elif len(name) > NAME_MAX_LENGTH:
        fail("name", _("不能超过 %(limit)d 个字") % {"limit": NAME_MAX_LENGTH})

    id_type_text = _text(raw.get("id_type")) or IdType.RESIDENT_ID
    id_type = _ID_TYPE_ALIASES.get(id_type_text, id_type_text)
    if id_type not in ID_TYPES:
        fail("id_type", _("未知的证件类型“%(value)s”") % {"value": id_type_text})

    id_number = ""
    derived_birthday: dt.date | None = None
    derived_gender: str | None = None
    raw_id = _text(raw.get("id_number"))
    if not raw_id:
        fail("id_number", _("不能为空"))
    elif id_type in ID_TYPES:
        try:
            if id_type == IdType.RESIDENT_ID:
                resident = parse_resident_id(raw_id, today)
                id_number = resident.number
                derived_birthday, derived_gender = resident.birthday, resident.gender
            else:
                id_number = normalise_id_number(id_type, raw_id)
        except IdentityError as error:
            fail("id_number", str(error))

    gender_text = _text(raw.get("gender")).lower()
    gender = _GENDER_ALIASES.get(gender_text, gender_text.upper() if gender_text else "")
    if gender and gender not in GENDERS:
        fail("gender", _("应为“男”或“女”"))
        gender = ""
    if derived_gender:
        if gender and gender != derived_gender:
            fail(
                "gender",
                _("与身份证号码不符（号码表明为%(gender)s）")
                % {"gender": Gender(derived_gender).label},
            )
        gender = derived_gender
    elif not gender and raw_id:
        fail("gender", _("不能为空"))

    birthday: dt.date | None = None
    if _text(raw.get("birthday")):
        try:
            birthday = parse_date(raw.get("birthday"))
        except ValueError as error:
            fail("birthday", str(error))
    if derived_birthday:
        if birthday and birthday != derived_birthday:
            fail(
                "birthday",
                _("与身份证号码不符（号码表明为 %(date)s）")
                % {"date": derived_birthday.isoformat()},
            )
        birthday = derived_birthday
    elif birthday is None and not any(e.field == "birthday" for e in errors) and raw_id:
        fail("birthday", _("不能为空"))
    if birthday and birthday > (today or timezone.localdate()):
        fail("birthday", _("不能晚于今天"))

    mobile = ""
    try:
        mobile = normalise_mobile(_text(raw.get("mobile")))
    except IdentityError as error:
        fail("mobile", str(error) if _text(raw.get("mobile")) else _("不能为空"))

    address = _text(raw.get("address"))
    if not address:
        fail("address", _("不能为空"))
    elif len(address) > 200:
        fail("address", _("不能超过 200 个字"))

    email = _text(raw.get("email")).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            fail("email", _("不是有效的电子邮箱地址"))
        if len(email) > 254:
            fail("email", _("不能超过 254 个字符"))

    department = raw.get("department")
    if not hasattr(department, "pk"):
        code = _text(department)
        department = departments.get(code)
        if not code:
            fail("department", _("不能为空"))
        elif department is None:
            fail("department", _("机构代码“%(code)s”不存在或已撤销") % {"code": code})

    manager = raw.get("responsible_manager")
    if manager is not None and not hasattr(manager, "pk"):
        key = _text(manager)
        manager = managers.get(key) if key else None
        if key and manager is None:
            fail("responsible_manager", _("员工“%(key)s”不存在或已离职") % {"key": key})

    vip_flag = False
    try:
        vip_flag = parse_bool(raw.get("vip_flag"))
    except ValueError as error:
        fail("vip_flag", str(error))
    if vip_flag and manager is None and not any(e.field == "responsible_manager" for e in errors):
        fail("responsible_manager", _("贵宾客户必须指定客户经理（人户合一）"))

    source = _text(raw.get("source")) or InformationSource.COUNTER
    if source not in SOURCES:
        labels = {str(label): value for value, label in InformationSource.choices}
        if source in labels:
            source = labels[source]
        else:
            fail("source", _("未知的信息来源“%(value)s”") % {"value": source})

    customer_number = _text(raw.get("customer_number")).upper()
    if customer_number and not re.fullmatch(r"[A-Z0-9]{1,20}", customer_number):
        fail("customer_number", _("客户号应为 1–20 位字母或数字"))

    if errors:
        return None, errors
    return CustomerData(
        name=name,
        gender=gender,
        id_type=id_type,
        id_number=id_number,
        birthday=birthday,
        mobile=mobile,
        address=address,
        email=email,
        department=department,
        responsible_manager=manager,
        vip_flag=vip_flag,
        source=source,
        customer_number=customer_number,
    ), []
