"""The request id and client address of the work in progress, for audit rows and logs."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("kewei_request_id", default="-")
client_ip_var: ContextVar[str | None] = ContextVar("kewei_client_ip", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_client_ip() -> str | None:
    return client_ip_var.get()
