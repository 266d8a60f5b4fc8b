"""The request id and client address of the work in progress, for audit rows and logs."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("kewei_request_id", default="-")
client_ip_var: ContextVar[str | None] = ContextVar("kewei_client_ip", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_client_ip() -> str | None:
    return client_ip_var.get()


# Set while the integration API handles a request: which token (or "API" for a staff
# session) made the call, so that every audit row of the request names it.
api_client_var: ContextVar[str | None] = ContextVar("kewei_api_client", default=None)


def current_api_client() -> str | None:
    return api_client_var.get()
