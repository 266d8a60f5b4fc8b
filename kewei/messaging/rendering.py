"""Message texts: the variables a template may use, rendering for one customer (in
Python) and for a whole batch (one SQL expression), and the signature and unsubscribe
line that the rules of commercial messaging require."""

from __future__ import annotations

import string
from collections.abc import Mapping

from django.conf import settings
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Left, Replace
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.customers.identity import COMPOUND_SURNAMES, Gender

VARIABLES = {
    "尊称": gettext_lazy("客户尊称，如“张先生”"),
    "姓名": gettext_lazy("客户姓名"),
    "客户经理": gettext_lazy("客户经理姓名"),
    "经理电话": gettext_lazy("客户经理工作电话"),
    "银行": gettext_lazy("银行名称"),
    "积分余额": gettext_lazy("积分余额"),
    "产品": gettext_lazy("产品名称（来自任务）"),
    "日期": gettext_lazy("事由日期，如到期日（来自任务）"),
    "金额": gettext_lazy("金额（来自任务）"),
}
# Variables that only a task gives: a batch to a saved search cannot fill them.
TASK_VARIABLES = frozenset({"产品", "日期", "金额"})
UNSUBSCRIBE = "回复TD退订"


class TemplateError(ValueError):
    pass


def variables_in(body: str) -> set[str]:
    """The variable names a template uses; refuses a malformed template."""
    try:
        return {name for _text, name, _spec, _conv in string.Formatter().parse(body) if name}
    except ValueError:
        raise TemplateError(_("模板中的花括号不成对。")) from None


def check(body: str) -> None:
    unknown = variables_in(body) - set(VARIABLES)
    if unknown:
        raise TemplateError(
            _("模板使用了未知的变量：%(names)s；可用的变量：%(known)s")
            % {
                "names": "、".join(f"{{{n}}}" for n in sorted(unknown)),
                "known": "、".join(f"{{{n}}}" for n in VARIABLES),
            }
        )


def render(body: str, values: Mapping[str, str]) -> str:
    """The text with each ``{变量}`` replaced (empty where the value is unknown)."""
    return string.Formatter().vformat(body, (), _Blank(values))


class _Blank(dict):
    def __init__(self, values):
        super().__init__({key: str(value) for key, value in values.items() if value is not None})

    def __missing__(self, key):
        return ""


def signed(text: str, *, channel: str, marketing: bool) -> str:
    """An SMS opens with the bank's name in 【】 (the signature operators require) and a
    marketing SMS ends with the unsubscribe instruction."""
    if channel != "sms":
        return text
    signature = f"【{settings.KEWEI_BANK_NAME}】"
    if not text.startswith(signature):
        text = signature + text
    if marketing and not text.rstrip().endswith(UNSUBSCRIBE):
        text = f"{text.rstrip()} {UNSUBSCRIBE}"
    return text


def polite_name_expression(name: str = "name", gender: str = "gender"):
    """The customer's 尊称 as a database expression (the same rule as
    ``identity.polite_name``), for rendering a batch in one statement."""
    first_two = Left(F(name), 2)
    family = Case(
        *(When(**{f"{name}__startswith": s}, then=first_two) for s in sorted(COMPOUND_SURNAMES)),
        default=Left(F(name), 1),
        output_field=CharField(),
    )
    title = Case(
        When(**{gender: Gender.MALE}, then=Value("先生")),
        default=Value("女士"),
        output_field=CharField(),
    )
    return Concat(family, title, output_field=CharField())


def body_expression(body: str, *, channel: str, marketing: bool):
    """A template rendered per customer by the database: ``body`` with each batch
    variable replaced by its column (customers annotated with ``manager_name``,
    ``manager_phone`` and ``points``)."""
    text = signed(body, channel=channel, marketing=marketing)
    columns = {
        "尊称": polite_name_expression(),
        "姓名": F("name"),
        "客户经理": Coalesce(F("manager_name"), Value("")),
        "经理电话": Coalesce(F("manager_phone"), Value("")),
        "银行": Value(settings.KEWEI_BANK_NAME),
        "积分余额": Coalesce(Cast(F("points"), CharField()), Value("0")),
    }
    expression = Value(text, output_field=CharField())
    for name in variables_in(body):
        expression = Replace(expression, Value("{" + name + "}"), columns[name])
    return expression
