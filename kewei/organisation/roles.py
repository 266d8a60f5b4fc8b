"""Staff roles (角色). A role is a Django group named by its code; its default permissions
are defined here and granted when the role is first created, so a bank can tune them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HIGH_COUNTER_TELLER = "high_counter_teller", _("高柜柜员")
    COUNTER_STAFF = "counter_staff", _("低柜/VIP柜员")
    LOBBY_MANAGER = "lobby_manager", _("大堂经理")
    CUSTOMER_MANAGER = "customer_manager", _("客户经理")
    CM_SUPERVISOR = "cm_supervisor", _("客户经理主管")
    OUTLET_HEAD = "outlet_head", _("网点负责人")
    RETAIL_BANKING = "retail_banking", _("个金部")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    AUDITOR = "auditor", _("审计员")


# Roles whose staff see the customers of their whole department subtree.
DEPARTMENT_SCOPE_ROLES = frozenset(
    {
        Role.HIGH_COUNTER_TELLER,
        Role.COUNTER_STAFF,
        Role.LOBBY_MANAGER,
        Role.CM_SUPERVISOR,
        Role.OUTLET_HEAD,
        Role.RETAIL_BANKING,
    }
)
# Roles that see only the customers assigned to them (their book).
BOOK_SCOPE_ROLES = frozenset({Role.CUSTOMER_MANAGER})
# Roles that see the organisation (departments and staff) of their subtree.
ORG_VIEW_ROLES = frozenset({Role.CM_SUPERVISOR, Role.OUTLET_HEAD, Role.RETAIL_BANKING})
# Roles whose staff may be a customer's responsible manager (the rule, with activity and
# reach, is ``customers.selectors.assignable_managers``).
RESPONSIBLE_MANAGER_ROLES = frozenset({Role.CUSTOMER_MANAGER, Role.CM_SUPERVISOR, Role.OUTLET_HEAD})
# Business roles: any of them gives access to customer data. The administrator and
# the auditor hold none (separation of duties).
BUSINESS_ROLES = DEPARTMENT_SCOPE_ROLES | BOOK_SCOPE_ROLES

# The token of ``KEWEI_INCOMPATIBLE_ROLES`` that stands for every business role.
ANY_BUSINESS_ROLE = "business"


def incompatible_role_sets() -> list[frozenset[str]]:
    """The sets of roles no one may hold together (separation of duties), from
    ``KEWEI_INCOMPATIBLE_ROLES``: each entry is role codes joined by "+", where
    ``business`` stands for any business role ("system_admin+business": the
    administrator with any role that sees customer data)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    found: list[frozenset[str]] = []
    for entry in settings.KEWEI_INCOMPATIBLE_ROLES:
        codes = [code.strip() for code in entry.split("+") if code.strip()]
        unknown = set(codes) - set(Role.values) - {ANY_BUSINESS_ROLE}
        if len(codes) < 2 or unknown:
            raise ImproperlyConfigured(
                f"KEWEI_INCOMPATIBLE_ROLES: {entry!r} is not two or more role codes joined "
                f"by '+' (codes: {', '.join(Role.values)}, or {ANY_BUSINESS_ROLE})"
            )
        combinations: list[set[str]] = [set()]
        for code in codes:
            choices = sorted(BUSINESS_ROLES) if code == ANY_BUSINESS_ROLE else [code]
            combinations = [{*chosen, choice} for chosen in combinations for choice in choices]
        found.extend(frozenset(chosen) for chosen in combinations if len(chosen) == len(codes))
    return list(dict.fromkeys(found))


def role_conflicts(codes: set[str]) -> list[frozenset[str]]:
    """The incompatible sets that ``codes`` (one person's roles) contain, if any."""
    return [combination for combination in incompatible_role_sets() if combination <= codes]


_ORG_VIEW = ["organisation.view_department", "organisation.view_staff"]
_CUSTOMER_READ = [
    "customers.view_customer",
    "products.view_product",
    "points.view_pointsentry",
    "points.view_gift",
    "points.view_redemption",
]
# At the counter: redeem points for gifts, deliver them, propose adjustments.
_COUNTER_POINTS = ["points.redeem_gift", "points.change_redemption", "points.add_adjustment"]
# Potential VIPs are for the lobby, the counters and the customer managers to approach.
_POTENTIAL_VIPS = ["tiers.view_potentialvip", "tiers.change_potentialvip"]
# Every business role works on its care tasks and logs its contacts.
_CARE_WORK = [
    "care.view_task",
    "care.change_task",
    "care.view_contact",
    "care.add_contact",
    # Anyone at the counter records a complaint; its owner handles it.
    "complaints.add_complaint",
    "complaints.view_complaint",
]
# Writing to customers: customer managers and whoever keeps a customer's care.
_MESSAGES = [
    "messaging.view_message",
    "messaging.send_message",
    "messaging.view_messagetemplate",
    "events.view_clientevent",
]
# Supervisors review the log and the 5-20 plan, and comment on log entries.
# The analytics dashboard, within each one's data scope.
_ANALYTICS = ["analytics.view_analytics"]
_CARE_REVIEW = [
    "events.add_clientevent",
    "events.change_clientevent",
    "referrals.view_referral_ranking",
    "complaints.handle_complaint",
    "complaints.view_complaint_stats",
    "care.review_contacts",
    "care.add_contactcomment",
    "care.start_actionplan",
    "care.view_carerule",
]
_CUSTOMER_KEEP = [
    *_CUSTOMER_READ,
    *_CARE_WORK,
    "customers.add_customer",
    "customers.change_customer",
]
_CUSTOMER_MANAGE = [
    *_CUSTOMER_KEEP,
    "customers.assign_customer",
    "customers.export_customer",
    "customers.reveal_customer",
    "customers.merge_customer",
    "customers.import_customer",
]

DEFAULT_PERMISSIONS: dict[str, list[str]] = {
    Role.HIGH_COUNTER_TELLER: [*_CUSTOMER_KEEP, *_COUNTER_POINTS],
    Role.COUNTER_STAFF: [*_CUSTOMER_KEEP, *_COUNTER_POINTS],
    Role.LOBBY_MANAGER: [*_CUSTOMER_READ, *_CARE_WORK, *_POTENTIAL_VIPS],
    Role.CUSTOMER_MANAGER: [
        *_CUSTOMER_KEEP,
        *_POTENTIAL_VIPS,
        "customers.reveal_customer",
        "points.add_adjustment",
        "care.start_actionplan",
        *_MESSAGES,
        *_ANALYTICS,
    ],
    Role.CM_SUPERVISOR: [
        *_ORG_VIEW,
        *_CUSTOMER_KEEP,
        "customers.assign_customer",
        "customers.export_customer",
        "customers.reveal_customer",
        "points.approve_adjustment",
        "tiers.view_tierscheme",
        *_POTENTIAL_VIPS,
        *_CARE_REVIEW,
        *_MESSAGES,
        "messaging.send_batch",
        *_ANALYTICS,
    ],
    Role.OUTLET_HEAD: [
        *_ORG_VIEW,
        *_CUSTOMER_MANAGE,
        *_COUNTER_POINTS,
        *_POTENTIAL_VIPS,
        *_CARE_REVIEW,
        *_MESSAGES,
        "messaging.send_batch",
        "points.approve_adjustment",
        "tiers.view_tierscheme",
        *_ANALYTICS,
    ],
    Role.RETAIL_BANKING: [
        *_ORG_VIEW,
        *_CUSTOMER_MANAGE,
        "products.add_product",
        "products.change_product",
        "products.delete_product",
        "products.view_feedday",
        "points.view_earningrule",
        "points.add_earningrule",
        "points.change_earningrule",
        "points.add_pointspolicy",
        "points.add_gift",
        "points.change_gift",
        "points.add_stockmovement",
        "points.approve_adjustment",
        "points.approve_large_adjustment",
        "tiers.view_tierscheme",
        "tiers.add_tierscheme",
        "tiers.change_tierscheme",
        "tiers.change_tier",
        "tiers.evaluate_tiers",
        "tiers.view_potentialvip",
        *_CARE_REVIEW,
        "care.add_carerule",
        "care.change_carerule",
        "care.add_actionplan",
        "care.change_actionplan",
        "referrals.change_rewardcondition",
        "complaints.change_deadlinepolicy",
        "complaints.change_routingrule",
        *_MESSAGES,
        "messaging.send_batch",
        "messaging.add_messagetemplate",
        "messaging.change_messagetemplate",
        *_ANALYTICS,
        "analytics.change_analyticssettings",
    ],
    Role.SYSTEM_ADMIN: [
        *_ORG_VIEW,
        "organisation.add_department",
        "organisation.change_department",
        "organisation.add_staff",
        "organisation.change_staff",
        # The daily feed's log (counts and reject reasons; no customer data).
        "products.view_feedday",
        # The nightly batch's runs and steps (no customer data).
        "core.view_nightrun",
        # The systems that call the integration API and their tokens.
        "api.manage_api_access",
    ],
    Role.AUDITOR: ["audit.view_auditevent"],
}


def sync_roles(sender=None, **kwargs) -> None:
    """Create missing role groups and give each default permission to its role once
    (idempotent; a permission an administrator removed stays removed)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from kewei.organisation.models import RoleGrant

    # post_migrate is sent once per app; permissions of every app exist only after the
    # last app with models has had its turn.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not None and with_models and sender is not with_models[-1]:
        return
    using = kwargs.get("using", "default")
    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        granted = set(
            RoleGrant.objects.using(using).filter(role=group).values_list("permission", flat=True)
        )
        for dotted in DEFAULT_PERMISSIONS[role]:
            if dotted in granted:
                continue
            app_label, codename = dotted.split(".")
            permission = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is not None:
                group.permissions.add(permission)
                RoleGrant.objects.using(using).create(role=group, permission=dotted)
