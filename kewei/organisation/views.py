"""Pages of 部门管理 and 用户管理. Objects come through the scoped default managers, so a
department or staff member outside the user's scope answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.core.form_views import form_page
from kewei.core.params import int_param
from kewei.organisation import forms, selectors, services
from kewei.organisation.models import Department, Staff
from kewei.organisation.roles import Role


@permission_required("organisation.view_department", raise_exception=True)
def department_list(request: HttpRequest) -> HttpResponse:
    show_closed = request.GET.get("closed") == "1"
    departments = selectors.department_tree()
    if not show_closed:
        departments = departments.filter(is_active=True)
    departments = list(departments)
    counts = selectors.department_headcount()
    for department in departments:
        department.direct_staff, department.total_staff = counts.get(department.pk, (0, 0))
    return render(
        request,
        "organisation/department_list.html",
        {"departments": departments, "show_closed": show_closed},
    )


@permission_required("organisation.view_department", raise_exception=True)
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department.objects.select_related("parent"), pk=pk)
    return render(
        request,
        "organisation/department_detail.html",
        {
            "department": department,
            "children": department.children.order_by("path"),
            "staff": selectors.staff_list(department=department).filter(department=department),
        },
    )


@permission_required("organisation.add_department", raise_exception=True)
def department_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        forms.DepartmentCreateForm(request.POST or None),
        save=lambda data: services.department_create(actor=request.user, **data),
        done=lambda department: department,
        message=lambda department: _("已新建机构 %(name)s。") % {"name": department},
        title=_("新建机构"),
        cancel_url=reverse("organisation:department_list"),
    )


@permission_required("organisation.change_department", raise_exception=True)
def department_rename(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk)
    return form_page(
        request,
        forms.DepartmentRenameForm(request.POST or None, initial={"name": department.name}),
        save=lambda data: services.department_rename(
            actor=request.user, department=department, name=data["name"]
        ),
        done=lambda department: department,
        message=_("机构名称已修改。"),
        title=_("修改机构名称：%(d)s") % {"d": department},
        cancel_url=department.get_absolute_url(),
    )


@permission_required("organisation.change_department", raise_exception=True)
def department_move(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk)
    return form_page(
        request,
        forms.DepartmentMoveForm(
            request.POST or None, initial={"new_parent": department.parent_id}
        ),
        save=lambda data: services.department_move(
            actor=request.user, department=department, new_parent=data["new_parent"]
        ),
        done=lambda department: department,
        message=_("已调整上级机构。"),
        title=_("调整上级机构：%(d)s") % {"d": department},
        cancel_url=department.get_absolute_url(),
    )


@require_POST
@permission_required("organisation.change_department", raise_exception=True)
def department_close(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk)
    try:
        services.department_close(actor=request.user, department=department)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("机构 %(d)s 已撤销。") % {"d": department})
    return redirect("organisation:department_detail", pk=department.pk)


@permission_required("organisation.view_staff", raise_exception=True)
def staff_list(request: HttpRequest) -> HttpResponse:
    department = None
    department_id = int_param(request.GET, "department")
    if department_id is not None:
        department = Department.objects.filter(pk=department_id).first()
    query = request.GET.get("q", "").strip()
    include_inactive = request.GET.get("inactive") == "1"
    staff = selectors.staff_list(
        department=department, query=query, include_inactive=include_inactive
    )
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "organisation/staff_list.html",
        {
            "page_obj": page,
            "query": query,
            "department": department,
            "departments": selectors.department_tree().filter(is_active=True),
            "include_inactive": include_inactive,
            "role_labels": dict(Role.choices),
        },
    )


@permission_required("organisation.view_staff", raise_exception=True)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(Staff.objects.select_related("department"), pk=pk)
    roles = [Role(code).label for code in sorted(staff.role_codes) if code in Role.values]
    return render(
        request,
        "organisation/staff_detail.html",
        {"staff_member": staff, "roles": roles, "locked": staff.is_locked()},
    )


@permission_required("organisation.add_staff", raise_exception=True)
def staff_create(request: HttpRequest) -> HttpResponse:
    def save(data):
        return services.staff_create(
            actor=request.user,
            username=data["username"],
            employee_number=data["employee_number"],
            full_name=data["full_name"],
            department=data["department"],
            roles=data["roles"],
            password=data["password1"],
            work_phone=data["work_phone"],
        )

    return form_page(
        request,
        forms.StaffCreateForm(request.POST or None),
        save=save,
        done=lambda staff: staff,
        message=lambda staff: _("已新建用户 %(s)s。") % {"s": staff},
        title=_("新建用户"),
        cancel_url=reverse("organisation:staff_list"),
    )


@permission_required("organisation.change_staff", raise_exception=True)
def staff_update(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(Staff, pk=pk)
    initial = {
        "full_name": staff.full_name,
        "department": staff.department_id,
        "roles": sorted(staff.role_codes),
        "work_phone": staff.work_phone,
        "is_active": staff.is_active,
    }
    return form_page(
        request,
        forms.StaffUpdateForm(request.POST or None, initial=initial),
        save=lambda data: services.staff_update(actor=request.user, staff=staff, **data),
        done=lambda staff: staff,
        message=_("用户信息已保存。"),
        title=_("修改用户：%(s)s") % {"s": staff},
        cancel_url=staff.get_absolute_url(),
    )


@permission_required("organisation.change_staff", raise_exception=True)
def staff_password(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(Staff, pk=pk)
    return form_page(
        request,
        forms.StaffPasswordForm(request.POST or None),
        save=lambda data: services.staff_set_password(
            actor=request.user, staff=staff, password=data["password1"]
        ),
        done=lambda staff: staff,
        message=_("密码已重置。"),
        title=_("重置密码：%(s)s") % {"s": staff},
        cancel_url=staff.get_absolute_url(),
    )


@require_POST
@permission_required("organisation.change_staff", raise_exception=True)
def staff_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(Staff, pk=pk)
    services.staff_unlock(actor=request.user, staff=staff)
    messages.success(request, _("账户已解锁。"))
    return redirect("organisation:staff_detail", pk=staff.pk)
