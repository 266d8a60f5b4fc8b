from django.urls import reverse

from kewei.messaging.models import MessageTemplate
from kewei.testing.access import AccessCase

MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
RETAIL_A, ADMIN, HEAD_A1 = (lambda b: b.retail_a), (lambda b: b.admin), (lambda b: b.head_a1)

CASES = [
    AccessCase(
        "messaging:template_list",
        lambda b: reverse("messaging:template_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "messaging:template_create",
        lambda b: reverse("messaging:template_create"),
        allowed=RETAIL_A,
        denied=HEAD_A1,
        denied_status=403,
    ),
    AccessCase(
        "messaging:template_update",
        lambda b: reverse(
            "messaging:template_update", args=[MessageTemplate.objects.get(code="SMS_GREETING").pk]
        ),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    # Writing to another manager's customer: not found.
    AccessCase(
        "messaging:compose",
        lambda b: reverse("messaging:compose", args=[b.customer_a1.pk]),
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "messaging:batch_create",
        lambda b: reverse("messaging:batch_create"),
        allowed=HEAD_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "messaging:message_list",
        lambda b: reverse("messaging:message_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
]
