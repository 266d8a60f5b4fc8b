from django.urls import reverse

from kewei.testing.access import AccessCase

CASES = [
    AccessCase(
        "referrals:best_referrers",
        lambda b: reverse("referrals:best_referrers"),
        allowed=lambda b: b.supervisor_a1,
        denied=lambda b: b.manager_a1,
        denied_status=403,
    ),
    AccessCase(
        "referrals:condition_update",
        lambda b: reverse("referrals:condition_update"),
        allowed=lambda b: b.retail_a,
        denied=lambda b: b.supervisor_a1,
        denied_status=403,
    ),
]
