from django.urls import reverse

from kewei.testing.access import AccessCase

CASES = [
    AccessCase("home", lambda b: reverse("home"), allowed=lambda b: b.teller_a1, denied=None),
    AccessCase(
        "password_change",
        lambda b: reverse("password_change"),
        allowed=lambda b: b.manager_a1,
        denied=None,
    ),
    AccessCase(
        "logout",
        lambda b: reverse("logout"),
        method="post",
        allowed=lambda b: b.manager_a1,
        denied=None,
        allowed_status=302,
    ),
    # The nightly batch's state: the system administrator.
    AccessCase(
        "night_run_list",
        lambda b: reverse("night_run_list"),
        allowed=lambda b: b.admin,
        denied=lambda b: b.manager_a1,
        denied_status=403,
    ),
]
