"""Typed access to the environment: every setting that varies by deployment is read here.

Values come from the process environment, then from a ``.env`` file in the working
directory (``KEY=value`` lines), then from the default given by the caller.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_MISSING = object()


class ImproperlyConfiguredEnv(RuntimeError):
    """A required environment value is missing or malformed."""


def _dotenv(path: Path = Path(".env")) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


_DOTENV = _dotenv()


def raw(name: str) -> str | None:
    if name in os.environ:
        return os.environ[name]
    return _DOTENV.get(name)


def _read(name: str, default: object, cast: Callable[[str], T]) -> T:
    value = raw(name)
    if value is None or value == "":
        if default is _MISSING:
            raise ImproperlyConfiguredEnv(
                f"环境变量 {name} 未设置 / environment variable {name} is required"
            )
        return default  # type: ignore[return-value]
    try:
        return cast(value)
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(
            f"环境变量 {name} 的值无效 / {name} is malformed: {exc}"
        ) from exc


def _to_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _to_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def string(name: str, default: str | object = _MISSING) -> str:
    return _read(name, default, str)


def integer(name: str, default: int | object = _MISSING) -> int:
    return _read(name, default, int)


def boolean(name: str, default: bool | object = _MISSING) -> bool:
    return _read(name, default, _to_bool)


def str_list(name: str, default: list[str] | object = _MISSING) -> list[str]:
    return _read(name, default, _to_list)
