"""Names of audited actions, with the label the audit pages show."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "auth.login": _("登录"),
    "auth.logout": _("退出"),
    "auth.login_failed": _("登录失败"),
    "auth.locked": _("账户锁定"),
    "organisation.department.create": _("新建机构"),
    "organisation.department.rename": _("修改机构"),
    "organisation.department.move": _("调整上级机构"),
    "organisation.department.close": _("撤销机构"),
    "organisation.staff.create": _("新建用户"),
    "organisation.staff.update": _("修改用户"),
    "organisation.staff.unlock": _("解锁用户"),
    "organisation.staff.set_password": _("重置密码"),
    "organisation.staff.change_own_password": _("修改本人密码"),
    "audit.export": _("导出审计日志"),
}
