from django.urls import reverse

from kewei.testing.access import AccessCase

CASES = [
    AccessCase(
        "analytics:settings",
        lambda b: reverse("analytics:settings"),
        allowed=lambda b: b.retail_a,
        denied=lambda b: b.head_a1,
        denied_status=403,
    ),
    AccessCase(
        "analytics:dashboard",
        lambda b: reverse("analytics:dashboard"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.admin,
        denied_status=403,
    ),
    AccessCase(
        "analytics:chart_data",
        lambda b: reverse("analytics:chart_data", args=["segments"]),
        allowed=lambda b: b.manager_a1,
        denied=lambda b: b.auditor,
        denied_status=403,
        # no evaluated day yet: nothing to download
        allowed_status=404,
    ),
]
