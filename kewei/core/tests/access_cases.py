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
]
