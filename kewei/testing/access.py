"""One shared check that every page (and, later, API endpoint) enforces access control.

Each app lists its views as :class:`AccessCase` rows in ``<app>/tests/access_cases.py``.
The suite (``kewei/tests/test_access_control.py``) runs every case three ways:

- anonymous: redirected to the login page (an API endpoint: 401), nothing written;
- a signed-in user who must not reach the object: 404 when it lies outside their data
  scope, 403 when they lack the permission, nothing written;
- a user in scope: the page answers.

A further test fails when a URL has no case, so no new view can forget access control.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kewei.testing.factories import SmallBank


@dataclass(frozen=True)
class AccessCase:
    url_name: str
    url: Callable[[SmallBank], str]
    allowed: Callable[[SmallBank], Any]
    denied: Callable[[SmallBank], Any] | None
    denied_status: int = 404
    method: str = "get"
    data: Callable[[SmallBank], dict] = field(default=lambda bank: {})
    allowed_status: int = 200
    # Pages send anonymous visitors to sign in (302); the API answers 401.
    anonymous_status: int = 302
    headers: dict[str, str] = field(default_factory=dict)
    # API endpoints take their data as JSON.
    json: bool = False

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}"


# URL names that are public on purpose. ``metrics`` needs no sign-in: it answers only the
# monitoring's addresses or token (``core.metrics``; tested in core/tests/test_serving.py).
PUBLIC_URLS = {"login", "set_language", "health", "readiness", "metrics"}
