"""The audited actions of sign-in (登录) and the organisation: departments and staff: the
codes the audit trail stores and their labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class OrganisationAction(models.TextChoices):
    AUTH_LOGIN = "auth.login", _("登录")
    AUTH_LOGOUT = "auth.logout", _("退出")
    AUTH_LOGIN_FAILED = "auth.login_failed", _("登录失败")
    AUTH_LOCKED = "auth.locked", _("账户锁定")
    DEPARTMENT_CREATE = "organisation.department.create", _("新建机构")
    DEPARTMENT_RENAME = "organisation.department.rename", _("修改机构")
    DEPARTMENT_MOVE = "organisation.department.move", _("调整上级机构")
    DEPARTMENT_CLOSE = "organisation.department.close", _("撤销机构")
    STAFF_CREATE = "organisation.staff.create", _("新建用户")
    STAFF_UPDATE = "organisation.staff.update", _("修改用户")
    STAFF_UNLOCK = "organisation.staff.unlock", _("解锁用户")
    STAFF_SET_PASSWORD = "organisation.staff.set_password", _("重置密码")
    STAFF_CHANGE_OWN_PASSWORD = "organisation.staff.change_own_password", _("修改本人密码")
