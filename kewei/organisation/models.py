"""The organisation tree (部门管理) and the staff who use Kewei (用户管理)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.scope import DataScope, ScopedManager, ScopedModel, subtree_q


class DepartmentLevel(models.IntegerChoices):
    HEAD_OFFICE = 1, _("总行")
    BRANCH = 2, _("分行")
    SUB_BRANCH = 3, _("支行")
    OUTLET = 4, _("网点")


code_validator = RegexValidator(r"^[0-9A-Za-z]{2,20}$", _("机构代码须为 2–20 位字母或数字。"))


class Department(ScopedModel):
    """One unit of the bank: head office, a branch, a sub-branch or an outlet.

    ``path`` is the materialised path of codes from the root (``/000000/110000/``), so a
    whole subtree is one indexed prefix match.
    """

    code = models.CharField(_("机构代码"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("机构名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=DepartmentLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    closed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, level=DepartmentLevel.HEAD_OFFICE)
                | Q(parent__isnull=False, level__gt=DepartmentLevel.HEAD_OFFICE),
                name="department_only_head_office_is_root",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self) -> str:
        return reverse("organisation:department_detail", args=[self.pk])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        if scope.org_all:
            return Q()
        return subtree_q("path", scope.org_subtrees)


class StaffManager(ScopedManager, BaseUserManager):
    """Scoped like other organisation data; sign-in looks staff up beyond any scope."""

    def get_by_natural_key(self, username):
        return self.unrestricted().get(**{self.model.USERNAME_FIELD: username})


class Staff(AbstractBaseUser, PermissionsMixin, ScopedModel):
    """A member of staff who signs in to Kewei; their roles are their groups."""

    username = models.CharField(
        _("登录名"), max_length=50, unique=True, validators=[UnicodeUsernameValidator()]
    )
    employee_number = models.CharField(_("员工号"), max_length=20, unique=True)
    full_name = models.CharField(_("姓名"), max_length=50)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属机构"),
        on_delete=models.PROTECT,
        related_name="staff_members",
    )
    work_phone = models.CharField(_("工作电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("在职"), default=True)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)
    failed_login_count = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True, editable=False)

    objects = StaffManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["employee_number", "full_name", "department"]

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["department__path", "employee_number"]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.employee_number}）"

    def get_absolute_url(self) -> str:
        return reverse("organisation:staff_detail", args=[self.pk])

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name

    @property
    def role_codes(self) -> set[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True))
            self._role_codes = cached
        return cached

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        if scope.org_all:
            return Q()
        visible = subtree_q("department__path", scope.org_subtrees)
        if scope.staff_id is not None:
            visible |= Q(pk=scope.staff_id)
        return visible


class RoleGrant(models.Model):
    """A default permission that has been given to a role once.

    New permissions in a release reach existing roles; a permission an administrator has
    taken away from a role is not given back, because its grant is remembered.
    """

    role = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="+")
    permission = models.CharField(max_length=150)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "permission"], name="role_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.role_id}: {self.permission}"
